"""What a station reports to residents at a police–residents forum (警民恳谈会, "reporting to the people").

:func:`forum_summary` gathers, for one jurisdiction and one period, everything the Forum page and
the reports (:mod:`analytics.report`) show, with every sentence already written in the chosen
language from the numbers:

* one tile per indicator: the rate, its interval in plain words, and the change against the
  comparison period of the selection (the previous period, or a year earlier when chosen — the same
  rule as every page) in words that respect significance ("up 5.2 points on a year earlier — a real
  change" only when the engine calls the change significant, otherwise "about the same");
* the parent district's and the city's rate for the same period;
* the trend over the last periods (the jurisdiction, its district and the city);
* the case-work figures residents care about (callbacks, small cases solved, disputes mediated),
  from :func:`analytics.cases.case_metrics`;
* the "you said, we did" rows (residents' concerns and the actions taken), stored in
  ``forum_actions`` and edited with :func:`save_actions`.

Every number comes from :func:`analytics.engine.indicator_table` for the forum's selection. The change
columns come from the same table the Overview shows for that selection at the jurisdiction's level
(:func:`change_family`): the Benjamini–Hochberg adjustment is across those jurisdictions, so the Forum,
the Overview and ``python -m analytics indicators --changes`` (``ForumSummary.indicators_command``
is that command) call the same change significant.
Suppressed estimates are never carried as numbers: their fields are ``None`` and their sentence
says the sample is too small.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import pandas as pd

from analytics import assessment, cases, engine, published, store, voice, waves
from analytics.auth import LOCAL_USER, User, visible_codes
from analytics.db import Connection, execute, fetch_all, fetch_one, query_df
from analytics.definitions import list_indicators
from analytics.errors import AccessDenied, ConfigError, JingminError, UnknownNameError
from analytics.i18n import LANGUAGES, t
from analytics.periods import WAVE_KIND, label_for, parse_period, previous_period
from analytics.presentation import jurisdiction_name, mean_digits, value_text
from analytics.selection import Selection, comparison_words

STATUSES = ("planned", "in_progress", "done")
MAX_CONCERN_CHARS = 300
MAX_ACTION_CHARS = 600
MAX_ACTION_ROWS = 100
# How many periods the trend shows, ending at the chosen one (survey waves: the last 8 waves, in wave order).
TREND_LENGTH = {"month": 12, "quarter": 8, "year": 5, "rolling12": 12, WAVE_KIND: 8}
# Case-work figures residents ask about at forums, in the order shown.
CASE_METRICS = ("callback_coverage", "callback_satisfaction", "small_solved_rate", "mediation_rate")


class ForumInputError(JingminError):
    """A "you said, we did" edit that cannot be saved (empty concern, text too long, unknown row...)."""

    message_key = "forum.error.invalid"


@dataclass(frozen=True)
class Place:
    """A jurisdiction as the forum names it."""

    code: str
    name: str
    level: str


@dataclass(frozen=True)
class Rate:
    """One rate (survey indicator or case metric) of one jurisdiction in one period.

    ``estimate``, ``ci_low`` and ``ci_high`` are None when the rate is suppressed (small base) or
    missing; ``text`` is then the catalog's 'suppressed' label (or '—' when there is no data).
    """

    jurisdiction: str
    name: str
    level: str
    n: int
    flag: str                # ok | caution | suppressed | missing
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    text: str                # '78.3%' (a rate), '6.4 / 10' (a mean score) or the suppressed label
    kind: str = "rate"       # rate | mean (a mean score is never shown as a percentage)
    unit: str = ""           # '/ 10' for a 0–10 mean score
    scale_min: float = 0.0
    scale_max: float = 1.0

    @property
    def shown(self) -> bool:
        """Whether the rate may be shown as a number."""
        return self.estimate is not None

    @property
    def is_mean(self) -> bool:
        """Whether this is a mean score (shown with its unit) rather than a rate (shown in percent)."""
        return self.kind == "mean"

    def format(self, value: float | None) -> str:
        """``value`` on this figure's scale: '78.3%' or '6.4 / 10'; '' when None."""
        return value_text(value, self._row())

    def format_change(self, change: float) -> str:
        """A signed change: percentage points for a rate ('+5.2'), score points for a mean ('+0.3')."""
        if self.is_mean:
            return f"{change:+.{mean_digits(self._row())}f}"
        return f"{100 * change:+.1f}"

    def _row(self) -> dict[str, Any]:
        return {"kind": self.kind, "unit": self.unit, "scale_min": self.scale_min, "scale_max": self.scale_max}


@dataclass(frozen=True)
class Change:
    """The change of a rate against a comparison period, in words that respect significance."""

    lag: str                 # previous | year
    period: str | None       # the comparison period's label
    prev_estimate: float | None
    change: float | None     # estimate - prev_estimate (None when either is not shown)
    p_adjusted: float | None
    status: str              # up | down | same | no_data | prev_suppressed | not_reported
    sentence: str            # "Up 5.2 points compared with a year earlier (Q3 2025) — a real change."
    brief: str               # "Up 5.2 points on a year earlier" / "About the same as a year earlier"
    short: str               # "up 5.2 points" when significant, else ""

    @property
    def significant(self) -> bool:
        """Whether the change is significant after the engine's adjustment."""
        return self.status in ("up", "down")


@dataclass(frozen=True)
class Series:
    """A trend line: one jurisdiction's values over ``ForumSummary.trend_periods`` (None = not shown)."""

    place: Place
    values: tuple[float | None, ...]
    ci_low: tuple[float | None, ...]
    ci_high: tuple[float | None, ...]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Tile:
    """Everything the forum says about one indicator."""

    indicator: str
    label: str
    description: str
    rate: Rate
    interval_sentence: str   # "We are 95% sure it lies between 74.1% and 82.0% (412 residents answered)."
    changes: tuple[Change, ...]  # against the selection's comparison period (sel.comparison): one
    district: Rate | None
    city: Rate | None
    trend: tuple[Series, ...]    # the jurisdiction first, then its district and the city

    @property
    def headline_change(self) -> Change | None:
        """The change to headline: the one against the selection's comparison period."""
        for change in reversed(self.changes):
            if change.status in ("up", "down", "same"):
                return change
        return self.changes[-1] if self.changes else None


