"""Issue 19: disputes and 民转刑, hazards, unsolved-case callbacks, demands and comments.

Every record goes through the real ingestion pipeline from crafted CSV text; expected figures are
computed by hand in the comments next to them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import auth, forum, prevention, report, store, textprivacy, voice
from analytics.errors import AccessDenied, IngestError
from analytics.ingest.pipeline import ingest_file
from analytics.selection import Selection
from analytics.roles import LOCAL_USER, User

JURISDICTIONS = """code,name_zh,name_en,parent_code,level
C,测试市,Test City,,city
D1,一区,District One,C,district
D2,二区,District Two,C,district
S1,甲派出所,Station A,D1,station
S2,乙派出所,Station B,D1,station
S3,丙派出所,Station C,D2,station
"""
# Party phones: P1 and P2 in dispute J1 (S1), P3 in J2 (S1), P4 in J3 (S2), P5 in J4 (S1), nobody else.
DISPUTES = """纠纷编号,所属派出所,发现日期,来源,纠纷类型,调处结果,调处日期,当事人电话
J1,S1,2026-01-10,大走访,邻里纠纷,调解不成,2026-01-20,13900000001
J1,S1,2026-01-10,大走访,邻里纠纷,调解不成,2026-01-20,13900000002
J2,S1,2026-01-15,排查,家庭纠纷,调解成功,2026-01-18,13900000003
J3,S2,2026-02-01,110接警,劳资纠纷,调解成功,2026-02-03,13900000004
J4,S1,2026-02-10,排查,物业纠纷,调解中,,13900000005
J5,S2,2026-02-20,大走访,邻里纠纷,调解成功,2026-02-22,
"""
# C1: violence by P2, 100 days after J1 -> escalation (inside 180 days).
# C2: violence by P3, 200 days after J2 -> outside the window.
# C3: violence by a person in no dispute (P9), in S1 -> no link.
# C4: theft by P4 in S3 (another district) 30 days after J3 -> escalation of J3, counted for S2.
# C5: a dispute case (not criminal) by P5 -> no escalation.
# C6: violence by nobody known, naming J5 -> escalation by reference.
# C7: violence by P1 BEFORE J1 was found -> not an escalation.
CASES = """案件编号,所属派出所,案件类别,报案时间,案件状态,处理结果,回访时间,关联纠纷编号,报案人电话
C1,S1,故意伤害,2026-04-20 10:00,已结案,破案,2026-04-25 10:00,,13900000002
C2,S1,故意伤害,2026-08-03 10:00,处理中,,,,13900000003
C3,S1,故意伤害,2026-03-01 10:00,已结案,未破,,,13900000009
C4,S3,盗窃,2026-03-03 10:00,已结案,未破,2026-03-10 10:00,,13900000004
C5,S1,纠纷,2026-03-01 10:00,已结案,调解成功,,,13900000005
C6,S2,故意伤害,2026-03-10 10:00,已结案,未破,2026-05-20 10:00,J5,
C7,S1,故意伤害,2026-01-05 10:00,已结案,破案,,,13900000001
"""
HAZARDS = """隐患编号,所属派出所,发现日期,场所类别,隐患等级,整改期限,整改日期
H1,S1,2026-01-01,消防,一般隐患,2026-01-15,2026-01-10
H2,S1,2026-01-05,特种行业,一般隐患,2026-01-20,2026-02-04
H3,S1,2026-01-10,道路交通,重大隐患,2026-02-10,
H4,S2,2026-02-01,危险物品,一般隐患,2026-02-15,2026-02-14
H5,S2,2026-08-01,重点场所,一般隐患,2026-08-30,
H6,S3,2026-01-01,消防,一般隐患,2026-01-10,
"""
DEMANDS = """诉求编号,渠道,受理时间,承办单位,诉求内容,办理状态,答复时间,答复内容
Q1,12345热线,2026-02-01 09:00,S1,张伟反映幸福小区12号楼3单元门口天天乱停车，电话13812345678,已答复,2026-02-05 09:00,已处理
Q2,网上留言,2026-02-02 09:00,S1,晚上广场舞噪音扰民，车牌京A12345的车也乱停,已答复,2026-03-10 09:00,已协调
Q3,信访,2026-02-03 09:00,S2,希望多巡逻，身份证号110101199003071234丢失，联系人王秀英,待办,,
Q4,微博,2026-02-04 09:00,S3,Parking on Baker Street is terrible; call 13987654321,待办,,
"""
COMMENTS = """意见编号,来源,所属派出所,日期,意见建议
K1,调查问卷,S1,2026-02-01,社区民警很负责，感谢
K2,电话回访,S1,2026-02-02,出警太慢，不满意
K3,调查问卷,S2,2026-02-03,总体还可以，希望多巡逻
"""


def _load(con, tmp_path: Path, kind: str, text: str, name: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ingest_file(con, kind, path, user=User('test', "admin"))


@pytest.fixture
def city(tmp_path):
    con = store.connect(tmp_path / "p.duckdb")
    for kind, text, name in (("jurisdictions", JURISDICTIONS, "j.csv"), ("cases", CASES, "c.csv"),
                             ("disputes", DISPUTES, "d.csv"), ("hazards", HAZARDS, "h.csv"),
                             ("demands", DEMANDS, "q.csv"), ("comments", COMMENTS, "k.csv")):
        _load(con, tmp_path, kind, text, name)
    store.set_setting(con, "suppress_below_n_eff", 0, user=LOCAL_USER)
    store.set_setting(con, "caution_below_n_eff", 0, user=LOCAL_USER)
    yield con
    con.close()


ALL = Selection(period_kind="all")


def test_escalation_links_inside_window_by_person_and_reference_only(city):
    rows = prevention.escalations(city, ALL)
    got = sorted(zip(rows["dispute_id"], rows["case_id"], rows["link"], strict=True))
    # J1 -> C1 (P2, day 100), J3 -> C4 (P4, other district, day 30), J5 -> C6 (reference); not C2 (day 200),
    # C3 (no party), C5 (not criminal), C7 (before the dispute).
    assert got == [("J1", "C1", "person"), ("J3", "C4", "person"), ("J5", "C6", "reference")]
    j3 = rows[rows["dispute_id"] == "J3"].iloc[0]
    assert (j3["station"], j3["case_station"], int(j3["days_after"])) == ("S2", "S3", 30)
    assert not any("hash" in c for c in rows.columns)  # keys are never returned


def test_escalation_window_is_configurable(city):
    wide = prevention.escalations(city, ALL, window_days=250)
    assert ("J2", "C2") in set(zip(wide["dispute_id"], wide["case_id"], strict=True))  # day 200 now inside
    narrow = prevention.escalations(city, ALL, window_days=50)
    assert sorted(narrow["dispute_id"]) == ["J3", "J5"]  # J1's case came on day 100


def _metric(frame, jurisdiction, metric):
    row = frame[(frame["jurisdiction"] == jurisdiction) & (frame["metric"] == metric)]
    assert len(row) == 1, (jurisdiction, metric)
    return row.iloc[0]


def test_dispute_and_hazard_metrics_by_hand(city):
    m = prevention.prevention_metrics(city, ALL)
    # S1: J1 failed, J2 mediated, J4 pending -> found 3, mediated 1, 调结率 1/2.
    assert int(_metric(m, "S1", "disputes_found")["n"]) == 3
    rate = _metric(m, "S1", "mediation_rate")
    assert (int(rate["x"]), int(rate["n"])) == (1, 2)
    assert rate["ci_low"] < 0.5 < rate["ci_high"]
    # as of = latest date in the data = 2026-08-03 (C2). Escalation base: disputes whose 180 days have
    # passed by then: J1 (2026-07-09) and J2 (2026-07-14), not J4 (2026-08-09) -> 1 escalated / 2.
    esc = _metric(m, "S1", "escalation_rate")
    assert (int(esc["x"]), int(esc["n"])) == (1, 2)
    assert int(_metric(m, "S2", "escalations")["n"]) == 2  # J3 (case in S3) and J5 (reference)
    # Hazards S1: H1 on time, H2 late (2026-02-04 > 01-20), H3 never rectified (overdue since 02-10).
    on_time = _metric(m, "S1", "rectified_on_time_rate")
    assert (int(on_time["x"]), int(on_time["n"])) == (1, 3)
    assert int(_metric(m, "S1", "hazards_overdue")["n"]) == 1
    assert _metric(m, "S1", "rectify_days_median")["value"] == pytest.approx((9 + 30) / 2)  # 9 and 30 days
    # S2: H4 on time; H5 deadline 08-30 is after the as-of day and not rectified: not due, not overdue.
    s2 = _metric(m, "S2", "rectified_on_time_rate")
    assert (int(s2["x"]), int(s2["n"])) == (1, 1)
    overdue = prevention.overdue_hazards(city, ALL)
    assert list(overdue["hazard_id"]) == ["H6", "H3"]  # longest overdue first
    assert list(overdue["days_overdue"]) == [205, 174]  # 2026-01-10 and 2026-02-10 -> 2026-08-03


def test_unsolved_callbacks_by_hand(city):
    m = prevention.prevention_metrics(city, ALL)
    # Crime cases not solved in S1: C2 (open, no outcome) and C3 (unsolved); none called back.
    cov = _metric(m, "S1", "unsolved_callback_coverage")
    assert (int(cov["x"]), int(cov["n"])) == (0, 2)
    # S2: C6 unsolved, called back 71 days later -> covered, not on time (30 days).
    s2 = _metric(m, "S2", "unsolved_callback_on_time")
    assert (int(s2["x"]), int(s2["n"])) == (0, 1)
    s3 = _metric(m, "S3", "unsolved_callback_on_time")  # C4 called back after 7 days
    assert (int(s3["x"]), int(s3["n"])) == (1, 1)


def test_district_figures_are_pooled_from_station_records(city):
    m = prevention.prevention_metrics(city, ALL.with_(level="district"))
    assert int(_metric(m, "D1", "disputes_found")["n"]) == 5  # S1 3 + S2 2
    assert int(_metric(m, "D1", "escalations")["n"]) == 3


def test_dispute_rows_of_one_dispute_must_agree_and_dates_be_in_order(tmp_path):
    con = store.connect(tmp_path / "bad.duckdb")
    _load(con, tmp_path, "jurisdictions", JURISDICTIONS, "j.csv")
    bad = ("纠纷编号,所属派出所,发现日期,纠纷类型,调处结果,调处日期,当事人电话\n"
           "J1,S1,2026-01-10,邻里纠纷,调解成功,2026-01-05,13900000001\n"
           "J1,S2,2026-01-10,邻里纠纷,调解成功,2026-01-05,13900000002\n")
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        ingest_file(con, "disputes", tmp_path / "bad.csv", user=User('test', "admin"))
    codes = sorted(p.code for p in caught.value.problems)
    assert codes == ["date_order", "date_order", "rows_disagree"]
    assert con.execute("SELECT count(*) FROM dispute_events").fetchone()[0] == 0
    hazards = "隐患编号,所属派出所,发现日期,整改期限,整改日期\nH1,S1,2026-01-10,2026-01-20,2026-01-01\n"
    (tmp_path / "h.csv").write_text(hazards, encoding="utf-8")
    with pytest.raises(IngestError):
        ingest_file(con, "hazards", tmp_path / "h.csv", user=User('test', "admin"))
    con.close()


def test_unknown_channel_is_kept_and_proposed_for_mapping(city):
    row = city.execute("SELECT channel, channel_label FROM demands WHERE demand_id = 'Q4'").fetchone()
    assert row == ("other", "微博")
    summary = city.execute("SELECT summary FROM batches WHERE kind = 'demands'").fetchone()[0]
    assert "微博" in summary and "unmapped_record_label" in summary


# ------------------------------------------------------------------------------------------------ privacy

ORIGINALS = ["13812345678", "京A12345", "110101199003071234", "张伟", "王秀英", "12号楼", "13987654321",
             "13900000001"]


@pytest.mark.parametrize(("text", "expected"), [
    ("电话13812345678", "电话[电话]"),
    ("打+86 138 1234 5678找我", "打[电话]找我"),
    ("座机0571-88776655", "座机[电话]"),
    ("身份证110101199003071234", "身份证[身份证号]"),
    ("车牌京A12345", "车牌[车牌]"),
    ("新能源车粤B·D12345", "新能源车[车牌]"),
    ("住幸福小区12号楼3单元502室", "住幸福小区[门牌号]"),
    ("I live at No. 12, near 34 Baker Street", "I live at [门牌号], near [门牌号] Baker Street"),
    ("张伟反映情况", "[姓名]反映情况"),
    # typed on a Chinese keyboard: full-width digits, letters, plus sign and space (once stored in clear); the
    # text's own full-width punctuation is kept
    ("电话１３８１２３４５６７８，谢谢！", "电话[电话]，谢谢！"),
    ("打＋８６　１３８　１２３４　５６７８找我", "打[电话]找我"),
    ("座机０５７１－８８７７６６５５", "座机[电话]"),
    ("身份证１１０１０１１９９００３０７１２３４。", "身份证[身份证号]。"),
    ("车牌京Ａ１２３４５", "车牌[车牌]"),
])
def test_redaction_of_every_pattern(text, expected):
    assert textprivacy.redact(text) == expected


def test_redaction_keeps_police_terms_and_is_idempotent():
    text = "社区民警到派出所警务室调解，谢谢"
    assert textprivacy.redact(text) == text
    once = textprivacy.redact("王秀英电话13812345678")
    assert textprivacy.redact(once) == once


def test_no_original_text_anywhere_in_the_database_file(city, tmp_path):
    city.execute("CHECKPOINT")
    city.close()
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("p.duckdb*") if p.is_file())
    for original in ORIGINALS:
        assert original.encode("utf-8") not in blob, original
    # ...while the redacted texts are there (the grep can fail)
    assert "[电话]".encode() in blob and "幸福小区".encode() in blob


# ------------------------------------------------------------------------------------------------ topics

def test_topic_tagging_on_a_fixed_corpus_with_evidence():
    topics = [textprivacy.Topic("parking", "停车难", "Parking", ("停车", "乱停", "parking")),
              textprivacy.Topic("noise", "噪音扰民", "Noise", ("噪音", "扰民", "广场舞", "noise")),
              textprivacy.Topic("fraud", "电信诈骗", "Fraud", ("诈骗", "scam")),
              textprivacy.Topic("patrol", "巡逻防控", "Patrols", ("巡逻", "police presence"))]
    corpus = {
        "小区门口车辆乱停": {"parking": ("乱停",)},
        "停车难的问题一直没解决": {"parking": ("停车",)},
        "晚上广场舞噪音扰民": {"noise": ("噪音", "广场舞", "扰民")},
        "老人接到诈骗电话，希望多巡逻": {"fraud": ("诈骗",), "patrol": ("巡逻",)},
        "Noise from the bar and no police presence at night": {"noise": ("noise",), "patrol": ("police presence",)},
        "Beware of the phone scam": {"fraud": ("scam",)},
        "谢谢民警": {},
    }
    for text, expected in corpus.items():
        assert textprivacy.tag(text, topics) == expected, text


def test_lexicon_tone():
    assert textprivacy.tone("出警太慢，不满意") == ("negative", ("太慢", "不满意"))
    assert textprivacy.tone("社区民警很负责，感谢")[0] == "positive"
    assert textprivacy.tone("总体还可以")[0] == "neutral"


def test_loaded_demands_carry_derived_topics_with_evidence_and_retag_applies_edits(city):
    ev = voice.evidence(city, ALL)
    words = {(r.topic, r.word) for r in ev.itertuples()}
    assert {("noise", "广场舞"), ("parking", "乱停"), ("patrol", "巡逻")} <= words
    tones = dict(city.execute("SELECT comment_id, tone FROM comments").fetchall())
    assert tones == {"K1": "positive", "K2": "negative", "K3": "neutral"}
    admin = auth.LOCAL_USER
    voice.save_topic(city, "idcard", "证件", "ID papers", ["丢失"], admin)
    voice.retag(city, admin)
    ev = voice.evidence(city, ALL)
    assert ("idcard", "丢失") in {(r.topic, r.word) for r in ev.itertuples()}


# ------------------------------------------------------------------------------------------------ roles, scope

def test_roles_and_scope(city):
    leader = auth.User("boss", "leader")
    station = auth.User("s1", "station", "S1")
    analyst = auth.User("ana", "analyst")
    for call in (lambda u: prevention.escalations(city, ALL.with_(user=u)),
                 lambda u: voice.demand_texts(city, ALL.with_(user=u)),
                 lambda u: voice.comments_feed(city, ALL.with_(user=u))):
        for user in (leader, station):
            with pytest.raises(AccessDenied):
                call(user)
        assert not call(analyst).empty
    # leaders see topics and counts of everyone; station users only their own subtree's records
    assert set(voice.topic_counts(city, ALL.with_(user=leader))["jurisdiction"]) == {"S1", "S2", "S3"}
    assert set(voice.topic_counts(city, ALL.with_(user=station))["jurisdiction"]) == {"S1"}
    mine = prevention.prevention_metrics(city, ALL.with_(user=station))
    assert set(mine["jurisdiction"]) == {"S1"}
    district = prevention.prevention_metrics(city, ALL.with_(user=station, level="district"))
    # the district row of a station user is built from its own station's records only
    assert int(_metric(district, "D1", "disputes_found")["n"]) == 3
    assert set(prevention.overdue_hazards(city, ALL.with_(user=station))["station"]) <= {"S1"}
    with pytest.raises(AccessDenied):
        voice.save_topic(city, "x", "x", "x", ["x"], leader)


# ------------------------------------------------------------------------------------------------ forum

def test_forum_table_built_from_action_records_in_both_languages(city):
    forum.save_actions(city, "S1", "2026Q1", [{"concern": "夜间照明", "action": "已修路灯", "status": "done"}],
                       user=User('test', "admin"))
    added = forum.add_topic_actions(city, "S1", "2026Q1", user=User("test", "admin"), top=5)
    assert added == 2  # parking (Q1, Q2) and noise (Q2) in S1 in 2026Q1
    zh = forum.list_actions(city, "S1", "2026Q1", "zh")
    en = forum.list_actions(city, "S1", "2026Q1", "en")
    assert [a.concern_text for a in zh] == ["夜间照明", "停车难（2 件诉求）", "噪音扰民（1 件诉求）"]
    assert [a.concern_text for a in en][1:] == ["停车难 — Parking (2 demands)", "噪音扰民 — Noise (1 demand)"]
    assert forum.add_topic_actions(city, "S1", "2026Q1", user=User("test", "admin")) == 0  # every topic has its row now
    # still editable: the action of a topic row is typed in and saved; the topic link stays
    rows = [{"action_id": a.action_id, "concern": a.concern, "action": "加装车位" if i == 1 else a.action,
             "status": a.status} for i, a in enumerate(zh)]
    forum.save_actions(city, "S1", "2026Q1", rows, user=User('test', "admin"))
    again = forum.list_actions(city, "S1", "2026Q1", "zh")
    assert again[1].action == "加装车位" and again[1].topics == ("parking",)
    store.set_setting(city, "suppress_below_n_eff", 30, user=LOCAL_USER)
    _ = report  # the exports read the same rows (analytics.report uses ActionRow.concern_text)
