"""Driving Streamlit 1.67's front end with Playwright: waiting for runs, sidebar widgets, grids, screenshots.

Streamlit marks the app root ``[data-testid="stApp"]`` with ``data-test-script-state`` (``running`` /
``notRunning``). ``INIT_SCRIPT`` counts every transition to ``notRunning`` in ``window.__stRuns``, so
``rerun(page, action)`` can wait for the run an action starts to *finish* instead of sleeping.

``st.dataframe`` draws on a canvas; its grid (glide-data-grid) also keeps an accessibility table
(``table[role=grid]``) of the cells in view, each with ``aria-rowindex`` / ``aria-colindex``. ``grid_rows``
scrolls the grid through every position and collects those cells: exactly what the page shows. (The toolbar's
"Download as CSV" is switched off in Jingmin, because it would bypass the audit log.)
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

# playwright is pinned in requirements-dev.txt; when it is missing, collecting tests/e2e fails (never skips).
from playwright.sync_api import Error as PlaywrightError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 900}
CONSOLE: dict[int, list[str]] = {}

INIT_SCRIPT = """
(() => {
  // Let grid CSV exports fall back to a plain download Playwright can catch.
  try { delete window.showSaveFilePicker; } catch (e) {}
  try { window.showSaveFilePicker = undefined; } catch (e) {}
  window.__stRuns = 0;
  let last = null;
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute('data-test-script-state') : null;
    if (state !== last) {
      if (state === 'notRunning' && last !== null) window.__stRuns += 1;
      last = state;
    }
  }).observe(document, {subtree: true, childList: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
  // A busy browser may apply the server's "running" and "finished" in one render: the attribute above then never
  // changes. The server's own message counts the run too: a ForwardMsg whose field 6 (script_finished) is 0.
  window.__stFinished = 0;
  const scriptFinished = (bytes) => {
    let at = 0;
    const varint = () => { let v = 0, m = 1, b; do { b = bytes[at++]; v += (b & 127) * m; m *= 128; }
                           while (b & 128 && at < bytes.length); return v; };
    while (at < bytes.length) {
      const key = varint(), wire = key % 8;
      if (wire === 0) { const v = varint(); if ((key >> 3) === 6) return v === 0; }
      else if (wire === 2) { const n = varint(); at += n; }  // (at += varint() would add to the old at)
      else if (wire === 1 || wire === 5) at += wire === 1 ? 8 : 4;
      else return false;
    }
    return false;
  };
  const seen = (data) => { if (scriptFinished(new Uint8Array(data))) window.__stFinished += 1; };
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        if (e.data instanceof ArrayBuffer) seen(e.data);
        else if (e.data instanceof Blob) e.data.arrayBuffer().then(seen);
      });
    }
  };
})();
"""

APP = '[data-testid="stApp"]'
SIDEBAR = '[data-testid="stSidebar"]'
MAIN = '[data-testid="stMainBlockContainer"]'
EXCEPTION = '[data-testid="stException"]'
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stSkeleton"]');
}"""


def new_page(browser: Browser) -> Page:
    """A page in a new context: a new Streamlit session, downloads allowed, run counter installed."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN")
    context.add_init_script(INIT_SCRIPT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    log: list[str] = []
    CONSOLE[id(page)] = log
    page.on("console", lambda m: log.append(f"console {m.type}: {m.text[:300]}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: log.append(f"page error: {e}"))
    # The page icon (:material/...) is fetched from fonts.gstatic.com, which an offline machine cannot reach.
    page.on("requestfailed", lambda r: log.append(f"request failed: {r.url[:200]} {r.failure}")
            if "fonts.gstatic.com" not in r.url else None)
    return page


def console_log(page: Page) -> list[str]:
    """Browser console errors/warnings, page errors and failed requests seen by ``page`` (for failure reports)."""
    return CONSOLE.get(id(page), [])


def settle(page: Page, timeout: float = 60_000) -> None:
    """Wait until the page is drawn, no script runs and no skeleton placeholder is left."""
    page.wait_for_selector(MAIN, timeout=timeout)
    page.wait_for_function(IDLE_JS, timeout=timeout, polling=100)
    page.wait_for_timeout(200)  # let the last delta paint (charts, grids)
    page.wait_for_function(IDLE_JS, timeout=timeout, polling=100)


def rerun(page: Page, action: Callable[[], object], timeout: float = 90_000) -> None:
    """Do ``action`` (which makes Streamlit run the script) and wait for that run to finish."""
    before = page.evaluate("() => [window.__stRuns || 0, window.__stFinished || 0]")
    action()
    # The run is seen ending by the page's state attribute or, when a busy browser skipped that change, by the
    # server's script-finished message (INIT_SCRIPT).
    page.wait_for_function(
        """([runs, finished]) => ((window.__stRuns || 0) > runs || (window.__stFinished || 0) > finished)
             && document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')
                === 'notRunning'""",
        arg=before, timeout=timeout, polling=100)
    settle(page, timeout)


def open_app(page: Page, url: str) -> None:
    page.goto(url + "/")
    settle(page)


def sidebar(page: Page) -> Locator:
    return page.locator(SIDEBAR)


def main(page: Page) -> Locator:
    return page.locator(MAIN)


def set_language(page: Page, name: str) -> None:
    """Click the sidebar language radio's label ('中文' or 'English')."""
    option = sidebar(page).locator('[data-testid="stRadio"] label').filter(has_text=name)
    rerun(page, lambda: option.first.click())


