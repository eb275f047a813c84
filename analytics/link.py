"""Linking police work to what residents say: per-jurisdiction correlation and the self-report gap.

Both sides come from the existing engines, for the same level, period granularity and period: the
x-metric (:data:`X_METRICS`) from :func:`analytics.cases.case_metrics` (case work),
:func:`analytics.prevention.prevention_metrics` (调结率, 民转刑率, hazards rectified on time, callbacks on
unsolved cases and the opinions they collected) or :mod:`analytics.voice` (demands answered on time, days
to answer, the share of comments the lexicon counts negative), and survey indicators from
:func:`analytics.engine.indicator_table`. Suppressed values (small bases) on either side are left out, so
a jurisdiction enters an analysis only when both of its figures may be shown.

Methods
-------
* Association across jurisdictions: Spearman's rank correlation rho (Spearman 1904) with the
  p-value of ``scipy.stats.spearmanr`` (t approximation with n - 2 degrees of freedom), and a
  seeded nonparametric bootstrap percentile interval (Efron & Tibshirani 1993, ch. 13) from
  resampling jurisdictions (pairs) with replacement; resamples whose ranks are all tied give no
  rho and are skipped. With few jurisdictions (n < 5) neither p-value nor interval means much —
  the result carries ``n`` so pages can say so. Correlation across jurisdictions is ecological: it
  describes places, not residents.
* Self-report gap: gap = callback satisfaction (the agency's own callback about the resident's own
  case: not independent, and people tend to thank the officer on the phone) − survey satisfaction
  (an independent sample of residents). The two are independent samples, so
  se(gap) = sqrt(se_cb² + se_sv²), z = gap / se(gap) with a two-sided normal p-value, and the
  interval is gap ± z_(1-α/2)·se(gap).
  Because the two instruments ask different questions (a three-level callback scale about one case
  against a five-level top-2-box about the police in general), some gap is expected everywhere.
  The flag therefore looks at the *excess* over the typical gap: ``reference_gap`` is the median
  gap of the jurisdictions shown together (robust to the outliers being looked for),
  ``excess = gap − reference_gap``, tested with z = excess / se(gap) (the reference taken as
  fixed, as a funnel plot does with its target; Spiegelhalter 2005) and Benjamini–Hochberg
  adjusted (1995) across the jurisdictions. ``flagged`` is True when the excess is at least
  :data:`GAP_THRESHOLD` (10 percentage points) and its adjusted p-value is below ``alpha`` (0.05):
  self-reported satisfaction far above what the independent survey finds, beyond the usual
  difference between the instruments. With fewer than 3 jurisdictions nothing is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as sps

from analytics import cases, engine, prevention, stats, voice
from analytics.choices import PREVENTION_LINKABLE, VOICE_LINKABLE
from analytics.db import Connection
from analytics.errors import UnknownNameError
from analytics.presentation import natural_order
from analytics.selection import Selection
from analytics.store import get_setting

GAP_THRESHOLD = 0.10
DEFAULT_SEED = 20240501

LINK_COLUMNS = [
    "jurisdiction", "name_zh", "name_en", "period", "metric", "metric_value", "metric_se", "metric_n",
    "metric_flag", "indicator", "indicator_estimate", "indicator_se", "indicator_n", "indicator_flag",
]
GAP_COLUMNS = [
    "jurisdiction", "name_zh", "name_en", "period", "callback_satisfaction", "callback_n", "callback_se",
    "survey_indicator", "survey_estimate", "survey_n", "survey_se", "gap", "gap_low", "gap_high", "z",
    "p_value", "reference_gap", "excess", "p_excess_adjusted", "flagged",
]


@dataclass(frozen=True)
class Correlation:
    """Spearman's rho across jurisdictions with its p-value and bootstrap percentile interval."""

    rho: float
    p_value: float
    ci_low: float
    ci_high: float
    n: int
    n_boot: int


@dataclass(frozen=True)
class XMetric:
    """One metric the Link page can set against a survey indicator.

    ``source`` is the engine it comes from ('cases', 'prevention' or 'voice'), ``name`` its key there,
    ``unit`` 'rate' (a proportion), 'hours' or 'days', ``label_key`` the i18n key of its name.
    """

    key: str
    source: str
    name: str
    unit: str
    label_key: str


X_METRICS: dict[str, XMetric] = {
    **{key: XMetric(key, "cases", key, metric.unit, f"metric.{key}") for key, metric in cases.METRICS.items()},
    **{f"prevention.{name}": XMetric(f"prevention.{name}", "prevention", name,
                                     "days" if name.endswith("_median") else "rate", f"prevention.metric.{name}")
       for name in PREVENTION_LINKABLE},
    **{f"voice.{name}": XMetric(f"voice.{name}", "voice", name, unit, f"link.metric.{name}")
       for name, unit in VOICE_LINKABLE},
}
METRIC_FRAME_COLUMNS = ["jurisdiction", "name_zh", "name_en", "period", "period_start", "value", "se", "n",
                        "flag"]


