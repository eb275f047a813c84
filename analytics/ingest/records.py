"""The prevention and voice kinds of file (issue 19): disputes, hazards, demands and comments.

They go through the common pipeline (:mod:`analytics.ingest.pipeline`: reading, mapping, typing, the
generic checks, all-or-nothing loading in one transaction); this module adds what is particular to them:

* :func:`check`: kind-specific row checks (ids once per file, a dispute's rows agreeing, dates in order)
  and the labels no value map knows, listed in the summary to be mapped (kept as family 'other', never
  dropped);
* :func:`prepare_text`: demands' and comments' free text redacted and tagged
  (:mod:`analytics.textprivacy`) into the TEMP tables ``ingest_text`` / ``ingest_text_topics``, from
  which alone the load takes text, so that the original never reaches a stored table;
* :func:`load`: the kind's load statements, inside the pipeline's load transaction.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics import textprivacy
from analytics import vocabulary as F
from analytics.db import Connection, fetch_all, query_df, run
from analytics.db import execute as run_script
from analytics.ingest import problems
from analytics.ingest.sqlrun import field_sql

_TOPIC = {"disputes": "prevention", "hazards": "prevention", "demands": "voice", "comments": "voice"}
# Named SQL per kind: (checks, unmapped labels, load).
_SQL = {kind: (topic + "/ingest_check_" + kind, topic + "/unmapped_" + kind, topic + "/load_" + kind)
        for kind, topic in _TOPIC.items()}


def check(con: Connection, kind: str, summary: dict[str, Any]) -> None:
    """Row checks of ``kind`` into ``ingest_problems``; unmapped labels as warnings in ``summary``."""
    # Both named files require the kinds' shared TEMP macros (``-- requires:``), which analytics.db runs first.
    run_script(con, _SQL[kind][0])
    unmapped: dict[str, dict[str, int]] = {}
    for name, label, n in fetch_all(con, _SQL[kind][1]):
        unmapped.setdefault(str(name), {})[str(label)] = int(n)
    summary["unmapped_labels"] = unmapped
    for name, labels in unmapped.items():
        listed = ", ".join(f"{label} ({n})" for label, n in list(labels.items())[:10])
        summary["warnings"].append(problems.note("unmapped_record_label", field=name, n=sum(labels.values()),
                                                 labels=listed))
    id_field = {"disputes": "dispute_id", "hazards": "hazard_id", "demands": "demand_id",
                "comments": "comment_id"}[kind]
    summary["records"] = int(run(con, field_sql("ingest/records_count", id_field)).fetchall()[0][0])


def prepare_text(con: Connection, kind: str) -> dict[str, int]:
    """Redact and tag the distinct texts of a demands or comments upload (no-op for other kinds).

    Writes TEMP ``ingest_text (original, clean, tone, tone_words)`` and ``ingest_text_topics (original,
    topic, evidence)``; returns counts for the summary (distinct texts, texts changed by redaction).
    """
    if kind not in F.FREE_TEXT:
        return {}
    columns = [c for c in F.FREE_TEXT[kind]]
    texts: list[str] = []
    for column in columns:
        texts += [r[0] for r in run(con, field_sql("ingest/texts_of_field", column)).fetchall()]
    dictionary = textprivacy.topics_from_rows(query_df(con, "voice/topics_list").to_dict("records"))
    done = textprivacy.process(texts, dictionary)
    text_frame = pd.DataFrame({
        "original": pd.Series(list(done), dtype="string"),
        "clean": pd.Series([v[0] for v in done.values()], dtype="string"),
        "tone": pd.Series([v[1].tone for v in done.values()], dtype="string"),
        "tone_words": [list(v[1].tone_words) for v in done.values()],
    })
    topic_rows = [(original, topic, list(evidence)) for original, (_clean, tagged) in done.items()
                  for topic, evidence in tagged.topics.items()]
    topic_frame = pd.DataFrame(topic_rows, columns=["original", "topic", "evidence"])
    con.register("jm_text_frame", text_frame)
    con.register("jm_topic_frame", topic_frame)
    try:
        run_script(con, "ingest/text_create")
        if topic_rows:
            run_script(con, "ingest/text_topics_insert")
    finally:
        con.unregister("jm_text_frame")
        con.unregister("jm_topic_frame")
    return {"texts": len(done), "texts_redacted": sum(1 for original, v in done.items() if v[0] != original)}


def load(con: Connection, kind: str, batch_id: int, given: set[str]) -> None:
    """Insert the checked rows of ``kind`` as batch ``batch_id`` (inside the caller's transaction)."""
    params: dict[str, Any] = {"batch_id": batch_id}
    if kind == "disputes":
        params["given_party_hash"] = "party_hash" in given
    run_script(con, _SQL[kind][2], params)


def drop_temp(con: Connection) -> None:
    """Drop the text tables (the originals they hold live only as long as the upload)."""
    run_script(con, "ingest/text_drop")
