"""Issue 20.4: ingest speed-ups must not change what a load stores or what a rejection reports.

``tests/data/ingest_digest.json`` was written by ``python -m tests.data.ingest_digest`` with the code before the
changes (main at a1326fd, where CSV rows were numbered by ``row_number() OVER ()`` and respondent keys drawn per
row from the key sequence and joined to every answer cell). The same loads now must leave the same rows: the
respondents (keys and person hashes included), answers, indicator cells, batches and jurisdictions, and the same
problems for the rejected files. Digests, not the code's own output, are compared: the reference is the earlier
code's result.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.data import ingest_digest

REFERENCE = Path(__file__).with_name("ingest_digest.json")


@pytest.mark.parametrize(("one_thread", "columns_per_statement"), [(False, None), (True, None), (False, 2)])
def test_loads_and_rejections_store_what_the_earlier_code_stored(tmp_path, monkeypatch, one_thread,
                                                                 columns_per_statement):
    # On one thread CSV rows are numbered in the staging pass, on several after it (analytics/ingest/raw.py).
    monkeypatch.setenv("JINGMIN_SECRET", ingest_digest.SECRET)  # restored after the test
    if one_thread:
        from analytics.ingest import pipeline

        monkeypatch.setattr(pipeline, "load_threads", lambda src, layout: 1)
    if columns_per_statement:
        # The answer cells are coded in statements of 16 columns (analytics/ingest/checks.py); these files have
        # fewer, so 2 per statement exercises the chunks (several rows per respondent, the last chunk padded).
        from analytics.ingest import checks

        monkeypatch.setattr(checks, "ANSWER_COLUMNS_PER_STATEMENT", columns_per_statement)
    expected = json.loads(REFERENCE.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(ingest_digest.digests(tmp_path), ensure_ascii=False, default=str))
    assert got.keys() == expected.keys()
    for case in expected:
        assert got[case] == expected[case], case
