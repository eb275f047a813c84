"""Scenario 6: every page of the navigation loads without a Streamlit exception box, in both languages, and a
full-page screenshot of each is saved under test-output/e2e/pages/ (LANG_PAGE.png).

The pages are the ones dashboard.py registers (its ``url_path=...`` entries), so a page added there is
covered without editing this test; the sidebar navigation must list exactly those. The sign-in page, shown
once an account exists, is checked on its own server (LANG_login.png), and signing in opens the Overview.
"""

from __future__ import annotations

import re

import pytest

from analytics.i18n import t
from tests.e2e import ui
from tests.e2e.server import REPO, cli

pytestmark = pytest.mark.e2e

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def registered_pages() -> list[str]:
    """url_path of every page in dashboard.py's PAGES, in order; the default page's link is the root ('')."""
    source = (REPO / "dashboard.py").read_text(encoding="utf-8")
    block = source[source.index("PAGES = ["): source.index("\n]", source.index("PAGES = ["))]
    pages = []
    for entry in re.split(r"\bst\.Page\(", block)[1:]:
        path = re.search(r'url_path="([^"]+)"', entry)
        assert path, f"a page in dashboard.py has no url_path: {entry[:80]}"
        pages.append("" if re.search(r"default=True", entry) else path.group(1))
    return pages


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_loads_without_an_exception(page, app_server, output_dir, lang):
    ui.open_app(page, app_server.url)
    if lang != "zh":
        ui.set_language(page, LANGUAGE_NAMES[lang])
    links = ui.nav_paths(page)
    assert sorted(links) == sorted(registered_pages()), "the navigation does not list what dashboard.py registers"
    problems, notes = [], []
    for path in links:
        name = path or "overview"
        ui.goto(page, path)
        shot = ui.full_screenshot(page, output_dir / "pages" / f"{lang}_{name}.png")
        boxes = ui.exceptions(page)
        if boxes:
            problems.append(f"{name}: exception box {boxes} (screenshot {shot})")
        if page.get_by_text("Page not found", exact=False).count():
            problems.append(f"{name}: 'Page not found' (screenshot {shot})")
        if not ui.main(page).locator("h1").count():
            problems.append(f"{name}: no page title (screenshot {shot})")
        # the language radio (the sidebar also has the comparison rule's radio)
        language = ui.sidebar(page).locator('[data-testid="stRadio"]').filter(has_text=t("sidebar.language", lang))
        chosen = language.locator('input[type="radio"]:checked')
        if chosen.count() != 1 or ui.sidebar(page).get_by_text(t("sidebar.filters", lang), exact=True).count() != 1:
            problems.append(f"{name}: the sidebar is not drawn in {lang}")
        if lang == "en":
            # Names and data from files may be Chinese; the interface text should not be. Reported, not failed.
            chinese = sorted({m for m in CJK.findall(ui.main(page).inner_text())})
            if chinese:
                notes.append(f"{name}: {len(chinese)} distinct Chinese characters on the English page")
    print("\n[e2e] pages:", ", ".join(p or "overview" for p in links), "| notes:", "; ".join(notes) or "none")
    assert problems == [], "\n".join(problems) + "\n--- server log ---\n" + app_server.log_tail()


def test_sign_in_page_in_both_languages(page, server_factory, db_copy, output_dir):
    db = db_copy("accounts.duckdb")
    password = "e2e-password-0123"
    cli(db, "users", "add", "e2e-admin", "--role", "admin", "--password-stdin", stdin=password + "\n")
    server = server_factory(db)
    ui.open_app(page, server.url)
    for lang in ("zh", "en"):
        if lang != "zh":
            ui.set_language(page, LANGUAGE_NAMES[lang])
        main = ui.main(page)
        assert main.get_by_role("heading", name=t("login.title", lang)).is_visible()
        assert main.get_by_role("textbox", name=t("login.username", lang)).is_visible()
        assert ui.nav_paths(page) == [] or page.locator('[data-testid="stSidebarNav"]').count() == 0
        assert ui.exceptions(page) == []
        ui.full_screenshot(page, output_dir / "pages" / f"{lang}_login.png")
    main = ui.main(page)
    main.get_by_role("textbox", name=t("login.username", "en")).fill("e2e-admin")
    main.get_by_role("textbox", name=t("login.password", "en")).fill(password)
    ui.rerun(page, lambda: main.get_by_role("button", name=t("login.submit", "en")).click())
    main.get_by_role("heading", name=t("overview.title", "en")).wait_for()
    assert ui.exceptions(page) == []


LEADER_PAGES = ("overview", "map", "breakdowns")
OVERFLOW_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const block = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
  const out = [];
  if (main.scrollWidth > main.clientWidth + 1) {
    out.push(`the page scrolls sideways (${main.scrollWidth} > ${main.clientWidth})`);
  }
  for (const el of document.querySelectorAll('[data-testid="stMainBlockContainer"] [data-testid="stDataFrame"], '
                                             + '[data-testid="stMainBlockContainer"] .js-plotly-plot')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > block.right + 1) {
      out.push(`${el.dataset.testid || 'chart'} ends at ${box.right} > ${block.right}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("width", [1280, 1440])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_leaders_pages_fit_1280_and_1440_pixels(page, app_server, output_dir, lang, width):
    """Issue 15: Overview, Map and Breakdowns at 1280 and 1440 px in both languages, nothing cut at the right;
    the screenshots are test-output/e2e/leaders/LANG_PAGE_WIDTH.png."""
    page.set_viewport_size({"width": width, "height": 900})
    ui.open_app(page, app_server.url)
    if lang != "zh":
        ui.set_language(page, LANGUAGE_NAMES[lang])
    problems = []
    for name in LEADER_PAGES:
        ui.goto(page, "" if name == "overview" else name)
        shot = ui.full_screenshot(page, output_dir / "leaders" / f"{lang}_{name}_{width}.png")
        assert ui.exceptions(page) == [], f"{name}: exception (screenshot {shot})"
        problems += [f"{name} {lang} {width}px: {p} (screenshot {shot})" for p in page.evaluate(OVERFLOW_JS)]
    assert problems == []