def _rate_se(value: pd.Series, n: pd.Series) -> np.ndarray:
    """Binomial standard error sqrt(p(1 - p)/n) of a proportion over a census base (NaN without a value)."""
    p = value.to_numpy(dtype=float)
    base = n.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(base > 0, np.sqrt(p * (1.0 - p) / base), np.nan)


def metric_frame(con: Connection, sel: Selection, metric: str) -> pd.DataFrame:
    """One x-metric per jurisdiction x period in one shape (:data:`METRIC_FRAME_COLUMNS`).

    ``value`` is a proportion for rates, hours or days for durations, NaN when suppressed or without data;
    ``se`` the binomial standard error of a rate (NaN for durations); ``n`` the metric's base (cases,
    disputes, hazards, demands due or answered, comments). Scope and suppression are the source engine's.
    """
    if metric not in X_METRICS:
        raise UnknownNameError(f"Unknown link metric {metric!r}; choose one of: {', '.join(X_METRICS)}")
    spec = X_METRICS[metric]
    if spec.source == "cases":
        frame = cases.case_metrics(con, sel, metrics=[spec.name])
    elif spec.source == "prevention":
        frame = prevention.prevention_metrics(con, sel, metrics=[spec.name])
        frame = frame.assign(se=_rate_se(frame["value"], frame["n"]) if spec.unit == "rate" else np.nan)
    elif spec.name == "negative_comment_share":
        raw = voice.tone_shares(con, sel)
        frame = raw.assign(value=raw["negative_share"], n=raw["comments"],
                           se=_rate_se(raw["negative_share"], raw["comments"]))
    else:
        raw = voice.answering(con, sel)
        raw = raw[raw["channel"] == "all"]
        if spec.name == "demand_on_time_rate":
            frame = raw.assign(value=raw["on_time_rate"], n=raw["due"], se=_rate_se(raw["on_time_rate"], raw["due"]))
        else:
            # A median over the answered demands, shown under the same small-base rule as the on-time rate.
            hidden = raw["flag"].eq("suppressed") | raw["answered"].eq(0)
            # no answered demand: no median at all, which is "no data", not an ok figure without a value
            flag = raw["flag"].where(~(raw["answered"].eq(0) & raw["flag"].ne("suppressed")), "no_data")
            frame = raw.assign(value=raw["answer_days_median"].where(~hidden), n=raw["answered"], se=np.nan,
                               flag=flag)
    if frame.empty:
        return pd.DataFrame(columns=METRIC_FRAME_COLUMNS)
    if "name_zh" not in frame.columns:
        names = engine.jurisdictions(con).set_index("code")[["name_zh", "name_en"]]
        frame = frame.join(names, on="jurisdiction")
    return frame[METRIC_FRAME_COLUMNS].reset_index(drop=True)


def metric_periods(con: Connection, period_kind: str, metric: str) -> list[str]:
    """Period labels of ``period_kind`` in which ``metric`` has records anywhere in the city, in time order.

    Which periods exist does not depend on the user (no figure is returned, only labels)."""
    frame = metric_frame(con, Selection(period_kind=period_kind, level="city"), metric)
    return list(dict.fromkeys(frame.sort_values("period_start")["period"]))


def _choose_period(periods_a: Sequence[str], periods_b: Sequence[str], period: str | None) -> str | None:
    """The requested period, or the latest one present on both sides (labels sort in time order)."""
    common = sorted(set(periods_a) & set(periods_b))
    if period is not None:
        if period not in common:
            raise UnknownNameError(
                f"Period {period!r} has no case and survey figures together; available: {', '.join(common) or '—'}",
                key="link.error.period", period=period, available=", ".join(common) or "—")
        return period
    return common[-1] if common else None


