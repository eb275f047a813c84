"""Issue 15 item 7: page defects seen in use, each reproduced on the page it was seen on.

* removing a batch took one click with the newest batch preselected;
* field codes, English statuses, raw JSON and command-line advice on pages in the user's language.
"""

import json
import re
from pathlib import Path

import pytest

from analytics import auth, store
from analytics.i18n import t
from analytics.ingest import ingest_file
from tests.app.helpers import on_database, page_alone

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "ingest"
CLI_ADVICE = re.compile(r"--\w|python -m")
JSON_LIKE = re.compile(r"[{}\[\]]|\"\w+\":")


def _db(tmp_path, monkeypatch, with_survey: bool) -> Path:
    db = tmp_path / "defects.duckdb"
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    con = store.connect(db)
    ingest_file(con, "jurisdictions", FIXTURES / "jurisdictions.csv", user=auth.LOCAL_USER)
    if with_survey:
        ingest_file(con, "survey", FIXTURES / "survey_gbk_chinese.csv", user=auth.LOCAL_USER)
    con.close()
    return db


@pytest.fixture
def registry_db(tmp_path, monkeypatch):
    """A database holding only the fixture registry (batch 1)."""
    db = _db(tmp_path, monkeypatch, with_survey=False)
    with on_database(db, monkeypatch):
        yield db


@pytest.fixture
def loaded_db(tmp_path, monkeypatch):
    """A database holding the fixture registry and one survey batch (batch 2, 6 rows, no survey mode)."""
    db = _db(tmp_path, monkeypatch, with_survey=True)
    with on_database(db, monkeypatch):
        yield db


def batch_ids(db: Path) -> list[tuple[int, str]]:
    con = store.connect(db, read_only=True)
    try:
        return con.execute("SELECT batch_id, status FROM batches ORDER BY batch_id").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_removing_a_batch_needs_a_confirmation_naming_it_and_its_rows(loaded_db, lang):
    at = page_alone("upload", lang)
    picker = at.selectbox(key="up_remove_id")
    assert picker.value is None, "a batch is preselected for removal"
    assert not [b for b in at.button if b.key == "up_remove"], "a remove button before any batch is chosen"
    picker.set_value(2)
    at.run()
    warning = " ".join(w.value for w in at.warning)
    assert "survey_gbk_chinese" in warning.replace("\\", "") and "6" in warning
    box = at.checkbox(key="up_remove_confirm_2")
    assert box.label == t("upload.remove_confirm", lang, batch_id=2, rows=6)
    button = at.button(key="up_remove")
    assert button.disabled, "the remove button works before the removal is confirmed"
    assert batch_ids(loaded_db) == [(1, "loaded"), (2, "loaded")]
    box.check()
    at.run()
    assert not at.button(key="up_remove").disabled
    at.button(key="up_remove").click()
    at.run()
    assert not at.exception, at.exception
    assert batch_ids(loaded_db) == [(1, "loaded"), (2, "removed")]


