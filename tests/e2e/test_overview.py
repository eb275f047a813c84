"""Scenarios 1 and 2: the Overview in a real browser.

1. The app opens on the Overview with headline tiles and the scorecard; switching the language to English and
   back changes every label (title, sidebar, navigation, tiles, scorecard columns).
2. With a station and a period picked in the sidebar, the satisfaction cell the heat-map scorecard shows is
   exactly what ``python -m analytics indicators`` prints for the same selection, and the scorecard's CSV
   download carries the same estimate, interval and base.
"""

from __future__ import annotations

import math

import pytest

from analytics.i18n import t
from tests.e2e import reference, ui

pytestmark = pytest.mark.e2e


def assert_overview_in(page, lang: str, labels: dict[str, str], names: list[str], output_dir) -> list[str]:
    """Check the Overview is drawn in ``lang``; return the labels still shown in the other language."""
    main = ui.main(page)
    stale = []
    assert ui.exceptions(page) == []
    assert main.get_by_role("heading", name=t("overview.title", lang)).is_visible()
    assert main.get_by_role("heading", name=t("overview.scorecard", lang)).is_visible()
    assert main.get_by_role("heading", name=t("overview.headline", lang, period="2026Q3")).is_visible()
    tiles = ui.metrics(page)
    assert list(tiles) == list(labels.values()), tiles
    assert all(value.endswith("%") or value == t("flag.suppressed_short", lang) for value in tiles.values()), tiles
    grid = ui.heatmap(page)
    # one column per indicator, then the sparkline of the first indicator's last periods; one row per station
    first = next(iter(labels.values()))
    assert grid.columns == list(labels.values())
    assert grid.trend == t("leaders.heatmap.trend", lang, indicator=first)
    assert grid.rows == names
    trend = main.get_by_role("combobox", name=t("leaders.heatmap.trend_of", lang)).input_value()
    if trend != first:
        stale.append(f"{lang}: the trend picker shows {trend!r}, expected {first!r}")
    side = ui.sidebar(page)
    for key in ("sidebar.granularity", "sidebar.period_range", "sidebar.level", "sidebar.jurisdictions"):
        assert side.get_by_text(t(key, lang), exact=True).first.is_visible(), key
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert t("nav.overview", lang) in nav and t("nav.data", lang) in nav, nav
    ui.full_screenshot(page, output_dir / "scenarios" / f"1_overview_{lang}.png")
    for label_key, value_key in (("sidebar.granularity", "period.quarter"), ("sidebar.level", "level.station")):
        shown = side.get_by_role("combobox", name=t(label_key, lang)).input_value()
        if shown != t(value_key, lang):
            stale.append(f"{lang}: selectbox {t(label_key, lang)!r} shows {shown!r}, expected {t(value_key, lang)!r}")
    placeholder = side.get_by_role("combobox", name=t("sidebar.jurisdictions", lang)).get_attribute("placeholder")
    if placeholder != t("sidebar.all", lang):
        stale.append(f"{lang}: multiselect placeholder {placeholder!r}, expected {t('sidebar.all', lang)!r}")
    return stale


def test_overview_shows_the_scorecard_and_switches_language(page, app_server, demo_db, output_dir):
    registry = reference.registry(demo_db)
    names = {lang: [r[f"name_{lang}"] for r in registry.values() if r["level"] == "station"] for lang in ("zh", "en")}
    labels = {lang: reference.indicator_labels(demo_db, lang) for lang in ("zh", "en")}

    ui.open_app(page, app_server.url)
    stale = assert_overview_in(page, "zh", labels["zh"], names["zh"], output_dir)
    ui.set_language(page, "English")
    stale += assert_overview_in(page, "en", labels["en"], names["en"], output_dir)
    assert ui.main(page).get_by_text(t("overview.title", "zh")).count() == 0
    ui.set_language(page, "中文")
    stale += assert_overview_in(page, "zh", labels["zh"], names["zh"], output_dir)
    assert ui.main(page).get_by_text(t("overview.title", "en")).count() == 0
    # Select boxes draw their option labels in the browser: they must follow the language too.
    assert stale == [], "\n".join(stale)


@pytest.mark.parametrize(("code", "kind", "period"), [
    ("S03", "quarter", "2025Q3"),   # a station, an earlier quarter
    ("S11", "month", "2026-03"),    # another granularity
    ("S16", "quarter", "2026Q3"),   # the small station: suppressed, the label and n only
])
def test_scorecard_figure_equals_the_cli(page, app_server, demo_db, output_dir, code, kind, period):
    name = reference.registry(demo_db)[code]["name_zh"]
    label = reference.indicator_labels(demo_db, "zh")["satisfaction"]
    # The CLI runs on the demo database (the server's copy is locked by the server) while the browser works.
    cli_row = reference.later(reference.one_row, demo_db, by=kind, period=period, code=code)

    ui.open_app(page, app_server.url)
    ui.multiselect_add(page, t("sidebar.jurisdictions", "zh"), code, f"{name} ({code})")
    ui.choose(page, t("sidebar.granularity", "zh"), t(f"period.{kind}", "zh"))
    ui.set_slider(page, t("sidebar.period_range", "zh"), "end", period)
    main = ui.main(page)
    assert main.get_by_role("heading", name=t("overview.headline", "zh", period=period)).is_visible()
    caption = t("leaders.heatmap.caption", "zh", period=period, level=t("level.station", "zh"))
    assert main.get_by_text(caption).is_visible()

    grid = ui.heatmap(page)
    assert grid.rows == [name]
    expected = cli_row.result()
    shown = grid.cell(name, label, "numbers")
    # The heat-map cell holds the rate in percent, or nothing when suppressed; its hover the interval and base.
    hover = grid.cell(name, label, "hover")
    if expected["flag"] == "suppressed":
        assert expected["estimate"] is None or math.isnan(expected["estimate"])
        assert shown is None and grid.cell(name, label).startswith("▨"), grid.text
        assert "%" not in hover, hover
    else:
        assert shown == pytest.approx(100 * expected["estimate"], abs=1e-9), (grid.text, expected)
        interval = f"{100 * expected['ci_low']:.1f}–{100 * expected['ci_high']:.1f}"
        assert t("leaders.heatmap.hover.interval", "zh", interval=interval) in hover.split("<br>"), hover
    assert t("leaders.heatmap.hover.base", "zh", n=expected["n"]) in hover.split("<br>"), hover

    # The scorecard's own CSV download carries the same tidy numbers as the CLI.
    _name, data = ui.download(page, lambda: main.get_by_role("button", name=t("overview.download", "zh")).click())
    tidy = [r for r in ui.parse_csv(data) if r["indicator"] == "satisfaction"]
    assert [(r["jurisdiction"], r["period"], r["flag"], int(r["n"])) for r in tidy] == [
        (code, period, expected["flag"], expected["n"])]
    if expected["flag"] != "suppressed":
        assert float(tidy[0]["estimate"]) == pytest.approx(expected["estimate"], abs=1e-6)
        assert float(tidy[0]["ci_low"]) == pytest.approx(expected["ci_low"], abs=1e-6)
        assert float(tidy[0]["ci_high"]) == pytest.approx(expected["ci_high"], abs=1e-6)
    ui.full_screenshot(page, output_dir / "scenarios" / f"2_overview_{code}_{period}.png")
