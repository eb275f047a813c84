"""Scenario 5: on the Forum page, download the PowerPoint and HTML reports in both languages; both open.

* PPTX: a valid Office file python-pptx opens, 16:9, several slides, with the station's name and the
  satisfaction figure the page shows.
* HTML: one self-contained file (no script, no external resource) that Chromium opens from disk, showing the
  station's name and the same satisfaction figure; a screenshot of it is saved.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from analytics.i18n import t
from tests.e2e import reference, ui

pytestmark = pytest.mark.e2e

CODE = "S03"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def pptx_text(data: bytes) -> tuple[int, float, str]:
    """(slide count, width/height, all text of the deck incl. chart titles and speaker notes)."""
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    parts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return len(deck.slides), deck.slide_width / deck.slide_height, "\n".join(parts)


def satisfaction_tile(page, label: str) -> str:
    """The Forum page's satisfaction tile value (exact label: the 3-level indicator has a longer one)."""
    tiles = ui.metrics(page)
    assert label in tiles, tiles
    return tiles[label]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forum_reports_download_and_open(page, app_server, demo_db, output_dir, lang):
    station = reference.registry(demo_db)[CODE][f"name_{lang}"]
    label = reference.indicator_labels(demo_db, lang)["satisfaction"]
    ui.open_app(page, app_server.url)
    if lang != "zh":
        ui.set_language(page, LANGUAGE_NAMES[lang])
    ui.goto(page, "forum")
    ui.choose(page, t("forum.page.jurisdiction", lang), f"{station} ({CODE})", scope=ui.main(page))
    assert ui.exceptions(page) == []
    assert station in ui.main(page).locator("h1").first.inner_text()
    shown = satisfaction_tile(page, label)
    assert re.fullmatch(r"\d{1,3}\.\d%", shown), shown

    main = ui.main(page)
    pptx_name, pptx = ui.download(page, lambda: main.get_by_role(
        "button", name=t("forum.page.download_pptx", lang)).click())
    html_name, html = ui.download(page, lambda: main.get_by_role(
        "button", name=t("forum.page.download_html", lang)).click())
    assert ui.exceptions(page) == []

    # PowerPoint: a zip with the presentation part, opened by python-pptx.
    assert pptx_name.endswith(".pptx") and CODE in pptx_name, pptx_name
    assert zipfile.ZipFile(io.BytesIO(pptx)).testzip() is None
    slides, ratio, text = pptx_text(pptx)
    assert slides >= 3 and ratio == pytest.approx(16 / 9, rel=0.01), (slides, ratio)
    assert station in text and shown in text, f"{station!r} / {shown!r} not in the deck's text"
    (output_dir / "reports").mkdir(parents=True, exist_ok=True)
    (output_dir / "reports" / pptx_name).write_bytes(pptx)

    # HTML: self-contained, opens from disk in the browser and shows the same figure.
    assert html_name.endswith(".html") and CODE in html_name, html_name
    document = html.decode("utf-8")
    assert document.lstrip().lower().startswith(("<!doctype html", "<html")), document[:80]
    assert "<script" not in document.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", document, re.IGNORECASE), \
        "the HTML report loads an external resource"
    path = output_dir / "reports" / html_name
    path.write_bytes(html)
    viewer = page.context.new_page()
    try:
        viewer.goto(path.as_uri())
        body = viewer.locator("body").inner_text()
        assert station in body and shown in body, f"{station!r} / {shown!r} not in the opened HTML report"
        assert viewer.title().strip(), "the HTML report has no title"
        viewer.screenshot(path=str(output_dir / "scenarios" / f"5_forum_report_{lang}.png"), full_page=True)
    finally:
        viewer.close()
    ui.full_screenshot(page, output_dir / "scenarios" / f"5_forum_page_{lang}.png")
