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
from analytics.db import Connection, execute, execute_many, fetch_all, fetch_one, query_df, run
from analytics.ingest import problems
from analytics.ingest.plan import Plan
from analytics.ingest.reading import ENCODING_LABELS, Layout, SourceFile, mixed_encoding_lines
from analytics.ingest.sqlrun import field_sql, ident

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
    execute(con, "ingest/problem_mixed_encoding",
            {"rows": found.utf8_lines, "params": json.dumps(params, ensure_ascii=False)})
    problems.raise_if_problems(con, src.name, dry_run=dry_run)


def _check_already_loaded(con: Connection, src: SourceFile) -> None:
    rows = fetch_all(con, "ingest/already_loaded", {"sha256": src.sha256})
    if rows:
        batch_id, name, loaded_at = rows[0]
        problems.add(con, "already_loaded", "already_loaded", {"batch": batch_id, "name": name, "at": loaded_at})


# Checks per field type: named templates (analytics/sql/ingest/check_field_*.sql) in which @F stands for the field.
_BLANK_CHECK = "ingest/check_field_blank"
_DATE_CHECK = "ingest/check_field_date"
_NUMBER_CHECK = "ingest/check_field_number"
_DECIMAL_CHECK = "ingest/check_field_decimal"
_COUNT_CHECK = "ingest/check_field_count"
_CHOICE_CHECK = "ingest/check_field_choice"
_PII_CHECK = "ingest/check_field_pii"


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
            run(con, field_sql(template, name), params, what=f"the check {template!r} of field {name!r}")
    execute(con, "ingest/problems_distinct")


def _item_defs(con: Connection, plan: Plan, items: dict[str, definitions.Item]) -> None:
    execute(con, "ingest/item_defs_create")
    rows = []
    for name in sorted({i for i, _c, _h in plan.items}):
        item = items[name]
        scale = definitions.SCALES.get(item.scale)
        rows.append((name, list(item.codes), list(item.dk_codes), item.dk_codes[0] if item.dk_codes else None,
                     item.scale == definitions.OPEN_SCALE, scale.low if scale else None,
                     scale.high if scale else None))
    execute_many(con, "ingest/item_defs_insert", rows)


# Answer columns coded per statement into ``ingest_answers``: each column is a join to its few distinct values,
# and a statement of many chained joins carries every earlier join's columns through the later ones (1,000 columns
# in chunks of 64 took twice as long as one long join; in chunks of 16, less than it). DuckDB also refuses an
# expression deeper than 1,000 levels, which a 1,000-column statement would be.
ANSWER_COLUMNS_PER_STATEMENT = 16


def _answer_cells(con: Connection, plan: Plan) -> None:
    """``ingest_answers``: each answer cell of the file as the number of its value (``vid``), one column per item
    column; and ``ingest_answer_cells``, the same cells one per row (``_row, vid``) as a view.

    Stored wide, a file of 3M respondents and 15 items keeps 3M rows of 16 small integers instead of 45M
    (row, value) pairs: about a third of the memory, and written three times faster (one join per column to its
    few dozen values, against one join of every cell to every value). A file with more than
    ``ANSWER_COLUMNS_PER_STATEMENT`` item columns gets one row per file row and chunk of columns, the unused
    columns of the last chunk NULL; every cell has a value number (a blank cell's value is the empty text), so the
    view's NULL filter drops only that padding.
    """
    cols = sorted({index for _item, index, _header in plan.items})
    width = max(1, min(ANSWER_COLUMNS_PER_STATEMENT, len(cols)))
    slots = [ident(f"v{j}") for j in range(width)]
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_answers (_row BIGINT, "
        + ", ".join(f"{slot} INTEGER" for slot in slots) + ")")
    for start in range(0, len(cols), width):
        chunk = cols[start:start + width]
        joins, params = [], {}
        for j, index in enumerate(chunk):
            col = ident(f"c{index}")
            params[f"col{j}"] = col
            joins.append(f"LEFT JOIN (SELECT raw, vid FROM ingest_answer_values WHERE col = $col{j}) j{j} "
                         f"ON j{j}.raw IS NOT DISTINCT FROM r.{col}")
        picked = [f"j{j}.vid" for j in range(len(chunk))] + ["NULL"] * (width - len(chunk))
        run(con, "INSERT INTO ingest_answers SELECT r._row, " + ", ".join(picked) + " FROM ingest_raw r "
            + " ".join(joins), params)
    run(con, "CREATE OR REPLACE TEMP VIEW ingest_answer_cells AS SELECT _row, vid FROM (SELECT _row, unnest(["
        + ", ".join(slots) + "]) AS vid FROM ingest_answers) WHERE vid IS NOT NULL")


def _survey_checks(con: Connection, plan: Plan, items: dict[str, definitions.Item],
                   spec: dict[str, Any], summary: dict[str, Any]) -> str | None:
    """Answers, repeats and the survey mode; returns the batch's survey mode."""
    _item_defs(con, plan, items)
    if "weight" in plan.fields:  # one weight for the whole file has no spread
        execute(con, "ingest/weight_check", {"header": plan.header("weight"),
                                                "max_ratio": float(store.get_setting(con, "weight_max_ratio"))})
    execute(con, "ingest/survey_answer_values")
    _answer_cells(con, plan)
    execute(con, "ingest/survey_answer_problems", {"age_item": F.AGE_YEARS_ITEM, "age_min": F.AGE_YEARS_RANGE[0],
                                                   "age_max": F.AGE_YEARS_RANGE[1]})
    # The file's text is no longer read from here on (checks and load use the typed rows and coded answers):
    # freeing it before the largest aggregations keeps a 190 MB upload's peak below 1.5 GB (issue 21).
    execute(con, "ingest/drop_staging")
    execute(con, "ingest/survey_duplicates")
    # A wave may mix modes (mail, web and phone): each respondent keeps its own mode, and the batch records
    # the mix; a change of the mix between periods is what marks a trend break (analytics.trends).
    mode_counts = {str(m): int(n) for m, n in fetch_all(con, "ingest/survey_modes")}
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
    if stats["community_rows"]:
        warnings.append(problems.note("community_rows", n=stats["community_rows"]))
    if stats["repeat_in_file"] or stats["repeat_loaded"]:
        warnings.append(problems.note("repeat_person", in_file=stats["repeat_in_file"],
                                      loaded=stats["repeat_loaded"]))
    if survey_mode is None:
        warnings.append(problems.note("no_survey_mode"))
    elif len(modes) > 1:
        warnings.append(problems.note("mixed_mode_wave", modes=", ".join(f"{m} ({n})" for m, n in mode_counts.items())))
    # Waves: per row or one for the file; rows without a label are in no wave (still in every month figure).
    wave_rows = fetch_all(con, "ingest/survey_waves")
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
        before = int(fetch_one(con, "ingest/typed_count")["n"])
        execute(con, "ingest/cases_keep_last")
        dropped = before - int(fetch_one(con, "ingest/typed_count")["n"])
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
    for name, label, n in fetch_all(con, "ingest/unmapped_labels"):
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
    if not fetch_one(con, "ingest/answer_values_exist")["n"]:
        return None
    frame = query_df(con, "value_maps/answer_value_counts", {"max_values": ANSWER_VALUES_PER_COLUMN})
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