def open_options(page: Page, box: Locator, option: str) -> Locator:
    """Open the combobox ``box``'s list (its input, else its arrow button, else the keyboard) until ``option``
    shows; return that option (not clicked)."""
    wanted = page.get_by_role("option", name=option, exact=True)
    arrow = box.locator("xpath=ancestor::div[@role='group'][1]").locator('button[aria-haspopup="listbox"]')
    openers = [lambda: box.click(), lambda: arrow.first.click(),
               lambda: (box.focus(), page.keyboard.press("ArrowDown"))]
    for attempt, opener in enumerate(openers * 2):
        if box.get_attribute("aria-expanded") != "true":
            opener()
        try:
            wanted.wait_for(state="visible", timeout=3_000)
        except PlaywrightError:  # the list did not open (or a redraw closed it): try the next way
            if attempt == 2 * len(openers) - 1:
                raise
            page.keyboard.press("Escape")
            continue
        return wanted
    raise AssertionError("unreachable: the last attempt raises")


def _pick_option(page: Page, box: Locator, option: str) -> None:
    """Open the combobox ``box``'s list and click ``option`` (see :func:`open_options`)."""
    wanted = open_options(page, box, option)
    rerun(page, lambda: wanted.click())


def choose(page: Page, label: str, option: str, scope: Locator | None = None) -> None:
    """Pick ``option`` in the selectbox labelled ``label``."""
    box = (scope or sidebar(page)).get_by_role("combobox", name=label, exact=True)
    if box.input_value() == option:
        return
    _pick_option(page, box, option)


def multiselect_add(page: Page, label: str, search: str, option: str, scope: Locator | None = None) -> None:
    """Type ``search`` into the multiselect ``label`` and pick ``option``."""
    box = (scope or sidebar(page)).get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(search)
    _pick_option(page, box, option)
    if box.get_attribute("aria-expanded") == "true":
        page.keyboard.press("Escape")


def slider_thumb(page: Page, label: str, which: str) -> Locator:
    """The range input of a range slider's ``start`` or ``end`` thumb."""
    return sidebar(page).locator(f'input[type="range"][aria-label="{label} — {which}"]')


def set_slider(page: Page, label: str, which: str, value: str) -> None:
    """Move a range slider thumb with the keyboard until it shows ``value``, then wait for the runs to finish.

    Each key press is a change Streamlit reruns for; the thumb shows the new value at once, so the keys are
    pressed without waiting for each run (Streamlit drops an outdated run when a newer change arrives).
    """
    thumb = slider_thumb(page, label, which)
    if thumb.get_attribute("aria-valuetext") == value:
        return

    def move() -> None:
        thumb.focus()
        for key, end in (("ArrowLeft", "min"), ("ArrowRight", "max")):
            while (thumb.get_attribute("aria-valuetext") != value
                   and thumb.get_attribute("value") != thumb.get_attribute(end)):
                before = thumb.get_attribute("value")
                page.keyboard.press(key)
                page.wait_for_function("([el, v]) => el.value !== v", arg=[thumb.element_handle(), before],
                                       timeout=10_000)
            if thumb.get_attribute("aria-valuetext") == value:
                return
        raise AssertionError(f"slider {label!r} has no {which} value {value!r}")

    rerun(page, move)
    assert thumb.get_attribute("aria-valuetext") == value


def _root_link(page: Page) -> Locator:
    hrefs = page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "els => els.map(e => e.getAttribute('href'))")
    for index, href in enumerate(hrefs):
        if href.rstrip("/").count("/") == 2:  # http://host:port/
            return page.locator('[data-testid="stSidebarNav"] a').nth(index)
    raise AssertionError(f"no link to the default page among {hrefs}")


