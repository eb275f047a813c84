"""Forum reports: a PowerPoint deck with native, editable charts and a self-contained HTML file.

Both are drawn from a :class:`analytics.forum.ForumSummary` and nothing else: every number and
sentence comes from the summary (so from the engine), formatted by :mod:`analytics.presentation`
exactly as the dashboard formats it; no number is typed here. Suppressed rates have no number in
the summary, so they cannot appear in a chart or a text — they show the 'suppressed' label.

* :func:`analytics.report_pptx.build_pptx` — python-pptx; 16:9; one slide per topic (title, key figures,
  one slide per indicator with its trend as a native line chart, the comparison with district and city
  as a native clustered column chart, case work, "you said, we did", and how to read the figures).
  Titles, text and speaker notes are in the summary's language; Chinese text carries an East Asian
  font (``a:ea``) so PowerPoint and LibreOffice pick a CJK face.
* :func:`analytics.report_html.build_html` — one file with inline CSS and inline SVG charts (no script,
  no external resource), so it opens offline and prints (``@media print``). Every text from the
  database is escaped with :func:`html.escape`.
* :mod:`analytics.report_common` — what both share (and the Forum page uses): the palette, axis ranges,
  the method text, the rate of each place beside a tile.

This module is the entry point: :func:`render` picks the format; ``build_pptx`` and ``build_html`` are
re-exported so callers need not know which module draws which format.
"""

from __future__ import annotations

from analytics.errors import UnknownNameError
from analytics.forum import ForumSummary
from analytics.report_html import build_html
from analytics.report_pptx import build_pptx

__all__ = ["build_html", "build_pptx", "render"]


def render(summary: ForumSummary, fmt: str) -> bytes:
    """The report in ``fmt`` ('pptx' or 'html') as bytes (HTML is UTF-8)."""
    if fmt == "pptx":
        return build_pptx(summary)
    if fmt == "html":
        return build_html(summary).encode("utf-8")
    raise UnknownNameError(f"Unknown report format {fmt!r}; use pptx or html.")

