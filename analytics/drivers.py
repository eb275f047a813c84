"""Key-driver analysis: which aspects of police service move overall satisfaction.

The outcome is an indicator's item scored as its numeric answer code (e.g. overall satisfaction
1–5), the drivers are the service sub-items the survey has (attitude, response speed, fairness,
communication, result — whichever have answers). Don't-know / refused answers are excluded and the
analysis uses complete cases (listwise deletion). The respondent x item data never leave DuckDB in
full: the correlation matrix comes from sufficient statistics computed in SQL
(``sql/drivers/moments.sql``), and only a bounded sample is pulled for the bootstrap, by the same query.

Methods
-------
* Relative importance by the LMG / Shapley decomposition of R² (Lindeman, Merenda & Gold 1980;
  Grömping 2006, "Relative importance for linear regression in R: the package relaimpo", J Stat
  Softw 17(1)): a driver's weight is its increase in R² when added to the regression, averaged
  over all orderings of the drivers. The weights are non-negative, sum to the model's R², and split
  the explained variance fairly when the drivers are correlated (Shapley 1953 value of the R² game).
  R² of every subset S is computed from the correlation matrix, R²(S) = r_yS' R_SS⁻¹ r_yS, so the
  cost is 2^p small solves (p ≤ 12 drivers).
* Alternatively Johnson's relative weights (Johnson 2000, "A heuristic method for estimating the
  relative weight of predictor variables in multiple regression", Multivariate Behav Res 35:1):
  with R_xx = V diag(λ) V', Λ = V diag(√λ) V' and β = Λ⁻¹ r_xy, the weight of driver j is
  Σ_k Λ_jk² β_k². It also sums to R² and closely approximates LMG.
* ``share`` = weight / R² (importance as a share of the explained variance).
* Intervals: nonparametric bootstrap percentile intervals (Efron & Tibshirani 1993), resampling
  respondents with replacement, seeded. To keep memory bounded the bootstrap runs on a seeded
  sample of at most ``max_sample`` respondents per group (default 20,000; ``sql/drivers/moments.sql``);
  when a group has more respondents than that, the intervals describe a sample of that size and are
  therefore conservative (wider than with all respondents).
* Performance: the top-2-box share of each driver item (e.g. 4 or 5 on a 1–5 scale) among its
  substantive answers, with a Wilson interval; small bases are suppressed with the survey settings.
* Importance-performance analysis (Martilla & James 1977, "Importance-performance analysis",
  J Marketing 41:77): quadrants split at the mean share (1/p) and the mean performance of the
  drivers in the group. High importance and low performance = ``improve_first``; high and high =
  ``keep_up``; low importance and low performance = ``low_priority``; low and high =
  ``possible_overkill``. Because quadrant borders are arbitrary, drivers are also ranked by
  ``priority`` = share × (1 − performance): the importance of a driver times the share of
  residents not yet rating it top-2-box, a simple index of the room for gain (``priority_rank``
  1 = improve first).
* Small groups: weights are suppressed below max(104 + p, ``suppress_below_n_eff``) complete
  respondents (Green 1991, "How many subjects does it take to do a regression analysis?",
  Multivariate Behav Res 26:499: N ≥ 104 + p to assess individual predictors) and flagged 'caution'
  below twice that or ``caution_below_n_eff``.

The analysis is unweighted: it describes associations among respondents, not population totals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics import stats
from analytics.auth import visible_codes
from analytics.choices import (  # re-exported: the command line reads them without importing this module
    DEFAULT_BOOT,
    DEFAULT_DRIVER_ITEMS,
    DEFAULT_MAX_SAMPLE,
    DEFAULT_SEED,
    GROUP_LEVELS,
    METHODS,
)
from analytics.db import Connection, query_df
from analytics.definitions import get_indicator, list_items
from analytics.engine import jurisdictions, scope_codes
from analytics.errors import DefinitionError, UnknownNameError
from analytics.selection import Selection
from analytics.store import get_setting

MAX_DRIVERS = 12
# drivers/moments has a slot per variable, x1..x13: the outcome and at most MAX_DRIVERS drivers (keep them in step).

DRIVER_COLUMNS = [
    "group", "name_zh", "name_en", "item", "label_zh", "label_en", "n", "r2", "weight", "weight_low",
    "weight_high", "share", "share_low", "share_high", "rank", "performance", "performance_n",
    "performance_low", "performance_high", "performance_flag", "quadrant", "priority", "priority_rank",
    "flag", "method", "n_boot", "sample_n",
]


# --------------------------------------------------------------------------------------------------
# The decompositions (pure numpy, on a correlation matrix with the outcome first)
# --------------------------------------------------------------------------------------------------


def _subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of the regression of variable 0 on every subset of variables 1..p, indexed by bitmask."""
    p = corr.shape[0] - 1
    r_xx = corr[1:, 1:]
    r_xy = corr[1:, 0]
    out = np.zeros(1 << p)
    for mask in range(1, 1 << p):
        idx = [j for j in range(p) if mask >> j & 1]
        sub = r_xx[np.ix_(idx, idx)]
        r = r_xy[idx]
        out[mask] = float(r @ np.linalg.solve(sub, r))
    return out