def nav_paths(page: Page) -> list[str]:
    """url_path of every page in the sidebar navigation, in order ('' for the default page)."""
    hrefs = page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "els => els.map(e => e.getAttribute('href'))")
    return [href.split("//", 1)[-1].split("/", 1)[1].strip("/") if "/" in href.split("//", 1)[-1] else ""
            for href in hrefs]


def goto(page: Page, url_path: str) -> None:
    """Open a page by clicking its sidebar link (keeps the session: language and filters stay)."""
    link = _root_link(page) if not url_path else page.locator(f'[data-testid="stSidebarNav"] a[href$="/{url_path}"]')
    rerun(page, lambda: link.first.click())


def texts(locator: Locator) -> list[str]:
    return [t.strip() for t in locator.all_inner_texts()]


def metrics(page: Page) -> dict[str, str]:
    """Headline st.metric tiles: label -> shown value."""
    out = {}
    for tile in main(page).locator('[data-testid="stMetric"]').all():
        label = tile.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = tile.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def exceptions(page: Page) -> list[str]:
    """Text of every Streamlit exception box on the page."""
    return texts(page.locator(EXCEPTION))


def alerts(page: Page, kind: str) -> list[str]:
    """Text of the st.success / st.error / st.warning / st.info boxes ('stAlertContentSuccess' etc.)."""
    return texts(main(page).locator(f'[data-testid="stAlertContent{kind.capitalize()}"]'))


def parse_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def download(page: Page, trigger: Callable[[], object], timeout: float = 60_000) -> tuple[str, bytes]:
    """Run ``trigger`` and return the (suggested file name, bytes) of the download it starts."""
    try:
        with page.expect_download(timeout=timeout) as info:
            trigger()
        item = info.value
    except PlaywrightError as exc:  # say what the browser saw
        log = "\n".join(console_log(page)[-20:]) or "(nothing in the browser console)"
        raise AssertionError(f"no download within {timeout / 1000:.0f}s: {exc}\nbrowser:\n{log}") from exc
    failure = item.failure()
    assert failure is None, f"download {item.suggested_filename} failed: {failure}"
    data = Path(item.path()).read_bytes()
    # A download button's click also reruns the script (its audit callback): a click on the next button
    # while that run redraws the page can be lost, so wait for the page to be idle again.
    settle(page)
    return item.suggested_filename, data


_GRID_CELLS = """(grid) => {
    const cells = [];
    for (const row of grid.querySelectorAll('table[role="grid"] tr[aria-rowindex]')) {
        const r = Number(row.getAttribute('aria-rowindex'));
        for (const cell of row.querySelectorAll('th[aria-colindex], td[aria-colindex]')) {
            cells.push([r, Number(cell.getAttribute('aria-colindex')), cell.innerText]);
        }
    }
    const s = grid.querySelector('.dvn-scroller');
    return {cells, scroll: s ? [s.scrollWidth, s.clientWidth, s.scrollHeight, s.clientHeight] : [0, 0, 0, 0]};
}"""
_GRID_SCROLL = """([grid, left, top]) => { const s = grid.querySelector('.dvn-scroller'); if (s) { s.scrollLeft = left;
    s.scrollTop = top; } }"""


def grid_rows(page: Page, grid: Locator) -> list[dict[str, str]]:
    """The cells an st.dataframe shows, as rows keyed by the header (the grid is scrolled through every part)."""
    grid.scroll_into_view_if_needed()
    handle = grid.element_handle()
    first = page.evaluate(_GRID_CELLS, handle)
    width, view_w, height, view_h = first["scroll"]
    found: dict[tuple[int, int], str] = {}
    step_w, step_h = max(view_w - 40, 100), max(view_h - 40, 100)
    shown = first["cells"]
    for top in range(0, max(height - view_h, 0) + step_h, step_h):
        for left in range(0, max(width - view_w, 0) + step_w, step_w):
            if (left, top) != (0, 0):
                page.evaluate(_GRID_SCROLL, [handle, left, top])
                # The grid redraws its accessibility table a few frames after a scroll: wait for the change.
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    page.wait_for_timeout(100)
                    now = page.evaluate(_GRID_CELLS, handle)["cells"]
                    if now != shown:
                        break
                page.wait_for_timeout(150)
                shown = page.evaluate(_GRID_CELLS, handle)["cells"]
            for r, c, text in shown:
                found[(r, c)] = text
    page.evaluate(_GRID_SCROLL, [handle, 0, 0])
    if not found:
        return []
    n_cols = max(c for _r, c in found)
    header = [found.get((1, c), "") for c in range(1, n_cols + 1)]
    rows = []
    for r in sorted({r for r, _c in found if r > 1}):
        rows.append({header[c - 1]: found.get((r, c), "") for c in range(1, n_cols + 1)})
    return rows