@dataclass(frozen=True)
class CaseFigure:
    """One case-work figure (a rate over cases) of the jurisdiction, with district and city."""

    metric: str
    label: str
    rate: Rate
    sentence: str
    district: Rate | None
    city: Rate | None


@dataclass(frozen=True)
class ActionRow:
    """One "you said, we did" row."""

    action_id: int
    concern: str
    action: str
    status: str              # planned | in_progress | done
    status_label: str
    updated_at: datetime | None
    updated_by: str
    topics: tuple[str, ...] = ()  # demand topics the row answers ("you said")
    said: str = ""                 # those topics with their demand counts in the period, e.g. 停车难（23 件诉求）

    @property
    def concern_text(self) -> str:
        """The concern as shown on the page and in exports: with the demand counts behind it, when linked."""
        if not self.said:
            return self.concern
        # A row made from a topic is named after it: the count alone says it, without the name twice.
        return self.said if self.said.startswith(self.concern) else f"{self.concern} — {self.said}"


@dataclass(frozen=True)
class SaveResult:
    """What :func:`save_actions` changed."""

    inserted: int
    updated: int
    deleted: int

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return bool(self.inserted or self.updated or self.deleted)


@dataclass(frozen=True)
class BenchmarkLine:
    """One indicator's published figure of the benchmark area beside our city's own, as the forum says it."""

    indicator: str
    label: str
    published: str           # '63%' exactly as published, or 'not published'
    own: str                 # our city's figure ('58%'), the suppressed label, or '—'
    interval: str            # where the published figure's interval comes from, or "published figure, no interval"
    source: str
    sentence: str            # 'London (MPS) 63%, our city 58% (published figure, source: MPS PAS)'


@dataclass(frozen=True)
class Benchmark:
    """A chosen external area's published figures for the forum's period (no test, no arrow: see module doc)."""

    area: str
    lines: tuple[BenchmarkLine, ...]
    note: str


@dataclass(frozen=True)
class AssessmentComponent:
    """One component of the place's composite score with its value, target and status in words."""

    label: str
    value: str               # '81.0% (74.2–86.9)' or '' when not assessable
    target: str              # '85%' or ''
    status: str              # 'met', 'likely met', ... in the summary's language, or ''
    status_key: str          # met | likely_met | likely_missed | missed | not_assessable | ''
    points: str              # points it contributes to the score ('23.4'), or ''


@dataclass(frozen=True)
class AssessmentFigures:
    """The place's composite assessment score (考核) under a scheme: score and rank with intervals, statuses."""

    scheme: str
    score: str               # '72.4' points of 100, or '' when not assessable
    score_interval: str      # '68.1–76.7'
    rank: str                # '2', or '' when not ranked (no score, or ranked alone)
    rank_interval: str       # '1–3'
    ranked_among: int
    sentence: str            # the score and rank in words, with their intervals
    components: tuple[AssessmentComponent, ...]
    formula: str             # every weight and normalisation (no hidden weights)


_FILE_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class ForumSummary:
    """The forum's content for one jurisdiction and period, in one language (see the module doc)."""

    lang: str
    place: Place
    district: Place | None
    city: Place | None
    period: str
    period_kind: str
    period_name: str
    weighted: bool
    confidence: float
    suppress_below: float
    title: str
    subtitle: str
    tiles: tuple[Tile, ...]
    trend_periods: tuple[str, ...]
    cases: tuple[CaseFigure, ...]
    actions: tuple[ActionRow, ...]
    data_version: int
    indicators_command: str
    # What the changes are against, in words: '与上一期（2026Q2）比较', or for a survey wave
    # '2021年第二轮与上一轮调查2021年第一轮比较（两轮相隔约 7 个月）'.
    compared: str = ""
    # Added on request (with_benchmark / with_assessment): the page, the reports and the CLI show them alike.
    benchmark: Benchmark | None = None
    assessment: AssessmentFigures | None = None

    def tile(self, indicator: str) -> Tile:
        """The tile of ``indicator``; KeyError when the period has no data for it."""
        for tile in self.tiles:
            if tile.indicator == indicator:
                return tile
        raise KeyError(indicator)

    def file_stem(self) -> str:
        """The downloads' file name without extension: jurisdiction, period kind, period and language.

        The kind is in the name because a survey wave's label is free text and may read like a calendar period
        (a wave called '2025Q3' and the quarter 2025Q3 are different figures); characters a file name cannot
        safely hold (a wave label's spaces, slashes, Chinese punctuation) become '_'.
        """
        parts = (self.place.code, self.period_kind, self.period, self.lang)
        return "_".join(["jingmin_forum", *(_FILE_UNSAFE.sub("_", part) for part in parts)])


# --------------------------------------------------------------------------------------------- periods


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _end_month(label: str) -> tuple[str, date]:
    """(kind, the first day of the last month) of a period label."""
    kind, _start, end = parse_period(label)
    return kind, end.replace(day=1)


def trend_periods(label: str, count: int | None = None) -> list[str]:
    """The ``count`` periods of the label's kind ending with it, oldest first (rolling windows step by month)."""
    kind, end_month = _end_month(label)
    count = count or TREND_LENGTH[kind]
    step = {"month": 1, "quarter": 3, "year": 12, "rolling12": 1}[kind]
    return [label_for(kind, _add_months(end_month, -step * k)) for k in range(count - 1, -1, -1)]


