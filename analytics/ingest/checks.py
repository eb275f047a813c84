"""The upload's checks: every problem of a file, collected in ``ingest_problems`` before any decision.

File checks (too many columns, mixed encodings, a file already loaded), the generic per-field checks run in SQL
on ``ingest_fields`` against ``ingest_typed`` (blank, bad date, bad number, invalid value, personal data in a
text field), and the per-kind checks and summaries (survey answers, repeats and modes; cases; internal
evaluation). :func:`check_row_accounting` makes sure no data row of a file goes missing. Orchestrated by
:mod:`analytics.ingest.pipeline`, which rejects the file when any problem was recorded.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from analytics import definitions, store
from analytics import vocabulary as F
from analytics.db import Connection, execute, fetch_one, run
from analytics.ingest import problems
from analytics.ingest.plan import Plan
from analytics.ingest.reading import ENCODING_LABELS, Layout, SourceFile, mixed_encoding_lines
from analytics.ingest.sqlrun import ident
from analytics.sqlfiles import load_sql

MIN_DATE = dt.date(1990, 1, 1)


class RowAccountingError(RuntimeError):
    """Internal invariant broken: the rows of a file do not add up (rows in file != loaded + rejected...).

    A bug, never a user error: it is not a JingminError, so no page or CLI handler hides it.
    """


def _check_width(con: Connection, src: SourceFile, layout: Layout) -> None:
    """Refuse a file wider than the ``upload_max_columns`` setting, judged on its header before it is read.

    Reading, scanning and checking a file costs memory and time in proportion to its columns as well as its
    rows; the upload size limit alone lets through a 200 MB file of 100,000 columns.
    """
    limit = int(store.get_setting(con, "upload_max_columns"))
    if layout.ncols > limit:
        raise problems.file_error(src.name, "too_many_columns", "too_many_columns",
                                  {"n": layout.ncols, "limit": limit})


def _check_mixed_encoding(con: Connection, src: SourceFile, layout: Layout, dry_run: bool) -> None:
    """Reject a GB18030 (GBK) file with lines written in UTF-8, naming each such line, before it is transcoded.

    Read as GB18030, UTF-8 Chinese turns into other Chinese characters (often without any decoding error), so
    the file would load as nonsense; every later check would only be checking that nonsense, so the report stops
    here.
    """
    found = mixed_encoding_lines(src.path)
    if not found.utf8_lines or not found.gb_lines:
        return
    params = {"n": found.gb_lines, "first": found.first_gb_line,
              "encoding": ENCODING_LABELS.get(layout.encoding or "", layout.encoding)}
    run(con, "INSERT INTO ingest_problems SELECT unnest($rows), NULL, NULL, 'mixed_encoding', 'mixed_encoding', "
             "$params", {"rows": found.utf8_lines, "params": json.dumps(params, ensure_ascii=False)})
    problems.raise_if_problems(con, src.name, dry_run=dry_run)


def _check_already_loaded(con: Connection, src: SourceFile) -> None:
    rows = con.execute("SELECT batch_id, source_name, strftime(loaded_at, '%Y-%m-%d %H:%M') FROM batches "
                       "WHERE sha256 = $h AND status = 'loaded' ORDER BY batch_id", {"h": src.sha256}).fetchall()
    if rows:
        batch_id, name, loaded_at = rows[0]
        problems.add(con, "already_loaded", "already_loaded", {"batch": batch_id, "name": name, "at": loaded_at})


# Checks per field type; @F is replaced by the (allow-listed) field name, values are bound.
_BLANK_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), NULL, 'missing_value', 'blank', json_object('field', '@F')
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NULL
   OR (t.@F IS NULL AND EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(f.@F)
                                                          AND v.code IS NULL))
"""
_DATE_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F,
       CASE WHEN jm_dt_shape(jm_dt_norm(f.@F)) IS NULL THEN 'bad_date'
            WHEN t.@F IS NULL THEN 'impossible_date' ELSE 'date_out_of_range' END,
       CASE WHEN jm_dt_shape(jm_dt_norm(f.@F)) IS NULL THEN 'bad_date'
            WHEN t.@F IS NULL THEN 'impossible_date' ELSE 'date_out_of_range' END,
       json_object('value', f.@F, 'min', $min_date, 'max', $max_date)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL
  AND (t.@F IS NULL OR CAST(t.@F AS DATE) < $min_date OR CAST(t.@F AS DATE) > $max_date)
"""
_NUMBER_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'bad_number',
       CASE WHEN t.@F IS NOT NULL AND NOT isfinite(t.@F) THEN 'not_finite' ELSE 'not_positive' END,
       json_object('value', f.@F)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL AND (t.@F IS NULL OR NOT isfinite(t.@F) OR t.@F <= 0)
"""
_DECIMAL_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'bad_number', 'not_finite', json_object('value', f.@F)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL AND (t.@F IS NULL OR NOT isfinite(t.@F))
"""
_COUNT_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'bad_number', 'not_count', json_object('value', f.@F)
FROM ingest_fields f JOIN ingest_typed t USING (_row)
WHERE nullif(trim(f.@F), '') IS NOT NULL AND (t.@F IS NULL OR t.@F < 0)
"""
_CHOICE_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), f.@F, 'invalid_value', 'invalid_value',
       json_object('value', trim(f.@F), 'field', '@F', 'valid', $valid)