def grids(page: Page) -> list[Locator]:
    return main(page).locator('[data-testid="stDataFrame"]').all()


def grid_with_column(page: Page, column: str) -> list[dict[str, str]]:
    """Rows of the first grid on the page (top to bottom) that has ``column``.

    A grid draws its accessibility table a few frames after it appears (longer on a loaded machine), so the
    page is read again until a grid with the column shows up or 20 s have passed.
    """
    deadline = time.monotonic() + 20
    while True:
        seen = []
        for grid in grids(page):
            rows = grid_rows(page, grid)
            if rows and column in rows[0]:
                return rows
            seen.append(list(rows[0]) if rows else [])
        if time.monotonic() > deadline:
            break
        page.wait_for_timeout(300)
    raise AssertionError(f"no grid has a column {column!r}; the grids' columns: {seen}")


def full_screenshot(page: Page, path: Path, settle_first: bool = True) -> Path:
    """A screenshot of the whole page: Streamlit scrolls inside stMain, so grow the viewport to fit first."""
    if settle_first:
        settle(page)
    size = page.viewport_size or {"width": 1440, "height": 900}
    height = page.evaluate("""() => Math.max(window.innerHeight, ...['stMain', 'stSidebarContent'].map(id => {
        const el = document.querySelector(`[data-testid="${id}"]`); return el ? el.scrollHeight : 0; }))""")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.mouse.move(1, 1)  # no hover toolbar or tooltip in the picture
    try:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12_000)})
        page.wait_for_timeout(500)  # charts and grids redraw at the new size
        page.screenshot(path=str(path), full_page=True, animations="disabled")
    finally:
        page.set_viewport_size(size)
    return path


# The Overview's heat-map is a plotly figure (app_pages/overview.py): the browser holds it as the plot div's
# ``data`` and ``layout``. Rows are the y axis's tick labels, columns the x axis's; per cell the trace has the
# text shown, the hover text and (customdata) the number underneath: the rate in percent or the mean score,
# null for a suppressed or empty cell, which never reaches the browser.
_HEATMAP_JS = """() => {
    for (const el of document.querySelectorAll('[data-testid="stMainBlockContainer"] .js-plotly-plot')) {
        const trace = (el.data || []).find(t => t.type === 'heatmap');
        if (!trace) continue;
        const unescape = s => { const d = document.createElement('textarea'); d.innerHTML = s; return d.value; };
        const xaxis2 = el.layout.xaxis2 || {};
        return {rows: el.layout.yaxis.ticktext.map(r => unescape(r.split('<br>').join(' '))),
                columns: el.layout.xaxis.ticktext.map(c => unescape(c.split('<br>').join(' '))),
                text: trace.text, hover: trace.hovertext, numbers: trace.customdata,
                trend: unescape(((xaxis2.title || {}).text || '').split('<br>').join(' ')),
                width: el.getBoundingClientRect().width};
    }
    return null;
}"""


class Heatmap:
    """The Overview's heat-map as drawn in the browser (see ``_HEATMAP_JS``)."""

    def __init__(self, found: dict) -> None:
        self.rows: list[str] = found["rows"]
        self.columns: list[str] = found["columns"]
        self.text: list[list[str]] = found["text"]
        self.hover: list[list[str]] = found["hover"]
        self.numbers: list[list[float | None]] = found["numbers"]
        self.trend: str = found["trend"]
        self.width: float = found["width"]

    def cell(self, row: str, column: str, what: str = "text") -> str | float | None:
        return getattr(self, what)[self.rows.index(row)][self.columns.index(column)]


def heatmap(page: Page, timeout: float = 20) -> Heatmap:
    """The Overview's heat-map figure (waits up to ``timeout`` seconds for plotly to draw it)."""
    deadline = time.monotonic() + timeout
    while True:
        found = page.evaluate(_HEATMAP_JS)
        if found is not None:
            return Heatmap(found)
        if time.monotonic() > deadline:
            raise AssertionError("no heat-map figure on the page")
        page.wait_for_timeout(300)
