"""Breakdowns by group: one indicator in one jurisdiction and period, by age band, sex or any grouping field
loaded, with intervals, suppression, and the gap between every two groups (issue 15.4).

Method
------
Per group (the respondent's answer to the grouping item; no answer is the group ``None``, "not given"):

* unweighted: p = Σy/n with the Wilson interval for rates, the t interval for mean scores (as the engine);
* weighted: p = Σwy/Σw, linearised variance with each respondent its own PSU,
  var = n/(n−1) · Σw²(y−p)² / (Σw)², logit interval on n−1 degrees of freedom for rates (t interval for
  means); clusters and strata are not used here, so weighted group intervals can be a little narrow
  for a clustered design (docs/statistics.md).
* suppression and caution from the Kish effective base and the same settings as every other figure: a
  suppressed group carries no estimate, interval or gap.

Gaps: for every pair of unsuppressed groups (a, b), ``gap`` = p_a − p_b with se = sqrt(se_a² + se_b²)
(groups are disjoint sets of respondents), a normal interval at the confidence level setting and a
two-sided Wald z test; p-values are Benjamini–Hochberg adjusted across all pairs shown together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from analytics import engine, stats
from analytics.db import Connection, query_df
from analytics.errors import AccessDenied, UnknownNameError
from analytics.selection import Selection
from analytics.store import get_setting

GROUP_COLUMNS = ["group", "n", "n_eff", "estimate", "se", "ci_low", "ci_high", "flag"]
GAP_COLUMNS = ["group_a", "group_b", "gap", "gap_se", "ci_low", "ci_high", "p_value", "p_adjusted", "significant"]


@dataclass(frozen=True)
class Breakdown:
    """One indicator in one jurisdiction and period, by the groups of ``group_item``."""

    indicator: str
    jurisdiction: str
    period: str
    group_item: str
    kind: str  # 'rate' (estimates are proportions) or 'mean' (score points)
    groups: pd.DataFrame  # GROUP_COLUMNS, one row per group, 'not given' (None) last
    gaps: pd.DataFrame  # GAP_COLUMNS, one row per pair of unsuppressed groups


def group_items(con: Connection) -> pd.DataFrame:
    """Grouping fields loaded (open or categorical items answered): ``item``, ``label_zh``, ``label_en``,
    ``answered``; age band and sex first."""
    return query_df(con, "leaders/group_items")


def breakdown(con: Connection, sel: Selection, indicator: str, jurisdiction: str, group_item: str,
              ) -> Breakdown:
    """Rates (or mean scores) of ``indicator`` by ``group_item`` in ``jurisdiction`` for ``sel.latest``.

    ``sel.weighted`` chooses weighted estimates; ``sel.user`` must be allowed to see ``jurisdiction``
    (a scoped user asking for another jurisdiction gets :class:`AccessDenied`).
    """
    if sel.latest is None:
        raise UnknownNameError("Choose a period to break down.")
    scales = engine.indicator_scales(con)
    if indicator not in scales.index:
        raise UnknownNameError(f"Unknown indicator {indicator!r}.")
    if group_item not in set(group_items(con)["item"]):
        raise UnknownNameError(f"{group_item!r} is not a grouping field that has answers.")
    allowed = engine.scope_codes(con, sel.user, [jurisdiction])
    if allowed is not None and jurisdiction not in allowed:
        raise AccessDenied(f"User {sel.user.username!r} may not see jurisdiction {jurisdiction!r}.")
    raw = query_df(con, "leaders/breakdown_groups", {
        "indicator": indicator, "jurisdiction": jurisdiction, "period_kind": sel.period_kind,
        "period": sel.latest, "group_item": group_item})
    scale = scales.loc[indicator]
    kind = str(scale["kind"])
    groups = _group_estimates(con, raw, weighted=sel.weighted, is_mean=kind == "mean",
                              lower=float(scale["scale_min"]), upper=float(scale["scale_max"]))
    level = float(get_setting(con, "confidence_level"))
    return Breakdown(indicator, jurisdiction, sel.latest, group_item, kind, groups, group_gaps(groups, level))


def _group_estimates(con: Connection, raw: pd.DataFrame, *, weighted: bool, is_mean: bool,
                     lower: float, upper: float) -> pd.DataFrame:
    if raw.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    level = float(get_setting(con, "confidence_level"))
    n = raw["n"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if weighted:
            sw, sw2 = raw["sum_w"].to_numpy(float), raw["sum_w2"].to_numpy(float)
            p = raw["sum_wy"].to_numpy(float) / sw
            resid = (raw["sum_w2y2"].to_numpy(float) - 2 * p * raw["sum_w2y"].to_numpy(float) + p * p * sw2)
            se = np.sqrt(np.where(n > 1, n / (n - 1) * np.maximum(resid, 0.0) / (sw * sw), np.nan))
            n_eff = stats.kish_n_eff(sw, sw2)
            if is_mean:
                low, high = stats.t_interval(p, se, n - 1.0, level, lower, upper)
            else:
                low, high = stats.logit_interval(p, se, level, df=n - 1.0)
                w_low, w_high = stats.wilson_interval(p * n_eff, n_eff, level)
                bad = ~np.isfinite(low) | ~np.isfinite(high)
                low, high = np.where(bad, w_low, low), np.where(bad, w_high, high)
        elif is_mean:
            n_eff = n
            p, se = stats.mean_and_se(n, raw["sum_y"].to_numpy(float), raw["sum_y2"].to_numpy(float))
            low, high = stats.t_interval(p, se, n - 1.0, level, lower, upper)
        else:
            n_eff = n
            p = raw["sum_y"].to_numpy(float) / n
            se = np.sqrt(p * (1 - p) / n)
            low, high = stats.wilson_interval(raw["sum_y"].to_numpy(float), n, level)
    out = pd.DataFrame({"group": raw["group"].astype(object).where(raw["group"].notna(), None),
                        "n": raw["n"].astype("int64"), "n_eff": n_eff, "estimate": p, "se": se,
                        "ci_low": low, "ci_high": high})
    out["flag"] = stats.small_base_flag(np.nan_to_num(out["n_eff"].to_numpy(float), nan=0.0),
                                        float(get_setting(con, "suppress_below_n_eff")),
                                        float(get_setting(con, "caution_below_n_eff")))
    out.loc[out["flag"].eq("suppressed"), ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    return out[GROUP_COLUMNS]


def group_gaps(groups: pd.DataFrame, level: float = 0.95, alpha: float = 0.05) -> pd.DataFrame:
    """Every pair of unsuppressed, named groups: ``gap`` = estimate_a − estimate_b with its normal interval at
    ``level`` and a BH-adjusted two-sided z test (``significant`` when the adjusted p is below ``alpha``).

    Pairs are in the groups' order (a before b). The 'not given' group takes no part.
    """
    usable = groups[groups["estimate"].notna() & groups["group"].notna()].reset_index(drop=True)
    k = len(usable)
    if k < 2:
        return pd.DataFrame(columns=GAP_COLUMNS)
    a_idx, b_idx = np.triu_indices(k, 1)
    est, se = usable["estimate"].to_numpy(float), usable["se"].to_numpy(float)
    gap_se, z, p = stats.difference_z_test(est[b_idx], se[b_idx], est[a_idx], se[a_idx])
    q = norm.ppf(0.5 + level / 2)
    gap = est[a_idx] - est[b_idx]
    adjusted = stats.benjamini_hochberg(p)
    return pd.DataFrame({
        "group_a": usable["group"].to_numpy(object)[a_idx], "group_b": usable["group"].to_numpy(object)[b_idx],
        "gap": gap, "gap_se": gap_se, "ci_low": gap - q * gap_se, "ci_high": gap + q * gap_se,
        "p_value": p, "p_adjusted": adjusted, "significant": adjusted < alpha})
