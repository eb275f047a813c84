"""Raking (iterative proportional fitting) of survey weights to population margins, inside DuckDB.

Method
------
Raking ratio estimation (Deming & Stephan 1940; Deville JC & Särndal CE 1992 "Calibration estimators
in survey sampling", JASA 87:376; Kalton G & Flores-Cervantes I 2003 "Weighting methods", J Off Stat
19:81): starting from the design weights, the weights are multiplied, one margin at a time, by
``population / Σ weights`` of each respondent's category, cycling over the margins until every margin
total is met to a relative tolerance. Optional trimming bounds the weights to ``[lo, hi] × mean weight``
after every cycle and re-rakes ("trim and re-rake", Kalton & Flores-Cervantes 2003 §4), so the final
weights satisfy both the bounds and the margins. The Kish (1965) design effect due to weighting,
``n Σw² / (Σw)²``, is reported.

Data
----
A margin is a pandas frame with one column per dimension plus ``population``. A dimension is
``district`` or ``station`` (the respondent's ancestor at that level of the jurisdiction tree, from the
view ``jurisdiction_ancestors``) or, for any other name, an item whose answer code (table ``answers``)
is the category. ``district`` and ``station`` are therefore reserved and cannot name an item here.
Categories are compared as text, case-folded and trimmed (a margin value ``1`` or ``1.0`` matches the
answer code ``'1'``, ``Male`` matches ``male``).

Open labels: a survey keeps the labels its file gives (a vendor's ``16-34 / 35-54 / 55+``), so sample and
margins may name categories differently. :func:`label_report` lists, per dimension, the sample labels with
no margin and the margin labels with no respondent, with a proposed recode (a band inside one margin band
is recoded to it; a band across several is to be split or the margin bands merged; other labels get the
closest margin label); ``rake_weights(..., recodes={"age_band": {"16-24": "16-34"}})`` applies recodes.
When a dimension's margin labels are all age bands (``16-34``, ``55+``, ``60岁及以上``, ``18岁以下``),
answers given as ages in years — in that item or, for respondents without it, in the item ``age`` — are
banded to the margins' bands (a band ``a-b`` holds ages a <= age < b + 1).

Every IPF step is one GROUP BY + UPDATE over temporary tables in DuckDB; values (item names, levels,
batch ids, bounds) are always bound parameters. The whole run is one transaction: the raked weights
are written to ``respondents.weight`` together with a data-version bump and an audit entry, or — on any
error — nothing changes. Call it outside an open transaction. Indicator cells built from the old
weights must be rebuilt afterwards (the data-version bump tells caches).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from analytics import db, store
from analytics.db import Connection
from analytics.errors import WeightingError
from analytics.i18n import t
from analytics.roles import User

__all__ = ["RakeResult", "rake_weights", "reset_weights", "label_report", "parse_band", "banded_dimensions",
           "JURISDICTION_DIMS",
           "AGE_YEARS_ITEM", "LABEL_COLUMNS"]

JURISDICTION_DIMS: frozenset[str] = frozenset({"district", "station"})
TOTALS_TOLERANCE = 0.001  # margins whose totals differ by more than 0.1% are rejected
_SEP = "\x1f"  # joins the values of a multi-dimension category into one key
_MAX_LISTED = 5
AGE_YEARS_ITEM = "age"  # the item holding age in years, banded when a margin gives age bands
LABEL_COLUMNS = ["margin", "dimension", "label", "side", "respondents", "recode_to", "suggestion",
                 "suggestion_key", "suggestion_params"]

_BAND_RANGE = re.compile(r"^(\d{1,3})\s*(?:-|–|—|~|至|到|to)\s*(\d{1,3})\s*(?:岁|周岁|years?)?$")
_BAND_OPEN_TOP = re.compile(r"^(\d{1,3})\s*(?:\+|岁及以上|周岁及以上|岁以上|及以上|以上|and over|or older|plus)$")
_BAND_OPEN_BOTTOM = re.compile(r"^(?:<|under|below)\s*(\d{1,3})$|^(\d{1,3})\s*(?:岁以下|周岁以下|以下)$")


def fold_label(text: str) -> str:
    """A category label as compared: NFKC (full-width to ASCII), trimmed, spaces collapsed, lower case."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().lower()


