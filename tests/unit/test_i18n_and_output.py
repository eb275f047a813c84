import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.i18n import LANGUAGES, catalog, t
from analytics.output import neutralise_formula, to_csv_text, to_json_text
from analytics.presentation import change_cell, rate_cell

REPO = Path(__file__).resolve().parents[2]


def test_every_message_has_both_languages_and_same_placeholders():
    for key, entry in catalog().items():
        assert set(entry) == set(LANGUAGES), key
        fields = [set(re.findall(r"{(\w+)}", entry[lang])) for lang in LANGUAGES]
        assert fields[0] == fields[1], key


def test_every_catalog_key_used_in_pages_exists():
    used = set()
    for path in list((REPO / "app_pages").glob("*.py")) + [REPO / "dashboard.py"]:
        used |= set(re.findall(r"""tr\(\s*["']([a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    keys = catalog()
    # A key that ends with "." is the prefix of a key built at run time (tr("alerts.kind." + kind)): the
    # catalog must hold at least one key under it.
    missing = sorted(k for k in used if (not any(c.startswith(k) for c in keys) if k.endswith(".") else k not in keys))
    assert not missing


def test_every_case_category_family_has_a_label():
    """The Cases page names a listed case's family as tr(f"category.{family}"); four families of the vocabulary
    (burglary, robbery, violence, drugs) had no label and an open-loop case of one stopped the page."""
    from analytics.vocabulary import CATEGORIES

    assert [c for c in CATEGORIES if f"category.{c}" not in catalog()] == []


def test_t_fills_placeholders():
    assert t("overview.change_vs", "en", prev="2025Q1") == "vs 2025Q1"
    assert t("overview.change_vs", "zh", prev="2025Q1") == "较2025Q1"


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+86", "'+86"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"), ("ok", "ok"), (3, 3)])
def test_formula_neutralised(value, expected):
    assert neutralise_formula(value) == expected


def test_csv_and_json_write_a_missing_number_as_empty_and_null():
    frame = pd.DataFrame({"jurisdiction": ["=cmd()"], "estimate": [np.nan], "flag": ["suppressed"], "n": [12]})
    assert to_csv_text(frame) == "jurisdiction,estimate,flag,n\n'=cmd(),,suppressed,12\n"
    assert '"estimate": null' in to_json_text(frame)


def test_rate_cell_and_change_cell():
    row = {"n": 412, "flag": "ok", "estimate": 0.7834, "ci_low": 0.741, "ci_high": 0.82}
    assert rate_cell(row, "en") == "78.3% (74.1–82.0) n=412"
    assert rate_cell({**row, "flag": "suppressed", "estimate": np.nan}, "en") == "suppressed (n=412)"
    assert rate_cell({**row, "flag": "caution"}, "zh").endswith("⚠")
    assert change_cell({"change": 0.052, "direction": "up"}) == "▲ +5.2"
    assert change_cell({"change": 0.01, "direction": ""}) == "+1.0"
    assert change_cell({"change": np.nan, "direction": ""}) == ""


def test_english_counts_agree_with_their_noun():
    from analytics.i18n import _agree_counts

    # Found in review: the audit log and the batch list read "1 rows".
    assert t("upload.remove_confirm", "en", batch_id=3, rows=1) == "I confirm removing batch 3 (1 row)"
    assert t("upload.remove_confirm", "en", batch_id=3, rows=2) == "I confirm removing batch 3 (2 rows)"
    assert t("upload.remove_confirm", "en", batch_id=3, rows=0) == "I confirm removing batch 3 (0 rows)"
    assert t("upload.remove_confirm", "zh", batch_id=3, rows=1) == "我确认删除批次 3（1 行）"
    assert _agree_counts("{n} respondents, {m} boundaries", {"n": "1", "m": 1}) == "{n} respondent, {m} boundary"
    assert _agree_counts("{n:,} days", {"n": 1}) == "{n:,} day"
    # A decimal keeps the plural ("1.0 minutes"), so does an escaped brace, a flag and a noun not counted.
    assert _agree_counts("{m:.1f} minutes", {"m": 1.0}) == "{m:.1f} minutes"
    assert _agree_counts("{{n}} rows", {"n": 1}) == "{{n}} rows"
    assert _agree_counts("{n} rows", {"n": True}) == "{n} rows"
    assert _agree_counts("{n} rowsets", {"n": 1}) == "{n} rowsets"
    assert (_agree_counts("{n} rows have no wave; {m} rows have", {"n": 1, "m": 2})
            == "{n} row has no wave; {m} rows have")
    assert t("ingest.note.wave_blank_rows", "en", n=1, waves="W1").startswith("1 row has no survey wave")
