"""What the two forum report formats share: the palette, the caution flag, axis ranges, the method text and
the rate of each place beside a tile.

:mod:`analytics.report_pptx` (the deck) and :mod:`analytics.report_html` (the page) draw from these; the Forum page
uses the palette, :func:`axis_range` and :func:`method_lines` too, so the page and both downloads look and read
alike. What the reports are: :mod:`analytics.report`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from analytics.forum import Change, ForumSummary, Place, Rate, Tile
from analytics.i18n import t
from analytics.periods import WAVE_KIND

# One palette for the jurisdiction, its district and the city (the dashboard's first colours).
PLACE_COLORS = ("#1f4e8c", "#00798c", "#8d96a3")
INK = "#1c2733"
MUTED = "#5f6b7a"
UP = "#2e7d32"
DOWN = "#c62828"
TILE_FILL = "#f2f5f9"
MAX_LABELLED_POINTS = 8  # trend charts with more periods label only the latest point
CAUTION = "caution"  # a rate's flag when its base is small: drawn hollow, with the note under the chart
WHITE = "#ffffff"


# One place's column values (None: no column) and each value's flag (ok | caution | suppressed | missing).
ColumnSeries = tuple[str, Sequence[float | None], Sequence[str]]


def caution_points(flags: Sequence[str], values: Sequence[float | None]) -> list[int]:
    """Indices of the drawn values flagged 'use with caution' (a suppressed value is never drawn: it is None)."""
    return [i for i, (flag, value) in enumerate(zip(flags, values, strict=True)) if flag == CAUTION
            and value is not None]


def has_caution(series: Sequence[ColumnSeries]) -> bool:
    """Whether any place's column series has a drawn value flagged 'use with caution' (then the note is shown)."""
    return any(caution_points(flags, values) for _name, values, flags in series)


def places_of(summary: ForumSummary) -> list[Place]:
    """The jurisdiction, then its district and the city when the summary has them (the palette's order)."""
    return [p for p in (summary.place, summary.district, summary.city) if p is not None]


def level_text(summary: ForumSummary) -> str:
    """The confidence level as text: 0.95 -> '95%'."""
    return f"{100 * summary.confidence:g}%"


def change_mark(change: Change | None) -> str:
    """'▲ ' or '▼ ' before a significant change's text; nothing when the change is not significant."""
    if change is None or not change.significant:
        return ""
    return "▲ " if change.status == "up" else "▼ "


def axis_range(values: Sequence[float | None], rate: Rate | None = None) -> tuple[float, float]:
    """An axis range in steps of a tenth of the scale around the shown values (whole scale when none).

    A rate's axis is 0..1 (steps of 10 points); a mean score's is its scale (0..10 in steps of 1).
    """
    if rate is not None and rate.is_mean:
        lo, hi = rate.scale_min, rate.scale_max
        step = (hi - lo) / 10
        shown = [v for v in values if v is not None]
        if not shown:
            return lo, hi
        low = max(lo, lo + math.floor((min(shown) - lo) / step - 0.5) * step)
        high = min(hi, lo + math.ceil((max(shown) - lo) / step + 0.5) * step)
        return low, max(high, low + step)
    shown = [v for v in values if v is not None]
    if not shown:
        return 0.0, 1.0
    low = max(0.0, math.floor((min(shown) - 0.05) * 10) / 10)
    high = min(1.0, math.ceil((max(shown) + 0.05) * 10) / 10)
    return low, max(high, low + 0.1)


def method_lines(summary: ForumSummary, *, public: bool = False) -> list[str]:
    """How to read the figures, one sentence each, with the settings in force (shown on the page too).

    ``public``: the lines residents see on a slide or in the HTML report, without the data version (an
    analyst's reference, kept in the speaker notes and the HTML's metadata).
    """
    lang, level = summary.lang, level_text(summary)
    weighting = t("forum.report.weighted" if summary.weighted else "forum.report.unweighted", lang)
    source = (t("forum.report.method_source_public", lang, weighting=weighting) if public else
              t("forum.report.method_source", lang, weighting=weighting, version=summary.data_version))
    lines = [
        source,
        t("forum.report.method_interval", lang, level=level),
        t("forum.report.method_change", lang, level=level),
        t("forum.report.method_suppressed", lang, suppress=f"{summary.suppress_below:g}"),
    ]
    if summary.period_kind == WAVE_KIND:
        lines.append(t("forum.report.method_wave", lang))
    if summary.cases:
        lines.append(t("forum.report.method_cases", lang))
    return lines


def estimate_of(rate: Rate | None) -> float | None:
    """A place's estimate for a chart (a proportion 0..1 or a mean score; None: no value, nothing drawn)."""
    return rate.estimate if rate is not None else None


def flag_of(rate: Rate | None) -> str:
    """A place's flag (ok | caution | suppressed); 'missing' when the place has no rate."""
    return rate.flag if rate is not None else "missing"


def text_of(rate: Rate | None) -> str:
    """A place's rate as shown in a table: its text, or '—' when the place has no rate."""
    return rate.text if rate is not None else "—"


def rate_of(tile: Tile, index: int, summary: ForumSummary) -> Rate | None:
    """The rate of the ``index``-th place of :func:`places_of` for a tile (0: the jurisdiction; 1: the district
    when the summary has one, else the city; 2: the city)."""
    if index == 0:
        return tile.rate
    return tile.district if summary.district is not None and index == 1 else tile.city