def period_name(label: str, lang: str, kind: str | None = None) -> str:
    """A period as people say it: '2025年第3季度' / 'Q3 2025', '2025年3月' / '2025-03'.

    ``kind`` WAVE_KIND: ``label`` is a survey wave, named as the data wrote it ('2021年第二轮', 'FY22Q1').
    """
    if kind == WAVE_KIND:
        return t("forum.period_name.wave", lang, label=label)
    kind, start, end = parse_period(label)
    if kind == "quarter":
        return t("forum.period_name.quarter", lang, year=start.year, quarter=(start.month - 1) // 3 + 1)
    if kind == "month":
        return t("forum.period_name.month", lang, year=start.year, month=start.month)
    if kind == "year":
        return t("forum.period_name.year", lang, year=start.year)
    return t("forum.period_name.rolling12", lang, year=end.year, month=end.month)


# --------------------------------------------------------------------------------------------- helpers


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _place(registry: pd.DataFrame, code: str | None, lang: str) -> Place | None:
    if code is None or pd.isna(code):
        return None
    rows = registry[registry["code"] == code]
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    row["jurisdiction"] = code
    return Place(code=code, name=jurisdiction_name(row, lang), level=str(row["level"]))


def _scale(row: Mapping[str, Any] | None) -> dict[str, Any]:
    """The kind, unit and scale of an indicator row (case metrics and rows without them are rates)."""
    if row is None or row.get("kind") != "mean":
        return {}
    return {"kind": "mean", "unit": str(row.get("unit") or ""), "scale_min": float(row["scale_min"]),
            "scale_max": float(row["scale_max"])}


def _rate(row: Mapping[str, Any] | None, place: Place, lang: str, *, value_column: str = "estimate") -> Rate:
    scale = _scale(row)
    if row is None:
        return Rate(place.code, place.name, place.level, 0, "missing", None, None, None, "—")
    flag = str(row["flag"])
    estimate = None if flag == "suppressed" else _number(row[value_column])
    if estimate is None:
        return Rate(place.code, place.name, place.level, int(row["n"]), "suppressed" if flag == "suppressed"
                    else "missing", None, None, None,
                    t("forum.rate.not_reported", lang) if flag == "suppressed" else "—", **scale)
    return Rate(place.code, place.name, place.level, int(row["n"]), flag, estimate,
                _number(row["ci_low"]), _number(row["ci_high"]), value_text(estimate, row), **scale)


def _change(row: Mapping[str, Any] | None, lag: str, period: str | None, comparison: Mapping[str, Any] | None,
            lang: str, kind: str | None = None) -> Change:
    """The change sentences for one rate (``row`` from ``add_changes``), never a suppressed number.

    ``period`` is the comparison period (None: there is none, e.g. the first survey wave); ``kind``
    WAVE_KIND names it as the previous wave ("the previous wave (2021年第一轮)"), whatever the gap in months.
    """
    ref_kind = "wave" if kind == WAVE_KIND else lag

    def untested(status: str, sentence: str) -> Change:
        return Change(lag, period, None, None, None, status, sentence, sentence, "")

    if row is None or str(row["flag"]) == "suppressed" or _number(row["estimate"]) is None:
        return untested("not_reported", t("forum.change.not_reported", lang))
    if period is None:
        return untested("no_data", t("forum.change.first_wave", lang))
    # A wave is named as written inside the phrase: "the previous wave (2021年第一轮)".
    ref = t(f"forum.ref.{ref_kind}", lang, period=period if kind == WAVE_KIND else period_name(period, lang))
    ref_short = t(f"forum.ref_short.{ref_kind}", lang)
    if comparison is None:
        return untested("no_data", t("forum.change.no_data", lang, ref=ref))
    if str(comparison["flag"]) == "suppressed" or _number(row["prev_estimate"]) is None:
        return untested("prev_suppressed", t("forum.change.prev_suppressed", lang, ref=ref))
    change = float(row["change"])
    prev = float(row["prev_estimate"])
    p_adj = _number(row["p_adjusted"])
    direction = str(row["direction"] or "")
    # A rate changes in percentage points, a mean score in points of its own scale (never percent).
    mean = row.get("kind") == "mean"
    points = f"{abs(change):.{mean_digits(row)}f}" if mean else f"{100 * abs(change):.1f}"
    suffix = "_mean" if mean else ""
    if direction in ("up", "down"):
        return Change(lag, period, prev, change, p_adj, direction,
                      t(f"forum.change.{direction}{suffix}", lang, ref=ref, points=points),
                      t(f"forum.change.brief_{direction}{suffix}", lang, ref=ref_short, points=points),
                      t(f"forum.change.short_{direction}{suffix}", lang, points=points))
    return Change(lag, period, prev, change, p_adj, "same", t("forum.change.same", lang, ref=ref),
                  t("forum.change.brief_same", lang, ref=ref_short), "")


def _interval_sentence(rate: Rate, confidence: float, lang: str) -> str:
    if rate.flag == "suppressed":
        return t("forum.rate.suppressed_mean" if rate.is_mean else "forum.rate.suppressed", lang, n=rate.n)
    if rate.estimate is None or rate.ci_low is None or rate.ci_high is None:
        return t("forum.rate.missing", lang)
    text = t("forum.rate.interval", lang, level=f"{100 * confidence:g}%", low=rate.format(rate.ci_low),
             high=rate.format(rate.ci_high), n=rate.n)
    if rate.flag == "caution":
        text += " " + t("forum.rate.caution", lang)
    return text


def _lookup(frame: pd.DataFrame, key: str = "indicator") -> dict[tuple[str, str], dict[str, Any]]:
    """Rows of a one-jurisdiction table keyed by (indicator or metric, period)."""
    return {(r[key], r["period"]): r for r in frame.to_dict("records")}


def _series(rows: Mapping[tuple[str, str], Mapping[str, Any]], place: Place, periods: list[str], key: str,
            column: str = "estimate") -> Series:
    values, lows, highs, flags = [], [], [], []
    for label in periods:
        row = rows.get((key, label))
        flag = "missing" if row is None else str(row["flag"])
        shown = row is not None and flag != "suppressed"
        values.append(_number(row[column]) if shown and row is not None else None)
        lows.append(_number(row["ci_low"]) if shown and row is not None else None)
        highs.append(_number(row["ci_high"]) if shown and row is not None else None)
        flags.append(flag)
    return Series(place, tuple(values), tuple(lows), tuple(highs), tuple(flags))


def indicators_command(sel: Selection) -> str:
    """The CLI command that prints the forum's survey numbers and changes for this selection.

    ``sel`` is the forum's :func:`change_family`: the command prints that table (the forum's jurisdiction
    among the others its changes are adjusted with), so the change and its significance are the same.
    """
    period = str(sel.latest)
    parts = ["python", "-m", "analytics", "indicators", "--by", f"jurisdiction,{sel.period_kind}",
             "--level", sel.level]
    if sel.jurisdiction_codes:
        parts += ["--jurisdiction", *sel.jurisdiction_codes]
    parts += ["--period", period, "--changes", sel.comparison]
    if sel.weighted:
        parts.append("--weighted")
    if sel.user != LOCAL_USER:
        parts += ["--user", sel.user.username]
    return shlex.join(parts)


# --------------------------------------------------------------------------------------------- access


def _check_visible(con: Connection, user: User | None, jurisdiction: str) -> None:
    """AccessDenied unless ``user`` may see ``jurisdiction`` (no user: the caller already checked)."""
    if user is None:
        return
    visible = visible_codes(con, user)
    if visible is not None and jurisdiction not in visible:
        raise AccessDenied(f"User {user.username!r} may not see {jurisdiction}.", key="forum.error.not_visible",
                           code=jurisdiction)


def can_edit(con: Connection, user: User, jurisdiction: str) -> bool:
    """Whether ``user`` may edit the "you said, we did" rows of ``jurisdiction``.

    Roles with ``forum_edit``; a station user only within its own subtree (not the district or
    city above it, which it sees but does not run).
    """
    if not user.can("forum_edit"):
        return False
    if not user.scoped:
        return True
    rows = fetch_all(con, "jurisdictions/descendants", {"code": user.jurisdiction_code})
    return jurisdiction in {r[0] for r in rows}


# --------------------------------------------------------------------------------------------- summary


def change_family(sel: Selection, place: Place) -> Selection:
    """The selection whose table a forum's changes are taken from: the Overview's for ``place``'s level.

    A change's significance is Benjamini–Hochberg adjusted across the jurisdictions shown together, so
    the forum tests a change within the same set the Overview's scorecard (and ``indicators --changes``
    for the same options) shows: the sidebar's jurisdictions when ``place`` is one of them, otherwise
    every jurisdiction at its level that ``sel.user`` may see. Its periods are the forum's period alone.
    """
    codes = sel.jurisdiction_codes if place.code in sel.jurisdiction_codes else ()
    return sel.with_(level=place.level, jurisdiction_codes=codes, periods=(sel.periods[-1],))


def forum_summary(con: Connection, sel: Selection, jurisdiction: str,
                  lang: str = "zh") -> ForumSummary:
    """Everything the forum shows for ``jurisdiction`` in ``sel.latest`` (a period of ``sel.period_kind``).

    ``sel.weighted`` chooses the estimates, ``sel.comparison`` the one period each change is against
    (the previous period or a year earlier, as on every page), ``sel.user`` what may be seen; the
    change and its significance equal the Overview's for the same selection (:func:`change_family`).
    Raises UnknownNameError when no period is chosen, for an unknown jurisdiction, or a period in which
    the jurisdiction has no survey data; AccessDenied when a scoped user (station role) may not see the
    jurisdiction. A station user sees its own subtree and the district and city above it, which is
    exactly what a forum shows.

    Survey waves (``sel.period_kind`` WAVE_KIND, :mod:`analytics.waves`): the chosen wave is compared with
    the wave before it in wave order, whatever the months between them (under either comparison rule, as
    ``indicators --by jurisdiction,wave``), with the same test, adjustment and suppression; the trend is the
    last waves in wave order. Case records and residents' demands are dated, not in waves: a wave's forum
    has no case-work figures and no demand counts beside its "you said, we did" rows.
    """
    if lang not in LANGUAGES:
        raise UnknownNameError(f"Unknown language {lang!r}; use one of: {', '.join(LANGUAGES)}")
    period = sel.latest
    if period is None or period == "all":
        raise UnknownNameError("Choose a month, quarter, year, rolling 12-month period or survey wave for the "
                               "forum.")
    kind = sel.period_kind
    weighted, user, lag = sel.weighted, sel.user, sel.comparison
    if kind == WAVE_KIND:
        order = waves.wave_labels(con)
        if period not in order:
            raise UnknownNameError(
                f"{period!r} is not a survey wave of the loaded data; waves: {', '.join(order) or 'none'}.",
                key="forum.error.unknown_wave", wave=period, waves=", ".join(order) or "—")
        lag = "previous"  # a wave has no "year earlier": both rules mean the wave before (analytics.waves)
        index = order.index(period)
        periods = order[max(0, index - TREND_LENGTH[WAVE_KIND] + 1):index + 1]
        comparison: str | None = order[index - 1] if index else None
        window = tuple(periods)  # in wave order; the wave before is the trend's last but one
    else:
        kind = parse_period(period)[0]
        periods = trend_periods(period)
        comparison = previous_period(period, lag=lag)
        # The trend window plus the comparison period (a year earlier lies outside a 12-month trend).
        window = tuple(sorted({*periods, *([comparison] if comparison else [])}, key=lambda p: parse_period(p)[1]))
    registry = engine.jurisdictions(con)
    place = _place(registry, jurisdiction, lang)
    if place is None:
        raise UnknownNameError(f"No jurisdiction with code {jurisdiction!r}.",
                               key="forum.error.unknown_jurisdiction", code=jurisdiction)
    _check_visible(con, user, jurisdiction)
    record = registry[registry["code"] == jurisdiction].iloc[0]
    district = _place(registry, record["district_code"], lang) if place.level == "station" else None
    city = _place(registry, record["city_code"], lang) if place.level != "city" else None

    def one(p: Place) -> Selection:
        return sel.with_(level=p.level, jurisdiction_codes=(p.code,), periods=window)

    own = engine.indicator_table(con, one(place))
    if own.empty or not own["period"].eq(period).any():
        raise UnknownNameError(
            f"{place.code} has no survey data in {period}.", key="forum.error.no_data",
            jurisdiction=place.name, period=period_name(period, lang, kind))
    family = change_family(sel, place)
    changed = engine.indicator_table(con, family, changes=True)
    changed = changed[changed["jurisdiction"] == place.code]
    parents = {p.level: engine.indicator_table(con, one(p)) for p in (district, city) if p is not None}
    with_data = set(own["period"]).union(*(set(t["period"]) for t in parents.values()))
    periods = periods[min(i for i, label in enumerate(periods) if label in with_data):]
    confidence = float(store.get_setting(con, "confidence_level"))

    own_rows = _lookup(own)
    changed_rows = _lookup(changed)
    parent_rows = {level: _lookup(table) for level, table in parents.items()}
    tiles = []
    for ind in list_indicators(con):
        now = own_rows.get((ind.key, period))
        if now is None:
            continue
        rate = _rate(now, place, lang)
        changes = [_change(changed_rows.get((ind.key, period)), lag, comparison,
                           own_rows.get((ind.key, comparison)) if comparison else None, lang, kind)]
        parent_rates = {p.level: _rate(parent_rows[p.level].get((ind.key, period)), p, lang)
                        for p in (district, city) if p is not None}
        trend = [_series(own_rows, place, periods, ind.key)]
        trend += [_series(parent_rows[p.level], p, periods, ind.key) for p in (district, city) if p is not None]
        tiles.append(Tile(
            indicator=ind.key, label=ind.label(lang), description=ind.description(lang), rate=rate,
            interval_sentence=_interval_sentence(rate, confidence, lang), changes=tuple(changes),
            district=parent_rates.get("district"), city=parent_rates.get("city"), trend=tuple(trend)))

    return ForumSummary(
        lang=lang, place=place, district=district, city=city, period=period, period_kind=kind,
        period_name=period_name(period, lang, kind), weighted=weighted, confidence=confidence,
        suppress_below=float(store.get_setting(con, "suppress_below_n_eff")),
        title=t("forum.report.title", lang, name=place.name),
        subtitle=t("forum.report.subtitle", lang, period=period_name(period, lang, kind)),
        tiles=tuple(tiles), trend_periods=tuple(periods),
        cases=tuple(_case_figures(con, sel, place, district, city, lang)) if kind != WAVE_KIND else (),
        actions=tuple(list_actions(con, place.code, period, lang, period_kind=kind)),
        data_version=store.data_version(con),
        indicators_command=indicators_command(family),
        compared=(_wave_compared(con, period, comparison, lang) if kind == WAVE_KIND
                  else comparison_words(lag, period, lang)))


def _wave_compared(con: Connection, wave: str, previous: str | None, lang: str) -> str:
    """'2021年第二轮与上一轮调查2021年第一轮比较（两轮相隔约 7 个月）': the wave, the wave before it and the
    months between their first interviews (calendar months, so 10 January and 12 September are 8 apart)."""
    if previous is None:
        return t("forum.compared.first_wave", lang, wave=wave)
    first = {str(r["label"]): pd.Timestamp(r["first_date"]) for r in waves.wave_list(con).to_dict("records")}
    months = abs((first[wave].year - first[previous].year) * 12 + first[wave].month - first[previous].month)
    key = "forum.compared.wave" if months >= 2 else "forum.compared.wave_close"
    return t(key, lang, wave=wave, prev=previous, months=months)


def _published_interval(row: Mapping[str, Any], lang: str) -> str:
    """Where a published figure's interval comes from, in words; "published figure, no interval" without one."""
    if row["interval"] == "none":
        return t("published.not_published" if row["flag"] == "not_published" else "published.no_interval", lang)
    scale = 100.0 if row["value_kind"] == "proportion" else 1.0
    unit = "%" if row["value_kind"] == "proportion" else ""
    digits = min(max(int(row["digits"]), 1), 2)
    low, high = f"{scale * row['ci_low']:.{digits}f}{unit}", f"{scale * row['ci_high']:.{digits}f}{unit}"
    extra = {"n": f"{int(row['n']):,}"} if row["interval"] == "wilson" else {}
    return t(f"published.interval.{row['interval']}", lang, low=low, high=high, **extra)


def with_benchmark(con: Connection, summary: ForumSummary, root: str, code: str = "",
                   group: str = "") -> ForumSummary:
    """``summary`` with a published benchmark: for every indicator of the forum, the published figure of the
    external area (``root``, ``code``; '' = the root's whole area) for the forum's period beside our city's own
    figure ("London (MPS) 63%, our city 58%"), its source named and labelled as published.

    A published figure is never tested against ours and gets no arrow (it may have no base); its interval is
    given only when the source gave bounds, an SE or a base n. Our city's figure is the city's rate of the
    summary (the same as the comparison section). Raises UnknownNameError when the area has no published
    figure mapped to an indicator in the period. Published figures are public: no user scope applies.
    """
    lang = summary.lang
    _calendar_only(summary, "benchmark")
    _known_area(con, root, code)
    sel = Selection(period_kind=summary.period_kind, periods=(summary.period,))
    table = published.published_table(con, sel, areas=[(root, code)], group=group)
    unmapped = sorted(set(table.loc[table["period"].eq(summary.period) & table["indicator"].isna(), "measure_label"]))
    table = table[table["period"].eq(summary.period) & table["indicator"].notna()]
    by_indicator = {r["indicator"]: r for r in table.to_dict("records")}
    lines = []
    for tile in summary.tiles:
        row = by_indicator.get(tile.indicator)
        if row is None:
            continue
        own = tile.rate if summary.city is None else tile.city
        own_text = own.text if own is not None else "—"
        lines.append(BenchmarkLine(
            indicator=tile.indicator, label=tile.label,
            published=row["shown"] or t("published.not_published", lang), own=own_text,
            interval=_published_interval(row, lang), source=str(row["source"]),
            sentence=published.comparison_text(row, own_text, t("published.our_city", lang), lang)))
    if not lines:
        area = root if not code else f"{code} · {root}"
        if unmapped:
            raise UnknownNameError(
                f"{area} publishes {', '.join(unmapped)} for {summary.period}, but none of them is mapped to a "
                "Jingmin indicator of this forum, so there is nothing to set beside ours.",
                key="published.benchmark_unmapped", area=area, period=summary.period_name,
                measures="、".join(unmapped) if lang == "zh" else ", ".join(unmapped))
        raise UnknownNameError(f"{area} has no published figure for {summary.period} that maps to an indicator.",
                               key="published.benchmark_missing", area=area, period=summary.period_name)
    area = str(table["jurisdiction_name"].iloc[0]) + (f" · {group}" if group else "")
    return replace(summary, benchmark=Benchmark(area=area, lines=tuple(lines),
                                                note=t("published.forum_note", lang)))


def _known_area(con: Connection, root: str, code: str) -> None:
    """UnknownNameError naming the right choice when (``root``, ``code``) is no loaded external area: an
    area given as the root ("河口市" instead of "江南省" with the area "河口市") or a name not loaded at all."""
    areas = published.roots(con)
    if ((areas["root"] == root) & (areas["code"] == code)).any():
        return
    under = areas[(areas["code"] == root) | (areas["name"].str.split(" · ").str[0] == root)]
    if code == "" and len(under):
        first = under.iloc[0]
        raise UnknownNameError(
            f"{root!r} is an area under the publisher {first['root']!r}, not a publisher: choose "
            f"{first['root']!r} and its area {first['code']!r} (CLI: --benchmark {first['root']} "
            f"--benchmark-area {first['code']}).",
            key="published.benchmark_is_area", area=root, root=str(first["root"]), code=str(first["code"]))
    known = ", ".join(sorted(set(areas["root"]))) or "-"
    area = root if not code else f"{code} · {root}"
    raise UnknownNameError(f"No published figures are loaded for {area!r}; publishers loaded: {known}.",
                           key="published.benchmark_unknown", area=area, known=known)


def _calendar_only(summary: ForumSummary, what: str) -> None:
    """ConfigError for a survey wave's forum: published figures and assessment targets are per calendar
    period, and a wave's fieldwork dates are not one (``what``: 'benchmark' or 'assessment')."""
    if summary.period_kind == WAVE_KIND:
        raise ConfigError(f"The {what} is for calendar periods (month, quarter, year); {summary.period!r} is a "
                          "survey wave.", key=f"forum.error.wave_{what}", wave=summary.period)


def _component_value(row: Mapping[str, Any]) -> str:
    if pd.isna(row["value"]):
        return ""
    if row["kind"] == "rate":
        return f"{100 * row['value']:.1f}% ({100 * row['ci_low']:.1f}–{100 * row['ci_high']:.1f})"
    return f"{row['value']:.1f}{row['unit'] or ''} ({row['ci_low']:.1f}–{row['ci_high']:.1f})"


def _target_value(row: Mapping[str, Any]) -> str:
    if pd.isna(row["target"]):
        return ""
    arrow = "≥" if row["direction"] != "lower" else "≤"
    return f"{arrow} {100 * row['target']:g}%" if row["kind"] == "rate" else f"{arrow} {row['target']:g}"


def with_assessment(con: Connection, summary: ForumSummary, *, user: User | None = None,
                    scheme: str | None = None) -> ForumSummary:
    """``summary`` with the place's composite assessment (考核) for the forum's period under ``scheme`` (None =
    the default): score (points 0-100) with its 95% interval, rank with its rank interval among the
    jurisdictions of the place's level that ``user`` may see, each component's value, target and status, and
    the formula with every weight (:func:`analytics.assessment.assess` on the forum's selection).

    A place ranked alone (a station user sees one station) gets no rank. A score that cannot be assessed is
    said so, never shown as a number.
    """
    lang = summary.lang
    _calendar_only(summary, "assessment")
    sel = Selection(period_kind=summary.period_kind, periods=(summary.period,), level=summary.place.level,
                    weighted=summary.weighted, user=user or LOCAL_USER)
    result = assessment.assess(con, sel, scheme)
    labels = assessment.component_labels(con, lang)
    scores = result.scores[result.scores["period"] == summary.period]
    mine = scores[scores["jurisdiction"] == summary.place.code]
    row = mine.iloc[0].to_dict() if not mine.empty else None
    ranked = int(scores["rank"].notna().sum())
    has_score = row is not None and not pd.isna(row["score"])
    score = f"{row['score']:.1f}" if has_score else ""
    interval = f"{row['ci_low']:.1f}–{row['ci_high']:.1f}" if has_score else ""
    rank = f"{int(row['rank'])}" if has_score and ranked > 1 else ""
    rank_interval = f"{int(row['rank_low'])}–{int(row['rank_high'])}" if rank else ""
    if not has_score:
        sentence = t("assess.forum.not_assessable", lang, name=summary.place.name, period=summary.period_name)
    elif rank:
        sentence = t("assess.forum.sentence_ranked", lang, score=score, interval=interval, rank=rank,
                     count=ranked, rank_interval=rank_interval)
    else:
        sentence = t("assess.forum.sentence", lang, score=score, interval=interval)
    comp = result.components
    comp = comp[(comp["jurisdiction"] == summary.place.code) & (comp["period"] == summary.period)]
    components = []
    for c in comp.to_dict("records"):
        status = c["status"] if isinstance(c["status"], str) else ""
        components.append(AssessmentComponent(
            label=labels.get(f"{c['source']}:{c['component']}", c["component"]), value=_component_value(c),
            target=_target_value(c), status=t(f"assess.status.{status}", lang) if status else "",
            status_key=status, points="" if pd.isna(c["points"]) else f"{c['points']:.1f}"))
    figures = AssessmentFigures(
        scheme=result.scheme.name, score=score, score_interval=interval, rank=rank, rank_interval=rank_interval,
        ranked_among=ranked, sentence=sentence, components=tuple(components),
        formula=assessment.formula_text(result.scheme, labels, lang))
    return replace(summary, assessment=figures)


def _case_figures(con: Connection, sel: Selection, place: Place, district: Place | None,
                  city: Place | None, lang: str) -> list[CaseFigure]:
    """The case-work figures for the period (none when the jurisdiction has no case in it)."""
    period = str(sel.latest)

    def rows(p: Place) -> dict[str, dict[str, Any]]:
        table = cases.case_metrics(con, sel.with_(level=p.level, jurisdiction_codes=(p.code,), periods=(period,)),
                                   metrics=list(CASE_METRICS))
        return {r["metric"]: r for r in table[table["period"] == period].to_dict("records")}

    mine = rows(place)
    if not mine:
        return []
    parents = {parent.level: rows(parent) for parent in (district, city) if parent is not None}
    figures = []
    for metric in CASE_METRICS:
        row = mine.get(metric)
        if row is None:
            continue
        rate = _rate(row, place, lang, value_column="value")
        if rate.n == 0:
            sentence = t("forum.case.none", lang)
        elif rate.flag == "suppressed":
            sentence = t("forum.case.suppressed", lang, n=rate.n)
        else:
            sentence = t(f"forum.case.{metric}.sentence", lang, rate=rate.text, n=rate.n)
        figures.append(CaseFigure(
            metric=metric, label=t(f"forum.case.{metric}.label", lang), rate=rate, sentence=sentence,
            district=_rate(parents["district"].get(metric), district, lang, value_column="value")
            if district is not None else None,
            city=_rate(parents["city"].get(metric), city, lang, value_column="value") if city is not None else None))
    return figures


# --------------------------------------------------------------------------------------------- actions


def action_period_kind(period: str, period_kind: str | None = None) -> str:
    """The period kind a "you said, we did" row of ``period`` is kept under (part of its key with the label).

    A survey wave's label is free text and may equal a calendar label (a wave called '2026Q3'), so the kind
    tells the two forums apart. ``period_kind`` None: the calendar kind the label parses as (month, quarter,
    year, rolling12); WAVE_KIND: a wave, whatever its label. A calendar kind must be the label's own kind:
    UnknownNameError otherwise, and for a label that is no calendar period ('all' included: a forum is for
    one period).
    """
    if period_kind == WAVE_KIND:
        return WAVE_KIND
    parsed = parse_period(period)[0]
    if period_kind is not None and period_kind != parsed:
        raise UnknownNameError(f"Period {period!r} is a {parsed}, not a {period_kind}.",
                               key="forum.error.period_kind", period=period)
    return parsed


def list_actions(con: Connection, jurisdiction: str, period: str,
                 lang: str = "zh", *, period_kind: str | None = None) -> list[ActionRow]:
    """The "you said, we did" rows of a jurisdiction and period, in their set order.

    ``period_kind`` WAVE_KIND: ``period`` is a survey wave's label; demands are dated, not in waves, so its
    rows carry no demand counts. None: the calendar kind ``period`` parses as (:func:`action_period_kind`);
    the rows of a wave that shares the label are not these.
    """
    kind = action_period_kind(period, period_kind)
    frame = query_df(con, "forum/actions_list", {"jurisdiction": jurisdiction, "period": period,
                                                 "period_kind": kind})
    counts = ({c.topic: c for c in voice.forum_topics(con, jurisdiction, period, lang)}
              if not frame.empty and kind != WAVE_KIND else {})

    def said(topics: tuple[str, ...]) -> str:
        return "；".join(t("forum.said", lang, topic=counts[k].label, n=counts[k].n) for k in topics if k in counts)

    return [ActionRow(
        action_id=int(r["action_id"]), concern=str(r["concern"]), action=str(r["action"]), status=str(r["status"]),
        status_label=t(f"forum.status.{r['status']}", lang),
        updated_at=None if pd.isna(r["updated_at"]) else pd.Timestamp(r["updated_at"]).to_pydatetime(),
        updated_by=str(r["updated_by"]), topics=tuple(r["topics"]) if _is_list(r["topics"]) else (),
        said=said(tuple(r["topics"]) if _is_list(r["topics"]) else ())) for r in frame.to_dict("records")]


def _is_list(value: Any) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, str)