FROM ingest_fields f
WHERE nullif(trim(f.@F), '') IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ingest_vmap v WHERE v.target = '@F' AND v.key = jm_norm(f.@F)
                  AND (v.code IS NULL OR list_contains($choices, v.code)))
"""
_PII_CHECK = """
INSERT INTO ingest_problems
SELECT jm_row('@F', f._row), jm_h('@F'), jm_mask(f.@F), 'personal_data', 'pii_value', json_object()
FROM ingest_fields f
WHERE jm_is_phone(f.@F) OR jm_is_id(f.@F)
"""


def _generic_checks(con: Connection, kind: str, plan: Plan) -> None:
    today = dt.date.today()
    for name, spec in F.FIELDS[kind].items():
        if not plan.given(name):
            continue
        params: dict[str, Any] = {"min_date": MIN_DATE, "max_date": today + dt.timedelta(days=1)}
        checks = []
        if spec.required or spec.type == "number":
            checks.append(_BLANK_CHECK)
        if spec.type in ("date", "timestamp"):
            checks.append(_DATE_CHECK)
        elif spec.type == "number":
            checks.append(_NUMBER_CHECK)
        elif spec.type == "count":
            checks.append(_COUNT_CHECK)
        elif spec.type == "decimal":
            checks.append(_DECIMAL_CHECK)
        elif spec.type in ("enum", "bool"):
            choices = list(spec.choices) if spec.type == "enum" else ["true", "false"]
            params.update(choices=choices, valid=", ".join(choices) if spec.type == "enum" else "yes, no (是, 否)")
            checks.append(_CHOICE_CHECK)
        if spec.type in ("text", "number") and kind != "jurisdictions" and name not in F.FREE_TEXT.get(kind, ()):
            checks.append(_PII_CHECK)
        for template in checks:
            run(con, template.replace("@F", ident(name)), params)
    # A whole-file value wrong once is reported once.
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_problems AS SELECT DISTINCT * FROM ingest_problems")


def _item_defs(con: Connection, plan: Plan, items: dict[str, definitions.Item]) -> None:
    # scale_low/scale_high: the numeric scale's ends (NULL for open and categorical items), so that a number
    # outside them is reported as impossible rather than as a label waiting for a mapping.
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_item_defs (item VARCHAR, codes VARCHAR[], dk_codes VARCHAR[], "
             "dk_default VARCHAR, is_open BOOLEAN, scale_low INTEGER, scale_high INTEGER)")
    rows = []
    for name in sorted({i for i, _c, _h in plan.items}):
        item = items[name]
        scale = definitions.SCALES.get(item.scale)
        rows.append((name, list(item.codes), list(item.dk_codes), item.dk_codes[0] if item.dk_codes else None,
                     item.scale == definitions.OPEN_SCALE, scale.low if scale else None,
                     scale.high if scale else None))
    if rows:
        con.executemany("INSERT INTO ingest_item_defs VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _survey_checks(con: Connection, plan: Plan, items: dict[str, definitions.Item],
                   spec: dict[str, Any], summary: dict[str, Any]) -> str | None:
    """Answers, repeats and the survey mode; returns the batch's survey mode."""
    _item_defs(con, plan, items)
    if "weight" in plan.fields:  # one weight for the whole file has no spread
        execute(con, "ingest/weight_check", {"header": plan.header("weight"),
                                                "max_ratio": float(store.get_setting(con, "weight_max_ratio"))})
    execute(con, "ingest/survey_answers", {"age_item": F.AGE_YEARS_ITEM, "age_min": F.AGE_YEARS_RANGE[0],
                                              "age_max": F.AGE_YEARS_RANGE[1]})
    # A wave may mix modes (mail, web and phone): each respondent keeps its own mode, and the batch records
    # the mix; a change of the mix between periods is what marks a trend break (analytics.trends).
    mode_counts = {str(m): int(n) for m, n in run(
        con, "SELECT mode, count(*) FROM ingest_typed WHERE mode IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()}
    modes = list(mode_counts)
    survey_mode = "+".join(modes) if modes else spec["options"].get("survey_mode")
    stats = fetch_one(con, "ingest/survey_stats")
    summary.update(survey_mode=survey_mode, survey_modes=mode_counts,
                   respondents=stats["respondents"], answers=stats["answers"],
                   dont_know=stats["dont_know"], items=sorted({i for i, _c, _h in plan.items}),
                   interview_dates=[str(stats["first_date"]), str(stats["last_date"])])
    warnings = summary["warnings"]
    if stats["not_station_rows"]:
        warnings.append(problems.note("not_station_rows", n=stats["not_station_rows"]))
    if stats["repeat_in_file"] or stats["repeat_loaded"]:
        warnings.append(problems.note("repeat_person", in_file=stats["repeat_in_file"],
                                      loaded=stats["repeat_loaded"]))
    if survey_mode is None:
        warnings.append(problems.note("no_survey_mode"))
    elif len(modes) > 1:
        warnings.append(problems.note("mixed_mode_wave", modes=", ".join(f"{m} ({n})" for m, n in mode_counts.items())))
    # Waves: per row or one for the file; rows without a label are in no wave (still in every month figure).
    wave_rows = run(con, "SELECT nullif(trim(wave), '') AS w, count(*) FROM ingest_typed GROUP BY 1 ORDER BY 1"
                    ).fetchall()
    wave_counts = {str(w): int(n) for w, n in wave_rows if w is not None}
    if wave_counts:
        summary["waves"] = wave_counts
        blank = sum(int(n) for w, n in wave_rows if w is None)
        if blank:
            warnings.append(problems.note("wave_blank_rows", n=blank, waves=", ".join(wave_counts)))
    unknown_modes = [m for m in modes if m not in F.SURVEY_MODES]
    if unknown_modes:
        warnings.append(problems.note("unknown_mode_label", labels=", ".join(unknown_modes),
                                      known=", ".join(F.SURVEY_MODES)))
    return survey_mode


def _case_checks(con: Connection, spec: dict[str, Any], summary: dict[str, Any]) -> None:
    if spec["options"].get("duplicates", "reject") == "keep_last":
        before = int(con.execute("SELECT count(*) FROM ingest_typed").fetchall()[0][0])
        run(con, "CREATE OR REPLACE TEMP TABLE ingest_typed AS SELECT * FROM ingest_typed "
                 "QUALIFY case_id IS NULL OR row_number() OVER (PARTITION BY case_id ORDER BY _row DESC) = 1")
        dropped = before - int(con.execute("SELECT count(*) FROM ingest_typed").fetchall()[0][0])
        if dropped:
            summary["warnings"].append(problems.note("superseded_in_file", n=dropped))
        summary["superseded_in_file"] = dropped
    execute(con, "ingest/cases_check")
    stats = fetch_one(con, "ingest/cases_stats")
    summary.update(new_cases=stats["new_cases"], updated_cases=stats["updated_cases"],
                   reported=[str(stats["first_reported"]), str(stats["last_reported"])])
    # Labels no value map knows are kept (family 'other'), never rejected and never counted as solved or
    # unsolved: the summary lists them with their counts so a person can map them.
    unmapped: dict[str, dict[str, int]] = {}
    for name, label, n in run(con, load_sql("ingest/unmapped_labels")).fetchall():
        unmapped.setdefault(str(name), {})[str(label)] = int(n)
    summary["unmapped_labels"] = unmapped
    for name, labels in unmapped.items():
        listed = ", ".join(f"{label} ({n})" for label, n in list(labels.items())[:10])
        summary["warnings"].append(problems.note(f"unmapped_{name}", n=sum(labels.values()), labels=listed))


def _internal_checks(con: Connection, summary: dict[str, Any]) -> None:
    """Internal evaluation rows: a known measure, a month/quarter/year period, the numbers its kind needs within
    range (numerator <= denominator, a score within the measure's scale) and no row given twice."""
    execute(con, "ingest_internal/check")
    stats = fetch_one(con, "ingest_internal/stats")
    summary.update(measures=stats["measures"], periods=stats["periods"], officers=stats["officers"])


ANSWER_VALUES_PER_COLUMN = 200  # distinct answers listed per column for the value-map table


def _answer_values(con: Connection) -> list[dict[str, Any]] | None:
    """The value-map table rows (``value_maps/answer_value_counts``), or None when the answers were not read."""
    exists = run(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ingest_answer_values' AND temporary"
                 ).fetchall()[0][0]
    if not exists:
        return None
    frame = run(con, load_sql("value_maps/answer_value_counts"), {"max_values": ANSWER_VALUES_PER_COLUMN}).df()
    return [{"column": r.column_name, "item": r.item, "value": r.value, "count": int(r.n),
             "code": None if pd.isna(r.code) else str(r.code), "unknown": bool(r.bad)}
            for r in frame.itertuples(index=False)]


def check_row_accounting(summary: dict[str, Any]) -> None:
    """Fail loudly unless every data row of the file is accounted for.

    rows in file = loaded + skipped (mapping option skip_blank) + superseded (cases, keep_last)
    + rejected. Blank rows are not data rows and are counted apart. Raises RowAccountingError.
    """
    parts = (summary["rows_loaded"], summary.get("rows_skipped") or 0, summary.get("superseded_in_file") or 0,
             summary.get("rows_rejected") or 0)
    if summary["rows_in_file"] != sum(parts):
        raise RowAccountingError(
            f"{summary['source_name']}: {summary['rows_in_file']} data rows in the file but loaded + skipped + "
            f"superseded + rejected = {' + '.join(str(p) for p in parts)}; no row may go missing.")
