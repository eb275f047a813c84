"""The upload's types: ``ingest_typed``, every field of ``ingest_fields`` parsed to its type.

Dates (day-first or month-first as stated or as the data prove, :func:`_decide_dayfirst`), numbers, value-mapped
codes and jurisdictions (matched to the registry by :func:`_resolve_jurisdictions`, with close names suggested
or new stations planned) are parsed once per distinct text (``ingest_lookup``); a cell that does not parse is
NULL, and the checks (:mod:`analytics.ingest.checks`) say why. Orchestrated by :mod:`analytics.ingest.pipeline`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from rapidfuzz import fuzz, process

from analytics import vocabulary as F
from analytics.db import Connection, execute, execute_many, fetch_all, run
from analytics.ingest import problems
from analytics.ingest.plan import Plan
from analytics.ingest.sqlrun import ident

MAX_NEW_JURISDICTIONS = 500
_NEW_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


def _date_fields(kind: str, plan: Plan) -> list[str]:
    return [n for n, f in F.FIELDS[kind].items() if f.type in ("date", "timestamp") and plan.given(n)]


def _decide_dayfirst(con: Connection, kind: str, plan: Plan, stated: bool | None) -> bool | None:
    """Day-first or month-first for dates like 05/03/2025: as stated, else as the data prove.

    None when the file has no such dates (nothing to decide).
    """
    names = _date_fields(kind, plan)
    if stated is not None or not names:
        return stated
    # Once per distinct date text without its time of day (a case file's timestamps are all distinct, their
    # dates are not): only whether any date has a first or second part above 12 matters.
    union = " UNION ".join("SELECT jm_dt_norm(raw) AS x FROM (SELECT DISTINCT split_part(split_part(trim("
                           + ident(n) + "), ' ', 1), 'T', 1) AS raw FROM ingest_fields)" for n in names)
    n_slash, first_big, second_big, example = run(con, """
        SELECT count(*), count(*) FILTER (WHERE CAST(split_part(x, '-', 1) AS INTEGER) > 12),
               count(*) FILTER (WHERE CAST(split_part(x, '-', 2) AS INTEGER) > 12), min(x)
        FROM (""" + union + ") WHERE jm_dt_shape(x) = 'dmy'").fetchall()[0]
    if n_slash == 0:
        return None
    if first_big and not second_big:
        return True
    if second_big and not first_big:
        return False
    problems.add(con, "ambiguous_dates", "ambiguous_dates", {"example": example.replace("-", "/")})
    return True


def _resolve_jurisdictions(con: Connection, spec: dict[str, Any], create: bool) -> str | None:
    """Match jurisdiction values to the registry; suggest close names or plan new stations.

    Returns the code new stations go under when some are to be created.
    """
    within = spec["options"].get("within")
    if within is not None and not fetch_all(con, "ingest/jurisdiction_exists", {"code": within}):
        problems.add(con, "unknown_jurisdiction", "unknown_within", {"within": within})
    execute(con, "ingest/jurisdiction_values", {"within": within})
    unknown = [r[0] for r in fetch_all(con, "ingest/jvals_unknown")]
    if not unknown:
        return None
    registry = fetch_all(con, "ingest/registry_names")
    if create:
        parent = spec["options"].get("create_parent") or within or _root_code(con)
        if parent is None or parent not in {r[0] for r in registry}:
            problems.add(con, "unknown_jurisdiction", "no_root_for_new")
            return None
        if len(unknown) > MAX_NEW_JURISDICTIONS:
            problems.add(con, "unknown_jurisdiction", "too_many_new", {"n": len(unknown)})
            return None
        taken = {r[0] for r in registry}
        rows = []
        for raw in unknown:
            code = raw if _NEW_CODE.match(raw) and raw not in taken else "X" + hashlib.sha1(
                raw.encode("utf-8")).hexdigest()[:8].upper()
            taken.add(code)
            rows.append((code, raw))
        execute_many(con, "ingest/jvals_set_new", rows)
        return parent
    labels = [f"{name_zh} / {name_en} ({code})" for code, name_zh, name_en in registry]
    keys = [" ".join((code, name_zh, name_en)) for code, name_zh, name_en in registry]
    rows = []
    for raw in unknown[:200]:
        best = process.extract(raw, keys, scorer=fuzz.WRatio, limit=3, score_cutoff=50)
        if best:
            rows.append(("; ".join(labels[m[2]] for m in best), raw))
    execute_many(con, "ingest/jvals_set_suggestion", rows)
    return None


def _root_code(con: Connection) -> str | None:
    rows = fetch_all(con, "ingest/root_codes")
    return rows[0][0] if len(rows) == 1 else None


def _new_jurisdictions(con: Connection) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in fetch_all(con, "ingest/jvals_new")]


# How a text cell becomes its typed value. Dates, codes and jurisdictions go through regular expressions,
# so they are parsed once per distinct text (ingest_lookup: a file of a million rows has a few thousand
# distinct dates and a few hundred station names) and joined back; plain casts run per cell.
_PER_CELL = {
    "text": "nullif(trim(f.@F), '')",
    "decimal": "TRY_CAST(replace(jm_fold(trim(f.@F)), ',', '') AS DOUBLE)",
    "number": "TRY_CAST(replace(jm_fold(trim(f.@F)), ',', '') AS DOUBLE)",
    "count": "TRY_CAST(replace(jm_fold(trim(f.@F)), ',', '') AS BIGINT)",
}
# Text already in ISO form (as most systems export timestamps) is what jm_dt_norm would leave unchanged and
# jm_dt_parse would read with these formats: one regular expression instead of a dozen.
_DATE_TEXT = ("CASE WHEN regexp_full_match(d.cell_text, '\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2}(:\\d{2})?)?') "
              "THEN try_strptime(d.cell_text, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d']) "
              "ELSE jm_dt_parse(jm_dt_norm(d.cell_text), $dayfirst) END, NULL")
_PER_VALUE = {  # (timestamp, code) of one distinct text ``d.cell_text``
    "date": _DATE_TEXT,
    "timestamp": _DATE_TEXT,
    "enum": "NULL, (SELECT v.code FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text))",
    "bool": "NULL, (SELECT v.code FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text))",
    "jurisdiction": "NULL, (SELECT j.code FROM ingest_jvals j WHERE j.norm = jm_norm(d.cell_text))",
    # Open fields: a mapped text takes its code (a map to null blanks it); any other text is kept as its
    # folded self (label) or becomes the family 'other' (family; the text is kept in <field>_label).
    "label": "NULL, CASE WHEN nullif(trim(d.cell_text), '') IS NULL THEN NULL "
             "WHEN EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text)) "
             "THEN (SELECT v.code FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text)) "
             "ELSE jm_norm(d.cell_text) END",
    "family": "NULL, CASE WHEN nullif(trim(d.cell_text), '') IS NULL THEN NULL "
              "WHEN EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text)) "
              "THEN (SELECT v.code FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(d.cell_text)) "
              "ELSE '" + F.UNMAPPED + "' END",
}
_FROM_LOOKUP = {
    "date": "CAST(@L.ts AS DATE)",
    "timestamp": "@L.ts",
    "enum": "@L.code",
    "label": "@L.code",
    "family": "@L.code",
    "bool": "TRY_CAST(@L.code AS BOOLEAN)",
    "jurisdiction": "@L.code",
}


# The SQL type of each field type's parsed value: a field the file does not give is a NULL of this type in the
# view ingest_typed, so that every statement reading it sees the same columns whatever the file gives.
_SQL_TYPE = {"text": "VARCHAR", "decimal": "DOUBLE", "number": "DOUBLE", "count": "BIGINT", "date": "DATE",
             "timestamp": "TIMESTAMP", "enum": "VARCHAR", "label": "VARCHAR", "family": "VARCHAR", "bool": "BOOLEAN",
             "jurisdiction": "VARCHAR"}


def _typed(con: Connection, kind: str, plan: Plan, dayfirst: bool | None) -> None:
    """``ingest_typed``: every field parsed to its type (NULL where it does not parse; checks say why).

    A view, in the fields' canonical order, over what the file gives: ``ingest_typed_rows`` holds ``_row`` and
    the fields mapped to a column (one row per file row), ``ingest_typed_constants`` (one row) the whole-file
    values, and a field given neither way is a typed NULL. DuckDB keeps TEMP tables uncompressed in memory, so
    storing the absent and constant fields for every row cost ~300 MB of a 4M-row upload (issue 21's 1.5 GB).
    The person hash (``F.PERSON_HASH``) is stored as its bytes: the view gives it as hex (``person_hash``, as
    loaded) and as bytes (``person_hash_bytes``, as counted).
    """
    execute(con, "ingest/lookup_create")
    fields = F.FIELDS[kind]
    person = F.PERSON_HASH.get(kind)
    names = [*fields, *([person] if person else [])]
    # Where each field comes from: "r" (a column: ingest_typed_rows), "k" (a whole-file value:
    # ingest_typed_constants) or None (not given).
    source = {n: "r" if n in plan.fields else "k" if n in plan.constants else None for n in names}
    parsed: dict[str, list[str]] = {"r": ["f._row"], "k": ["1 AS one"]}
    joins: dict[str, list[str]] = {"r": [], "k": []}
    view = ["r._row"]
    for number, name in enumerate(names):
        column = ident(name)
        kind_of = "text" if name == person else fields[name].type
        outputs = [(column, kind_of)] + ([(ident(name + "_label"), "text")] if kind_of == "family" else [])
        where = source[name]
        if name == person:
            # Stored as its 32 bytes (48 a row with DuckDB's string header, against 80 as hex: ~130 MB of a
            # 4M-row upload), shown as the hex it was made as (lower case: HASH_SQL's sha256; ~0.1 s a million
            # rows) and as the bytes, which the survey summary counts persons on (ingest/survey_stats).
            data = ident(name + "_bytes")
            if where is None:
                view += [f"CAST(NULL AS VARCHAR) AS {column}", f"CAST(NULL AS BLOB) AS {data}"]
                continue
            parsed[where].append("unhex(f." + column + ") AS " + data)
            view += [f"lower(hex({where}.{data})) AS {column}", f"{where}.{data}"]
            continue
        for out, out_type in outputs:
            view.append(f"{where}.{out}" if where else f"CAST(NULL AS {_SQL_TYPE[out_type]}) AS {out}")
        if where is None:
            continue
        exprs = parsed[where]
        if kind_of in _PER_CELL:
            exprs.append(_PER_CELL[kind_of].replace("@F", column) + " AS " + column)
            continue
        # A whole-file value is parsed from the one-row ingest_constants, not from every row of ingest_fields.
        texts = "ingest_fields" if where == "r" else "ingest_constants"
        run(con, "INSERT INTO ingest_lookup SELECT '" + column + "', d.cell_text, "
            + _PER_VALUE[kind_of].replace("@F", column) + " FROM (SELECT DISTINCT " + column
            + " AS cell_text FROM " + texts + " WHERE " + column + " IS NOT NULL) d",
            {"dayfirst": dayfirst} if kind_of in ("date", "timestamp") else None)
        alias = ident(f"l{number}")
        joins[where].append(" LEFT JOIN ingest_lookup " + alias + " ON " + alias + ".field = '" + column + "' AND "
                            + alias + ".raw = f." + column)
        exprs.append(_FROM_LOOKUP[kind_of].replace("@L", alias) + " AS " + column)
        if kind_of == "family":
            exprs.append("nullif(trim(regexp_replace(jm_fold(f." + column + "), '\\s+', ' ', 'g')), '') AS "
                         + ident(name + "_label"))
    execute(con, "ingest/typed_drop")
    for what, exprs, source in (("TABLE ingest_typed_rows", parsed["r"], "ingest_fields f" + "".join(joins["r"])),
                                ("TABLE ingest_typed_constants", parsed["k"],
                                 "ingest_constants f" + "".join(joins["k"])),
                                ("VIEW ingest_typed", view, "ingest_typed_rows r CROSS JOIN ingest_typed_constants k")):
        run(con, "CREATE TEMP " + what + " AS SELECT " + ", ".join(exprs) + " FROM " + source)
