"""Issue 19, the parts added after the Prevention and Voice pages: prevention and voice metrics on the Link
page, the topic dictionary edited and re-applied, and opinions collected in callbacks on unsolved cases.

Records go through the real ingestion pipeline from crafted CSV text; expected figures are derived by
hand in the comments, and the Link correlation is checked against scipy on the same station figures.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from scipy import stats as sps

from analytics import engine, link, prevention, store, voice
from analytics.cli import main as cli_main
from analytics.errors import AccessDenied
from analytics.ingest.pipeline import ingest_file
from analytics.roles import LOCAL_USER, User
from analytics.selection import Selection
from tests.conftest import build_synthetic_city
from tests.data import test_prevention_voice as base

ADMIN = User("test", "admin")
ALL = Selection(period_kind="all")

# Negative comments per station, by the lexicon: "出警太慢，不满意" is negative (太慢, 不满意), "很好，感谢"
# positive, "希望多巡逻" neutral. Shares: S1 1/4, S2 2/4, S3 0/4, S4 3/4, S5 4/4.
NEGATIVE, POSITIVE, NEUTRAL = "出警太慢，不满意", "很好，感谢", "希望多巡逻"
SHARES = {"S1": 1 / 4, "S2": 2 / 4, "S3": 0 / 4, "S4": 3 / 4, "S5": 4 / 4}


def comments_csv() -> str:
    lines = ["意见编号,来源,所属派出所,日期,意见建议"]
    plan = {"S1": [NEGATIVE, POSITIVE, NEUTRAL, POSITIVE], "S2": [NEGATIVE, NEGATIVE, NEUTRAL, POSITIVE],
            "S3": [POSITIVE, POSITIVE, NEUTRAL, NEUTRAL], "S4": [NEGATIVE, NEGATIVE, NEGATIVE, POSITIVE],
            "S5": [NEGATIVE] * 4}
    for station, texts in plan.items():
        lines += [f"{station}-{i},调查问卷,{station},2025-0{i + 1}-10,{text}" for i, text in enumerate(texts)]
    return "\n".join(lines) + "\n"


# Unsolved-case callbacks with opinions (S1..S3 of the prevention test city):
# C2 S1 open, never called back -> not in the opinion base (no callback, opinion not said).
# C3 S1 unsolved, called back, opinions asked (是) with a text holding a phone number.
# C8 S1 unsolved, called back, file says 否.
# C9 S1 unsolved, called back, no 是/否 but an opinion text -> implies asked.
# C4 S3 unsolved, called back, 否.  C6 S2 unsolved, called back, nothing said -> not in the base.
# C1 S1 solved: its opinion is stored as a callback comment but is not an unsolved-case opinion.
# S1 opinion coverage = (C3, C9 asked) / (C3, C8, C9 said) = 2/3; S3 = 0/1; S2 has no base.
CASES = """案件编号,所属派出所,案件类别,报案时间,案件状态,处理结果,回访时间,报案人电话,是否征求意见,意见建议内容
C1,S1,故意伤害,2026-04-20 10:00,已结案,破案,2026-04-25 10:00,13900000002,是,谢谢民警
C2,S1,故意伤害,2026-08-03 10:00,处理中,,,13900000003,,
C3,S1,故意伤害,2026-03-01 10:00,已结案,未破,2026-03-05 10:00,13900000009,是,希望多巡逻，有情况打13912345678
C8,S1,盗窃,2026-03-02 10:00,已结案,未破,2026-03-06 10:00,,否,
C9,S1,盗窃,2026-03-03 10:00,已结案,未破,2026-03-09 10:00,,,电动车被盗一直没消息，太慢
C4,S3,盗窃,2026-03-03 10:00,已结案,未破,2026-03-10 10:00,13900000004,否,
C6,S2,故意伤害,2026-03-10 10:00,已结案,未破,2026-05-20 10:00,,,
"""


def _load(con, folder: Path, kind: str, text: str) -> None:
    path = folder / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    ingest_file(con, kind, path, user=ADMIN)


@pytest.fixture
def linked_city(tmp_path):
    path = tmp_path / "link.duckdb"
    con = store.connect(path)
    build_synthetic_city(con)
    # The synthetic city writes its batches with fixed ids, past the id sequence: move the sequence beyond them.
    con.execute("SELECT max(nextval('batch_id_seq')) FROM range((SELECT max(batch_id) FROM batches))")
    _load(con, tmp_path, "comments", comments_csv())
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)
    store.set_setting(con, "caution_below_n_eff", 0, user=LOCAL_USER)
    yield con, path
    con.close()


@pytest.fixture
def opinion_city(tmp_path):
    con = store.connect(tmp_path / "o.duckdb")
    for kind, text in (("jurisdictions", base.JURISDICTIONS), ("cases", CASES), ("demands", base.DEMANDS),
                       ("comments", base.COMMENTS)):
        _load(con, tmp_path, kind, text)
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)
    store.set_setting(con, "caution_below_n_eff", 0, user=LOCAL_USER)
    yield con
    con.close()


# ------------------------------------------------------------------------------------------------ link

def test_negative_comment_share_by_hand_and_its_link_to_satisfaction_against_scipy(linked_city):
    con, _path = linked_city
    table = link.link_table(con, ALL, metric="voice.negative_comment_share", indicator="satisfaction")
    assert list(table["jurisdiction"]) == ["S1", "S2", "S3", "S4", "S5"]
    assert dict(zip(table["jurisdiction"], table["metric_value"], strict=True)) == pytest.approx(SHARES)
    assert list(table["metric_n"]) == [4] * 5
    # se of S2's share: sqrt(0.5 * 0.5 / 4) = 0.25
    assert table.loc[table["jurisdiction"] == "S2", "metric_se"].iloc[0] == pytest.approx(0.25)
    # The survey side is the engine's own pooled satisfaction of each station.
    survey = engine.indicator_table(con, ALL, indicators=["satisfaction"]).set_index("jurisdiction")
    y = [survey.loc[s, "estimate"] for s in SHARES]
    assert list(table["indicator_estimate"]) == pytest.approx(y)
    corr = link.spearman(table["metric_value"], table["indicator_estimate"])
    expected = sps.spearmanr(list(SHARES.values()), y)
    assert corr.rho == pytest.approx(expected.statistic)
    assert corr.p_value == pytest.approx(expected.pvalue)
    assert corr.n == 5 and corr.ci_low <= corr.rho <= corr.ci_high


def test_every_link_metric_has_a_frame_and_a_label(linked_city):
    from analytics.i18n import t

    con, _path = linked_city
    for key, spec in link.X_METRICS.items():
        frame = link.metric_frame(con, ALL, key)
        assert list(frame.columns) == link.METRIC_FRAME_COLUMNS, key
        for lang in ("zh", "en"):
            assert t(spec.label_key, lang) != spec.label_key, (key, lang)
    with pytest.raises(Exception, match="Unknown link metric"):
        link.metric_frame(con, ALL, "voice.nothing")


def test_link_cli_prints_the_same_table_and_correlation(linked_city, capsys):
    con, path = linked_city
    expected = link.link_table(con, ALL, metric="voice.negative_comment_share", indicator="satisfaction")
    corr = link.spearman(expected["metric_value"], expected["indicator_estimate"])
    con.close()
    assert cli_main(["link", "--metric", "voice.negative_comment_share", "--format", "json", "--db", str(path)]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert [r["jurisdiction"] for r in rows] == list(expected["jurisdiction"])
    assert [r["metric_value"] for r in rows] == pytest.approx(list(expected["metric_value"]))
    assert cli_main(["link", "--metric", "voice.negative_comment_share", "--correlation", "--format", "json",
                     "--db", str(path)]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["rho"], row["ci_low"], row["n"]) == (pytest.approx(corr.rho), pytest.approx(corr.ci_low), 5)


# ------------------------------------------------------------------------------------------------ dictionary

def _topics_of(con, demand_id: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT topic FROM text_topics WHERE record_kind = 'demand' AND record_id = $id", {"id": demand_id}
    ).fetchall()}


def test_dictionary_edit_changes_a_texts_topic_and_is_audited(opinion_city):
    con = opinion_city
    # Q3 "希望多巡逻，身份证号[...]丢失，联系人[...]": patrol by 巡逻 only.
    assert _topics_of(con, "Q3") == {"patrol"}
    analyst = User("ana", "analyst")
    # Drop 巡逻 from patrol and give it to a new topic together with a local term: Q3 moves.
    voice.save_topic(con, "patrol", "巡逻防控", "Patrols", ["巡防", "见警"], analyst)
    voice.save_topic(con, "beat", "社区巡逻", "Beat patrols", ["巡逻", "丢失"], analyst)
    written = voice.retag(con, analyst)
    assert _topics_of(con, "Q3") == {"beat"}
    evidence = con.execute("SELECT evidence FROM text_topics WHERE record_id = 'Q3'").fetchone()[0]
    assert sorted(evidence) == ["丢失", "巡逻"]
    assert written == con.execute("SELECT count(*) FROM text_topics WHERE origin = 'derived'").fetchone()[0]
    audit = con.execute("SELECT actor, action, detail FROM audit_log WHERE action LIKE 'voice.%' "
                        "ORDER BY rowid").fetchall()
    assert [(a, b) for a, b, _d in audit] == [("ana", "voice.topic.save"), ("ana", "voice.topic.save"),
                                              ("ana", "voice.retag")]
    for user in (User("boss", "leader"), User("s1", "station", "S1")):
        with pytest.raises(AccessDenied):
            voice.save_topic(con, "beat", "x", "x", ["x"], user)
        with pytest.raises(AccessDenied):
            voice.retag(con, user)


# ------------------------------------------------------------------------------------------------ opinions

def test_opinion_coverage_by_hand(opinion_city):
    m = prevention.prevention_metrics(opinion_city, ALL, metrics=["unsolved_opinion_coverage"])
    got = {r.jurisdiction: (int(r.x), int(r.n)) for r in m.itertuples()}
    assert got == {"S1": (2, 3), "S3": (0, 1)}  # S2's only callback does not say: no base
    s1 = m[m["jurisdiction"] == "S1"].iloc[0]
    # Wilson 95% for 2/3: centre (2 + 1.92)/(3 + 3.84) = 0.573, half-width 1.96*sqrt(2*1/3 + 0.96)/6.84 = 0.365
    assert (s1["ci_low"], s1["ci_high"]) == (pytest.approx(0.2077, abs=1e-3), pytest.approx(0.9385, abs=1e-3))
    # Callback coverage and timeliness still count every unsolved case: S1 has C2, C3, C8, C9, three called
    # back, all within 30 days (4, 4 and 6 days); C2's deadline (2026-09-02) is after the as-of day (08-03).
    m = prevention.prevention_metrics(opinion_city, ALL, metrics=["unsolved_callback_coverage",
                                                                  "unsolved_callback_on_time"])
    s1 = {r.metric: (int(r.x), int(r.n)) for r in m[m["jurisdiction"] == "S1"].itertuples()}
    assert s1 == {"unsolved_callback_coverage": (3, 4), "unsolved_callback_on_time": (3, 3)}


def test_opinions_are_redacted_tagged_and_only_for_record_detail(opinion_city):
    con = opinion_city
    rows = prevention.unsolved_opinions(con, ALL)
    assert list(rows["case_id"]) == ["C9", "C3"]  # newest callback first; C1 was solved
    c3 = rows[rows["case_id"] == "C3"].iloc[0]
    assert "13912345678" not in c3["text"] and "[电话]" in c3["text"]
    assert list(c3["topics"]) == ["patrol"] and list(c3["evidence"]) == ["巡逻"]
    c9 = rows[rows["case_id"] == "C9"].iloc[0]
    assert c9["tone"] == "negative" and "theft" in list(c9["topics"])
    assert con.execute("SELECT count(*) FROM comment_events WHERE text LIKE '%13912345678%'").fetchone()[0] == 0
    # A leader or a station user sees the topic counts, not the words of residents.
    for user in (User("boss", "leader"), User("s1", "station", "S1")):
        with pytest.raises(AccessDenied):
            prevention.unsolved_opinions(con, ALL.with_(user=user))
    counts = prevention.opinion_topics(con, ALL.with_(user=User("boss", "leader")))
    assert {(r.jurisdiction, r.topic, int(r.n)) for r in counts.itertuples()} >= {("S1", "patrol", 1),
                                                                                 ("S1", "theft", 1)}
    assert prevention.opinion_topics(con, ALL.with_(user=User("s3", "station", "S3"))).empty


def test_opinion_comments_join_the_comment_feed(opinion_city):
    # Three comments from the comments file and three case opinions (C1 solved, C3, C9) as callback comments.
    feed = voice.comments_feed(opinion_city, ALL)
    assert len(feed) == 6
    assert sorted(opinion_city.execute("SELECT case_id FROM comments WHERE source = 'callback' AND case_id IS NOT "
                                       "NULL").fetchall()) == [("C1",), ("C3",), ("C9",)]


def test_days_to_answer_without_an_answered_demand_is_no_data(opinion_city):
    # Demands: S1 answered Q1 (4 days) and Q2 (36 days); S2's Q3 and S3's Q4 are not answered, so S2 and S3
    # have no median at all: "no data", never an ok figure with an empty value.
    frame = link.metric_frame(opinion_city, ALL, "voice.demand_answer_days_median").set_index("jurisdiction")
    assert frame.loc["S1", "flag"] == "ok"
    assert frame.loc["S1", "value"] == pytest.approx(20.0)  # median of 4 and 36 days
    for code in ("S2", "S3"):
        assert frame.loc[code, "flag"] == "no_data", frame
        assert pd.isna(frame.loc[code, "value"])