def link_table(con: Connection, sel: Selection, *, metric: str, indicator: str) -> pd.DataFrame:
    """One row per jurisdiction at ``sel.level`` with a shown (not suppressed) x-metric and survey indicator.

    ``metric`` is a key of :data:`X_METRICS` (a case metric's own key, ``prevention.<name>`` or
    ``voice.<name>``). The period is the latest of ``sel.periods`` (of ``sel.period_kind``) that both sides
    have, or the latest both have at all when ``sel.periods`` is empty; a single chosen period that one
    side lacks is an error that lists the periods available. Columns: ``LINK_COLUMNS``; rates are
    proportions, durations hours or days as the metric's unit says. ``sel.weighted`` applies to the survey
    side; a scoped ``sel.user`` gets only the jurisdictions it may see.
    """
    left_all = metric_frame(con, sel, metric)
    survey = engine.indicator_table(con, sel, indicators=[indicator])
    requested = sel.periods[0] if len(sel.periods) == 1 and sel.periods[0] != "all" else None
    chosen = _choose_period(left_all["period"].unique(), survey["period"].unique(), requested)
    if chosen is None:
        return pd.DataFrame(columns=LINK_COLUMNS)
    left = left_all[(left_all["period"] == chosen) & left_all["value"].notna()].assign(metric=metric)
    right = survey[(survey["period"] == chosen) & survey["estimate"].notna()]
    merged = left.merge(right[["jurisdiction", "indicator", "estimate", "se", "n", "flag"]], on="jurisdiction",
                        suffixes=("", "_survey"))
    merged = merged.rename(columns={
        "value": "metric_value", "se": "metric_se", "n": "metric_n", "flag": "metric_flag",
        "estimate": "indicator_estimate", "se_survey": "indicator_se", "n_survey": "indicator_n",
        "flag_survey": "indicator_flag"})
    return merged[LINK_COLUMNS].sort_values("jurisdiction", key=natural_order).reset_index(drop=True)


def _rank_rows(values: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis (ties share their mean rank)."""
    return sps.rankdata(values, axis=-1)


def spearman(
    x: ArrayLike, y: ArrayLike, *, n_boot: int = 2000, seed: int = DEFAULT_SEED, level: float = 0.95,
) -> Correlation:
    """Spearman's rho of paired values, scipy's p-value and a seeded bootstrap percentile interval.

    Pairs with a NaN are dropped. With fewer than 3 pairs every field is NaN. The bootstrap resamples
    pairs with replacement ``n_boot`` times (vectorised: ranks per replicate, then Pearson on ranks).
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    n = int(xs.size)
    nan = float("nan")
    if n < 3 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return Correlation(nan, nan, nan, nan, n, 0)
    result = sps.spearmanr(xs, ys)
    rho, p_value = float(result.statistic), float(result.pvalue)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(int(n_boot), n))
    rx = _rank_rows(xs[idx])
    ry = _rank_rows(ys[idx])
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    denom = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = np.where(denom > 0, (rx * ry).sum(axis=1) / denom, np.nan)
    boot = boot[np.isfinite(boot)]
    if boot.size == 0:
        return Correlation(rho, p_value, nan, nan, n, 0)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(boot, [alpha, 1.0 - alpha])
    return Correlation(rho, p_value, float(low), float(high), n, int(boot.size))


def self_report_gap(
    con: Connection,
    sel: Selection,
    *,
    indicator: str = "satisfaction",
    threshold: float = GAP_THRESHOLD,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Callback satisfaction minus survey satisfaction per jurisdiction, with z-test and flag.

    Columns ``GAP_COLUMNS``; ``gap_low``/``gap_high`` is the normal interval gap ± z·se(gap) at the
    ``confidence_level`` setting. Jurisdictions where either side is suppressed are left out.
    Sorted by gap, largest first.
    """
    table = link_table(con, sel, metric="callback_satisfaction", indicator=indicator)
    if table.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    out = pd.DataFrame({
        "jurisdiction": table["jurisdiction"], "name_zh": table["name_zh"], "name_en": table["name_en"],
        "period": table["period"],
        "callback_satisfaction": table["metric_value"].astype(float), "callback_n": table["metric_n"],
        "survey_indicator": indicator,
        "survey_estimate": table["indicator_estimate"].astype(float), "survey_n": table["indicator_n"],
    })
    out["callback_se"] = table["metric_se"].astype(float)
    out["survey_se"] = table["indicator_se"].astype(float)
    out["gap"] = out["callback_satisfaction"] - out["survey_estimate"]
    z, p = stats.two_proportion_z_test(out["survey_estimate"], out["survey_se"],
                                       out["callback_satisfaction"], out["callback_se"])
    se_gap = np.sqrt(out["callback_se"].to_numpy(float) ** 2 + out["survey_se"].to_numpy(float) ** 2)
    crit = float(sps.norm.ppf(0.5 + float(get_setting(con, "confidence_level")) / 2.0))
    out["gap_low"] = out["gap"] - crit * se_gap
    out["gap_high"] = out["gap"] + crit * se_gap
    out["z"] = z
    out["p_value"] = p
    reference = float(out["gap"].median()) if len(out) >= 3 else float("nan")
    out["reference_gap"] = reference
    out["excess"] = out["gap"] - reference
    with np.errstate(invalid="ignore", divide="ignore"):
        z_excess = np.where(se_gap > 0, out["excess"].to_numpy(float) / se_gap, np.nan)
    out["p_excess_adjusted"] = stats.benjamini_hochberg(2.0 * sps.norm.sf(np.abs(z_excess)))
    out["flagged"] = (out["excess"] >= threshold) & (out["p_excess_adjusted"] < alpha)
    return out[GAP_COLUMNS].sort_values("gap", ascending=False).reset_index(drop=True)
