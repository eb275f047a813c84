"""A language switch keeps what was chosen (found in the browser: after English → 中文 the Trends page drew no
chart, its "lines shown" emptied, and a jurisdiction filter in the sidebar silently became "all").

Streamlit keeps a select widget's value as the labels it shows; a switch of language changes every label, so the
dashboard sets the chosen values again as codes when the language changes (``app_pages/common.carry_choices``).
AppTest does not go through the labels, so only a browser shows this.
"""

from __future__ import annotations

import pytest

from analytics.i18n import t
from tests.e2e import reference, ui

pytestmark = pytest.mark.e2e

CODES = ("S03", "S11")


def chips(page, scope, label: str) -> list[str]:
    """The chosen values a multiselect labelled ``label`` shows, as drawn."""
    box = scope.locator('[data-testid="stMultiSelect"]').filter(has=page.get_by_text(label, exact=True))
    tags = box.first.locator('[data-testid="stMultiSelectTagsContainer"] [data-tag]')
    return [tags.nth(i).get_attribute("aria-label") for i in range(tags.count())]


def charts(page) -> int:
    return ui.main(page).locator(".js-plotly-plot").count()


def test_the_sidebar_filter_and_the_trend_lines_survive_language_switches(page, app_server, demo_db, output_dir):
    registry = reference.registry(demo_db)
    ui.open_app(page, app_server.url)
    for code in CODES:
        name = registry[code]["name_zh"]
        ui.multiselect_add(page, t("sidebar.jurisdictions", "zh"), code, f"{name} ({code})")
    ui.goto(page, "trends")
    drawn = charts(page)
    assert drawn > 0
    for lang, radio in (("zh", None), ("en", "English"), ("zh", "中文"), ("en", "English")):
        if radio:
            ui.set_language(page, radio)
        assert ui.exceptions(page) == []
        names = [registry[code][f"name_{lang}"] for code in CODES]
        assert chips(page, ui.sidebar(page), t("sidebar.jurisdictions", lang)) == [
            f"{name} ({code})" for name, code in zip(names, CODES, strict=True)], lang
        assert chips(page, ui.main(page), t("trends.pick", lang)) == names, lang
        assert charts(page) == drawn, lang
    ui.full_screenshot(page, output_dir / "scenarios" / "5_trends_after_language_switches.png")