def parse_band(label: str) -> tuple[float, float] | None:
    """An age band label as the half-open range [lo, hi) in years, or None if it is not a band.

    ``16-34`` -> (16, 35); ``55+`` / ``55岁及以上`` -> (55, inf); ``18岁以下`` / ``under 18`` -> (0, 18).
    Ages are whole years as usually recorded, so ``a-b`` holds every age from a up to (not incl.) b + 1.
    """
    text = fold_label(label)
    if m := _BAND_RANGE.match(text):
        lo, hi = int(m.group(1)), int(m.group(2))
        return (float(lo), float(hi + 1)) if lo <= hi else None
    if m := _BAND_OPEN_TOP.match(text):
        return float(m.group(1)), math.inf
    if m := _BAND_OPEN_BOTTOM.match(text):
        return 0.0, float(m.group(1) or m.group(2))
    return None


@dataclass(frozen=True)
class RakeResult:
    """Summary of a raking run.

    ``iterations``: full cycles over the margins; ``converged``: always True for a returned result
    (non-convergence raises); ``max_margin_error``: largest relative gap |Σw - population| / population
    over all margin categories at the end; ``weight_min``/``weight_max``: range of the final weights
    (persons represented per respondent); ``deff_kish``: n Σw²/(Σw)², the Kish design effect due to
    weighting (1 = equal weights).
    """

    iterations: int
    converged: bool
    max_margin_error: float
    weight_min: float
    weight_max: float
    deff_kish: float


# --------------------------------------------------------------------------------------------------
# Margin validation (pure pandas, before touching the database)
# --------------------------------------------------------------------------------------------------


def _as_text(values: pd.Series, column: str, margin_no: int) -> pd.Series:
    """Category values as text; integral floats lose their '.0'. Missing values are an error."""
    if values.isna().any():
        raise WeightingError(
            f"Margin {margin_no} has an empty category in column {column!r}; fill it in or drop the row.",
            key="error.weighting.empty_category", margin=margin_no, column=column,
        )
    if pd.api.types.is_float_dtype(values) and bool(np.all(np.mod(values.to_numpy(float), 1) == 0)):
        values = values.astype("int64")
    return values.astype(str).str.strip()


def _label(dims: Sequence[str], key: str) -> str:
    return ", ".join(f"{d}={v}" for d, v in zip(dims, key.split(_SEP), strict=True))


