"""The upload's plan: where each canonical field and item of a file comes from.

:func:`_plan` turns the columns' targets (:func:`analytics.ingest.mapping.assign_columns`) into a
:class:`Plan` and records every mapping problem (unknown targets, two columns for one field, personal
columns); :func:`_unmapped_items`, :func:`_unused_mapping_keys` and :func:`_unused_recodes` report mapping keys
and question columns that would otherwise be silently left out. Once ``ingest_raw`` holds the rows
(:mod:`analytics.ingest.raw`), the plan is applied in SQL: ``ingest_fields`` (one text column per field),
``ingest_answer_texts`` (the distinct texts of the survey answer columns), ``ingest_colmap`` and ``ingest_vmap``
(headers and value maps the checks name). Orchestrated by :mod:`analytics.ingest.pipeline`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analytics import definitions
from analytics import vocabulary as F
from analytics.db import Connection, execute, execute_many, fetch_all, run
from analytics.errors import ConfigError
from analytics.ingest import problems
from analytics.ingest.mapping import CONSTANT_LABEL, ColumnGuess
from analytics.ingest.reading import Layout
from analytics.ingest.sqlrun import field_sql, ident


@dataclass
class Plan:
    """Where each canonical field and item comes from, and what happens to personal columns."""

    kind: str
    columns: list[ColumnGuess]
    fields: dict[str, int] = field(default_factory=dict)        # field -> column index
    constants: dict[str, str] = field(default_factory=dict)     # field -> value for the whole file
    items: list[tuple[str, int, str]] = field(default_factory=list)  # (item, column index, header)
    hashed: set[int] = field(default_factory=set)
    keep: set[int] = field(default_factory=set)
    pii_report: list[dict[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def given(self, name: str) -> bool:
        """Whether the file gives this field (a column or a whole-file value)."""
        return name in self.fields or name in self.constants

    def header(self, name: str) -> str:
        """The label problems about this field carry: the column header or the constant marker."""
        if name in self.fields:
            return self.columns[self.fields[name]].header
        return CONSTANT_LABEL


def _plan(con: Connection, kind: str, columns: list[ColumnGuess], constants: dict[str, str],
          items: dict[str, definitions.Item]) -> Plan:
    """Turn column targets into a plan, recording mapping problems (unknown targets, clashes, PII)."""
    plan = Plan(kind, columns, constants=dict(constants))
    fields = F.FIELDS[kind]
    hash_target = F.PERSON_HASH.get(kind)
    item_names = set(items) if kind == "survey" else set()
    for col in columns:
        for target in col.targets:
            if target == F.IGNORE:
                continue
            if col.pii and target != hash_target:
                hashable = bool(hash_target) and col.pii != "name"
                problems.add(con, "personal_data", "pii_column_hashable" if hashable else "pii_column",
                             {"kind": {"t": f"upload.pii.{col.pii}"}, "target": hash_target}, column=col.header)
            elif target == hash_target:
                if hash_target in plan.fields:
                    problems.add(con, "mapping", "two_hash_columns", {"target": hash_target}, column=col.header)
                plan.fields[hash_target] = col.index
                plan.hashed.add(col.index)
            elif target in fields:
                if target in plan.fields:
                    problems.add(con, "mapping", "field_taken",
                                 {"field": target, "other": columns[plan.fields[target]].header}, column=col.header)
                elif target in constants:
                    problems.add(con, "mapping", "field_mapped_and_set", {"field": target}, column=col.header)
                else:
                    plan.fields[target] = col.index
            elif target in item_names:
                # Two columns answering one item would give a respondent two answers to one question.
                other = next((h for i, _c, h in plan.items if i == target), None)
                if other is not None:
                    problems.add(con, "mapping", "field_taken", {"field": target, "other": other}, column=col.header)
                else:
                    plan.items.append((target, col.index, col.header))
            else:
                known = ", ".join(F.targets_for(kind))
                problems.add(con, "mapping", "not_a_field_survey" if kind == "survey" else "not_a_field",
                             {"target": target, "kind": kind, "known": known}, column=col.header)
        if col.target == F.IGNORE:
            plan.ignored.append(col.header)
        if col.pii:
            action = f"hashed into {hash_target}" if col.index in plan.hashed else "dropped"
            plan.pii_report.append({"column": col.header, "kind": col.pii, "action": action})
    plan.keep = {i for i in plan.fields.values()} | {i for _item, i, _h in plan.items}
    for name, spec in fields.items():
        if spec.required and not plan.given(name):
            problems.add(con, "missing_field", "missing_field", {"field": name})
    if kind == "survey" and not plan.items:
        problems.add(con, "no_items", "no_items")
    return plan


def _effective_spec(kind: str, spec: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """The mapping as actually applied (guesses included): what is saved for the next file."""
    out: dict[str, Any] = {
        "kind": kind,
        "columns": {c.header: (c.targets if len(c.targets) > 1 else c.target) for c in plan.columns},
    }
    for key in ("value_maps", "items", "indicators", "options"):
        if spec.get(key):
            out[key] = spec[key]
    if plan.constants:
        out["constants"] = dict(plan.constants)
    return out


def _unmapped_items(con: Connection, columns: list[ColumnGuess], spec: dict[str, Any],
                    warnings: list[Any]) -> None:
    """An unmapped column that looks like an indicator's question stops the load until acknowledged.

    Leaving it out silently would drop an indicator for the whole wave; the analyst either maps it or
    lists its header in the option ``acknowledged`` (the Upload page's check box, ``--acknowledge``),
    and an acknowledged column is still named in the load summary.
    """
    acknowledged = set(spec["options"].get("acknowledged") or [])
    flagged = {col.header for col in columns if col.looks_like and col.target == F.IGNORE}
    for header in sorted(acknowledged - flagged):
        problems.add(con, "mapping", "acknowledged_not_unmapped", {"header": header})
    quiet = []
    for col in columns:
        if not col.looks_like or col.target != F.IGNORE:
            continue
        if col.header in acknowledged:
            quiet.append(col.header)
        else:
            problems.add(con, "unmapped_item_column", "unmapped_item_column", {"item": col.looks_like},
                         column=col.header)
    if quiet:
        warnings.append(problems.note("unmapped_item_acknowledged", columns=", ".join(quiet)))


# Field types whose text goes through a value map (jurisdiction values through the recoding).
_VALUE_MAPPED_TYPES = ("enum", "bool", "jurisdiction", "family")  # family: label -> family code (vocabulary.py)


def _unused_mapping_keys(con: Connection, kind: str, spec: dict[str, Any], layout: Layout,
                         plan: Plan) -> None:
    """A mapping key that would not be applied is a problem, never ignored.

    Columns the mapping names must be in the file, and every value map must belong to a field or item
    this file gives that takes a value map (a map for ``weight`` or for an unmapped item would do nothing).
    """
    headers = {F.norm_header(h) for h in layout.headers}
    for header in spec["columns"]:
        if F.norm_header(header) not in headers:
            problems.add(con, "mapping", "mapping_column_missing",
                         {"header": header, "headers": ", ".join(layout.headers)})
    fields = F.FIELDS[kind]
    given_items = {item for item, _c, _h in plan.items}
    for target in spec["value_maps"]:
        if target in fields and fields[target].type not in _VALUE_MAPPED_TYPES:
            problems.add(con, "mapping", "value_map_unused_type", {"target": target, "type": fields[target].type})
        elif not (plan.given(target) if target in fields else target in given_items):
            problems.add(con, "mapping", "value_map_unused", {"target": target})


def _unused_recodes(con: Connection, spec: dict[str, Any]) -> None:
    """A jurisdiction recode whose value the file does not hold is a problem (a typo would else pass)."""
    recodes = spec["value_maps"].get("jurisdiction") or {}
    if not recodes:
        return
    present = {r[0] for r in fetch_all(con, "ingest/jurisdiction_texts")}
    for key, code in recodes.items():
        if F.norm_value(key) not in present:
            problems.add(con, "mapping", "value_map_key_unused", {"value": key, "code": code})


def _project(con: Connection, kind: str, plan: Plan) -> None:
    """``ingest_fields``: one text column per canonical field (and the person key), from column or constant.

    A view over ``ingest_raw`` (a copy would cost seconds and gigabytes at province scale); whole-file
    values come from the one-row table ``ingest_constants``, since a view cannot hold bound values.
    """
    exprs = ["r._row"]
    constants = ["1 AS one"]
    params: dict[str, Any] = {}
    for name in F.targets_for(kind):
        alias = ident(name)
        if name in plan.fields:
            exprs.append(f"r.{ident('c' + str(plan.fields[name]))} AS {alias}")
        elif name in plan.constants:
            params[f"k_{alias}"] = plan.constants[name]
            constants.append(f"CAST(${ident('k_' + alias)} AS VARCHAR) AS {alias}")
            exprs.append(f"k.{alias}")
        else:
            exprs.append(f"CAST(NULL AS VARCHAR) AS {alias}")
    run(con, "CREATE OR REPLACE TEMP TABLE ingest_constants AS SELECT " + ", ".join(constants), params)
    run(con, "CREATE OR REPLACE TEMP VIEW ingest_fields AS SELECT " + ", ".join(exprs)
        + " FROM ingest_raw r CROSS JOIN ingest_constants k")
    if kind == "survey":
        _answer_views(con, plan)


def _answer_views(con: Connection, plan: Plan) -> None:
    """``ingest_itemcols`` (which item and header each staged column stands for) and ``ingest_answer_texts`` (each
    answer column's distinct texts, straight from the columns: every text is value-mapped and checked once).

    The cells themselves are coded per column once the texts are (``checks._answer_cells``).
    """
    execute(con, "ingest/itemcols_create")
    if plan.items:
        execute_many(con, "ingest/itemcols_insert", [(f"c{index}", item, header) for item, index, header in plan.items])
        run(con, "CREATE OR REPLACE TEMP VIEW ingest_answer_texts AS " + " UNION ALL ".join(
            "SELECT DISTINCT '" + ident(f"c{index}") + "' AS col, " + ident(f"c{index}") + " AS raw FROM ingest_raw"
            for index in sorted({index for _i, index, _h in plan.items})))
    else:
        execute(con, "ingest/answer_views_empty")


def _skip_blank(con: Connection, skip_fields: list[str], plan: Plan, warnings: list[str]) -> int:
    """Drop rows whose listed fields are blank (a mapping option, e.g. crimes without an id)."""
    skipped = 0
    for name in skip_fields:
        if name not in F.targets_for(plan.kind):
            raise ConfigError(f"Mapping option skip_blank names {name!r}, which is not a field of {plan.kind} files.")
        n = int(run(con, field_sql("ingest/skip_blank_count", name)).fetchall()[0][0])
        if n:
            run(con, field_sql("ingest/skip_blank_delete", name))
            warnings.append(problems.note("blank_rows_skipped", n=n, field=name))
            skipped += n
    return skipped


def _colmap(con: Connection, kind: str, plan: Plan) -> None:
    execute(con, "ingest/colmap_create")
    execute_many(con, "ingest/colmap_insert", [(name, plan.header(name), name not in plan.fields)
                                               for name in F.targets_for(kind) if plan.given(name)])


def _value_maps(con: Connection, vmaps: dict[str, dict[str, str | None]]) -> None:
    """``ingest_vmap``: (target, folded file value) -> code; later entries (the mapping's) win."""
    execute(con, "ingest/vmap_create")
    rows = [(target, raw, code, seq) for target, vmap in vmaps.items()
            for seq, (raw, code) in enumerate(vmap.items())]
    if rows:
        targets, raws, codes, seqs = (list(col) for col in zip(*rows, strict=True))
        execute(con, "ingest/vmap_insert", {"t": targets, "r": raws, "c": codes, "s": seqs})
    execute(con, "ingest/vmap_build")