def add_topic_actions(con: Connection, jurisdiction: str, period: str, *, user: User,
                      top: int = 5, lang: str = "zh") -> int:
    """Add a "you said, we did" row for each of the ``top`` most frequent demand topics of the period that no
    row answers yet (concern = the topic's name, action empty, status planned); returns the rows added.

    The rows stay editable like any other (:func:`save_actions`); the forum table and its PPTX/HTML exports
    show each linked row with its demand count. ``user``'s right to edit is checked first (:func:`can_edit`).
    """
    if not can_edit(con, user, jurisdiction):
        raise AccessDenied(f"User {user.username!r} may not edit the forum of {jurisdiction}.",
                           key="forum.error.not_editable", code=jurisdiction)
    existing = list_actions(con, jurisdiction, period, lang)
    covered = {k for r in existing for k in r.topics}
    new = [c for c in voice.forum_topics(con, jurisdiction, period, lang) if c.topic not in covered][:max(top, 0)]
    if not new:
        return 0
    rows = [{"action_id": r.action_id, "concern": r.concern, "action": r.action, "status": r.status}
            for r in existing]
    rows += [{"concern": c.label, "action": "", "status": "planned", "topics": [c.topic]} for c in new]
    return save_actions(con, jurisdiction, period, rows, user=user).inserted


