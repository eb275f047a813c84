"""The Weights page and CLI ``weights``: a margins file, raking with the cell refresh, the weights summary.

The raking itself (iterative proportional fitting, label matching, trimming, diagnostics) is
:mod:`analytics.weighting`; this module adds what needs the indicator cells (every rake or reset rebuilds them
and bumps the data version) and the summary of the weights in use (Kish effective n, design effect).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics import engine, stats, store
from analytics.auth import User, visible_codes
from analytics.db import Connection, fetch_all, query_df
from analytics.errors import WeightingError
from analytics.weighting import (
    AGE_YEARS_ITEM,
    JURISDICTION_DIMS,
    RakeResult,
    banded_dimensions,
    label_report,
    rake_weights,
    reset_weights,
)

__all__ = [
    "POPULATION_HEADERS", "read_margins", "margin_tables", "rakeable_batches", "margin_label_report",
    "proposed_recodes", "rake_and_refresh", "reset_and_refresh", "weights_summary", "last_weighting",
]

POPULATION_HEADERS = ("population", "人口", "人口数")


# --------------------------------------------------------------------------------------------------
# Weighting interfaces (CLI ``weights`` and the Weights page): margins file, rake + refresh, summary
# --------------------------------------------------------------------------------------------------


def read_margins(source: str | os.PathLike[str] | bytes) -> pd.DataFrame:
    """Read a margins CSV (UTF-8, with or without BOM, or GBK/GB18030): dimension columns + population.

    Category cells are kept as text (stripped); the population column (``population``, 人口 or 人口数, any
    case) is renamed ``population`` and parsed as a number. Raises :class:`WeightingError` when the file
    cannot be read, has no population column, or a population is not a positive number.
    """
    if isinstance(source, bytes):
        raw = source
    else:
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise WeightingError(f"Cannot read the margins file {source}: {exc}", key="error.compare.margins_read",
                                 path=str(source)) from exc
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:  # gb18030 decodes any byte string; kept for type checkers
        raise WeightingError("The margins file is neither UTF-8 nor GBK text.", key="error.compare.margins_encoding")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise WeightingError(f"The margins file is not a readable CSV table: {exc}",
                             key="error.compare.margins_csv", message=str(exc)) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    pop = [c for c in frame.columns if c.lower() in POPULATION_HEADERS]
    if len(pop) != 1:
        raise WeightingError(
            f"The margins file needs exactly one population column (population / 人口); columns: "
            f"{', '.join(frame.columns)}.", key="error.compare.margins_population", columns=", ".join(frame.columns))
    frame = frame.rename(columns={pop[0]: "population"})
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip()
    values = pd.to_numeric(frame["population"].str.replace(",", "", regex=False), errors="coerce")
    bad = frame.index[~(values > 0)]
    if len(bad):
        row = int(bad[0])
        raise WeightingError(
            f"Row {row + 2} of the margins file has population {frame['population'].iloc[row]!r}; every population "
            "must be a positive number.", key="error.compare.margins_value", row=row + 2,
            value=frame["population"].iloc[row])
    frame["population"] = values.astype(float)
    return frame


def margin_tables(frame: pd.DataFrame, dims: Sequence[Sequence[str]] | None = None
                  ) -> tuple[list[pd.DataFrame], list[list[str]]]:
    """Split a margins table into the margins to rake to: one per list of dimensions.

    ``dims=None`` rakes to the full cross-classification of every non-population column (post-stratification).
    Each margin is the population summed over the other columns, e.g. dims ``[["district", "sex"],
    ["age_band"]]`` on a district × sex × age_band table gives two margins.
    """
    available = [c for c in frame.columns if c != "population"]
    groups = [list(d) for d in dims] if dims else [available]
    margins = []
    for group in groups:
        missing = [d for d in group if d not in available]
        if not group or missing:
            raise WeightingError(
                f"Dimension(s) {', '.join(missing) or '(none)'} are not columns of the margins file; "
                f"its columns: {', '.join(available)}.", key="error.compare.margins_dims",
                dims=", ".join(missing), columns=", ".join(available))
        margins.append(frame.groupby(group, as_index=False, sort=True)["population"].sum())
    return margins, groups


def rakeable_batches(con: Connection, dims: Sequence[Sequence[str]],
                     age_for: str | None = None) -> pd.DataFrame:
    """Loaded survey batches with ``respondents`` and ``complete`` (answered every item dimension).

    ``age_for``: an age-band dimension for which an answer to the ``age`` item (years) counts, as raking
    bands it (:func:`analytics.weighting.banded_dimensions`).
    """
    items = sorted({d for group in dims for d in group if d not in JURISDICTION_DIMS})
    return query_df(con, "weighting/weight_batches", {"items": items, "age_for": age_for,
                                                    "age_item": AGE_YEARS_ITEM})


def margin_label_report(con: Connection, frame: pd.DataFrame, *,
                        dims: Sequence[Sequence[str]] | None = None, batch_ids: Sequence[int] | None = None,
                        recodes: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """How the margins' labels meet the sample's (:func:`analytics.weighting.label_report`), before raking."""
    margins, groups = margin_tables(frame, dims)
    return label_report(con, margins, dims=groups, batch_ids=None if batch_ids is None else list(batch_ids),
                        recodes=recodes)


def proposed_recodes(report: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The recodes a label report proposes: {dimension: {sample label: margin label}}."""
    out: dict[str, dict[str, str]] = {}
    for row in report[(report["side"] == "sample") & report["recode_to"].notna()].itertuples():
        out.setdefault(str(row.dimension), {})[str(row.label)] = str(row.recode_to)
    return out