def test_the_confirmation_of_one_batch_does_not_carry_over_to_another(loaded_db):
    at = page_alone("upload", "en")
    at.selectbox(key="up_remove_id").set_value(2)
    at.run()
    at.checkbox(key="up_remove_confirm_2").check()
    at.run()
    at.selectbox(key="up_remove_id").set_value(1)
    at.run()
    assert at.button(key="up_remove").disabled
    assert at.checkbox(key="up_remove_confirm_1").value is False


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_page_shows_batches_and_audit_log_in_the_users_language(loaded_db, lang):
    at = page_alone("data", lang)
    batches = next(d.value for d in at.dataframe if t("batch.status", lang) in d.value.columns)
    assert set(batches[t("batch.status", lang)]) == {t("batch.status_value.loaded", lang)}
    assert set(batches[t("batch.kind", lang)]) == {t("upload.kind.survey", lang), t("upload.kind.jurisdictions", lang)}
    assert "None" not in batches.astype(str).to_numpy().ravel().tolist()
    audit = next(d.value for d in at.dataframe if t("data.audit_col.detail", lang) in d.value.columns)
    details = audit[t("data.audit_col.detail", lang)].tolist()
    assert details and not [d for d in details if JSON_LIKE.search(d)], details
    assert t("audit.detail.batch.load", lang, batch_id=2, kind=t("upload.kind.survey", lang),
             source_name="survey_gbk_chinese.csv", rows=6) in details
    assert set(audit[t("data.audit_col.action", lang)]) == {t("audit.action.batch.load", lang)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_upload_page_advice_names_page_controls_not_command_line_flags(registry_db, lang):
    at = page_alone("upload", lang)
    at.file_uploader(key="up_file").set_value(
        ("survey_gbk_chinese.csv", (FIXTURES / "survey_gbk_chinese.csv").read_bytes(), "text/csv"))
    at.run()
    at.button(key="up_load").click()  # no survey mode given: the load summary says how to give one
    at.run()
    assert not at.exception, at.exception
    shown = [x.value for x in (*at.text, *at.warning, *at.caption, *at.info, *at.error, *at.success)]
    assert not [s for s in shown if CLI_ADVICE.search(s)], [s for s in shown if CLI_ADVICE.search(s)]
    assert t("ingest.page_note.no_survey_mode", lang) in shown
    # The whole-file inputs are labelled by field, not by code (mode, wave, stratum...).
    labels = {w.label for w in at.text_input if w.key.startswith("up_const_survey_")}
    assert t("field.mode", lang) in labels and "mode" not in labels


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_missing_field_is_named_by_its_label_with_the_pages_own_advice(registry_db, lang):
    at = page_alone("upload", lang)
    data = (FIXTURES / "survey_station_own.csv").read_bytes()
    at.file_uploader(key="up_file").set_value(("survey_station_own.csv", data, "text/csv"))
    at.run()
    at.button(key="up_validate").click()
    at.run()
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert t("field.jurisdiction", lang) in warnings and "jurisdiction" not in warnings.replace(
        t("field.jurisdiction", lang), "")
    messages = [v for d in at.dataframe for c in d.value.columns if c == t("upload.col.message", lang)
                for v in d.value[c]]
    assert messages and not [m for m in messages if CLI_ADVICE.search(m)], messages


# Messages pages show (sidebar, empty pages, the Forum's wave notice): no command line as advice.
PAGE_MESSAGES = ("login.local_help", "sidebar.no_data", "cases.no_cases", "prevention.no_data", "voice.no_data",
                 "forum.page.cases_by_period", "ingest.page_msg.missing_field", "ingest.page_note.no_survey_mode")


@pytest.mark.parametrize("key", PAGE_MESSAGES)
def test_page_messages_give_no_command(key):
    for lang in ("zh", "en"):
        assert not CLI_ADVICE.search(t(key, lang)) and "ingest " not in t(key, lang), t(key, lang)


def test_every_kind_of_file_has_a_label():
    from analytics import vocabulary as F
    from analytics.i18n import has

    assert [k for k in F.KINDS if not has(f"upload.kind.{k}")] == []


def test_every_audited_action_reads_as_a_sentence():
    """Every action the code writes to the audit log has a label and a sentence in both languages."""
    from analytics.i18n import has

    actions = set()
    for path in (REPO / "analytics").rglob("*.py"):
        for m in re.finditer(r"audit\(\s*con,\s*[^,]+,\s*f?\"([a-z_.{}]+)\"", path.read_text(encoding="utf-8")):
            actions.add(m.group(1))
    actions = {a.replace("{table}", "items") for a in actions} | {"definition.indicators"}
    assert len(actions) > 25
    missing = sorted(a for a in actions if not (has(f"audit.action.{a}") and has(f"audit.detail.{a}")))
    assert missing == []


def test_audit_detail_of_an_entry_without_a_sentences_facts_lists_values_without_json():
    from analytics.presentation import audit_detail

    detail = json.dumps({"batch_id": 3, "kind": "cases", "flags": [1, 2], "ok": True, "none": None})
    text = audit_detail("batch.load", detail, "en")  # an older entry: no source_name, no rows
    assert text == "3 · Case records · 1, 2 · yes · none"