def actions_frame(con: Connection, jurisdiction: str, period: str, *,
                  period_kind: str | None = None) -> pd.DataFrame:
    """The rows as a frame for editing: ``action_id, concern, action, status`` (``period_kind`` as
    :func:`list_actions` takes it)."""
    rows = list_actions(con, jurisdiction, period, period_kind=period_kind)
    return pd.DataFrame({
        "action_id": pd.array([r.action_id for r in rows], dtype="Int64"),
        "concern": pd.array([r.concern for r in rows], dtype="string"),
        "action": pd.array([r.action for r in rows], dtype="string"),
        "status": pd.array([r.status for r in rows], dtype="string"),
    })


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).replace("\x00", "").strip()


def _action_id(value: Any, number: int) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        as_float = float(value)
    except (TypeError, ValueError) as exc:
        raise ForumInputError(f"Row {number}: {value!r} is not a row id.", row=number) from exc
    if not as_float.is_integer():
        raise ForumInputError(f"Row {number}: {value!r} is not a row id.", row=number)
    return int(as_float)


def _clean_rows(rows: Iterable[Mapping[str, Any]], known: set[int]) -> list[dict[str, Any]]:
    """Validate edited rows; blank rows are dropped. Raises ForumInputError naming the row."""
    cleaned: list[dict[str, Any]] = []
    for number, row in enumerate(rows, 1):
        concern, action = _text(row.get("concern")), _text(row.get("action"))
        status = _text(row.get("status")) or "planned"
        action_id = _action_id(row.get("action_id"), number)
        if not concern and not action:
            continue  # an empty line left in the editor
        if not concern:
            raise ForumInputError(f"Row {number}: the concern is empty.", key="forum.error.empty_concern",
                                  row=number)
        if len(concern) > MAX_CONCERN_CHARS or len(action) > MAX_ACTION_CHARS:
            raise ForumInputError(
                f"Row {number}: text too long (concern at most {MAX_CONCERN_CHARS}, action at most "
                f"{MAX_ACTION_CHARS} characters).", key="forum.error.too_long", row=number,
                concern_max=MAX_CONCERN_CHARS, action_max=MAX_ACTION_CHARS)
        if status not in STATUSES:
            raise ForumInputError(f"Row {number}: unknown status {status!r}; use one of {', '.join(STATUSES)}.",
                                  key="forum.error.status", row=number, status=status)
        if action_id is not None and action_id not in known:
            raise ForumInputError(f"Row {number}: row id {action_id} does not belong to this jurisdiction and "
                                  "period.", key="forum.error.foreign_row", row=number)
        if action_id is not None and any(r["action_id"] == action_id for r in cleaned):
            raise ForumInputError(f"Row {number}: row id {action_id} appears twice.",
                                  key="forum.error.foreign_row", row=number)
        topics = row.get("topics")
        cleaned.append({"action_id": action_id, "concern": concern, "action": action, "status": status,
                        "position": len(cleaned),
                        "topics": [str(k) for k in topics] if _is_list(topics) else []})
    if len(cleaned) > MAX_ACTION_ROWS:
        raise ForumInputError(f"At most {MAX_ACTION_ROWS} rows per jurisdiction and period.",
                              key="forum.error.too_many", max=MAX_ACTION_ROWS)
    return cleaned


