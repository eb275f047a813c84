"""Published results: other agencies' and earlier aggregated figures, loaded and compared with our own.

A third kind of data beside respondents and cases: one row per jurisdiction x period x measure (x demographic
group) with a value and whatever the source gives about its uncertainty (base n, standard error, interval
bounds). Files come in two shapes:

* **long**: one measure per row (a ``measure`` column and a ``value`` column);
* **wide**: one column per measure (``Trust``, ``"Good Job" local``, ``SAFETY`` ...), listed in ``measure_columns``.

Values are proportions (0.63), percentages (63 or ``63%``), decimal commas (``0,63``) or mean scores on a stated
scale (``value_format='mean'`` with ``scale=(0, 10)``). Periods are dates or period ends (``30/09/2023``,
``2023-09-30``), quarters (``2023Q3``), fiscal quarters (``FY2023-24 Q2``, fiscal year starting in
``fiscal_year_start``), months, years, or a ``year`` and a ``quarter`` column; the window length (``month``,
``quarter``, ``rolling12``, ``year``) is stated or read from the period's form.

Areas of other agencies live under their own root (:mod:`external_jurisdictions`), identified by (root, code),
so they never collide with local jurisdiction codes; a blank area is the root's whole area (a citywide figure).

Honest uncertainty (:func:`with_intervals`): bounds as published, else value +/- 1.96 SE, else a Wilson interval
from the base n for a proportion; without any of these the figure is shown as published, marked "published
figure, no interval" -- never suppressed (it is already public), never given a made-up interval, and never
tested for significance. A figure the source did not publish (``NA``) is shown as "not published".

Everything heavy runs in DuckDB (``analytics/sql/published/*.sql``); Python only handles the few distinct
measure names and the result rows.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from analytics import store
from analytics.auth import User
from analytics.choices import PUBLISHED_VALUE_FORMATS, PUBLISHED_WINDOWS
from analytics.db import Connection, execute, fetch_all, fetch_one, query_df, run
from analytics.errors import ConfigError, UnknownNameError
from analytics.ingest import problems
from analytics.ingest.pipeline import Plan, _materialize, temp_root, upload_limit_mb, workbook_limits
from analytics.ingest.reading import SourceFile, detect, open_source, stage
from analytics.ingest.sqlrun import ident
from analytics.selection import Selection
from analytics.stats import small_base_flag, wilson_interval

VALUE_FORMATS = PUBLISHED_VALUE_FORMATS
WINDOWS = PUBLISHED_WINDOWS
SHAPES = ("long", "wide")
ROLES = ("jurisdiction", "period", "year", "quarter", "measure", "value", "n", "se", "lower", "upper", "source",
         "note")
# Texts that mean "the source did not publish this figure" (R's NA, ONS's [x]/[c], '..', '-', '*').
NA_TEXTS = ("NA", "N/A", "..", "-", "*", "X", "[X]", "[C]", "[U]", "[Z]", "SUPPRESSED")
Z95 = 1.959963984540054
GZIP_MAGIC = b"\x1f\x8b"
# A published figure is shown with the decimals the source gave, up to these (more is floating-point noise,
# e.g. 0.7302232537000001 after a /100 step).
MAX_PERCENT_DIGITS = 2
MAX_MEAN_DIGITS = 3

# Header synonyms for proposing a mapping (lower-case, compared after removing spaces, _ and -).
_ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "jurisdiction": ("borough", "area", "jurisdiction", "district", "county", "region", "force", "ward",
                     "geography", "辖区", "地区", "区县", "县区", "市县", "市县区"),
    "period": ("period", "date", "quarter_end", "periodend", "month", "时期", "日期", "期间"),
    "year": ("year", "年份", "年"),
    "quarter": ("quarter", "季度"),
    "measure": ("measure", "indicator", "measurementvar", "question", "item", "指标", "测量"),
    "value": ("value", "estimate", "proportion", "percentage", "percent", "rate", "score", "mean", "数值", "比率"),
    "n": ("n", "base", "unweightedcount", "unweightedbase", "samplesize", "count", "样本量"),
    "se": ("se", "standarderror", "stderr", "标准误"),
    "lower": ("lower", "lci", "lowerci", "ci_low", "cilow", "下限"),
    "upper": ("upper", "uci", "upperci", "ci_high", "cihigh", "上限"),
    "source": ("source", "publisher", "来源"),
    "note": ("note", "notes", "comment", "备注"),
}
# Published measure names that mean the same as a Jingmin indicator (proposed; the analyst confirms).
MEASURE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "trust": ("trust", "patt6b", "ttrust", "canbetrusted", "policecanbetrusted", "信任", "信任度"),
    "satisfaction": ("satisfaction", "satisfied", "满意", "满意率", "满意度", "群众满意率", "群众满意度"),
    "safety": ("safety", "safe", "feelsafe", "安全感"),
    "visibility": ("visibility", "见警率", "群众见警率"),
    "familiarity": ("familiarity", "识警率"),
    "awareness": ("awareness", "知警率"),
}


def _squash(text: str) -> str:
    # '%' and brackets go too: '群众满意率(%)' names the same measure as '群众满意率'.
    return re.sub(r"[\s_\-\"'“”()（）%]+", "", text.strip().lower())


@dataclass
class ResultsSpec:
    """How a published-results file is read. ``columns`` maps a role (:data:`ROLES`) to a header; ``groups``
    lists the demographic-group headers (joined with ' · '); ``measures`` maps a published measure to the
    Jingmin indicator it means the same as ('' = its own measure); ``measure_labels`` gives wordings."""

    root: str
    shape: str = "long"
    columns: dict[str, str] = field(default_factory=dict)
    measure_columns: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    value_format: str = "auto"
    scale: tuple[float, float] | None = None
    window: str = "auto"
    dayfirst: bool | None = None
    fiscal_year_start: int = 4
    source: str | None = None
    measures: dict[str, str] = field(default_factory=dict)
    measure_labels: dict[str, str] = field(default_factory=dict)
    na_texts: tuple[str, ...] = NA_TEXTS

    def __post_init__(self) -> None:
        if not self.root or not self.root.strip():
            raise ConfigError("Name the publisher's root for these areas, e.g. 'London (MPS)'.")
        self.root = self.root.strip()
        if self.shape not in SHAPES:
            raise ConfigError(f"Shape {self.shape!r}: use 'long' or 'wide'.")
        if self.value_format not in VALUE_FORMATS:
            raise ConfigError(f"Value format {self.value_format!r}: use one of {', '.join(VALUE_FORMATS)}.")
        if self.window not in WINDOWS:
            raise ConfigError(f"Window {self.window!r}: use one of {', '.join(WINDOWS)}.")
        if self.value_format == "mean":
            if self.scale is None or len(self.scale) != 2 or not float(self.scale[0]) < float(self.scale[1]):
                raise ConfigError("Mean scores need their scale, e.g. 0-10 or 0-100 (lowest below highest).",
                                  key="published.error.scale")
            self.scale = (float(self.scale[0]), float(self.scale[1]))
        if not 1 <= int(self.fiscal_year_start) <= 12:
            raise ConfigError("The fiscal year's first month must be 1-12 (4 = April).")
        unknown = set(self.columns) - set(ROLES)
        if unknown:
            raise ConfigError(f"Unknown column role(s): {', '.join(sorted(unknown))}; use {', '.join(ROLES)}.")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ResultsSpec:
        """A spec from JSON (the CLI's ``--mapping FILE``, a proposal edited on the Upload page)."""
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        if "scale" in known and known["scale"] is not None:
            known["scale"] = tuple(known["scale"])
        if "na_texts" in known:
            known["na_texts"] = tuple(known["na_texts"])
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-ready data."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["scale"] = list(self.scale) if self.scale else None
        out["na_texts"] = list(self.na_texts)
        return out


@dataclass
class ResultsLoad:
    """What a load (or dry run) did: load id (None for a dry run), rows loaded and a summary."""

    load_id: int | None
    rows: int
    summary: dict[str, Any]
    dry_run: bool = False


# --------------------------------------------------------------------------------------------
# Reading


@contextmanager
def _source(con: Connection, source: str | os.PathLike[str] | bytes,
            source_name: str | None) -> Iterator[SourceFile]:
    """The upload as a SourceFile; a gzipped CSV (``.csv.gz``) is decompressed into an in-memory file first
    (never to disk), bounded by the upload limit (the sha256 stays that of the file as given)."""
    max_bytes = int(upload_limit_mb(con) * 1_048_576)
    with open_source(source, source_name, max_bytes, temp_root=temp_root(con)) as src:
        if not src.head(2).startswith(GZIP_MAGIC):
            yield src
            return
        assert src.path is not None  # a gzip file is not a workbook, so it has a path
        plain = src.temp_path(".csv")
        try:
            with gzip.open(src.path, "rb") as zipped, plain.open("wb") as out:
                written = 0
                while chunk := zipped.read(1_048_576):
                    written += len(chunk)
                    if written > max_bytes:
                        raise problems.file_error(src.name, "too_large", "too_large",
                                                  {"size_mb": f">{max_bytes / 1_048_576:.0f}",
                                                   "limit_mb": f"{max_bytes / 1_048_576:.0f}"})
                    out.write(chunk)
        except (OSError, EOFError) as exc:  # a damaged gzip stream
            raise problems.file_error(src.name, "unreadable", "unreadable", {"error": str(exc)}) from exc
        yield replace(src, path=plain, size=plain.stat().st_size)


def _header_index(headers: list[str], header: str, what: str) -> int:
    try:
        return headers.index(header)
    except ValueError:
        raise ConfigError(f"The mapping names column {header!r} for {what}, but the file has no such column "
                          f"(columns: {', '.join(headers[:30])}).") from None


def propose(con: Connection, source: str | os.PathLike[str] | bytes, *, root: str,
            source_name: str | None = None) -> tuple[ResultsSpec, list[str], list[list[str]]]:
    """Propose how to read a published-results file: column roles by header, the shape (a file with a value
    column is long; otherwise every numeric-looking column not given a role is a measure), the value format
    and measures that mean the same as a Jingmin indicator. Returns (spec, headers, preview rows); nothing is
    written. The analyst confirms or edits the spec before loading."""
    with _source(con, source, source_name) as src:
        layout = detect(src, limits=workbook_limits(con))
    headers, preview = layout.headers, layout.preview
    columns: dict[str, str] = {}
    for role, synonyms in _ROLE_SYNONYMS.items():
        for header in headers:
            if header not in columns.values() and _squash(header) in {_squash(s) for s in synonyms}:
                columns[role] = header
                break
    if "quarter" in columns and "year" not in columns and "period" not in columns:
        # A 'quarter' column with no year column holds whole periods (2024Q4): it is the period.
        columns["period"] = columns.pop("quarter")
    if "period" in columns and "year" in columns:
        del columns["year"]
    if "period" in columns and "quarter" in columns and columns["quarter"] == columns["period"]:
        del columns["quarter"]
    shape = "long" if "value" in columns else "wide"
    measure_columns: list[str] = []
    if shape == "wide":
        for i, header in enumerate(headers):
            if header in columns.values():
                continue
            sample = [row[i] for row in preview if i < len(row) and row[i].strip()]
            if sample and all(re.fullmatch(r"[-+]?[0-9]*[.,]?[0-9]+%?|NA|\.\.|-", s.strip()) for s in sample):
                measure_columns.append(header)
    values = [row[headers.index(h)] for row in preview for h in
              ([columns["value"]] if "value" in columns else measure_columns) if headers.index(h) < len(row)]
    numbers = [float(v.strip().rstrip("%").replace(",", ".")) for v in values
               if re.fullmatch(r"[-+]?[0-9]*[.,]?[0-9]+%?", v.strip())]
    value_format = "percent" if any(v.strip().endswith("%") for v in values) or any(x > 1 for x in numbers) \
        else "proportion"
    names = measure_columns if shape == "wide" else sorted({
        row[headers.index(columns["measure"])].strip() for row in preview
        if "measure" in columns and headers.index(columns["measure"]) < len(row)})
    spec = ResultsSpec(root=root, shape=shape, columns=columns, measure_columns=measure_columns,
                       value_format=value_format, measures={m: suggest_indicator(m) for m in names if m})
    return spec, headers, preview


def suggest_indicator(measure: str) -> str:
    """The Jingmin indicator a published measure name means the same as, by synonym ('' = none)."""
    squashed = _squash(measure)
    for key, synonyms in MEASURE_SYNONYMS.items():
        if squashed in {_squash(s) for s in synonyms}:
            return key
    return ""


def _cells_sql(spec: ResultsSpec, headers: list[str]) -> tuple[str, dict[str, Any]]:
    """The SELECT over ``ingest_raw`` giving ``pub_cells`` (one row per file row x measure). Identifiers are the
    generated staging names c0..cN only; headers and constants are bound values."""
    params: dict[str, Any] = {}

    def col(role: str) -> str:
        header = spec.columns.get(role)
        if not header:
            return "CAST(NULL AS VARCHAR)"
        return ident(f"c{_header_index(headers, header, role)}")

    if "period" in spec.columns:
        period = col("period")
    elif "year" in spec.columns:
        year = col("year")
        period = (f"trim({year}) || 'Q' || trim({col('quarter')})" if "quarter" in spec.columns
                  else f"trim({year})")
    else:
        raise ConfigError("Map a period column (or a year column, with a quarter column if quarterly).",
                          key="published.error.no_period")
    groups = [ident(f"c{_header_index(headers, g, 'a group')}") for g in spec.groups]
    grp = ("concat_ws(' · ', " + ", ".join(f"nullif(trim({g}), '')" for g in groups) + ")") if groups else "''"
    common = (f"_row, {col('jurisdiction')} AS jur_text, {period} AS period_text, {col('n')} AS n_text, "
              f"{col('se')} AS se_text, {col('lower')} AS lower_text, {col('upper')} AS upper_text, "
              f"{col('source')} AS source_text, {col('note')} AS note_text, coalesce({grp}, '') AS grp")
    if spec.shape == "long":
        for role in ("measure", "value"):
            if role not in spec.columns:
                raise ConfigError(f"A long file needs a {role} column; map one (or read the file as wide).",
                                  key="published.error.long_needs", role=role)
        params["h_value"] = spec.columns["value"]
        return (f"SELECT {common}, {col('measure')} AS measure_text, $h_value AS value_col, "
                f"{col('value')} AS value_text FROM ingest_raw"), params
    if not spec.measure_columns:
        raise ConfigError("A wide file needs its measure columns listed (one column per measure).",
                          key="published.error.no_measures")
    parts = []
    for i, header in enumerate(spec.measure_columns):
        params[f"m{i}"] = header
        c = ident(f"c{_header_index(headers, header, 'a measure')}")
        parts.append(f"SELECT {common}, ${ident(f'm{i}')} AS measure_text, ${ident(f'm{i}')} AS value_col, "
                     f"{c} AS value_text FROM ingest_raw")
    return " UNION ALL ".join(parts), params


def _decide_format(con: Connection, spec: ResultsSpec, na: list[str]) -> str:
    """'percent' when any value carries % or exceeds 1, else 'proportion' (for value_format 'auto')."""
    if spec.value_format != "auto":
        return spec.value_format
    row = fetch_one(con, "published/value_format", {"na": na})
    largest = row["largest"]
    return "percent" if row["has_percent_sign"] or (largest is not None and largest > 1) else "proportion"


def _decide_dayfirst(con: Connection, spec: ResultsSpec, warnings: list[dict[str, Any]]) -> bool:
    """Day/month order of dates like 05/03/2023: stated, else a first part above 12 means day first, a second
    part above 12 month first; when every date could be either, day first (period ends such as 30/09 settle
    it) with a note."""
    if spec.dayfirst is not None:
        return spec.dayfirst
    dates = fetch_one(con, "published/date_order")
    first_big, second_big, ambiguous = dates["first_big"], dates["second_big"], dates["any_dates"]
    if first_big:
        return True
    if second_big:
        return False
    if ambiguous:
        warnings.append(problems.note("published_dayfirst_assumed"))
    return True


def load_results(con: Connection, source: str | os.PathLike[str] | bytes, spec: ResultsSpec, *,
                 user: User, source_name: str | None = None, create_jurisdictions: bool = False,
                 dry_run: bool = False, sheet: str | None = None) -> ResultsLoad:
    """Check a whole published-results file and (unless ``dry_run``) load it in one transaction.

    Every problem (non-numeric value, percentage above 100, proportion above 1, mean outside the stated scale,
    unparseable period, missing measure, area unknown under the root, conflicting duplicate) is reported with
    row, column and value in one :class:`IngestError`, and nothing is loaded. Exact duplicates are collapsed
    with a note. ``create_jurisdictions`` adds unknown areas under ``spec.root`` (and the root itself).
    Requires the ``upload`` permission.
    """
    user.require("upload")
    problems.reset(con)
    warnings: list[dict[str, Any]] = []
    with _source(con, source, source_name) as src:
        layout = detect(src, sheet=sheet, limits=workbook_limits(con))
        staged = stage(con, src, layout, workbook_limits(con))
        plan = Plan(kind="published", columns=[], keep=set(range(layout.ncols)))
        rows_read, blank_rows, _rejected = _materialize(con, src, staged, layout, plan, warnings)
        name, sha = src.name, src.sha256
    if rows_read == 0 and problems.count(con) == 0:
        raise problems.file_error(name, "header_only", "header_only")
    already = fetch_all(con, "published/already_loaded", {"sha256": sha})
    if already:
        problems.add(con, "already_loaded", "published_already_loaded", {"load": already[0][0],
                                                                         "name": already[0][1]})
    select, params = _cells_sql(spec, layout.headers)
    run(con, "CREATE OR REPLACE TEMP TABLE pub_cells AS " + select, params)
    na = [t.upper() for t in spec.na_texts]
    fmt = _decide_format(con, spec, na)
    dayfirst = _decide_dayfirst(con, spec, warnings)
    scale = spec.scale or (None, None)
    cols = spec.columns
    group_label = " · ".join(spec.groups)
    execute(con, "published/parse", {
        "na": na, "fmt": fmt, "scale_min": scale[0], "scale_max": scale[1], "window": spec.window,
        "dayfirst": dayfirst, "fy_start": int(spec.fiscal_year_start), "root": spec.root,
        "create": create_jurisdictions, "source": spec.source or name,
        "h_period": cols.get("period") or " + ".join(h for h in (cols.get("year"), cols.get("quarter")) if h),
        "h_measure": cols.get("measure") or "", "h_n": cols.get("n"), "h_se": cols.get("se"),
        "h_lower": cols.get("lower"), "h_upper": cols.get("upper"), "h_jurisdiction": cols.get("jurisdiction"),
    })
    dups = fetch_one(con, "published/duplicates_collapsed")
    collapsed = (dups["n"], dups["first_rows"])
    if collapsed[0]:
        warnings.append(problems.note("published_duplicates", n=int(collapsed[0]),
                                      rows=", ".join(str(r) for r in collapsed[1])))
    problems.raise_if_problems(con, name, dry_run=dry_run, rows_in_file=rows_read)
    measures = [r[0] for r in fetch_all(con, "published/file_measures")]
    indicators = {r[0] for r in fetch_all(con, "published/indicator_keys")}
    mapped = {m: spec.measures.get(m, "") or "" for m in measures}
    wrong = sorted({v for v in mapped.values() if v and v not in indicators})
    if wrong:
        raise UnknownNameError(f"The mapping maps measures to unknown indicator(s) {', '.join(wrong)}; "
                               f"use one of {', '.join(sorted(indicators))} or leave the measure as its own.")
    execute(con, "published/measures_create")
    if measures:
        execute(con, "published/measures_insert", {
            "measures": measures, "indicators": [mapped[m] or None for m in measures],
            "labels": [spec.measure_labels.get(m) or m for m in measures]})
    new_areas = [r[0] for r in fetch_all(con, "published/new_areas", {"root": spec.root})]
    counts = fetch_one(con, "published/figure_counts")
    rows = int(counts["figures"])
    summary: dict[str, Any] = {
        "kind": "results", "source_name": name, "sha256": sha, **layout.describe(), "rows_read": rows_read,
        "blank_rows": blank_rows, "figures": rows, "duplicates_collapsed": int(collapsed[0]), "value_format": fmt,
        "dayfirst": dayfirst, "root": spec.root, "measures": mapped, "groups": group_label,
        "not_published": int(counts["not_published"]),
        "created_areas": new_areas, "warnings": warnings, "spec": spec.to_dict(),
    }
    if dry_run:
        return ResultsLoad(None, rows, summary, dry_run=True)
    with store.transaction(con):
        load_id = int(fetch_one(con, "published/load_record", {
            "source_name": name, "sha256": sha, "rows": rows, "actor": user.username,
            "summary": json.dumps(summary, ensure_ascii=False, default=str)})["load_id"])
        execute(con, "published/load", {"load_id": load_id, "root": spec.root, "fmt": fmt,
                                        "scale_min": scale[0], "scale_max": scale[1]})
        store.audit(con, user.username, "published.load", {"load_id": load_id, "source": name, "rows": rows,
                                                           "root": spec.root, "created_areas": len(new_areas)})
        store.bump_data_version(con)
    execute(con, "published/drop_temp")
    return ResultsLoad(load_id, rows, summary)


def loads(con: Connection) -> pd.DataFrame:
    """Every published-results load, newest first: load_id, source_name, row_count (figures), loaded_at,
    loaded_by, status ('loaded' or 'removed') and the root it filled. Loads name no local jurisdiction."""
    return query_df(con, "published/loads")


def remove_load(con: Connection, load_id: int, *, user: User) -> dict[str, Any]:
    """Remove one published load: its figures go (a figure it replaced comes back, as the newest load wins),
    the load stays listed as 'removed', external areas it created that no other figure names go too.

    Needs the ``upload`` permission (analysts and admins: whoever may load published results may take a wrong
    load back). Audited as ``published.remove``. Raises UnknownNameError for an unknown or already removed load.
    Returns the load's id, file name, root and the number of figures removed.
    """
    user.require("upload")
    found = fetch_one(con, "published/load_info", {"load_id": int(load_id)})
    if not found:
        raise UnknownNameError(f"There is no published-results load {load_id}.", key="published.error.no_load",
                               load=load_id)
    name, root, figures = found["source_name"], found["root"], int(found["figures"])
    if found["status"] != "loaded":
        raise UnknownNameError(f"Published-results load {load_id} ({name}) is already removed.",
                               key="published.error.removed_already", load=load_id, name=name)
    with store.transaction(con):
        execute(con, "published/remove", {"load_id": int(load_id)})
        store.audit(con, user.username, "published.remove", {"load_id": int(load_id), "source": name,
                                                             "root": root, "figures": figures})
        store.bump_data_version(con)
    return {"load_id": int(load_id), "source_name": name, "root": root, "figures": figures}


# --------------------------------------------------------------------------------------------
# Reading back


def roots(con: Connection) -> pd.DataFrame:
    """Every external area with published figures: root, code ('' = the root's whole area), name."""
    return query_df(con, "published/areas")


def published_table(con: Connection, sel: Selection, *, indicator: str | None = None,
                    measures: list[str] | None = None, areas: list[tuple[str, str]] | None = None,
                    group: str | None = None) -> pd.DataFrame:
    """Published figures for ``sel``'s period kind and period range, newest load winning for a figure loaded
    twice, with intervals (:func:`with_intervals`) and display text.

    ``indicator`` keeps figures mapped to that Jingmin indicator; ``measures`` keeps those measures;
    ``areas`` keeps those (root, code) pairs; ``group`` keeps one demographic group ('' = everyone).
    Published figures are public, so every user may read them (no scope applies: they name no local
    jurisdiction). Units: ``value``, ``ci_low``, ``ci_high`` are proportions 0-1 or mean scores.
    """
    frame = query_df(con, "published/results", {
        "period_kind": None if sel.period_kind == "all" else sel.period_kind,
        "date_from": sel.date_from, "date_to": sel.date_to, "indicator": indicator,
        "measures": measures, "group": group,
        "roots": [a[0] for a in areas] if areas else None, "codes": [a[1] for a in areas] if areas else None,
    })
    return with_intervals(frame)


def with_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``ci_low``, ``ci_high``, ``interval`` ('published' bounds, 'se', 'wilson' or 'none'), ``flag`` and
    ``shown`` (the value as displayed, e.g. '63%' or '7.2 / 10', or 'not published').

    The flag is 'not_published' for a figure the source withheld, 'no_base' without a base n (shown as
    published, "published figure, no interval"), else the survey flags by n ('caution' under 50, 'small' under
    30 -- a published figure is never suppressed, since it is already public). Wilson needs a proportion and n;
    a mean score with a base but no SE gets no interval (its spread is unknown).
    """
    out = frame.copy()
    value = out["value"].to_numpy(dtype=float)
    n = out["n"].to_numpy(dtype=float)
    se = out["se"].to_numpy(dtype=float)
    low_pub, high_pub = out["lower"].to_numpy(dtype=float), out["upper"].to_numpy(dtype=float)
    proportion = out["value_kind"].eq("proportion").to_numpy()
    w_low, w_high = wilson_interval(value * n, n)
    se_low, se_high = value - Z95 * se, value + Z95 * se
    se_low = np.where(proportion, np.clip(se_low, 0.0, 1.0), se_low)
    se_high = np.where(proportion, np.clip(se_high, 0.0, 1.0), se_high)
    has_bounds = ~np.isnan(low_pub) & ~np.isnan(high_pub)
    has_se = ~np.isnan(se)
    has_wilson = proportion & ~np.isnan(n) & (n > 0)
    missing = np.isnan(value)
    kind = np.select([missing, has_bounds, has_se, has_wilson], ["none", "published", "se", "wilson"], "none")
    out["interval"] = kind
    out["ci_low"] = np.select([kind == "published", kind == "se", kind == "wilson"], [low_pub, se_low, w_low], np.nan)
    out["ci_high"] = np.select([kind == "published", kind == "se", kind == "wilson"], [high_pub, se_high, w_high],
                               np.nan)
    by_n = small_base_flag(n)
    out["flag"] = np.select([missing, np.isnan(n), by_n == "suppressed", by_n == "caution"],
                            ["not_published", "no_base", "small", "caution"], "ok")
    out["shown"] = [shown_text(r) for r in out[["value", "value_kind", "digits", "scale_max"]].to_dict("records")]
    return out


def shown_text(row: dict[str, Any]) -> str:
    """A published value as displayed, to the source's precision: 0.63 -> '63%', 0.635 -> '63.5%', 7.2 on 0-10
    -> '7.2'; '' for a figure the source did not publish (pages say "not published" in the user's language)."""
    value = row["value"]
    if value is None or pd.isna(value):
        return ""
    digits = int(row["digits"])
    if row["value_kind"] == "proportion":
        return f"{100 * value:.{min(digits, MAX_PERCENT_DIGITS)}f}%"
    return f"{value:.{min(digits, MAX_MEAN_DIGITS)}f}"


def results_by(con: Connection, sel: Selection, by: list[str]) -> pd.DataFrame:
    """The published figures as a tidy table for the CLI and exports, sorted by the ``by`` keys (from
    'jurisdiction', 'period', 'measure', 'group'); every row keeps its source and is labelled 'published'."""
    allowed = {"jurisdiction": ["root", "jurisdiction"], "period": ["period_end", "period"], "measure": ["measure"],
               "group": ["grp"]}
    unknown = [b for b in by if b not in allowed]
    if unknown or not by:
        raise UnknownNameError(f"--by {','.join(by)}: use jurisdiction, period, measure or group, comma-separated.")
    table = published_table(con, sel)
    order = [c for b in by for c in allowed[b]] + [c for c in ("root", "jurisdiction", "period_end", "measure", "grp")
                                                   if c not in {x for b in by for x in allowed[b]}]
    table = table.sort_values(order, kind="stable")
    columns = ["root", "jurisdiction", "jurisdiction_name", "period", "period_kind", "measure", "measure_label",
               "indicator", "grp", "value_text", "value", "shown", "value_kind", "scale_min", "scale_max", "n", "se",
               "ci_low", "ci_high", "interval", "flag", "source", "note"]
    return table[columns].rename(columns={"grp": "group"}).assign(kind="published").reset_index(drop=True)


def comparison_text(published_row: dict[str, Any], own_text: str, own_name: str, lang: str) -> str:
    """'London 63%, our city 58% (published: MPS PAS)' in ``lang``: a published figure beside our own, its
    source named and labelled as published (no significance test: a published figure may have no base)."""
    from analytics.i18n import t

    shown = published_row["shown"] or t("published.not_published", lang)
    return t("published.forum_line", lang, area=published_row["jurisdiction_name"], value=shown, own_name=own_name,
             own=own_text, source=published_row["source"])
