"""Assessment (考核): targets with uncertainty-respecting statuses, internal evaluation, and composite scores.

The practice Jingmin serves assesses stations on three result indicators residents report (见警率, 知警率,
满意率; *external evaluation*) together with an *internal evaluation* (officers' knowledge tests, the two-way
familiarity rate, the detection rate of clues residents provide, information collected, mass prevention work).
This module turns both, and case-work rates, into figures a leader can defend.

Components
----------
A component is a survey indicator (``source='indicator'``, :func:`analytics.engine.indicator_table`), an
internal measure (``'internal'``, loaded as data kind ``internal``; measures in ``internal_measures``) or a
case-work rate (``'case'``, :data:`analytics.cases.RATE_METRICS`). Each has a value x with standard error se:

* internal rate: p = Σ numerator / Σ denominator, se = sqrt(p(1-p)/n) with n = Σ denominator, Wilson interval;
* internal mean: the mean of the scores weighted by the number tested N, se = s/sqrt(N), t interval on N - 1 df,
  with s² the pooled variance when every row gave its standard deviation, else the Bhatia–Davis bound
  (max - mean)(mean - min) (Bhatia & Davis 2000, Am Math Monthly 107:353), the largest variance any scores
  in [min, max] with that mean can have: conservative, never too narrow.
* base n below the ``suppress_below_n_eff`` setting: suppressed, no value ("not assessable"), as everywhere.

Targets and statuses
--------------------
A target (value on the component's own scale, direction 'higher' or 'lower' is better) applies from its
effective date to every jurisdiction (scope ``*``), a level (``level:station``) or one jurisdiction code; the
most specific scope wins, then the latest effective date on or before the period's first day. With the 95%
interval [lo, hi] and direction 'higher': **met** when lo > target (interval entirely above), **likely met**
when estimate >= target but lo <= target (an interval touching the target is not entirely above it),
**likely missed** when estimate < target <= hi, **missed** when hi < target; mirrored for 'lower';
**not assessable** when there is no value (no data or suppressed).

Composite score
---------------
A scheme lists components with weights w_i > 0, a normalisation to u_i in [0, 1] and a missing rule:

* ``as_is``: u = (x - min)/(max - min) on the component's scale (a rate is itself);
* ``scaled``: u = clip((x - floor)/(ceiling - floor), 0, 1) (ceiling below floor when lower is better).

Score S = 100 · Σ w_i u_i / W in points 0..100; component i contributes 100 · w_i u_i / W points. W = Σ w_i over
the components present (``reweight``; not assessable when they carry under half of the scheme's weight), over
all components with a missing one counting 0 (``zero``), or the
jurisdiction is not assessable when any component is missing (``not_assessable``).

Uncertainty (delta method): u_i = a_i + b_i x_i with b_i = 1/(max - min) or 1/(ceiling - floor) (0 where the
clip is active), so Var(S) = (100/W)² Σ_ij w_i b_i w_j b_j Cov(x_i, x_j). Survey indicators of one jurisdiction
and period come from the same respondents, so their errors are correlated: Cov = r_ij se_i se_j with r_ij the
correlation of the respondents' linearised scores (sql/assessment/indicator_pairs.sql). Different sources
(survey, internal records, case records) are independent. S is linear in the x_i away from the clip points, so
the delta method is exact there up to the normal approximation; a 10,000-draw simulation from respondent-level
data agrees within 2% (tests/data/test_assessment.py).

Rank: :func:`analytics.stats.rank_intervals` on (S, se) among the jurisdictions with a score; two neighbours in
the ranking "cannot be told apart" when |S_i - S_j| < z · sqrt(se_i² + se_j²). Change: against the comparison
period of the selection (previous or a year earlier), z test on sqrt(se² + se_prev²).

Schemes and targets are stored with the data; every change is audited and needs the ``definitions``
permission (analysts and admins). Station users see only their own subtree (``Selection.user``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics import cases, engine, stats
from analytics.auth import User
from analytics.choices import ASSESSMENT_SOURCES, TARGET_DIRECTIONS
from analytics.db import Connection, execute, fetch_one, query_df
from analytics.errors import JingminError, UnknownNameError
from analytics.i18n import t
from analytics.periods import parse_period
from analytics.selection import LEVELS, Selection
from analytics.store import audit, bump_data_version, get_setting

SOURCES = ASSESSMENT_SOURCES
DIRECTIONS = TARGET_DIRECTIONS
NORMALISATIONS = ("as_is", "scaled")
MISSING_RULES = ("reweight", "zero", "not_assessable")
STATUSES = ("met", "likely_met", "likely_missed", "missed", "not_assessable")
RANK_SIMULATIONS = 4000
# Under 'reweight' a jurisdiction needs components carrying at least this share of the scheme's weight: a score
# from one survey rate out of eight components would be ranked as if it were the whole assessment.
MIN_WEIGHT_PRESENT = 0.5
POINTS = 100.0

COMPONENT_COLUMNS = [
    "jurisdiction", "period", "source", "component", "kind", "scale_min", "scale_max", "unit",
    "n", "value", "se", "ci_low", "ci_high", "flag",
]
SCORE_COLUMNS = [
    "jurisdiction", "name_zh", "name_en", "period", "score", "se", "ci_low", "ci_high", "rank", "rank_low",
    "rank_high", "components_present", "components_missing", "prev_period", "prev_score", "change", "change_se",
    "change_significant", "apart_from_next",
]


class AssessmentError(JingminError):
    """A scheme, target or assessment request that cannot be used as given."""

    message_key = "error.assessment"


@dataclass(frozen=True)
class Component:
    """One part of a scheme: where its value comes from, its weight and how it is put on 0..1."""

    source: str
    component: str
    weight: float
    normalisation: str = "as_is"
    floor_value: float | None = None
    ceiling_value: float | None = None

    @property
    def key(self) -> str:
        """``source:component``, unique within a scheme."""
        return f"{self.source}:{self.component}"


@dataclass(frozen=True)
class Scheme:
    """A named composite score: components, missing rule and whether it is the default."""

    name: str
    components: tuple[Component, ...]
    missing_rule: str = "reweight"
    is_default: bool = False
    description: str = ""

    @property
    def total_weight(self) -> float:
        """Σ w over every component."""
        return float(sum(c.weight for c in self.components))


@dataclass
class Assessment:
    """The result of :func:`assess`: scores per jurisdiction and period, their components, the scheme."""

    scheme: Scheme
    scores: pd.DataFrame
    components: pd.DataFrame
    selection: Selection
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Internal measures, schemes and targets (definitions)


def measures(con: Connection) -> pd.DataFrame:
    """The internal measures: key, labels, kind ('rate' | 'mean'), scale_min, scale_max, unit."""
    return query_df(con, "assessment/measures_list")


def _component_scales(con: Connection) -> dict[tuple[str, str], tuple[str, float, float]]:
    """(source, key) -> (kind, scale_min, scale_max) for every component that exists."""
    out: dict[tuple[str, str], tuple[str, float, float]] = {}
    for key, row in engine.indicator_scales(con).iterrows():
        out[("indicator", str(key))] = (str(row["kind"]), float(row["scale_min"]), float(row["scale_max"]))
    for row in measures(con).to_dict("records"):
        out[("internal", row["key"])] = (row["kind"], float(row["scale_min"]), float(row["scale_max"]))
    for key in cases.RATE_METRICS:
        out[("case", key)] = ("rate", 0.0, 1.0)
    return out


def component_labels(con: Connection, lang: str) -> dict[str, str]:
    """``source:component`` -> its name in ``lang`` (indicators, internal measures, case metrics)."""
    from analytics.definitions import list_indicators

    labels = {f"indicator:{i.key}": i.label(lang) for i in list_indicators(con, enabled_only=False)}
    for row in measures(con).to_dict("records"):
        labels[f"internal:{row['key']}"] = row["label_zh"] if lang == "zh" else row["label_en"]
    for key in cases.RATE_METRICS:
        catalog_key = f"metric.{key}"
        labels[f"case:{key}"] = t(catalog_key, lang) if _has(catalog_key) else key
    return labels


def _has(key: str) -> bool:
    from analytics.i18n import has

    return has(key)


def list_schemes(con: Connection) -> list[Scheme]:
    """Every saved scheme, the default first."""
    rows = query_df(con, "assessment/schemes_list")
    out = []
    for name, group in rows.groupby("name", sort=True):
        first = group.iloc[0]
        components = tuple(
            Component(r["source"], r["component"], float(r["weight"]), r["normalisation"],
                      None if pd.isna(r["floor_value"]) else float(r["floor_value"]),
                      None if pd.isna(r["ceiling_value"]) else float(r["ceiling_value"]))
            for r in group.to_dict("records") if isinstance(r["source"], str))
        out.append(Scheme(str(name), components, str(first["missing_rule"]), bool(first["is_default"]),
                          str(first["description"])))
    return sorted(out, key=lambda s: (not s.is_default, s.name))


def get_scheme(con: Connection, name: str | None = None) -> Scheme:
    """The scheme called ``name``, or the default scheme when ``name`` is None."""
    schemes = list_schemes(con)
    for scheme in schemes:
        if (name is None and scheme.is_default) or scheme.name == name:
            return scheme
    known = ", ".join(s.name for s in schemes) or "none"
    if name is None:
        raise AssessmentError(f"No default assessment scheme; save one first (schemes: {known}).",
                              key="error.assessment_no_default")
    raise UnknownNameError(f"No assessment scheme named {name!r}; schemes: {known}.")


def validate_scheme(con: Connection, scheme: Scheme) -> None:
    """Raise :class:`AssessmentError` unless every component exists, weights are positive and sum to more than
    0, normalisations are complete and the missing rule is known. Nothing is saved here."""
    name = scheme.name.strip()
    if not name or len(name) > 60:
        raise AssessmentError("A scheme needs a name of 1 to 60 characters.", key="error.assessment_scheme_name")
    if scheme.missing_rule not in MISSING_RULES:
        raise AssessmentError(f"Unknown missing rule {scheme.missing_rule!r}; use one of {', '.join(MISSING_RULES)}.",
                              key="error.assessment_missing_rule", rule=scheme.missing_rule)
    if not scheme.components:
        raise AssessmentError("A scheme needs at least one component.", key="error.assessment_no_components")
    scales = _component_scales(con)
    seen: set[str] = set()
    for c in scheme.components:
        if c.source not in SOURCES or (c.source, c.component) not in scales:
            raise AssessmentError(
                f"Component {c.key!r} does not exist: use an indicator, an internal measure or a case rate "
                f"({', '.join(sorted(f'{s}:{k}' for s, k in scales))}).",
                key="error.assessment_unknown_component", component=c.key)
        if c.key in seen:
            raise AssessmentError(f"Component {c.key!r} is listed twice.", key="error.assessment_duplicate_component",
                                  component=c.key)
        seen.add(c.key)
        if not (math.isfinite(c.weight) and c.weight >= 0):
            raise AssessmentError(f"The weight of {c.key!r} must be a number of 0 or more, not {c.weight!r}.",
                                  key="error.assessment_bad_weight", component=c.key, weight=c.weight)
        if c.normalisation not in NORMALISATIONS:
            raise AssessmentError(f"Unknown normalisation {c.normalisation!r} of {c.key!r}; use as_is or scaled.",
                                  key="error.assessment_bad_normalisation", component=c.key)
        if c.normalisation == "scaled":
            lo, hi = c.floor_value, c.ceiling_value
            if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
                raise AssessmentError(f"{c.key!r} is scaled between a floor and a ceiling: give two different "
                                      "numbers.", key="error.assessment_bad_scale", component=c.key)
    if not scheme.total_weight > 0:
        raise AssessmentError("The weights must sum to a positive number.", key="error.assessment_weights_sum")


def save_scheme(con: Connection, scheme: Scheme, *, user: User) -> None:
    """Save (create or replace) a scheme in one transaction, audited with the old and the new definition.

    Needs the ``definitions`` permission. A scheme saved as default becomes the only default; the first scheme
    saved is the default whatever it says.
    """
    from analytics.store import transaction

    user.require("definitions")
    validate_scheme(con, scheme)
    name = scheme.name.strip()
    existing = {s.name: s for s in list_schemes(con)}
    old = existing.get(name)
    is_default = scheme.is_default or not existing or (old is not None and old.is_default)
    with transaction(con):
        execute(con, "assessment/scheme_delete", {"name": name})
        execute(con, "assessment/scheme_insert", {"name": name, "is_default": is_default,
                                                  "missing_rule": scheme.missing_rule,
                                                  "description": scheme.description, "actor": user.username})
        for position, c in enumerate(scheme.components, start=1):
            execute(con, "assessment/scheme_component_insert", {
                "scheme": name, "position": position, "source": c.source, "component": c.component,
                "weight": float(c.weight), "normalisation": c.normalisation,
                "floor_value": c.floor_value if c.normalisation == "scaled" else None,
                "ceiling_value": c.ceiling_value if c.normalisation == "scaled" else None})
        if is_default:
            execute(con, "assessment/scheme_set_default", {"name": name})
        audit(con, user.username, "assessment.scheme_save",
              {"name": name, "before": _scheme_json(old), "after": _scheme_json(scheme)})
        bump_data_version(con)


def set_default_scheme(con: Connection, name: str, *, user: User) -> None:
    """Make ``name`` the default scheme (audited; ``definitions`` permission)."""
    from analytics.store import transaction

    user.require("definitions")
    before = get_scheme(con, None).name if any(s.is_default for s in list_schemes(con)) else None
    get_scheme(con, name)
    with transaction(con):
        execute(con, "assessment/scheme_set_default", {"name": name})
        audit(con, user.username, "assessment.scheme_default", {"before": before, "after": name})
        bump_data_version(con)


def delete_scheme(con: Connection, name: str, *, user: User) -> None:
    """Delete a scheme that is not the default (audited; ``definitions`` permission)."""
    from analytics.store import transaction

    user.require("definitions")
    scheme = get_scheme(con, name)
    if scheme.is_default:
        raise AssessmentError("The default scheme cannot be deleted; make another one the default first.",
                              key="error.assessment_delete_default")
    with transaction(con):
        execute(con, "assessment/scheme_delete", {"name": name})
        audit(con, user.username, "assessment.scheme_delete", {"before": _scheme_json(scheme)})
        bump_data_version(con)


def _scheme_json(scheme: Scheme | None) -> dict | None:
    if scheme is None:
        return None
    return {"missing_rule": scheme.missing_rule, "components": [
        {"source": c.source, "component": c.component, "weight": c.weight, "normalisation": c.normalisation,
         "floor": c.floor_value, "ceiling": c.ceiling_value} for c in scheme.components]}


def list_targets(con: Connection) -> pd.DataFrame:
    """Every target: source, component, scope, effective_from, target, direction, updated_at, updated_by."""
    return query_df(con, "assessment/targets_list")


def _check_scope(con: Connection, scope: str) -> str:
    scope = scope.strip()
    if scope == "*" or (scope.startswith("level:") and scope[6:] in LEVELS):
        return scope
    if fetch_one(con, "jurisdictions/exists", {"code": scope})["found"]:
        return scope
    raise AssessmentError(f"Unknown target scope {scope!r}: use *, level:station|district|city or a jurisdiction "
                          "code.", key="error.assessment_bad_scope", scope=scope)


def set_target(con: Connection, source: str, component: str, target: float, *, user: User,
               direction: str = "higher", scope: str = "*", effective_from: dt.date | str = dt.date(2000, 1, 1)
               ) -> None:
    """Set a target on the component's own scale (a rate as a proportion, 0.85 for 85%), audited.

    ``effective_from`` is a date or a period label (its first day). Raises :class:`AssessmentError` for an
    unknown component, a target outside the component's range or an unknown scope; nothing is saved then.
    """
    from analytics.store import transaction

    user.require("definitions")
    scales = _component_scales(con)
    if (source, component) not in scales:
        raise AssessmentError(f"Component {source}:{component} does not exist.",
                              key="error.assessment_unknown_component", component=f"{source}:{component}")
    if direction not in DIRECTIONS:
        raise AssessmentError(f"Direction must be 'higher' or 'lower', not {direction!r}.",
                              key="error.assessment_bad_direction", direction=direction)
    _kind, lo, hi = scales[(source, component)]
    if not (isinstance(target, int | float) and math.isfinite(target) and lo <= target <= hi):
        raise AssessmentError(f"The target {target!r} of {source}:{component} is outside its range {lo:g}..{hi:g}"
                              + (" (a rate is a proportion: 0.85 for 85%)" if hi == 1.0 else "") + ".",
                              key="error.assessment_target_range", component=f"{source}:{component}",
                              target=target, low=lo, high=hi)
    if isinstance(effective_from, str):
        effective_from = parse_period(effective_from)[1]
    scope = _check_scope(con, scope)
    params = {"source": source, "component": component, "scope": scope, "effective_from": effective_from,
              "target": float(target), "direction": direction, "actor": user.username}
    with transaction(con):
        execute(con, "assessment/target_upsert", params)
        audit(con, user.username, "assessment.target_set", {k: v for k, v in params.items() if k != "actor"})
        bump_data_version(con)


def remove_target(con: Connection, source: str, component: str, *, user: User, scope: str = "*",
                  effective_from: dt.date | str = dt.date(2000, 1, 1)) -> None:
    """Remove one target (audited; ``definitions`` permission)."""
    from analytics.store import transaction

    user.require("definitions")
    if isinstance(effective_from, str):
        effective_from = parse_period(effective_from)[1]
    params = {"source": source, "component": component, "scope": scope.strip(), "effective_from": effective_from}
    with transaction(con):
        execute(con, "assessment/target_delete", params)
        audit(con, user.username, "assessment.target_remove", params)
        bump_data_version(con)


def target_status(estimate: np.ndarray, low: np.ndarray, high: np.ndarray, target: np.ndarray,
                  direction: np.ndarray) -> np.ndarray:
    """Status per row (see the module docstring); 'not_assessable' where estimate, interval or target is missing.

    All inputs are arrays of one length on the component's scale; ``direction`` holds 'higher' or 'lower'.
    """
    est, lo, hi, tgt = (np.asarray(v, dtype=float) for v in (estimate, low, high, target))
    lower = np.asarray(direction, dtype=object) == "lower"
    # Mirror 'lower is better' onto 'higher is better': negate everything and swap the interval ends.
    est_h = np.where(lower, -est, est)
    lo_h = np.where(lower, -hi, lo)
    hi_h = np.where(lower, -lo, hi)
    tgt_h = np.where(lower, -tgt, tgt)
    out = np.full(est.shape, "not_assessable", dtype=object)
    ok = np.isfinite(est) & np.isfinite(lo) & np.isfinite(hi) & np.isfinite(tgt)
    out[ok & (est_h >= tgt_h)] = "likely_met"
    out[ok & (est_h < tgt_h)] = "likely_missed"
    out[ok & (lo_h > tgt_h)] = "met"
    out[ok & (hi_h < tgt_h)] = "missed"
    return out


def targets_for(con: Connection, comp: pd.DataFrame, level: str) -> pd.DataFrame:
    """``comp`` with ``target`` and ``direction`` per row (NaN/None where no target applies): the most specific
    scope (jurisdiction code, then ``level:<level>``, then ``*``), then the latest effective date on or before
    the first day of the row's period. ``comp`` needs ``jurisdiction``, ``period`` (concrete labels, not
    'all'), ``source`` and ``component``; the scorecard resolves its colour targets with it too."""
    targets = list_targets(con)
    out = comp.assign(target=np.nan, direction=None)
    if targets.empty or comp.empty:
        return out
    starts = {p: parse_period(p)[1] for p in comp["period"].unique()}
    rows = comp[["jurisdiction", "period", "source", "component"]].reset_index()
    rows["period_start"] = pd.to_datetime(rows["period"].map(starts))
    merged = rows.merge(targets, on=["source", "component"], how="inner")
    merged["effective_from"] = pd.to_datetime(merged["effective_from"])
    specific = np.where(merged["scope"] == merged["jurisdiction"], 3,
                        np.where(merged["scope"] == f"level:{level}", 2, np.where(merged["scope"] == "*", 1, 0)))
    merged = merged.assign(specific=specific)
    merged = merged[(merged["specific"] > 0) & (merged["effective_from"] <= merged["period_start"])]
    best = merged.sort_values(["specific", "effective_from"]).groupby("index").tail(1).set_index("index")
    out.loc[best.index, "target"] = best["target"].astype(float)
    out.loc[best.index, "direction"] = best["direction"]
    return out


# --------------------------------------------------------------------------------------------------
# Component values


def _wanted(periods: Sequence[str]) -> dict[str, list]:
    labels, starts, ends = [], [], []
    for label in periods:
        if label == "all":
            raise AssessmentError("Assessment needs concrete periods (a month, quarter, year or 12-month window), "
                                  "not 'all'.", key="error.assessment_all_period")
        _kind, start, end = parse_period(label)
        labels.append(label)
        starts.append(start)
        ends.append(end)
    return {"labels": labels, "starts": starts, "ends": ends}


def _internal_values(raw: pd.DataFrame, suppress_below: float, caution_below: float, level_conf: float
                     ) -> pd.DataFrame:
    """Values, standard errors and intervals of pooled internal figures (rate or mean), suppressed below the base."""
    is_rate = raw["kind"].eq("rate").to_numpy()
    num = raw["numerator"].to_numpy(float)
    den = raw["denominator"].to_numpy(float)
    n_t = raw["n_tested"].to_numpy(float)
    mean = raw["mean_score"].to_numpy(float)
    lo_s, hi_s = raw["scale_min"].to_numpy(float), raw["scale_max"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = num / den
        rate_se = np.sqrt(p * (1 - p) / den)
        r_low, r_high = stats.wilson_interval(num, den, level_conf)
        pooled = raw["pooled_ss"].to_numpy(float) / (n_t - 1)
        bound = np.maximum((hi_s - mean) * (mean - lo_s), 0.0)
        var = np.where(np.isfinite(pooled), pooled, bound)
        mean_se = np.sqrt(var / n_t)
        m_low, m_high = stats.t_interval(mean, mean_se, n_t - 1, level_conf, lo_s, hi_s)
    n = np.where(is_rate, den, n_t)
    out = pd.DataFrame({
        "jurisdiction": raw["jurisdiction"].to_numpy(), "period": raw["period"].to_numpy(), "source": "internal",
        "component": raw["measure"].to_numpy(), "kind": raw["kind"].to_numpy(),
        "scale_min": lo_s, "scale_max": hi_s, "unit": raw["unit"].fillna("").to_numpy(),
        "n": n, "value": np.where(is_rate, p, mean), "se": np.where(is_rate, rate_se, mean_se),
        "ci_low": np.where(is_rate, r_low, m_low), "ci_high": np.where(is_rate, r_high, m_high),
    })
    out["flag"] = np.where(~(out["n"] > 0), "no_data",
                           stats.small_base_flag(np.nan_to_num(n), suppress_below, caution_below))
    hidden = out["flag"].isin(["suppressed", "no_data"])
    out.loc[hidden, ["value", "se", "ci_low", "ci_high"]] = np.nan
    return out


def component_values(con: Connection, sel: Selection, scheme: Scheme,
                     periods: Sequence[str] | None = None, *, without_excluded: bool = False) -> pd.DataFrame:
    """Every component of ``scheme`` per jurisdiction and period, in the shape ``COMPONENT_COLUMNS``.

    ``periods`` defaults to the selection's periods. The jurisdictions are those of ``sel`` narrowed to what
    ``sel.user`` may see (station users: their subtree and the averages above it). ``without_excluded``: survey
    indicators without the respondents excluded after integrity alerts (see :func:`assess`).
    """
    labels = list(periods if periods is not None else sel.periods)
    wanted = _wanted(labels)
    codes = engine.scope_codes(con, sel.user, list(sel.jurisdiction_codes) or None)
    frames = []
    by_source: dict[str, list[str]] = {s: [c.component for c in scheme.components if c.source == s] for s in SOURCES}
    if by_source["indicator"] and labels:  # no period: no figures (an empty choice would mean every period)
        table = engine.indicator_table(con, sel.with_(jurisdiction_codes=tuple(codes or ()), periods=tuple(labels)),
                                       indicators=by_source["indicator"], without_excluded=without_excluded)
        if not table.empty:
            frames.append(pd.DataFrame({
                "jurisdiction": table["jurisdiction"], "period": table["period"], "source": "indicator",
                "component": table["indicator"], "kind": table["kind"], "scale_min": table["scale_min"],
                "scale_max": table["scale_max"], "unit": table["unit"], "n": table["n_eff"].astype(float),
                "value": table["estimate"], "se": table["se"], "ci_low": table["ci_low"], "ci_high": table["ci_high"],
                "flag": table["flag"]}))
    suppress_below = float(get_setting(con, "suppress_below_n_eff"))
    caution_below = float(get_setting(con, "caution_below_n_eff"))
    level_conf = float(get_setting(con, "confidence_level"))
    if by_source["internal"]:
        raw = query_df(con, "assessment/internal_stats", {
            **wanted, "level": sel.level, "jurisdictions": codes, "measures": by_source["internal"]})
        if not raw.empty:
            frames.append(_internal_values(raw, suppress_below, caution_below, level_conf))
    if by_source["case"]:
        table = cases.case_metrics(con, sel.with_(jurisdiction_codes=tuple(codes or ()), periods=tuple(labels)),
                                   metrics=by_source["case"])
        table = table[table["period"].isin(labels)]
        if not table.empty:
            frames.append(pd.DataFrame({
                "jurisdiction": table["jurisdiction"], "period": table["period"], "source": "case",
                "component": table["metric"], "kind": "rate", "scale_min": 0.0, "scale_max": 1.0, "unit": "",
                "n": table["n"].astype(float), "value": table["value"], "se": table["se"],
                "ci_low": table["ci_low"], "ci_high": table["ci_high"], "flag": table["flag"]}))
    if not frames:
        return pd.DataFrame(columns=COMPONENT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[COMPONENT_COLUMNS]


def _pair_correlations(con: Connection, sel: Selection, indicators: list[str],
                       codes: list[str] | None, periods: Sequence[str], *, without_excluded: bool = False
                       ) -> pd.DataFrame:
    """Correlation r of two indicators' estimates per jurisdiction and period (pairs a < b).

    From the respondents' linearised scores z_ai = w_i (y_ai - p_a) / W_a: Cov(p_a, p_b) = Σ_i z_ai z_bi over the
    respondents who answered both, Var(p_a) = Σ_i z_ai² over those who answered a; r = Cov / sqrt(Var_a Var_b).
    """
    if len(indicators) < 2:
        return pd.DataFrame(columns=["jurisdiction", "period", "a", "b", "r"])
    raw = query_df(con, "assessment/indicator_pairs", {
        **_wanted(periods), "level": sel.level, "jurisdictions": codes, "indicators": indicators,
        "weighted": sel.weighted, "without_excluded": without_excluded})
    if raw.empty:
        return pd.DataFrame(columns=["jurisdiction", "period", "a", "b", "r"])
    own = raw[raw["a"] == raw["b"]].set_index(["jurisdiction", "period", "a"])
    with np.errstate(invalid="ignore", divide="ignore"):
        p = own["swa"] / own["sw"]
        var = (own["sw2ab"] - 2 * p * own["sw2a"] + p * p * own["sw2"]) / (own["sw"] ** 2)
    pairs = raw[raw["a"] < raw["b"]].copy()
    if pairs.empty:
        return pd.DataFrame(columns=["jurisdiction", "period", "a", "b", "r"])
    ia = pd.MultiIndex.from_arrays([pairs["jurisdiction"], pairs["period"], pairs["a"]])
    ib = pd.MultiIndex.from_arrays([pairs["jurisdiction"], pairs["period"], pairs["b"]])
    pa, pb = p.reindex(ia).to_numpy(), p.reindex(ib).to_numpy()
    wa, wb = own["sw"].reindex(ia).to_numpy(), own["sw"].reindex(ib).to_numpy()
    va, vb = var.reindex(ia).to_numpy(), var.reindex(ib).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (pairs["sw2ab"].to_numpy() - pb * pairs["sw2a"].to_numpy() - pa * pairs["sw2b"].to_numpy()
               + pa * pb * pairs["sw2"].to_numpy()) / (wa * wb)
        r = np.clip(cov / np.sqrt(va * vb), -1.0, 1.0)
    pairs["r"] = np.where(np.isfinite(r), r, 0.0)
    return pairs[["jurisdiction", "period", "a", "b", "r"]]


# --------------------------------------------------------------------------------------------------
# The composite score


def _normalise(comp: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Add ``weight``, ``u`` (0..1) and ``slope`` (du/dx, 0 where the clip is active) per component row."""
    spec = {c.key: c for c in scheme.components}
    keys = comp["source"] + ":" + comp["component"]
    weight = keys.map(lambda k: spec[k].weight).astype(float)
    scaled = keys.map(lambda k: spec[k].normalisation == "scaled").to_numpy(bool)
    floor = keys.map(lambda k: spec[k].floor_value if spec[k].floor_value is not None else np.nan).to_numpy(float)
    ceiling = keys.map(lambda k: spec[k].ceiling_value if spec[k].ceiling_value is not None else np.nan
                       ).to_numpy(float)
    lo = np.where(scaled, floor, comp["scale_min"].to_numpy(float))
    hi = np.where(scaled, ceiling, comp["scale_max"].to_numpy(float))
    x = comp["value"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_u = (x - lo) / (hi - lo)
        u = np.clip(raw_u, 0.0, 1.0)
        slope = np.where((raw_u > 0) & (raw_u < 1), 1.0 / (hi - lo), 0.0)
        slope = np.where(np.isfinite(raw_u), slope, np.nan)
    return comp.assign(weight=weight.to_numpy(), u=u, slope=slope)


def _scores(comp: pd.DataFrame, scheme: Scheme, corr: pd.DataFrame) -> pd.DataFrame:
    """Score, delta-method SE and points per jurisdiction x period (components already normalised)."""
    total = scheme.total_weight
    n_components = len(scheme.components)
    present = comp["u"].notna()
    w_present = comp["weight"].where(present, 0.0).groupby([comp["jurisdiction"], comp["period"]]).transform("sum")
    if scheme.missing_rule == "reweight":
        denom = w_present
    else:
        denom = pd.Series(total, index=comp.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        points = POINTS * comp["weight"] * comp["u"].fillna(0.0) / denom
        grad = POINTS * comp["weight"] * comp["slope"].fillna(0.0) / denom  # dS/dx_i
    comp = comp.assign(points=np.where(present, points, np.nan), grad=np.where(present, grad, 0.0))
    gs = comp["grad"].to_numpy(float) * np.nan_to_num(comp["se"].to_numpy(float))
    comp = comp.assign(gs=gs)
    out = comp.groupby(["jurisdiction", "period"], sort=False).agg(
        score=("points", "sum"), components_present=("u", "count")).reset_index()
    var_diag = comp.assign(g2=comp["gs"] ** 2).groupby(["jurisdiction", "period"], sort=False)["g2"].sum()
    var = var_diag.reindex(pd.MultiIndex.from_frame(out[["jurisdiction", "period"]])).to_numpy(float)
    if not corr.empty:
        ind = comp[comp["source"] == "indicator"].set_index(["jurisdiction", "period", "component"])["gs"]
        ia = pd.MultiIndex.from_arrays([corr["jurisdiction"], corr["period"], corr["a"]])
        ib = pd.MultiIndex.from_arrays([corr["jurisdiction"], corr["period"], corr["b"]])
        cross = 2.0 * corr["r"].to_numpy(float) * np.nan_to_num(ind.reindex(ia).to_numpy(float)) \
            * np.nan_to_num(ind.reindex(ib).to_numpy(float))
        extra = pd.Series(cross).groupby([corr["jurisdiction"].to_numpy(), corr["period"].to_numpy()]).sum()
        var = var + np.nan_to_num(extra.reindex(pd.MultiIndex.from_frame(out[["jurisdiction", "period"]])
                                                ).to_numpy(float))
    out["se"] = np.sqrt(np.maximum(var, 0.0))
    out["components_missing"] = n_components - out["components_present"]
    no_score = out["components_present"].eq(0)
    if scheme.missing_rule == "reweight":
        share = w_present.groupby([comp["jurisdiction"], comp["period"]], sort=False).first()
        share = share.reindex(pd.MultiIndex.from_frame(out[["jurisdiction", "period"]])).to_numpy(float) / total
        no_score |= share < MIN_WEIGHT_PRESENT
    if scheme.missing_rule == "not_assessable":
        no_score |= out["components_missing"].gt(0)
    out.loc[no_score, ["score", "se"]] = np.nan
    comp = comp.drop(columns=["gs"])
    per_jp = pd.MultiIndex.from_frame(comp[["jurisdiction", "period"]])
    keep = ~out.set_index(["jurisdiction", "period"])["score"].reindex(per_jp).isna().to_numpy()
    comp.loc[~keep, "points"] = np.nan
    return out, comp


def _complete(comp: pd.DataFrame, scheme: Scheme, jurisdictions: pd.DataFrame, periods: Sequence[str]
              ) -> pd.DataFrame:
    """One row per jurisdiction x period x scheme component, 'no_data' where a component has no row."""
    if comp.empty and jurisdictions.empty:
        return comp
    codes = sorted(set(comp["jurisdiction"]) | set(jurisdictions["code"]))
    pairs = pd.DataFrame([(c.source, c.component) for c in scheme.components], columns=["source", "component"])
    base = pd.MultiIndex.from_product([codes, list(periods)], names=["jurisdiction", "period"]).to_frame(index=False)
    frame = base.merge(pairs, how="cross")
    merged = frame.merge(comp, on=["jurisdiction", "period", "source", "component"], how="left")
    merged["flag"] = merged["flag"].fillna("no_data")
    return merged


def assess(con: Connection, sel: Selection, scheme: str | Scheme | None = None, *,
           without_excluded: bool = False) -> Assessment:
    """Composite scores per jurisdiction (at ``sel.level``) and period of ``sel``, ranked, with components.

    ``scheme``: a saved scheme's name, a :class:`Scheme` (e.g. an unsaved draft shown beside the saved one) or
    None for the default. ``scores`` has ``SCORE_COLUMNS`` (score in points 0..100, 95% interval, rank with its
    simulated interval among the jurisdictions of the period that have a score, change against the comparison
    period); ``components`` one row per jurisdiction x period x component with its value, interval, flag,
    normalised value ``u``, ``weight``, ``points`` it contributes, target and status. Suppressed or missing
    components follow the scheme's missing rule.

    ``without_excluded``: the survey components (their values, intervals and correlations) leave out the
    respondents an analyst excluded after integrity alerts; internal and case components are unchanged. Only the
    sensitivity view (:func:`analytics.integrity.assessment_sensitivity`) asks for this.
    """
    chosen = scheme if isinstance(scheme, Scheme) else get_scheme(con, scheme)
    validate_scheme(con, chosen)
    if not sel.periods:
        raise AssessmentError("Choose at least one period to assess.", key="error.assessment_no_period")
    shown = list(sel.periods)
    all_periods = list(sel.periods_with_comparisons())
    codes = engine.scope_codes(con, sel.user, list(sel.jurisdiction_codes) or None)
    registry = engine.jurisdictions(con)
    at_level = registry[registry["level"] == sel.level]
    if codes is not None:
        at_level = at_level[at_level["code"].isin(codes)]
    raw = component_values(con, sel, chosen, all_periods, without_excluded=without_excluded)
    comp = _complete(raw, chosen, at_level, all_periods)
    comp = _normalise(comp, chosen)
    indicators = [c.component for c in chosen.components if c.source == "indicator"]
    corr = _pair_correlations(con, sel, indicators, codes, all_periods, without_excluded=without_excluded)
    scores, comp = _scores(comp, chosen, corr)
    level_conf = float(get_setting(con, "confidence_level"))
    z = float(sps.norm.ppf(0.5 + level_conf / 2))
    scores["ci_low"] = np.clip(scores["score"] - z * scores["se"], 0.0, POINTS)
    scores["ci_high"] = np.clip(scores["score"] + z * scores["se"], 0.0, POINTS)
    scores = _changes(scores, sel, z)
    scores = scores[scores["period"].isin(shown)].copy()
    scores = _ranks(scores, z)
    names = registry.set_index("code")[["name_zh", "name_en"]]
    scores = scores.join(names, on="jurisdiction")
    scores = scores.sort_values(["period", "rank", "jurisdiction"], na_position="last").reset_index(drop=True)
    comp = comp[comp["period"].isin(shown)].copy()
    comp = targets_for(con, comp.reset_index(drop=True), sel.level)
    comp["status"] = target_status(comp["value"], comp["ci_low"], comp["ci_high"], comp["target"],
                                   comp["direction"].fillna("higher"))
    comp.loc[comp["target"].isna(), "status"] = None
    comp = comp.drop(columns=["grad"]).sort_values(["period", "jurisdiction"]).reset_index(drop=True)
    return Assessment(chosen, scores[SCORE_COLUMNS], comp, sel)


def _changes(scores: pd.DataFrame, sel: Selection, z: float) -> pd.DataFrame:
    from analytics.periods import previous_period

    prev_of = {p: previous_period(p, lag=sel.comparison) for p in scores["period"].unique()}
    scores = scores.assign(prev_period=scores["period"].map(prev_of))
    lookup = scores.set_index(["jurisdiction", "period"])[["score", "se"]]
    prev = lookup.reindex(pd.MultiIndex.from_arrays([scores["jurisdiction"], scores["prev_period"]]))
    scores["prev_score"] = prev["score"].to_numpy()
    scores["change"] = scores["score"] - scores["prev_score"]
    scores["change_se"] = np.sqrt(scores["se"] ** 2 + prev["se"].to_numpy() ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores["change_significant"] = (scores["change"].abs() / scores["change_se"]) > z
    return scores


def _ranks(scores: pd.DataFrame, z: float) -> pd.DataFrame:
    """Rank (1 = highest score), simulated rank interval, and whether each differs from the next one down."""
    scores = scores.assign(rank=np.nan, rank_low=np.nan, rank_high=np.nan, apart_from_next=pd.NA)
    for period, idx in scores.groupby("period").groups.items():
        part = scores.loc[idx]
        ok = part["score"].notna()
        if not ok.any():
            continue
        est, se = part.loc[ok, "score"].to_numpy(float), part.loc[ok, "se"].to_numpy(float)
        _med, low, high = stats.rank_intervals(est, se, n_sim=RANK_SIMULATIONS, level=0.95)
        observed = sps.rankdata(-est, method="min")
        rows = part.index[ok.to_numpy()]
        scores.loc[rows, "rank"] = observed
        scores.loc[rows, "rank_low"] = low
        scores.loc[rows, "rank_high"] = high
        order = np.argsort(observed, kind="stable")
        for a, b in zip(order[:-1], order[1:], strict=True):
            apart = abs(est[a] - est[b]) >= z * math.hypot(se[a], se[b])
            scores.loc[rows[a], "apart_from_next"] = bool(apart)
        del period
    return scores


def indistinguishable_pairs(scores: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(period, jurisdiction, next jurisdiction down) for neighbours in the ranking that cannot be told apart."""
    out = []
    for period, part in scores[scores["score"].notna()].groupby("period", sort=False):
        ranked = part.sort_values(["rank", "jurisdiction"])
        codes = ranked["jurisdiction"].tolist()
        for code, nxt, apart in zip(codes[:-1], codes[1:], ranked["apart_from_next"].tolist()[:-1], strict=True):
            if apart is False:
                out.append((str(period), code, nxt))
    return out


def formula_text(scheme: Scheme, labels: dict[str, str], lang: str) -> str:
    """The scheme's formula in words and numbers, with every weight (no hidden weights)."""
    total = scheme.total_weight
    parts = []
    for c in scheme.components:
        name = labels.get(c.key, c.key)
        share = 100.0 * c.weight / total if total else float("nan")
        if c.normalisation == "scaled":
            norm = t("assess.formula.scaled", lang, floor=f"{c.floor_value:g}", ceiling=f"{c.ceiling_value:g}")
        else:
            norm = t("assess.formula.as_is", lang)
        parts.append(t("assess.formula.term", lang, weight=f"{c.weight:g}", share=f"{share:.1f}", name=name,
                       norm=norm))
    rule = t(f"assess.missing.{scheme.missing_rule}", lang)
    return t("assess.formula.head", lang, name=scheme.name, total=f"{total:g}") + "\n" + "\n".join(
        f"  {p}" for p in parts) + "\n" + t("assess.formula.missing", lang, rule=rule)


# --------------------------------------------------------------------------------------------------
# Officers


def officer_table(con: Connection, sel: Selection, periods: Sequence[str] | None = None
                  ) -> pd.DataFrame:
    """Internal measures per officer (station x officer x period x measure) with the same suppression as units.

    Only stations ``sel.user`` may see are read (a station user: its own officers only). Suppressed rows keep
    their base n but carry no value.
    """
    labels = list(periods if periods is not None else sel.periods)
    codes = engine.scope_codes(con, sel.user, list(sel.jurisdiction_codes) or None)
    stations = None
    if codes is not None:
        registry = query_df(con, "jurisdictions/list")
        # The stations under the chosen (or visible) jurisdictions; the ancestors a station user sees add none.
        visible = engine.scope_codes(con, sel.user, None)
        under = registry[(registry["level"] == "station")
                         & (registry["code"].isin(codes) | registry["district_code"].isin(codes)
                            | registry["city_code"].isin(codes))]["code"]
        stations = [c for c in under if visible is None or c in visible] or ["\x00none"]
    raw = query_df(con, "assessment/officer_stats", {**_wanted(labels), "stations": stations})
    if raw.empty:
        return pd.DataFrame(columns=["jurisdiction", "officer_id", *COMPONENT_COLUMNS[1:]])
    values = _internal_values(raw, float(get_setting(con, "suppress_below_n_eff")),
                              float(get_setting(con, "caution_below_n_eff")),
                              float(get_setting(con, "confidence_level")))
    values.insert(1, "officer_id", raw["officer_id"].to_numpy())
    return values


# --------------------------------------------------------------------------------------------------
# Export


def workbook_bytes(result: Assessment, labels: dict[str, str], lang: str) -> bytes:
    """An Excel workbook: sheets scores, components, targets and formula (text cells formula-neutralised)."""
    from openpyxl import Workbook

    from analytics.output import neutralise_formula

    wb = Workbook()
    sheets = [
        (t("assess.sheet.scores", lang), result.scores),
        (t("assess.sheet.components", lang), result.components.assign(
            label=(result.components["source"] + ":" + result.components["component"]).map(labels))),
        (t("assess.sheet.targets", lang), result.components[result.components["target"].notna()][
            ["jurisdiction", "period", "source", "component", "value", "ci_low", "ci_high", "target", "direction",
             "status"]]),
    ]
    first = True
    for title, frame in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title[:31]
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_cell(v, neutralise_formula) for v in row])
    ws = wb.create_sheet(t("assess.sheet.formula", lang)[:31])
    for line in formula_text(result.scheme, labels, lang).splitlines():
        ws.append([neutralise_formula(line)])
    ws.append([])
    ws.append([neutralise_formula(t("assess.formula.uncertainty", lang))])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _cell(value: object, neutralise: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return neutralise(value)  # type: ignore[operator]
    if isinstance(value, dt.date | int | float | bool):
        return value
    return json.dumps(value, default=str)


__all__ = [
    "Assessment", "AssessmentError", "Component", "Scheme", "assess", "component_values", "delete_scheme",
    "formula_text", "get_scheme", "indistinguishable_pairs", "list_schemes", "list_targets", "measures",
    "officer_table", "remove_target", "save_scheme", "set_default_scheme", "set_target", "target_status",
    "validate_scheme", "workbook_bytes",
]