def save_actions(con: Connection, jurisdiction: str, period: str,
                 rows: Iterable[Mapping[str, Any]], *, user: User, period_kind: str | None = None) -> SaveResult:
    """Replace the "you said, we did" rows of a jurisdiction and period with ``rows``, in one transaction.

    ``rows`` are mappings with ``concern``, ``action``, ``status`` (planned / in_progress / done) and,
    for rows that already exist, their ``action_id``. Existing rows missing from ``rows`` are deleted;
    rows without an id are added; the order of ``rows`` is the order shown. Rows with neither concern
    nor action are ignored. The change is recorded in the audit log and bumps the data version.
    ``user``'s right to edit this jurisdiction is checked first (:func:`can_edit`: ``forum_edit``, a station
    only in its own subtree); they are the audit actor. ``period_kind`` WAVE_KIND: ``period`` is a survey
    wave's label (UnknownNameError unless it is a wave of the loaded data); otherwise a calendar label of that
    kind (None: whatever calendar kind it parses as). A wave and a calendar period with the same label keep
    separate rows.
    """
    if not can_edit(con, user, jurisdiction):
        raise AccessDenied(f"User {user.username!r} may not edit the forum of {jurisdiction}.",
                           key="forum.error.not_editable", code=jurisdiction)
    actor = user.username
    if period_kind == WAVE_KIND:
        order = waves.wave_labels(con)
        if period not in order:
            raise UnknownNameError(
                f"{period!r} is not a survey wave of the loaded data; waves: {', '.join(order) or 'none'}.",
                key="forum.error.unknown_wave", wave=period, waves=", ".join(order) or "—")
    kind = action_period_kind(period, period_kind)
    if not fetch_one(con, "jurisdictions/exists", {"code": jurisdiction})["found"]:
        raise UnknownNameError(f"No jurisdiction with code {jurisdiction!r}.",
                               key="forum.error.unknown_jurisdiction", code=jurisdiction)
    place = {"jurisdiction": jurisdiction, "period": period, "period_kind": kind}
    before = {r.action_id: r for r in list_actions(con, jurisdiction, period, period_kind=kind)}
    cleaned = _clean_rows(rows, set(before))
    kept = {r["action_id"] for r in cleaned if r["action_id"] is not None}
    deleted = [before[i] for i in before if i not in kept]
    updated = [r for r in cleaned if r["action_id"] is not None and _differs(before[r["action_id"]], r, before)]
    inserted = [r for r in cleaned if r["action_id"] is None]
    result = SaveResult(len(inserted), len(updated), len(deleted))
    if not result.changed:
        return result
    with store.transaction(con):
        for row in deleted:
            execute(con, "forum/action_delete", {**place, "action_id": row.action_id})
        for row in updated:
            execute(con, "forum/action_update", {**place, **{k: v for k, v in row.items() if k != "topics"},
                                                 "actor": actor})
        for row in inserted:
            execute(con, "forum/action_insert", {**place, **{k: v for k, v in row.items() if k != "action_id"},
                                                 "actor": actor})
        store.audit(con, actor, "forum.actions.save", {
            **place, "inserted": len(inserted), "updated": [r["action_id"] for r in updated],
            "deleted": [{"action_id": r.action_id, "concern": r.concern, "action": r.action, "status": r.status}
                        for r in deleted]})
        store.bump_data_version(con)
    return result


def _differs(old: ActionRow, new: Mapping[str, Any], before: Mapping[int, ActionRow]) -> bool:
    position = list(before).index(old.action_id)
    return (old.concern, old.action, old.status, position) != (new["concern"], new["action"], new["status"],
                                                               new["position"])
