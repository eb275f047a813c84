"""Indicators over time (the Trends page): trend tests and survey-mode breaks.

Everything here builds on :func:`analytics.engine.indicator_table` results and the pure functions of
:mod:`analytics.stats`; the mode mix per month comes from DuckDB (``sql/trends/mode_months.sql``).

Methods (formulas and worked examples in ``docs/statistics.md``)
----------------------------------------------------------------
* **Trend test** per jurisdiction over the periods of a table: Cochran (1954)–Armitage (1955) test on
  x = n·p out of n (weighted: p·n_eff out of n_eff) with period scores 0, 1, 2, … (gaps keep their
  place), the slope Σn(t-t̄)(p-p̄)/Σn(t-t̄)² in proportion per period, and a Benjamini–Hochberg
  adjustment across the jurisdictions of each indicator. Not defined for rolling 12-month windows, which
  overlap (successive windows share respondents).
* **Survey-mode breaks**: where the mode mix of the respondents behind an indicator (each respondent's own
  survey mode, else its batch's) changes between one month with respondents and the next — a break in the
  series: a mode appears or disappears, or some mode's share of the respondents moves by more than
  ``MODE_MIX_SHIFT`` (a mixed-mode wave that moves from mostly phone to mostly web).

Suppression: a suppressed estimate (``flag`` 'suppressed', effective base below the setting) is left out of
the trend tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics import engine, stats
from analytics.db import Connection, query_df
from analytics.errors import CompareError, UnknownNameError
from analytics.periods import WAVE_KIND, label_for, period_kind
from analytics.selection import Selection

__all__ = [
    "TREND_COLUMNS", "BREAK_COLUMNS", "MODE_NAMES", "MODE_MIX_SHIFT", "trend_tests", "mode_breaks", "break_position",
]

TREND_COLUMNS = [
    "indicator", "jurisdiction", "name_zh", "name_en", "periods", "first_period", "last_period", "slope", "z",
    "p_value", "p_adjusted", "significant", "direction", "mode_break",
]
BREAK_COLUMNS = ["indicator", "jurisdiction", "month_before", "month_after", "modes_before", "modes_after",
                 "mix_before", "mix_after"]
# A change of a mode's share of the respondents by more than this (a proportion) between two months with
# respondents is a break, as a change of the set of modes is. 0.25: a quarter of the sample asked another way.
MODE_MIX_SHIFT = 0.25

# Survey modes the catalog names (any other label a file gives is shown as it is).
MODE_NAMES = ("mail", "online", "phone", "face_to_face", "sms", "ivr", "qr_code", "unknown")


# --------------------------------------------------------------------------------------------------
# Over time: trend tests and survey-mode breaks
# --------------------------------------------------------------------------------------------------


def trend_tests(table: pd.DataFrame, *, breaks: pd.DataFrame | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Cochran–Armitage trend test per indicator and jurisdiction over the periods of ``table``.

    ``table`` is an :func:`analytics.engine.indicator_table` result (several periods of one granularity).
    Period scores are the positions of the periods among all the table's periods (0, 1, 2, …; a missing
    or suppressed period keeps its place and is left out). Successes are n·estimate out of n, or
    estimate·n_eff out of n_eff when the table is weighted. ``slope`` is the change in proportion per
    period; p-values are adjusted with Benjamini–Hochberg across the jurisdictions of each indicator;
    ``direction`` is 'up'/'down' only when the adjusted p-value is below ``alpha``. With ``breaks`` (from
    :func:`mode_breaks`), ``mode_break`` is True when the tested span holds periods on both sides of a
    survey-mode change (from ``month_before`` to ``month_after``).
    Fewer than two usable periods give nan. Rolling 12-month windows raise :class:`CompareError`.
    Mean-score indicators (kind 'mean') are left out: Cochran–Armitage is a test for proportions.
    Survey waves (labels that are not calendar periods) are scored by their order in ``table``, which is
    the engine's wave order (a mapping may order waves other than by first interview date): one step per
    wave, whatever the months between them.

    All groups are tested at once (sums per group with ``np.bincount``), the same statistic as
    :func:`analytics.stats.cochran_armitage_trend` per group; the sums run in another order than
    ``np.sum``'s, so figures can differ from a per-group call in the last bits (about 1e-14 relative).
    """
    rows = np.flatnonzero(table["kind"].ne("mean").to_numpy(bool, na_value=True)) if "kind" in table.columns \
        else np.arange(len(table))
    if not len(rows):
        return pd.DataFrame(columns=TREND_COLUMNS)

    def column(name: str, dtype: Any = object) -> np.ndarray:
        """One column of the tested rows as a numpy array (no copy of the whole table is made)."""
        values = table[name]
        if dtype is object:
            return values.to_numpy(object)[rows]
        return values.to_numpy(dtype, na_value=np.nan)[rows]

    # Strings are factorised once (sorted, so group numbers follow the (indicator, jurisdiction) order):
    # comparisons on Arrow strings per group were most of the cost.
    period_codes, periods = pd.factorize(column("period"))
    kinds = {_kind_of(label) for label in periods}
    if "rolling12" in kinds:
        raise CompareError("Rolling 12-month windows overlap (successive windows share respondents), so a trend "
                           "test over them is not valid; use months, quarters or years.",
                           key="error.compare.rolling_trend")
    starts = pd.to_datetime(column("period_start")).to_numpy("datetime64[ns]")
    ends = pd.to_datetime(column("period_end")).to_numpy("datetime64[ns]")
    first_seen = np.unique(period_codes[period_codes >= 0], return_index=True)[1]
    if WAVE_KIND in kinds:
        rank = np.arange(len(periods))  # the table's (the engine's) wave order
    else:
        rank = np.argsort(np.argsort(starts[period_codes >= 0][first_seen], kind="stable"), kind="stable")
    # code -1 (a missing label) picks the nan appended last
    score = np.append(rank.astype(np.float64), np.nan)[period_codes]
    weighted = bool(table["weighted"].iloc[0])
    ind_codes, indicators = pd.factorize(column("indicator"), sort=True)
    jur_codes, jurisdictions = pd.factorize(column("jurisdiction"), sort=True)
    group = ind_codes.astype(np.int64) * len(jurisdictions) + jur_codes
    # rows of each group in period order, ties in table order (lexsort is stable), like a stable sort per group
    order = np.lexsort((score, group))
    order = order[(ind_codes[order] >= 0) & (jur_codes[order] >= 0)]
    present, row_group = np.unique(group[order], return_inverse=True)
    groups = len(present)
    first_row = order[np.r_[0, np.flatnonzero(np.diff(row_group)) + 1]]

    estimate = column("estimate", np.float64)[order]
    suppressed = (column("flag") == "suppressed")[order]
    base = column("n_eff" if weighted else "n", np.float64)[order]
    t = score[order]
    used = ~np.isnan(estimate) & ~suppressed
    x = estimate * base

    def sums(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(row_group[mask], weights=values[mask], minlength=groups)

    # Cochran–Armitage on the usable periods (stats.cochran_armitage_trend's filter: finite, n > 0).
    ca = used & np.isfinite(x) & np.isfinite(base) & np.isfinite(t) & (base > 0)
    size = np.bincount(row_group[ca], minlength=groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = sums(ca, base)
        pbar = sums(ca, x) / total
        stat = sums(ca, t * (x - base * pbar[row_group]))
        var = pbar * (1.0 - pbar) * (sums(ca, base * t * t) - sums(ca, base * t) ** 2 / total)
        z = np.where((size >= 2) & (var > 0), stat / np.sqrt(var), np.nan)
        # The slope over every used period (a period with n = 0 adds nothing; a nan base makes it nan).
        u_total = sums(used, base)
        u_pbar = sums(used, x) / u_total
        slope = np.where(np.isfinite(z),
                         sums(used, t * (x - base * u_pbar[row_group]))
                         / (sums(used, base * t * t) - sums(used, base * t) ** 2 / u_total), np.nan)
    p_value = stats.two_sided_p(z)

    counts = np.bincount(row_group[used], minlength=groups)
    used_rows = order[used]
    used_groups = row_group[used]
    has_used = counts > 0
    first_used = np.zeros(groups, dtype=np.int64)
    last_used = np.zeros(groups, dtype=np.int64)
    # rows are in period order within a group: the last assignment per group wins
    first_used[used_groups[::-1]] = used_rows[::-1]
    last_used[used_groups] = used_rows
    labels = column("period")
    first_period = np.where(has_used, labels[first_used], None)
    last_period = np.where(has_used, labels[last_used], None)

    group_indicator = present // len(jurisdictions)
    group_code = present % len(jurisdictions)
    mode_break = np.zeros(groups, dtype=bool)
    if breaks is not None and not breaks.empty:
        # groups × breaks (a few of each): same indicator, the break's jurisdiction or all (NULL), inside the span
        b_indicator = pd.Index(indicators).get_indexer(breaks["indicator"].to_numpy(object))
        b_code = pd.Index(jurisdictions).get_indexer(breaks["jurisdiction"].to_numpy(object))
        b_all = breaks["jurisdiction"].isna().to_numpy(bool)
        before = pd.to_datetime(breaks["month_before"]).to_numpy("datetime64[ns]")
        after = pd.to_datetime(breaks["month_after"]).to_numpy("datetime64[ns]")
        hit = ((group_indicator[:, None] == b_indicator[None, :]) & (b_indicator[None, :] >= 0)
               & (b_all[None, :] | (group_code[:, None] == b_code[None, :]))
               & (before[None, :] >= starts[first_used][:, None]) & (after[None, :] <= ends[last_used][:, None]))
        mode_break = hit.any(axis=1) & has_used

    p_adjusted = np.full(groups, np.nan)
    for code in np.unique(group_indicator):
        mask = group_indicator == code
        p_adjusted[mask] = stats.benjamini_hochberg(p_value[mask])
    significant = p_adjusted < alpha
    return pd.DataFrame({
        "indicator": indicators[group_indicator], "jurisdiction": jurisdictions[group_code],
        "name_zh": column("name_zh")[first_row], "name_en": column("name_en")[first_row],
        "periods": counts.astype(np.int64), "first_period": first_period, "last_period": last_period,
        "slope": slope, "z": z, "p_value": p_value, "p_adjusted": p_adjusted, "significant": significant,
        "direction": np.where(significant, np.where(slope > 0, "up", "down"), ""), "mode_break": mode_break,
    }, columns=TREND_COLUMNS)


def _kind_of(label: str) -> str:
    """The kind of a period label, WAVE_KIND for a survey wave's free-text label (FY22Q1, 2021年第二轮)."""
    try:
        return period_kind(label)
    except UnknownNameError:
        return WAVE_KIND


def mode_breaks(con: Connection, sel: Selection, *, indicators: Sequence[str] | None = None,
                by_jurisdiction: bool = True) -> pd.DataFrame:
    """Where the survey mode behind an indicator changes (columns ``BREAK_COLUMNS``).

    For each indicator (and, with ``by_jurisdiction``, each jurisdiction at ``sel.level``; otherwise all
    respondents together, ``jurisdiction`` None), the months with respondents are walked in order and a break is
    reported where the mode mix (each respondent's survey mode, else its batch's; NULL as 'unknown')
    differs from the previous month with respondents — another set of modes, or a mode whose share of the
    respondents moved by more than :data:`MODE_MIX_SHIFT`: ``month_before`` is the last month (first day)
    with the old mix, ``month_after`` the first month with the new one; the change happened between them.
    ``modes_before``/``modes_after`` join the sorted modes with '+', e.g. 'phone' -> 'phone+sms';
    ``mix_before``/``mix_after`` give each mode's share, e.g. 'online 20%, phone 80%'.
    ``sel.jurisdiction_codes`` limits the respondents to those under the given jurisdictions; a scoped
    ``sel.user`` (station role) gets only the jurisdictions it may see. Every month with respondents is
    walked, whatever ``sel.periods`` (a break just before the first period shown still explains it).
    """
    codes = engine.scope_codes(con, sel.user, sel.jurisdiction_codes)
    months = query_df(con, "trends/mode_months", {
        "indicators": list(indicators) if indicators else None, "level": sel.level if by_jurisdiction else None,
        "jurisdictions": list(codes) if codes else None,
    })
    rows = []
    for (indicator, code), group in months.groupby(["indicator", "jurisdiction"], sort=True, dropna=False):
        previous: dict[str, float] | None = None
        previous_month = None
        for month, modes, counts in zip(group["month"], group["modes"], group["mode_respondents"], strict=True):
            total = float(sum(counts))
            current = {str(m): float(c) / total for m, c in zip(modes, counts, strict=True)}
            if previous is not None and _mix_changed(previous, current):
                rows.append({"indicator": indicator, "jurisdiction": None if pd.isna(code) else code,
                             "month_before": pd.Timestamp(previous_month).date(),
                             "month_after": pd.Timestamp(month).date(),
                             "modes_before": "+".join(previous), "modes_after": "+".join(current),
                             "mix_before": _mix_text(previous), "mix_after": _mix_text(current)})
            previous, previous_month = current, month
    return pd.DataFrame(rows, columns=BREAK_COLUMNS)


def _mix_changed(before: dict[str, float], after: dict[str, float]) -> bool:
    """Another set of modes, or some mode's share moved by more than MODE_MIX_SHIFT."""
    if set(before) != set(after):
        return True
    return any(abs(before[m] - after[m]) > MODE_MIX_SHIFT for m in before)


def _mix_text(shares: dict[str, float]) -> str:
    return ", ".join(f"{mode} {100 * share:.0f}%" for mode, share in shares.items())


def break_position(month_before: date, month_after: date, kind: str, labels: Sequence[str]) -> float | None:
    """Where to draw a mode break on a category axis of period ``labels`` (positions 0, 1, …).

    When the last month of the old mode and the first month of the new one fall in different periods, the
    break goes between periods: just before the period holding ``month_after`` (position - 0.5), or just
    after the one holding ``month_before`` if the former is off the axis. When both fall in one period,
    the break goes on that period, which mixes both modes. Rolling windows follow the same rule (the first
    window holding the new mode is the one ending in ``month_after``). None when off the axis or ``kind``
    is 'all'.
    """
    if kind == "all":
        return None
    axis = list(labels)
    before = label_for(kind, date(month_before.year, month_before.month, 1))
    after = label_for(kind, date(month_after.year, month_after.month, 1))
    if after in axis:
        return float(axis.index(after)) if after == before else axis.index(after) - 0.5
    if before in axis:
        return axis.index(before) + 0.5
    return None
