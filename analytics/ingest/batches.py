"""Batches: every loaded file is one batch; removing a batch removes exactly its rows.

A removal is one transaction: the batch's respondents, answers, case rows (and any jurisdictions
it created that nothing else uses) are deleted, the batch is marked ``removed``, the removal is
audited, the data version bumped and the indicator cells rebuilt. Removing a case batch makes the
previous row of each case current again, because the ``cases`` view picks the newest loaded batch.

:func:`respondent_export` is the respondent-level download of one survey batch: analysts and admins only,
never with personal data, and audited.
"""

from __future__ import annotations

import pandas as pd

from analytics import store
from analytics.db import Connection, execute, fetch_one, query_df
from analytics.engine import refresh_cells
from analytics.errors import IngestError, UnknownNameError
from analytics.roles import User


def list_batches(con: Connection) -> pd.DataFrame:
    """Every batch loaded (and removed), newest first: source, kind, rows, time, status, mapping."""
    return query_df(con, "ingest/batch_list")


def remove_batch(con: Connection, batch_id: int, *, user: User) -> dict[str, int]:
    """Remove one loaded batch's rows; returns how many rows of each table went.

    ``user`` needs the ``remove_batch`` permission (admins) and is the audit actor. A jurisdictions batch
    is refused while respondents, cases or other jurisdictions refer to the jurisdictions it loaded.
    """
    user.require("remove_batch")
    batch = fetch_one(con, "ingest/batch_status", {"batch_id": int(batch_id)})
    if not batch:
        raise UnknownNameError(f"There is no batch {batch_id}.", key="ingest.no_batch", batch_id=batch_id)
    kind, status, source_name = batch["kind"], batch["status"], batch["source_name"]
    if status != "loaded":
        raise UnknownNameError(f"Batch {batch_id} ({source_name}) is already removed.",
                               key="ingest.batch_removed_already", batch_id=batch_id)
    params = {"batch_id": int(batch_id)}
    if kind == "jurisdictions":
        refs = fetch_one(con, "ingest/batch_references", params)
        if any(refs.values()):
            raise IngestError(
                f"Batch {batch_id} ({source_name}) cannot be removed: {refs['respondents']} respondents, "
                f"{refs['cases']} case rows and {refs['children']} jurisdictions from other batches refer to the "
                "jurisdictions it loaded. Remove those first.",
                key="ingest.batch_in_use", batch_id=batch_id, **refs)
    counts = {name: int(n) for name, n in fetch_one(con, "ingest/batch_row_counts", params).items()}
    with store.transaction(con):
        before = int(fetch_one(con, "ingest/jurisdiction_count")["n"])
        execute(con, "ingest/remove_batch", params)
        counts["jurisdictions"] = before - int(fetch_one(con, "ingest/jurisdiction_count")["n"])
        store.audit(con, user.username, "batch.remove", {"batch_id": int(batch_id), "kind": kind,
                                                 "source_name": source_name, **counts})
        store.bump_data_version(con)
        refresh_cells(con)
    return counts


RESPONDENT_COLUMNS = ["batch_id", "respondent_id", "jurisdiction", "interview_date", "mode", "design_weight",
                      "weight", "stratum", "cluster"]


def respondent_export(con: Connection, batch_id: int, user: User) -> pd.DataFrame:
    """The respondents of one loaded survey batch, one row each, answers pivoted to one column per item.

    Only roles with ``respondent_download`` (analyst, admin, the local single user) may have it; others get
    AccessDenied. Columns are ``RESPONDENT_COLUMNS`` then the items in name order (answer codes as stored,
    don't-know included); there is no personal data: phone and ID numbers were never stored in clear and
    their keyed hashes (``person_hash``) are left out, names were dropped at upload. Every export is audited.
    """
    user.require("respondent_download")
    batch = fetch_one(con, "ingest/batch_status", {"batch_id": int(batch_id)})
    if not batch:
        raise UnknownNameError(f"There is no batch {batch_id}.", key="ingest.no_batch", batch_id=batch_id)
    kind, status = batch["kind"], batch["status"]
    if kind != "survey" or status != "loaded":
        raise UnknownNameError(f"Batch {batch_id} is not a loaded survey batch; only survey respondents can be "
                               "downloaded.", key="export.not_survey", batch_id=batch_id)
    long = query_df(con, "ingest/respondent_export", {"batch_id": int(batch_id)})
    frame = long[["respondent_key", *RESPONDENT_COLUMNS]].drop_duplicates("respondent_key")
    answered = long.dropna(subset=["item"])
    if not answered.empty:
        wide = answered.pivot_table(index="respondent_key", columns="item", values="code", aggfunc="first",
                                    sort=True)
        wide.columns = [str(c) for c in wide.columns]
        frame = frame.join(wide, on="respondent_key")
    frame = frame.drop(columns="respondent_key").reset_index(drop=True)
    store.audit(con, user.username, "export.respondents", {"batch_id": int(batch_id), "rows": len(frame),
                                                           "role": user.role})
    return frame
