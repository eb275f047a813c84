"""Prevention and Voice pages (issue 19) on records loaded through the pipeline, in both languages; the
escalation list and the texts only for roles with record detail; the forum rows built from demand topics."""

from __future__ import annotations

import pytest

from analytics import forum, store
from analytics.roles import LOCAL_USER, User
from tests.app.helpers import all_text
from tests.data.test_scope_cli import add_prevention_and_voice


@pytest.fixture
def with_records(synthetic_db_path, tmp_path):
    con = store.connect(synthetic_db_path)
    add_prevention_and_voice(con, tmp_path)
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)
    store.set_setting(con, "caution_below_n_eff", 0, user=LOCAL_USER)
    con.close()
    return synthetic_db_path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_prevention_page_shows_disputes_hazards_and_the_overdue_list(app, with_records, lang):
    at = app(lang, page="prevention")
    text = all_text(at)
    tables = [t.value for t in at.dataframe]
    headers = {str(c) for t in tables for c in t.columns}
    assert ("调结率" if lang == "zh" else "Mediation rate") in headers
    overdue = [t for t in tables if "H3" in t.to_string()]
    assert overdue, "the overdue hazard H3 is listed"
    # the local user is an admin: the escalation list (J5 is linked to no case in this city: none listed)
    assert ("民转刑清单" if lang == "zh" else "Escalations") in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_voice_page_shows_topics_with_their_words_and_redacted_texts(app, with_records, lang):
    at = app(lang, page="voice")
    joined = " ".join(t.value.to_string() for t in at.dataframe)
    assert "广场舞" in joined and "乱停" in joined  # evidence words
    assert "[电话]" in joined and "13812345678" not in joined  # texts shown redacted to the admin
    assert ("停车难" if lang == "zh" else "Parking") in joined


def test_forum_actions_from_topics_show_counts(with_records):
    con = store.connect(with_records)
    assert forum.add_topic_actions(con, "S1", "2026Q1", user=User("test", "admin")) == 2
    rows = forum.list_actions(con, "S1", "2026Q1", "en")
    con.close()
    assert [r.said for r in rows] == ["Parking (2 demands)", "Noise (1 demand)"]
