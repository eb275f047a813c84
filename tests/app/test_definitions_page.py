"""The Data page's definitions editor (issue 13 item 6): an analyst defines an item and a top-box rate and a
mean score from the page, they are saved, audited and listed; a bad definition is a translated error with
nothing saved; a leader sees no editor."""

from __future__ import annotations

import json

import pytest

from analytics import definitions, store
from tests.app.helpers import open_page, rendered, signed_in
from tests.conftest import copy_db
from tests.data.test_scope_cli import build_scope_city


@pytest.fixture
def synthetic_db_path(tmp_path, built_db):
    return copy_db(built_db("scope", build_scope_city), tmp_path / "scope.duckdb")


def open_data(app, db, username: str, lang: str = "en"):
    return open_page(signed_in(app, db, username, lang), "data")


def successes(at) -> list[str]:
    """The success messages shown, without the Markdown escapes of the names in them."""
    return [s.value.replace("\\", "") for s in at.success]


def definition_audit(db) -> list[tuple[str, str, dict]]:
    con = store.connect(db, read_only=True)
    rows = con.execute("SELECT actor, action, detail FROM audit_log WHERE action LIKE 'definition.%' "
                       "ORDER BY audit_id").fetchall()
    con.close()
    return [(a, x, json.loads(d)) for a, x, d in rows]


def test_analyst_defines_an_item_a_rate_and_a_mean_from_the_page(app, synthetic_db_path):
    at = open_data(app, synthetic_db_path, "ana")
    at.text_input(key="defs_item_name").input("trust_0_10")
    at.text_input(key="defs_item_label_zh").input("信任（0–10分）")
    at.text_input(key="defs_item_label_en").input("Trust (0-10)")
    at.selectbox(key="defs_item_scale").set_value("scale0_10")
    at.text_area(key="defs_item_codes").input("10=完全信任|Complete trust")
    at.button(key="defs_item_save").click().run()
    assert not at.exception, at.exception
    assert successes(at) == ["Item trust_0_10 (0–10) saved."]  # the scale by its name, not its code

    at.text_input(key="defs_ind_key").input("very_satisfied")
    at.text_input(key="defs_ind_label_en").input("Very satisfied")
    at.selectbox(key="defs_ind_item").set_value("satisfaction")
    at.radio(key="defs_ind_kind").set_value("rate")
    at.run()
    at.multiselect(key="defs_ind_top").set_value(["5"])
    at.button(key="defs_ind_save").click().run()
    assert not at.exception, at.exception
    assert successes(at) == ["Indicator very_satisfied saved; the figures on every page are updated."]
    listed = at.dataframe[2].value  # the definitions table shows the new indicator after the save
    assert "very_satisfied" in set(listed.iloc[:, 0])

    at.text_input(key="defs_ind_key").set_value("trust_mean")
    at.selectbox(key="defs_ind_item").set_value("trust_0_10")
    at.radio(key="defs_ind_kind").set_value("mean")
    at.run()
    at.button(key="defs_ind_save").click().run()
    assert not at.exception, at.exception

    con = store.connect(synthetic_db_path, read_only=True)
    item = definitions.get_item(con, "trust_0_10")
    rate = definitions.get_indicator(con, "very_satisfied")
    mean = definitions.get_indicator(con, "trust_mean")
    con.close()
    assert item.codes["10"] == {"zh": "完全信任", "en": "Complete trust"} and item.dk_codes == ["88"]
    assert (rate.kind, rate.scoring) == ("rate", {"5": 1.0, "4": 0.0, "3": 0.0, "2": 0.0, "1": 0.0})
    assert (mean.kind, mean.scale_min, mean.scale_max, mean.unit_label) == ("mean", 0.0, 10.0, "/ 10")
    audit = definition_audit(synthetic_db_path)
    assert [(a, x) for a, x, _d in audit] == [("ana", "definition.item_save"), ("ana", "definition.indicator_save"),
                                              ("ana", "definition.indicator_save")]

    at.selectbox(key="defs_ind_remove_pick").set_value("trust_mean")
    at.button(key="defs_ind_remove").click().run()
    assert not at.exception, at.exception
    assert successes(at) == ["Indicator trust_mean removed."]
    assert definition_audit(synthetic_db_path)[-1][1] == "definition.indicator_remove"


def test_a_bad_definition_is_a_translated_error_and_nothing_is_saved(app, synthetic_db_path):
    at = open_data(app, synthetic_db_path, "ana", lang="zh")
    at.text_input(key="defs_ind_key").input("sex_mean")
    at.selectbox(key="defs_ind_item").set_value("sex")
    at.radio(key="defs_ind_kind").set_value("mean")
    at.run()
    at.button(key="defs_ind_save").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("平均分需要数值量表" in e and "sex" in e for e in errors), errors
    con = store.connect(synthetic_db_path, read_only=True)
    assert "sex_mean" not in {i.key for i in definitions.list_indicators(con, enabled_only=False)}
    con.close()
    assert definition_audit(synthetic_db_path) == []


@pytest.mark.parametrize("username", ["boss", "s1chief"])
def test_users_without_the_definitions_permission_see_no_editor(app, synthetic_db_path, username):
    at = open_data(app, synthetic_db_path, username)
    keys = {getattr(w, "key", None) for w in at.text_input}
    assert "defs_ind_key" not in keys and "defs_item_name" not in keys
    assert "Define items and indicators" not in rendered(at)
