"""The upload's load: a checked file's rows stored as one batch, all or nothing.

:func:`_load` writes the batch row, the kind's rows (from ``ingest_typed`` and the coded answers), the
definitions a survey mapping brings, the audit entry, the data-version bump and the indicator cell refresh in
one transaction, so a crash or a killed process leaves the database exactly as it was. Orchestrated by
:mod:`analytics.ingest.pipeline` after the checks passed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from analytics import definitions, store, waves
from analytics import vocabulary as F
from analytics.db import Connection, execute, fetch_one
from analytics.engine import refresh_cells
from analytics.errors import ConfigError, StoreError
from analytics.ingest import pii, records
from analytics.ingest.plan import Plan
from analytics.ingest.reading import SourceFile
from analytics.roles import User

FAILPOINT_ENV = "JINGMIN_INGEST_FAILPOINT"
# Bound when officer ids are stored as given: the hash expression is not evaluated, but its parameters must exist.
_NO_PADS = {"hmac_ipad": b"", "hmac_opad": b""}


def _failpoint(name: str) -> None:
    """Test hook: pause inside the load transaction so a test can kill the process there."""
    if os.environ.get(FAILPOINT_ENV) == name:
        print(f"failpoint {name} reached", file=sys.stderr, flush=True)
        time.sleep(120)


def _load(con: Connection, kind: str, src: SourceFile, plan: Plan, spec: dict[str, Any],
          summary: dict[str, Any], mapping_name: str | None, items: dict[str, definitions.Item],
          survey_mode: str | None, user: User) -> int:
    """Insert the checked rows as one batch, in one transaction with its audit entry and cell refresh."""
    rows = summary["rows_loaded"]
    with store.transaction(con):
        batch_id = int(fetch_one(con, "ingest/batch_insert", {
            "kind": kind, "name": src.name, "sha": src.sha256, "rows": rows, "mode": survey_mode,
            "mapping": mapping_name, "summary": json.dumps(summary, ensure_ascii=False, default=str)})["batch_id"])
        summary["batch_id"] = batch_id
        if kind != "jurisdictions" and summary.get("created_jurisdictions"):
            execute(con, "ingest/create_jurisdictions", {"batch_id": batch_id, "parent": summary["created_under"]})
        if kind == "survey":
            for name in spec["items"]:
                definitions.save_item(con, items[name], user=user)
            execute(con, "ingest/survey_load", {"batch_id": batch_id, "file_mode": spec["options"].get("survey_mode"),
                                                **_respondent_keys(con, rows)})
            for raw in spec["indicators"]:
                definitions.save_indicator(con, _indicator(raw), user=user)
            if spec["options"].get("wave_order"):
                waves.save_wave_order(con, spec["options"]["wave_order"], user=user)
        elif kind == "cases":
            params: dict[str, Any] = {"batch_id": batch_id}
            keep = set(spec["options"].get("keep_existing") or [])
            for name in F.FIELDS["cases"]:
                params[f"given_{name}"] = plan.given(name)
                params[f"keep_{name}"] = name in keep
            params["given_reporter_hash"] = plan.given("reporter_hash")
            execute(con, "ingest/cases_load", params)
        elif kind == "internal":
            hash_ids = bool(spec["options"].get("hash_officer_id"))
            execute(con, "ingest_internal/load", {"batch_id": batch_id, "hash_officer_id": hash_ids,
                                                     **(pii.hmac_pads() if hash_ids else _NO_PADS)})
        elif kind in F.RECORD_KINDS:
            records.load(con, kind, batch_id, {name for name in F.targets_for(kind) if plan.given(name)})
        else:
            execute(con, "ingest/jurisdictions_load", {"batch_id": batch_id})
        given = sorted(name for name in F.targets_for(kind) if plan.given(name))
        if kind == "survey" and survey_mode is not None:
            given = sorted({*given, "mode"})
        execute(con, "ingest/batch_fields", {"batch_id": batch_id, "fields": given})
        store.audit(con, user.username, "batch.load", {"batch_id": batch_id, "kind": kind, "source_name": src.name,
                                               "rows": rows, "sha256": src.sha256, "mapping": mapping_name})
        store.bump_data_version(con)
        if spec["indicators"]:  # definitions may have changed: every cell may change
            refresh_cells(con)
        elif kind == "survey":
            refresh_cells(con, added_batch=batch_id)
        _failpoint("before_commit")
    return batch_id


def _respondent_keys(con: Connection, rows: int) -> dict[str, Any]:
    """Draw ``rows`` respondent keys at once; the parameters of ``ingest/survey_load`` that assign them.

    The keys are consecutive (the load holds the store's write lock, and DuckDB draws a sequence's values in
    one statement without gaps); rows without gaps in their numbers get ``_row + offset`` (``dense``).
    """
    drawn = fetch_one(con, "ingest/survey_keys", {"n": rows})
    if rows and (drawn["n_keys"] != rows or drawn["last_key"] - drawn["first_key"] + 1 != rows
                 or drawn["n_rows"] != rows):
        raise StoreError(f"The store drew {drawn['n_keys']} respondent keys ({drawn['first_key']}-"
                         f"{drawn['last_key']}) for {rows} rows: not one consecutive run. Nothing was loaded.")
    first_key = int(drawn["first_key"] or 0)
    dense = bool(rows) and drawn["last_row"] - drawn["first_row"] + 1 == rows
    offset = first_key - int(drawn["first_row"]) if dense else 0
    return {"first_key": first_key, "dense": dense, "offset": offset}


def _indicator(raw: dict[str, Any]) -> definitions.Indicator:
    """An indicator definition from a mapping (labels default to the key).

    ``kind`` is 'rate' (default; scores in [0, 1]) or 'mean' (needs ``scale_min`` and ``scale_max``;
    without ``scoring`` every whole number from scale_min to scale_max scores its own value).
    """
    try:
        key = str(raw["key"])
        kind = str(raw.get("kind", "rate"))
        scale_min = float(raw.get("scale_min", 0.0))
        scale_max = float(raw.get("scale_max", 1.0))
        if kind == "mean" and "scoring" not in raw:
            if not (scale_min.is_integer() and scale_max.is_integer()):
                raise ValueError("a mean without a scoring map needs whole-number scale_min and scale_max")
            scoring = {str(v): float(v) for v in range(int(scale_min), int(scale_max) + 1)}
        else:
            scoring = {str(k): float(v) for k, v in raw["scoring"].items()}
        return definitions.Indicator(
            key=key, label_zh=str(raw.get("label_zh", key)), label_en=str(raw.get("label_en", key)),
            description_zh=str(raw.get("description_zh", "")), description_en=str(raw.get("description_en", "")),
            item=str(raw["item"]), scoring=scoring,
            dk_codes=[str(c) for c in raw.get("dk_codes", [definitions.DK_CODE])],
            sort_order=int(raw.get("sort_order", 100)), enabled=bool(raw.get("enabled", True)),
            kind=kind, scale_min=scale_min, scale_max=scale_max, unit=str(raw.get("unit", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"An indicator in the mapping is incomplete ({exc}); "
                          "it needs key, item and scoring (a mean: kind, scale_min and scale_max).") from exc


def check_indicators(spec: dict[str, Any]) -> None:
    """Raise ConfigError early when a mapping's indicator definitions are malformed."""
    for raw in spec.get("indicators") or []:
        _indicator(raw)
