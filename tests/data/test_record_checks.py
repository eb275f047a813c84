"""The kind-specific checks of disputes, hazards, demands and comments uploads (issue 19), through the real
pipeline: ids once per file, dates in order, and the labels no value map knows, per field with their rows.

Expected problems and label counts are read off the crafted CSV text by hand (comments next to each).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import store
from analytics.errors import IngestError
from analytics.ingest.pipeline import ingest_file
from analytics.roles import User

ADMIN = User("test", "admin")
JURISDICTIONS = "code,name_zh,name_en,parent_code,level\nC,市,City,,city\nS1,甲所,Station A,C,station\n"


@pytest.fixture
def con(tmp_path):
    con = store.connect(tmp_path / "r.duckdb")
    _ingest(con, tmp_path, "jurisdictions", JURISDICTIONS)
    yield con
    con.close()


def _ingest(con, tmp_path: Path, kind: str, text: str) -> dict:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    return ingest_file(con, kind, path, user=ADMIN).summary


def _problems(con, tmp_path: Path, kind: str, text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(IngestError) as caught:
        _ingest(con, tmp_path, kind, text)
    return sorted((p.row, p.column, p.code) for p in caught.value.problems)


# Disputes: 来源 '街面' x2 (one dispute's two party rows) and '网格员' x1 unknown, '排查' known; 纠纷类型 '鸡毛蒜皮'
# x1 unknown; 调处结果 all known. Hazards: 场所类别 '菜市场' x2 unknown; 隐患等级 '特大' x1 unknown, the others known.
# Demands: 渠道 '微博' x2 and '抖音' x1 unknown; 办理状态 '挂起' x1 unknown. Comments: 来源 '朋友圈' x1 unknown,
# '调查问卷' known.
UNMAPPED = [
    ("disputes",
     "纠纷编号,所属派出所,发现日期,来源,纠纷类型,调处结果,调处日期,当事人电话\n"
     "J1,S1,2026-01-10,街面,邻里纠纷,调解成功,2026-01-20,13900000001\n"
     "J1,S1,2026-01-10,街面,邻里纠纷,调解成功,2026-01-20,13900000002\n"
     "J2,S1,2026-01-11,网格员,鸡毛蒜皮,调解中,,13900000003\n"
     "J3,S1,2026-01-12,排查,家庭纠纷,调解成功,2026-01-13,13900000004\n",
     {"source": {"街面": 2, "网格员": 1}, "dispute_type": {"鸡毛蒜皮": 1}}),
    ("hazards",
     "隐患编号,所属派出所,发现日期,场所类别,隐患等级,整改期限,整改日期\n"
     "H1,S1,2026-01-01,菜市场,一般隐患,2026-01-15,2026-01-10\n"
     "H2,S1,2026-01-02,菜市场,特大,2026-01-15,\n"
     "H3,S1,2026-01-03,消防,重大隐患,2026-01-15,\n",
     {"place_category": {"菜市场": 2}, "severity": {"特大": 1}}),
    ("demands",
     "诉求编号,渠道,受理时间,承办单位,诉求内容,办理状态,答复时间,答复内容\n"
     "Q1,微博,2026-02-01 09:00,S1,路灯坏了,已答复,2026-02-02 09:00,已修\n"
     "Q2,微博,2026-02-02 09:00,S1,噪音,挂起,,\n"
     "Q3,抖音,2026-02-03 09:00,S1,乱停车,待办,,\n"
     "Q4,12345热线,2026-02-04 09:00,S1,巡逻,待办,,\n",
     {"channel": {"微博": 2, "抖音": 1}, "status": {"挂起": 1}}),
    ("comments",
     "意见编号,来源,所属派出所,日期,意见建议\nK1,朋友圈,S1,2026-02-01,很好\nK2,调查问卷,S1,2026-02-02,还行\n",
     {"source": {"朋友圈": 1}}),
]


@pytest.mark.parametrize(("kind", "text", "expected"), UNMAPPED, ids=[u[0] for u in UNMAPPED])
def test_unmapped_labels_of_each_field_with_their_rows(con, tmp_path, kind, text, expected):
    assert _ingest(con, tmp_path, kind, text)["unmapped_labels"] == expected


def test_nothing_unmapped_gives_an_empty_list(con, tmp_path):
    comments = "意见编号,来源,所属派出所,日期,意见建议\nK1,调查问卷,S1,2026-02-01,很好\n"
    assert _ingest(con, tmp_path, "comments", comments)["unmapped_labels"] == {}


def test_repeated_ids_and_dates_out_of_order(con, tmp_path):
    # Hazards: H1 again on file row 3 (the header is row 1); row 4 rectified (2026-01-01) and due (2026-01-05)
    # before it was found (2026-01-10): two date_order problems, one per column.
    hazards = ("隐患编号,所属派出所,发现日期,整改期限,整改日期\n"
               "H1,S1,2026-01-01,2026-01-15,\n"
               "H1,S1,2026-01-02,2026-01-15,\n"
               "H2,S1,2026-01-10,2026-01-05,2026-01-01\n")
    assert _problems(con, tmp_path, "hazards", hazards) == [
        (3, "隐患编号", "duplicate_id"), (4, "整改日期", "date_order"), (4, "整改期限", "date_order")]
    # Demands: Q1 twice (row 3); Q2 answered an hour before it was received (row 4).
    demands = ("诉求编号,渠道,受理时间,承办单位,诉求内容,答复时间\n"
               "Q1,12345热线,2026-02-01 09:00,S1,甲,\n"
               "Q1,12345热线,2026-02-01 10:00,S1,乙,\n"
               "Q2,12345热线,2026-02-01 09:00,S1,丙,2026-02-01 08:00\n")
    assert _problems(con, tmp_path, "demands", demands) == [
        (3, "诉求编号", "duplicate_id"), (4, "答复时间", "date_order")]
    # Comments: K1 three times: rows 3 and 4 repeat it.
    comments = ("意见编号,所属派出所,日期,意见建议\nK1,S1,2026-02-01,甲\nK1,S1,2026-02-01,乙\n"
                "K1,S1,2026-02-02,丙\n")
    assert _problems(con, tmp_path, "comments", comments) == [
        (3, "意见编号", "duplicate_id"), (4, "意见编号", "duplicate_id")]
    for table in ("hazards", "demands", "comments"):
        assert con.execute("SELECT count(*) FROM " + table).fetchone()[0] == 0  # all or nothing