def lmg_weights(corr: np.ndarray) -> np.ndarray:
    """LMG / Shapley decomposition of R² from a correlation matrix (outcome first, then p drivers).

    weight_j = Σ_{S ⊆ P∖{j}} |S|! (p − |S| − 1)! / p! · [R²(S ∪ {j}) − R²(S)]. Sums to R²(P).
    Raises :class:`DefinitionError` when the drivers' correlation matrix is singular.
    """
    corr = np.asarray(corr, dtype=float)
    p = corr.shape[0] - 1
    if p < 1 or p > MAX_DRIVERS:
        raise DefinitionError(f"Driver analysis needs 1 to {MAX_DRIVERS} drivers; got {p}.")
    try:
        r2 = _subset_r2(corr)
    except np.linalg.LinAlgError as exc:
        raise DefinitionError("The driver items are perfectly collinear; drop one of them.",
                              key="drivers.error.collinear") from exc
    fact = [math.factorial(k) for k in range(p + 1)]
    weights = np.zeros(p)
    masks = np.arange(1 << p)
    sizes = np.array([bin(m).count("1") for m in masks])
    for j in range(p):
        without = masks[(masks >> j & 1) == 0]
        coef = np.array([fact[s] * fact[p - s - 1] for s in sizes[without]], dtype=float) / fact[p]
        weights[j] = float(np.sum(coef * (r2[without | (1 << j)] - r2[without])))
    return weights


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from a correlation matrix (outcome first). Sums to R²."""
    corr = np.asarray(corr, dtype=float)
    r_xx = corr[1:, 1:]
    r_xy = corr[1:, 0]
    eigval, eigvec = np.linalg.eigh(r_xx)
    if eigval.min() <= 1e-12:
        raise DefinitionError("The driver items are perfectly collinear; drop one of them.",
                              key="drivers.error.collinear")
    lam = eigvec @ np.diag(np.sqrt(eigval)) @ eigvec.T
    beta = np.linalg.solve(lam, r_xy)
    return (lam ** 2) @ (beta ** 2)


def _weights(corr: np.ndarray, method: str) -> np.ndarray:
    return lmg_weights(corr) if method == "lmg" else relative_weights(corr)


def corr_from_moments(n: float, sums: np.ndarray, cross: np.ndarray) -> np.ndarray:
    """Correlation matrix from n, the vector of sums Σx and the matrix of cross-products Σx xᵀ."""
    cov = (cross - np.outer(sums, sums) / n) / (n - 1.0)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.outer(sd, sd)


def group_moments(row: dict, k: int) -> tuple[int, np.ndarray, np.ndarray]:
    """n, the sums Σx (length ``k``) and the cross-products Σx xᵀ (``k`` x ``k``) of one group of drivers/moments.

    ``row`` holds the query's columns: ``n``, ``s<i>`` = Σx_i and ``p<i>_<j>`` = Σx_i·x_j for i ≤ j (1-based slots,
    the outcome in slot 1); the matrix is symmetric, so each product fills both of its cells.
    """
    sums = np.array([row[f"s{i}"] for i in range(1, k + 1)], dtype=float)
    cross = np.empty((k, k))
    for i in range(k):  # k ≤ MAX_DRIVERS + 1: a loop over variables, not respondents
        for j in range(i, k):
            cross[i, j] = cross[j, i] = row[f"p{i + 1}_{j + 1}"]
    return int(row["n"]), sums, cross


# --------------------------------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------------------------------


def available_drivers(con: Connection, candidates: Sequence[str] = DEFAULT_DRIVER_ITEMS) -> list[str]:
    """The candidate driver items that are defined and have at least one answer, in candidate order."""
    defined = {item.item for item in list_items(con)}
    present = set(query_df(con, "drivers/items_present", {"items": list(candidates)})["item"])
    return [item for item in candidates if item in defined and item in present]


def key_drivers(
    con: Connection,
    sel: Selection,
    *,
    indicator: str = "satisfaction",
    items: Sequence[str] | None = None,
    by: str | None = None,
    method: str = "lmg",
    n_boot: int = DEFAULT_BOOT,
    seed: int = DEFAULT_SEED,
    max_sample: int = DEFAULT_MAX_SAMPLE,
) -> pd.DataFrame:
    """Relative importance and performance of each driver item, overall or per ``by`` group.

    ``indicator`` names the outcome (its item, scored by numeric code); ``items`` the drivers
    (default: :data:`DEFAULT_DRIVER_ITEMS` that have answers). ``by`` is None (one group, 'all') or
    'district' / 'station' (one group per jurisdiction at that level). The respondents are those
    interviewed within the span of the chosen periods, from ``sel.date_from`` (first day of the first
    period) to ``sel.date_to`` (last day of the last period), every interview when ``sel.periods`` is
    empty; ``sel.jurisdiction_codes`` keeps respondents under those jurisdictions (any level).
    ``sel.level``, ``sel.weighted`` and ``sel.comparison`` do not apply (drivers are unweighted
    correlations). Returns
    ``DRIVER_COLUMNS``, one row per group x driver, sorted by group then rank (1 = most important).
    Weights are contributions to R² (0–1), shares sum to 1 within a group, performance is a
    proportion. ``n_boot = 0`` skips the bootstrap (intervals NaN). A scoped ``sel.user`` (station role)
    gets the pooled analysis of the area above it and, with ``by``, only the groups it may see.
    """
    if method not in METHODS:
        raise UnknownNameError(f"Unknown method {method!r}; choose one of: {', '.join(METHODS)}")
    if by is not None and by not in GROUP_LEVELS:
        raise UnknownNameError(f"Cannot split drivers by {by!r}; choose one of: {', '.join(GROUP_LEVELS)}")
    outcome = get_indicator(con, indicator).item
    drivers = [i for i in (items or available_drivers(con)) if i != outcome]
    missing = sorted(set(drivers) - {item.item for item in list_items(con)})
    if missing:
        raise UnknownNameError(f"No item named {', '.join(missing)}.")
    if len(drivers) < 2:
        raise DefinitionError(
            "Driver analysis needs at least two service items (for example attitude, response speed) "
            "answered in the survey.", key="drivers.error.no_items")
    if len(drivers) > MAX_DRIVERS:
        raise DefinitionError(f"At most {MAX_DRIVERS} driver items can be analysed at once.",
                              key="drivers.error.too_many", max=MAX_DRIVERS)
    variables = [outcome, *drivers]
    params = {
        "variables": variables,
        "group_level": by,
        "jurisdictions": scope_codes(con, sel.user, sel.jurisdiction_codes),
        "date_from": sel.date_from,
        "date_to": sel.date_to,
    }
    # One pass gives each group's moments and its bootstrap sample (max_rows 0: no sample when none is asked).
    moments = query_df(con, "drivers/moments", {**params, "seed": int(seed),
                                                "max_rows": int(max_sample) if n_boot > 0 else 0})
    if moments.empty:
        return pd.DataFrame(columns=DRIVER_COLUMNS)
    filters = {key: value for key, value in params.items() if key != "variables"}
    perf = query_df(con, "drivers/performance", {**filters, "items": drivers})

    p = len(drivers)
    suppress_n = max(104 + p, float(get_setting(con, "suppress_below_n_eff")))
    caution_n = max(2 * (104 + p), float(get_setting(con, "caution_below_n_eff")))
    frames = []
    for row in moments.sort_values("grp").to_dict("records"):
        group = row["grp"]
        n, sums, cross = group_moments(row, len(variables))
        frame = pd.DataFrame({"group": group, "item": drivers, "n": n})
        usable = n >= suppress_n
        weights = np.full(p, np.nan)
        if usable:
            corr = corr_from_moments(n, sums, cross)
            if not np.all(np.isfinite(corr)):
                usable = False  # an item without variation in this group
            else:
                weights = _weights(corr, method)
        frame["weight"] = weights
        frame["r2"] = weights.sum() if usable else np.nan
        frame["share"] = weights / weights.sum() if usable else np.nan
        low_w = high_w = low_s = high_s = np.full(p, np.nan)
        n_done, sample_n = 0, 0
        if usable and n_boot > 0:
            # NULL (no respondent drawn: max_sample 0) comes back as pandas' NA, not a list.
            rows = row["sample"] if isinstance(row["sample"], list | np.ndarray) else []
            sample_n = len(rows)
            if sample_n > p + 1:
                data = np.array([list(x) for x in rows], dtype=float)
                low_w, high_w, low_s, high_s, n_done = _bootstrap(data, method, n_boot, seed)
        frame["weight_low"], frame["weight_high"] = low_w, high_w
        frame["share_low"], frame["share_high"] = low_s, high_s
        frame["n_boot"] = n_done
        frame["sample_n"] = sample_n
        frame["flag"] = "suppressed" if not usable else ("caution" if n < caution_n else "ok")
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["rank"] = out.groupby("group")["share"].rank(ascending=False, method="min")
    out = _add_performance(con, out, perf)
    out = _add_quadrants(out)
    out["method"] = method
    visible = visible_codes(con, sel.user)
    if visible is not None and by is not None:
        out = out[out["group"].isin(visible)]
    return _add_labels(con, out)


def _bootstrap(data: np.ndarray, method: str, n_boot: int, seed: int,
               level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Percentile intervals of weights and shares from resampling the rows of ``data``."""
    rng = np.random.default_rng(seed)
    m = data.shape[0]
    weights = []
    for _ in range(int(n_boot)):  # loops over replicates (a few hundred), never over respondents
        resample = data[rng.integers(0, m, m)]
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.corrcoef(resample, rowvar=False)
        if not np.all(np.isfinite(corr)):
            continue
        try:
            weights.append(_weights(corr, method))
        except DefinitionError:
            continue
    p = data.shape[1] - 1
    if not weights:
        nan = np.full(p, np.nan)
        return nan, nan, nan, nan, 0
    w = np.array(weights)
    s = w / w.sum(axis=1, keepdims=True)
    alpha = (1.0 - level) / 2.0
    w_low, w_high = np.quantile(w, [alpha, 1 - alpha], axis=0)
    s_low, s_high = np.quantile(s, [alpha, 1 - alpha], axis=0)
    return w_low, w_high, s_low, s_high, len(weights)