def _refresh(con: Connection) -> None:
    """Rebuild the indicator cells from the new weights in one transaction, bumping the data version."""
    with store.transaction(con):
        engine.refresh_cells(con)
        store.bump_data_version(con)


def rake_and_refresh(con: Connection, frame: pd.DataFrame, *,
                     dims: Sequence[Sequence[str]] | None = None, batch_ids: Sequence[int] | None = None,
                     trim: tuple[float, float] | None = None, per_batch: bool = False,
                     user: User, recodes: Mapping[str, Mapping[str, str]] | None = None,
                     ) -> list[tuple[list[int], RakeResult]]:
    """Rake the weights to the margins of ``frame`` (see :func:`margin_tables`), then rebuild the cells.

    ``batch_ids=None`` takes every loaded survey batch whose respondents all answered the item dimensions
    (e.g. an SMS survey without sex/age is left out); raises :class:`WeightingError` if none qualifies.
    The chosen batches are raked together as one population (one transaction,
    :func:`analytics.weighting.rake_weights`), or each to the full margins when ``per_batch`` (one
    transaction per batch: a later failure leaves earlier batches raked). ``recodes`` ({dimension: {sample
    label: margin label}}, e.g. from :func:`proposed_recodes`) apply to every run. Returns (batch ids,
    result) per run. ``user`` needs the ``weights`` permission, checked before anything is read.
    """
    user.require("weights")
    margins, groups = margin_tables(frame, dims)
    if batch_ids is None:
        banded = banded_dimensions(margins, groups)
        batches = rakeable_batches(con, groups, age_for=banded[0] if banded else None)
        eligible = batches[(batches["complete"] == batches["respondents"]) & (batches["respondents"] > 0)]
        chosen = [int(b) for b in eligible["batch_id"]]
        if not chosen:
            raise WeightingError("No loaded survey batch has answers to every raking dimension for all its "
                                 "respondents; check the dimension names or choose batches.",
                                 key="error.compare.no_rakeable_batch")
    else:
        chosen = [int(b) for b in batch_ids]
    runs = [[b] for b in chosen] if per_batch else [chosen]
    results = []
    for run_ids in runs:
        results.append((run_ids, rake_weights(con, margins, dims=groups, batch_ids=run_ids, trim=trim,
                                              user=user, recodes=recodes)))
    _refresh(con)
    return results


def reset_and_refresh(con: Connection, *, batch_ids: Sequence[int] | None = None,
                      user: User) -> int:
    """Undo raking (weights = design weights) and rebuild the cells; returns the respondents reset. ``user``
    needs the ``weights`` permission."""
    count = reset_weights(con, None if batch_ids is None else [int(b) for b in batch_ids], user=user)
    _refresh(con)
    return count


def weights_summary(con: Connection, *, batch_ids: Sequence[int] | None = None,
                    user: User | None = None) -> pd.DataFrame:
    """Kish effective n and design effect of the weights in use: overall, per batch and per district.

    Columns ``scope, batch_id, district, name_zh, name_en, n, n_eff, deff, weight_min, weight_max, n_raked``;
    ``scope`` is 'all' (first row), 'batch' or 'district'. n_eff = (Σw)²/Σw² and deff = n/n_eff (Kish 1965)
    over the respondents of loaded batches (``batch_ids`` narrows them; a missing weight is 1); ``n_raked``
    counts respondents whose weight differs from their design weight. Batches raked separately have weights
    on different scales, so read the 'all' and district rows over one raked population (``batch_ids``).
    Per-indicator n_eff (don't-know excluded) is in every estimate. A scoped ``user`` (station role) gets the
    'all' row (the city) and the districts it may see only: batch rows can describe another station's own survey.
    """
    raw = query_df(con, "weighting/weight_summary",
                   {"batches": None if batch_ids is None else [int(b) for b in batch_ids]})
    names = engine.jurisdictions(con).set_index("code")[["name_zh", "name_en"]]
    out = pd.DataFrame({
        "scope": raw["scope"],
        "batch_id": raw["batch_id"].astype("Int64"),
        "district": [None if pd.isna(d) else d for d in raw["district"]],
    }).join(names, on="district")
    out["n"] = raw["n"].astype("int64")
    out["n_eff"] = stats.kish_n_eff(raw["sum_w"], raw["sum_w2"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["deff"] = raw["n"].to_numpy(float) / out["n_eff"].to_numpy(float)
    out["weight_min"] = raw["weight_min"].astype(float)
    out["weight_max"] = raw["weight_max"].astype(float)
    out["n_raked"] = raw["n_raked"].astype("int64")
    visible = visible_codes(con, user) if user is not None else None
    if visible is not None:
        out = out[(out["scope"] == "all") | ((out["scope"] == "district") & out["district"].isin(visible))]
    return out.reset_index(drop=True)


def last_weighting(con: Connection) -> dict[str, Any] | None:
    """The newest ``weights.rake``/``weights.reset`` audit entry: action, actor, logged_at, detail; or None."""
    rows = fetch_all(con, "weighting/last_weighting")
    if not rows:
        return None
    action, actor, logged_at, detail = rows[0]
    return {"action": action, "actor": actor, "logged_at": logged_at,
            "detail": json.loads(detail) if isinstance(detail, str) else detail}