def _prepare_margins(margins: Sequence[pd.DataFrame], dims: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Validate the margin frames and return one long frame (m, cat, population, label).

    Margins 2.. are rescaled to the total of margin 1 (and, on dimensions shared with an earlier margin,
    to its subtotals) when they agree within 0.1%, so that IPF can meet all of them exactly.
    """
    if not margins:
        raise WeightingError("Give at least one margin to rake to.", key="error.weighting.no_margins")
    if len(margins) != len(dims):
        raise WeightingError(
            f"{len(margins)} margin tables but {len(dims)} dimension lists; give one list of dimensions "
            "per margin table.", key="error.weighting.dims_mismatch",
        )
    frames: list[pd.DataFrame] = []
    spelled: dict[str, dict[str, str]] = {}  # folded label -> first spelling, per dimension (for messages)
    for i, (frame, dim_list) in enumerate(zip(margins, dims, strict=True)):
        no = i + 1
        dim_list = list(dim_list)
        if not dim_list or len(set(dim_list)) != len(dim_list) or not all(isinstance(d, str) and d
                                                                           for d in dim_list):
            raise WeightingError(
                f"Margin {no}: dimensions {dim_list!r} must be a non-empty list of distinct names.",
                key="error.weighting.bad_dims", margin=no,
            )
        missing = [c for c in [*dim_list, "population"] if c not in frame.columns]
        if missing:
            raise WeightingError(
                f"Margin {no} lacks the column(s) {', '.join(missing)}; it needs {', '.join(dim_list)} "
                "and population.", key="error.weighting.missing_columns", margin=no, columns=missing,
            )
        if frame.empty:
            raise WeightingError(f"Margin {no} has no rows.", key="error.weighting.empty_margin", margin=no)
        texts = [_as_text(frame[d], d, no) for d in dim_list]
        shown = texts[0] if len(texts) == 1 else texts[0].str.cat(texts[1:], sep=_SEP)
        for d, text in zip(dim_list, texts, strict=True):
            for label in text:
                spelled.setdefault(d, {}).setdefault(fold_label(label), label)
        texts = [t.map(fold_label) for t in texts]  # labels match case-folded: 'Male' is 'male'
        cat = texts[0] if len(texts) == 1 else texts[0].str.cat(texts[1:], sep=_SEP)
        pop = pd.to_numeric(frame["population"], errors="coerce").astype(float).to_numpy()
        long = pd.DataFrame({"m": i, "cat": cat.to_numpy(), "population": pop})
        long["label"] = [_label(dim_list, c) for c in shown]
        bad = long[~(np.isfinite(long["population"]) & (long["population"] > 0))]
        if not bad.empty:
            row = bad.iloc[0]
            raise WeightingError(
                f"Margin {no}: the population of {row['label']} is "
                f"{frame['population'].iloc[bad.index[0]]!r}; "
                "every population must be a positive number (drop categories nobody belongs to).",
                key="error.weighting.bad_population", margin=no, category=row["label"],
            )
        dup = long[long["cat"].duplicated()]
        if not dup.empty:
            raise WeightingError(
                f"Margin {no} lists {dup['label'].iloc[0]} more than once; give each category one row.",
                key="error.weighting.duplicate_category", margin=no, category=dup["label"].iloc[0],
            )
        for j, d in enumerate(dim_list):
            long[f"_d:{d}"] = texts[j].to_numpy()
        frames.append(long)

    total0 = float(frames[0]["population"].sum())
    for i in range(1, len(frames)):
        total = float(frames[i]["population"].sum())
        if abs(total - total0) > TOTALS_TOLERANCE * total0:
            raise WeightingError(
                f"Margin totals disagree: margin 1 ({' × '.join(dims[0])}) sums to {total0:,.0f} but "
                f"margin {i + 1} ({' × '.join(dims[i])}) to {total:,.0f} "
                f"({abs(total / total0 - 1):.2%} apart; at most 0.1% is allowed). "
                "Use population figures for the same area and date.",
                key="error.weighting.totals_disagree", margin=i + 1, total=total, total_first=total0,
            )
        frames[i]["population"] *= total0 / total
        # Dimensions shared with earlier margins: the subtotals must agree as well; rescale to the first.
        rescaled = False
        for k in range(i):
            shared = [d for d in dims[i] if d in dims[k]]
            if not shared:
                continue
            cols = [f"_d:{d}" for d in shared]
            mine = frames[i].groupby(cols)["population"].sum()
            theirs = frames[k].groupby(cols)["population"].sum()
            both = pd.concat([mine.rename("mine"), theirs.rename("theirs")], axis=1).fillna(0.0)
            gap = (both["mine"] - both["theirs"]).abs() > TOTALS_TOLERANCE * both["theirs"]
            if gap.any():
                idx = both.index[gap.to_numpy()][0]
                key = idx if isinstance(idx, tuple) else (idx,)
                cat_label = ", ".join(f"{d}={spelled[d].get(v, v)}" for d, v in zip(shared, key, strict=True))
                row = both.loc[idx]
                raise WeightingError(
                    f"Margins {k + 1} and {i + 1} disagree on {cat_label}: {row['theirs']:,.0f} vs "
                    f"{row['mine']:,.0f} (more than 0.1% apart). Margins that share a dimension must "
                    "have the same subtotals.",
                    key="error.weighting.subtotals_disagree", category=cat_label,
                )
            if not rescaled:
                factor = (both["theirs"] / both["mine"]).rename("_f")
                frames[i] = frames[i].join(factor, on=cols)
                frames[i]["population"] *= frames[i].pop("_f")
                rescaled = True
    return pd.concat([f[["m", "cat", "population", "label"]] for f in frames], ignore_index=True)


# --------------------------------------------------------------------------------------------------
# Database steps
# --------------------------------------------------------------------------------------------------


def _drop_temp(con: Connection) -> None:
    db.execute(con, "weighting/rake_drop_temp")


def _load_scope(con: Connection, batch_ids: list[int] | None) -> int:
    """Create the working weight table for respondents of loaded batches in scope; return their count."""
    if batch_ids is None:
        rows = db.fetch_all(con, "weighting/loaded_batches")
        batch_list = [int(r[0]) for r in rows]
    else:
        batch_list = [int(b) for b in batch_ids]
        if not batch_list:
            raise WeightingError("No batches chosen; pass batch ids or None for all loaded batches.",
                                 key="error.weighting.no_batches")
    db.execute(con, "weighting/rake_scope", {"batches": batch_list})
    n = db.fetch_one(con, "weighting/rake_scope_count")["n"]
    if n == 0:
        raise WeightingError(
            f"No respondents in the loaded batches {batch_list or '(none)'}; load a survey first or "
            "choose other batches.", key="error.weighting.no_respondents", batches=batch_list,
        )
    bad = db.fetch_one(con, "weighting/rake_bad_design_weights")
    if bad["n"]:
        raise WeightingError(
            f"{bad['n']} respondents have a design weight that is not a positive number (e.g. {bad['example']}); "
            "fix their design weights or leave them empty (= 1) before raking.",
            key="error.weighting.bad_design_weight", count=int(bad["n"]),
        )
    return int(n)


def _margin_labels(margins: Sequence[pd.DataFrame], dims: Sequence[Sequence[str]]) -> dict[str, list[str]]:
    """Each item dimension's distinct margin labels as given (first spelling of each folded label)."""
    out: dict[str, dict[str, str]] = {}
    for frame, dim_list in zip(margins, dims, strict=True):
        for d in dim_list:
            if d in JURISDICTION_DIMS or d not in frame.columns:
                continue
            for label in _as_text(frame[d].dropna(), d, 0):
                out.setdefault(d, {}).setdefault(fold_label(label), label)
    return {d: list(labels.values()) for d, labels in out.items()}


def banded_dimensions(margins: Sequence[pd.DataFrame], dims: Sequence[Sequence[str]]) -> list[str]:
    """The item dimensions whose margin labels are all age bands (answers in years are banded to them)."""
    return [d for d, labels in _margin_labels(margins, dims).items()
            if labels and all(parse_band(label) is not None for label in labels)]


def _band_table(con: Connection, labels: Mapping[str, Sequence[str]]) -> set[str]:
    """``_jm_rake_bands``: (dim, label, lo, hi) of every dimension whose margin labels are all age bands."""
    db.execute(con, "weighting/rake_bands_create")
    rows = []
    for dim, dim_labels in labels.items():
        bands = [parse_band(label) for label in dim_labels]
        if dim_labels and all(b is not None for b in bands):
            rows.extend((dim, fold_label(label), b[0], b[1] if math.isfinite(b[1]) else None)
                        for label, b in zip(dim_labels, bands, strict=True) if b is not None)
    if rows:
        dims, folded, los, his = (list(column) for column in zip(*rows, strict=True))
        db.execute(con, "weighting/rake_bands_insert", {"dims": dims, "labels": folded, "los": los, "his": his})
    return {r[0] for r in rows}


def _load_dimensions(con: Connection, dims: Sequence[Sequence[str]], n: int,
                     banded: set[str], recodes: Mapping[str, Mapping[str, str]], *, strict: bool = True) -> None:
    """Fill the long table of each respondent's value on every margin dimension, and check coverage.

    Values are folded (``lower(trim())``); ``raw`` keeps the first spelling for messages. On a banded
    dimension, ages in years (the item's own answers, else the ``age`` item's) become the margin band
    they fall in; then ``recodes`` apply. ``strict=False`` (for :func:`label_report`) skips the checks.
    """
    db.execute(con, "weighting/rake_dimval_create")
    for m, dim_list in enumerate(dims):
        for pos, dim in enumerate(dim_list):
            params = {"m": m, "pos": pos, "dim": dim}
            db.execute(con, "weighting/rake_dimval_jurisdiction" if dim in JURISDICTION_DIMS
                       else "weighting/rake_dimval_item", params)
            if dim in banded:
                _band_ages(con, m, pos, dim)
            for old, new in (recodes.get(dim) or {}).items():
                db.execute(con, "weighting/rake_dimval_recode",
                           {"m": m, "pos": pos, "old": fold_label(old), "new": fold_label(new)})
            coverage = db.fetch_one(con, "weighting/rake_dimval_coverage", {"m": m, "pos": pos})
            have, rows = coverage["respondents"], coverage["n_values"]
            if not strict:
                continue
            if have == 0 and dim not in JURISDICTION_DIMS:
                known = [r[0] for r in db.fetch_all(con, "weighting/rake_items_answered")]
                raise WeightingError(
                    f"No respondent in the chosen batches answered item {dim!r}; check the name "
                    f"(items answered: {', '.join(known) or 'none'}).",
                    key="error.weighting.unknown_item", item=dim,
                )
            if have < n:
                what = (f"are not under any {dim} in the jurisdiction tree" if dim in JURISDICTION_DIMS
                        else f"have no answer to item {dim!r}")
                raise WeightingError(
                    f"{n - have} of {n} respondents {what}; raking needs every respondent in a category. "
                    "Give them a code (for example the refusal code) and a population for it, or rake "
                    "without this dimension.",
                    key="error.weighting.uncategorised", dimension=dim, count=int(n - have),
                )
            if rows > have:
                raise WeightingError(
                    f"{rows - have} respondents have more than one answer to item {dim!r}; remove the "
                    "duplicate answers before raking.",
                    key="error.weighting.duplicate_answers", item=dim, count=int(rows - have),
                )
    # Category key of each respondent in each margin: the dimension values joined in order (hash joins,
    # much faster in DuckDB than an ordered string_agg).
    db.execute(con, "weighting/rake_cat_create")
    for m, dim_list in enumerate(dims):
        db.execute(con, "weighting/rake_cat_first", {"m": m})
        for pos in range(1, len(dim_list)):
            db.execute(con, "weighting/rake_cat_append", {"m": m, "pos": pos, "sep": _SEP})


def _band_ages(con: Connection, m: int, pos: int, dim: str) -> None:
    """Ages in years on a banded dimension: respondents without an answer to the dimension's item take their
    answer to the age item; then every value that is a number becomes the label of the band holding it."""
    db.execute(con, "weighting/rake_age_fill", {"m": m, "pos": pos, "dim": dim, "age": AGE_YEARS_ITEM})
    db.execute(con, "weighting/rake_age_band", {"m": m, "pos": pos, "dim": dim})


def _unmatched(con: Connection, dims: Sequence[Sequence[str]],
               labels: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Per margin and dimension: sample labels no margin row has, and margin labels no respondent has."""
    rows: list[dict[str, object]] = []
    for m, dim_list in enumerate(dims):
        for pos, dim in enumerate(dim_list):
            margin_vals = db.fetch_all(con, "weighting/rake_margin_values", {"sep": _SEP, "p": pos + 1, "m": m})
            margin_set = {r[0] for r in margin_vals}
            sample = db.fetch_all(con, "weighting/rake_sample_values", {"m": m, "pos": pos})
            sample_set = {r[0] for r in sample}
            shown_margins = [lab for lab in labels.get(dim, []) if fold_label(lab) in margin_set] or sorted(
                margin_set)
            for value, raw, count in sample:
                if value not in margin_set:
                    recode, key, params = _suggest(str(raw), shown_margins, dim)
                    rows.append({"margin": m + 1, "dimension": dim, "label": raw, "side": "sample",
                                 "respondents": int(count), "recode_to": recode, "suggestion": t(key, "en", **params),
                                 "suggestion_key": key, "suggestion_params": params})
            for label in shown_margins:
                if fold_label(label) not in sample_set:
                    key, params = "weighting.suggest.margin_unused", {"label": label}
                    rows.append({"margin": m + 1, "dimension": dim, "label": label, "side": "margins",
                                 "respondents": 0, "recode_to": None, "suggestion": t(key, "en", **params),
                                 "suggestion_key": key, "suggestion_params": params})
    return pd.DataFrame(rows, columns=LABEL_COLUMNS)


def _suggest(label: str, margin_labels: Sequence[str], dim: str) -> tuple[str | None, str, dict[str, str]]:
    """(recode target or None, catalog key, its values) for a sample label that no margin row has."""
    band = parse_band(label)
    bands = {lab: parse_band(lab) for lab in margin_labels}
    if band is not None and bands and all(b is not None for b in bands.values()):
        spans = {lab: b for lab, b in bands.items() if b is not None}
        overlaps = [lab for lab, b in spans.items() if b[0] < band[1] and band[0] < b[1]]
        inside = [lab for lab, b in spans.items() if b[0] <= band[0] and band[1] <= b[1]]
        if inside:
            return inside[0], "weighting.suggest.inside", {"label": label, "target": inside[0]}
        if overlaps:
            lo = min(spans[lab][0] for lab in overlaps)
            hi = max(spans[lab][1] for lab in overlaps)
            merged = f"{lo:g}+" if math.isinf(hi) else f"{lo:g}-{hi - 1:g}"
            return None, "weighting.suggest.spans", {"label": label, "bands": " + ".join(overlaps),
                                                     "merged": merged, "age": AGE_YEARS_ITEM}
        return None, "weighting.suggest.no_overlap", {"label": label}
    if margin_labels:
        best = process.extractOne(fold_label(label), [fold_label(x) for x in margin_labels], scorer=fuzz.WRatio,
                                  score_cutoff=80)
        if best is not None:
            target = margin_labels[best[2]]
            return target, "weighting.suggest.similar", {"label": label, "target": target}
    return None, "weighting.suggest.add", {"label": label, "dimension": dim, "labels": ", ".join(margin_labels)}


def _load_margins(con: Connection, long: pd.DataFrame, dims: Sequence[Sequence[str]],
                  labels: Mapping[str, Sequence[str]]) -> None:
    """Store the margins and check that sample and margin categories match both ways."""
    _store_margins(con, long)
    extra = db.fetch_all(con, "weighting/rake_sample_not_in_margins")
    if extra:
        # Labels first: a vendor's 35-54 against margins of 30-44 / 45-59 is one fix, not two errors.
        report = _unmatched(con, dims, labels)
        proposals = report[report["side"] == "sample"]
        listed = "; ".join(f"margin {m + 1}: {_label(dims[m], cat)} ({n} respondents)"
                           for m, cat, n in extra[:_MAX_LISTED])
        more = f" and {len(extra) - _MAX_LISTED} more" if len(extra) > _MAX_LISTED else ""
        advice = "; ".join(f"{r.dimension}: {r.suggestion}" for r in proposals.head(_MAX_LISTED).itertuples())
        raise WeightingError(
            f"Sample categories missing from the margins: {listed}{more}. "
            + (f"Proposed: {advice}. " if advice else "")
            + "Add their populations to the margins, or recode those answers into a listed category "
            "(recodes={dimension: {label: margin label}}).",
            key="error.weighting.category_not_in_margins", category=_label(dims[extra[0][0]], extra[0][1]),
            unmatched=report.to_dict("records"),
        )
    absent = db.fetch_all(con, "weighting/rake_margin_not_in_sample")
    if absent:
        listed = "; ".join(f"margin {m + 1}: {label}" for m, label in absent[:_MAX_LISTED])
        more = f" and {len(absent) - _MAX_LISTED} more" if len(absent) > _MAX_LISTED else ""
        raise WeightingError(
            f"No respondent in the sample falls in {listed}{more}. Raking cannot give weight to an empty "
            "category: merge it with a neighbouring category in the margins, or drop it.",
            key="error.weighting.category_not_in_sample", category=absent[0][1],
        )
    db.execute(con, "weighting/rake_cat_link")


def _store_margins(con: Connection, long: pd.DataFrame) -> None:
    db.execute(con, "weighting/rake_margin_create")
    # One row per category (cid = its position in ``long``), bound as parallel lists.
    db.execute(con, "weighting/rake_margin_insert", {
        "cids": list(range(len(long))), "ms": [int(m) for m in long["m"]], "cats": [str(c) for c in long["cat"]],
        "populations": [float(p) for p in long["population"]], "labels": [str(lab) for lab in long["label"]]})


def _ipf(con: Connection, n_margins: int, n: int, total: float, max_iter: int, tol: float,
         trim: tuple[float, float] | None) -> tuple[int, float]:
    """Cycle over the margins (then trim) until the largest relative margin error is below ``tol``."""
    error = math.inf
    for iteration in range(1, max_iter + 1):
        for m in range(n_margins):
            db.execute(con, "weighting/rake_ipf_step", {"m": m})
        if trim is not None:
            mean = total / n
            db.execute(con, "weighting/rake_trim", {"lo": trim[0] * mean, "hi": trim[1] * mean})
        error = float(db.fetch_one(con, "weighting/rake_margin_error")["error"])
        if error < tol:
            return iteration, error
    hint = (f"The bounds {trim} may be too tight to meet the margins; widen them. " if trim is not None
            else "Some cross-categories may be too thin for the margins; merge categories. ")
    raise WeightingError(
        f"Raking did not converge within {max_iter} iterations (largest margin error {error:.2e}, "
        f"tolerance {tol:g}). {hint}Or allow more iterations.",
        key="error.weighting.no_convergence", iterations=max_iter, error=error,
    )


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def rake_weights(
    con: Connection,
    margins: list[pd.DataFrame],
    *,
    dims: list[list[str]],
    batch_ids: list[int] | None = None,
    max_iter: int = 50,
    tol: float = 1e-6,
    trim: tuple[float, float] | None = None,
    user: User,
    recodes: Mapping[str, Mapping[str, str]] | None = None,
) -> RakeResult:
    """Rake ``respondents.weight`` of the chosen batches to population margins (IPF in DuckDB).

    ``margins[k]`` has the columns ``dims[k]`` plus ``population`` (persons); e.g. dims
    ``[["district", "sex"], ["age_band"]]``. ``batch_ids=None`` rakes all loaded batches together (one
    population); respondents of removed batches are never touched. Starting weights are
    ``COALESCE(design_weight, 1)``. Iteration stops when every margin category total is within
    ``tol`` (relative) of its population; ``max_iter`` bounds the number of full cycles. ``trim=(lo, hi)``
    bounds every weight to ``[lo, hi] × mean weight`` (mean = population / respondents) after each cycle,
    re-raking until margins and bounds hold together; requires ``0 < lo <= 1 <= hi``.

    Margin totals that differ by at most 0.1% are rescaled to the first margin's total (and shared
    subtotals to the earlier margin's). Raises :class:`WeightingError` — leaving the weights unchanged —
    for: a margin category with no respondent; a respondent category missing from the margins;
    respondents without a category (no answer, or not under the jurisdiction level); totals (or shared
    subtotals) that disagree by more than 0.1%; non-positive populations; non-positive design weights;
    no convergence within ``max_iter``. A sample label with no margin row is reported with the labels
    concerned and a proposed recode (the error's ``unmatched`` parameter, as :func:`label_report`);
    ``recodes`` ({dimension: {sample label: margin label}}, compared case-folded) applies such recodes
    for this run. On success writes the weights, bumps the data version and adds
    an audit entry (``weights.rake`` by ``user``, who needs the ``weights`` permission) in one transaction.
    Must be called outside an open transaction.
    """
    user.require("weights")
    if not (isinstance(max_iter, int) and max_iter >= 1):
        raise WeightingError(f"max_iter must be a positive whole number; got {max_iter!r}.",
                             key="error.weighting.bad_setting")
    if not (tol > 0):
        raise WeightingError(f"tol must be positive; got {tol!r}.", key="error.weighting.bad_setting")
    if trim is not None:
        lo, hi = (float(v) for v in trim)
        if not (0 < lo <= 1 <= hi and math.isfinite(hi)):
            raise WeightingError(
                f"Trimming bounds {trim!r} must satisfy 0 < lo <= 1 <= hi (multiples of the mean weight), "
                "for example (0.3, 3.0).", key="error.weighting.bad_trim",
            )
        trim = (lo, hi)
    long = _prepare_margins(margins, dims)
    total = float(long.loc[long["m"] == 0, "population"].sum())
    labels = _margin_labels(margins, dims)

    _drop_temp(con)
    try:
        with store.transaction(con):
            n = _load_scope(con, batch_ids)
            banded = _band_table(con, labels)
            _load_dimensions(con, dims, n, banded, recodes or {})
            _load_margins(con, long, dims, labels)
            iterations, error = _ipf(con, len(dims), n, total, max_iter, tol, trim)
            summary = db.fetch_one(con, "weighting/rake_weight_summary")
            w_min, w_max, sum_w, sum_w2 = (summary[k] for k in ("w_min", "w_max", "sum_w", "sum_w2"))
            result = RakeResult(
                iterations=iterations, converged=True, max_margin_error=error, weight_min=float(w_min),
                weight_max=float(w_max), deff_kish=float(n * sum_w2 / (sum_w * sum_w)),
            )
            db.execute(con, "weighting/rake_write")
            store.bump_data_version(con)
            store.audit(con, user.username, "weights.rake", {
                "dims": [list(d) for d in dims], "batch_ids": batch_ids, "respondents": n,
                "recodes": {k: dict(v) for k, v in (recodes or {}).items()}, "banded": sorted(banded),
                "trim": list(trim) if trim else None, "tol": tol, **asdict(result),
            })
    finally:
        _drop_temp(con)  # the scratch tables go whether the rake was kept or rolled back
    return result


def label_report(
    con: Connection,
    margins: list[pd.DataFrame],
    *,
    dims: list[list[str]],
    batch_ids: list[int] | None = None,
    recodes: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """How the sample's labels meet the margins' labels, before raking (nothing is written).

    One row (``LABEL_COLUMNS``) per label on one side only: ``side`` 'sample' (respondents carry it, no
    margin row has it; ``respondents`` counts them) or 'margins' (no respondent has it). ``recode_to`` is
    a proposed margin label (a band inside one margin band, or a similar label) and ``suggestion`` says
    what to do in words (split or merge for a band across several margin bands; English — the catalog key
    ``suggestion_key`` and its ``suggestion_params`` give it in any language). Empty when every label
    matches. Ages in years are banded and ``recodes`` applied as :func:`rake_weights` does.
    """
    long = _prepare_margins(margins, dims)
    labels = _margin_labels(margins, dims)
    _drop_temp(con)
    try:  # only TEMP scratch tables are written, and dropped again
        n = _load_scope(con, batch_ids)
        banded = _band_table(con, labels)
        _load_dimensions(con, dims, n, banded, recodes or {}, strict=False)
        _store_margins(con, long)
        return _unmatched(con, dims, labels)
    finally:
        _drop_temp(con)


def reset_weights(con: Connection, batch_ids: list[int] | None = None, *,
                  user: User) -> int:
    """Undo raking: set ``weight = design_weight`` (NULL, meaning 1, stays NULL) for the chosen batches.

    ``batch_ids=None`` resets every respondent. Bumps the data version and writes an audit entry
    (``weights.reset`` by ``user``, who needs the ``weights`` permission) in one transaction. Returns the
    number of respondents reset.
    """
    user.require("weights")
    batch_list = None if batch_ids is None else [int(b) for b in batch_ids]
    with store.transaction(con):
        if batch_list is None:
            count = db.fetch_one(con, "weighting/reset_all_count")["n"]
            db.execute(con, "weighting/reset_all")
        else:
            params = {"batches": batch_list}
            count = db.fetch_one(con, "weighting/reset_batches_count", params)["n"]
            db.execute(con, "weighting/reset_batches", params)
        store.bump_data_version(con)
        store.audit(con, user.username, "weights.reset", {"batch_ids": batch_list, "respondents": int(count)})
    return int(count)