def _add_performance(con: Connection, out: pd.DataFrame, perf: pd.DataFrame) -> pd.DataFrame:
    """Top-2-box share per group x item with Wilson interval and the survey small-base rule."""
    perf = perf.rename(columns={"grp": "group", "n": "performance_n"})
    out = out.merge(perf, on=["group", "item"], how="left")
    n = out["performance_n"].fillna(0).to_numpy(float)
    x = out["top2"].fillna(0).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["performance"] = np.where(n > 0, x / n, np.nan)
    low, high = stats.wilson_interval(x, n, float(get_setting(con, "confidence_level")))
    out["performance_low"], out["performance_high"] = low, high
    out["performance_flag"] = stats.small_base_flag(
        n, float(get_setting(con, "suppress_below_n_eff")), float(get_setting(con, "caution_below_n_eff")))
    hidden = out["performance_flag"].eq("suppressed")
    out.loc[hidden, ["performance", "performance_low", "performance_high"]] = np.nan
    out["performance_n"] = n.astype("int64")
    return out.drop(columns=["top2"])


def _add_quadrants(out: pd.DataFrame) -> pd.DataFrame:
    """Importance-performance quadrant of each driver, split at the group's mean share and performance."""
    mean_share = out.groupby("group")["share"].transform("mean")
    mean_perf = out.groupby("group")["performance"].transform("mean")
    high_imp = out["share"] >= mean_share
    high_perf = out["performance"] >= mean_perf
    quadrant = np.where(high_imp, np.where(high_perf, "keep_up", "improve_first"),
                        np.where(high_perf, "possible_overkill", "low_priority"))
    known = out["share"].notna() & out["performance"].notna()
    out["quadrant"] = np.where(known, quadrant, "")
    out["priority"] = out["share"] * (1.0 - out["performance"])
    out["priority_rank"] = out.groupby("group")["priority"].rank(ascending=False, method="min").astype("Int64")
    return out


def _add_labels(con: Connection, out: pd.DataFrame) -> pd.DataFrame:
    labels = {item.item: (item.label_zh, item.label_en) for item in list_items(con)}
    out["label_zh"] = out["item"].map(lambda i: labels.get(i, (i, i))[0])
    out["label_en"] = out["item"].map(lambda i: labels.get(i, (i, i))[1])
    names = jurisdictions(con).set_index("code")[["name_zh", "name_en"]]
    out = out.join(names, on="group")
    everyone = out["group"].eq("all")
    out.loc[everyone, "name_zh"] = "全部"
    out.loc[everyone, "name_en"] = "All"
    out["rank"] = out["rank"].astype("Int64")
    return out[DRIVER_COLUMNS].sort_values(["group", "rank", "item"]).reset_index(drop=True)

