"""Issue 19's later parts on the pages: Link with a voice metric, the Voice page's dictionary editor
(analysts and admins only) and the opinions collected on unsolved cases on the Prevention page."""

from __future__ import annotations

import pytest

from analytics import auth, store
from analytics.ingest.pipeline import ingest_file
from analytics.roles import LOCAL_USER, User
from tests.app.helpers import all_text, open_page
from tests.data.test_issue19_link_opinions import CASES, comments_csv


@pytest.fixture
def with_voice(synthetic_db_path, tmp_path):
    con = store.connect(synthetic_db_path)
    con.execute("SELECT max(nextval('batch_id_seq')) FROM range((SELECT max(batch_id) FROM batches))")
    for kind, text in (("comments", comments_csv()), ("cases", CASES)):
        (tmp_path / f"{kind}.csv").write_text(text, encoding="utf-8")
        ingest_file(con, kind, tmp_path / f"{kind}.csv", user=User("test", "admin"))
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)
    store.set_setting(con, "caution_below_n_eff", 0, user=LOCAL_USER)
    con.close()
    return synthetic_db_path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_link_page_relates_a_voice_metric_to_satisfaction(app, with_voice, lang):
    at = open_page(app(lang), "link")
    at.selectbox(key="link_metric").set_value("voice.negative_comment_share").run()
    at.selectbox(key="link_period_quarter").set_value("all").run()
    assert not at.exception, at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert tiles[("斯皮尔曼相关系数 ρ" if lang == "zh" else "Spearman's ρ")] != "—"
    assert ("负面意见占比" if lang == "zh" else "Share of negative comments") in all_text(at) + str(
        [s.label for s in at.selectbox] + [s.format_func(s.value) for s in at.selectbox if s.key == "link_metric"])


def test_voice_page_dictionary_editor_saves_retags_and_shows_the_words(app, with_voice):
    at = open_page(app("en"), "voice")
    at.selectbox(key="voice_edit_topic").set_value(None).run()
    at.text_input(key="voice_edit_key").set_value("callbacks")
    at.text_input(key="voice_edit_zh_None").set_value("回访")
    at.text_input(key="voice_edit_en_None").set_value("Callbacks")
    at.text_area(key="voice_edit_words_None").set_value("出警\n感谢")
    at.button(key="voice_edit_save").click().run()
    assert not at.exception, at.exception
    text = all_text(at) + " ".join(m.value for m in at.success)
    assert "Topic 'Callbacks' saved" in text, ([e.value for e in at.error], text[-800:])
    joined = " ".join(t.value.to_string() for t in at.dataframe)
    assert "感谢" in joined and "出警" in joined
    con = store.connect(with_voice)
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log WHERE action LIKE 'voice.%'").fetchall()]
    con.close()
    assert actions == ["voice.topic.save", "voice.retag"]


def test_leader_sees_no_editor_and_no_opinion_texts(app, with_voice):
    con = store.connect(with_voice)
    auth.add_user(con, "root", "a long password", "admin", user=LOCAL_USER)
    con.close()
    at = open_page(app("en", user=auth.User("boss", "leader")), "voice")
    assert not [s for s in at.selectbox if s.key == "voice_edit_topic"]
    at = open_page(at, "prevention")
    text = all_text(at)
    assert "visible to analysts and admins only" in text
    assert "13912345678" not in text and "希望多巡逻，有情况打" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_prevention_page_shows_opinion_coverage_and_redacted_opinions(app, with_voice, lang):
    at = open_page(app(lang), "prevention")
    headers = {str(c) for t in at.dataframe for c in t.value.columns}
    assert ("未破案件征求意见率" if lang == "zh" else "Opinions collected (unsolved)") in headers
    joined = " ".join(t.value.to_string() for t in at.dataframe)
    assert "C3" in joined and "[电话]" in joined and "13912345678" not in joined
