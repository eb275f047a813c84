"""A number outside an item's scale cannot be an answer: a row problem naming row, column, value and the scale.

The project's rule is to reject only what cannot be true. '7' on the 1–5 satisfaction item, '-1' or '0' on it,
'11' on a 0–10 item are impossible answers, not labels waiting for a mapping; before this check they got the
unmapped-label message ("'7' is not yet mapped to an answer of satisfaction ... choose its code in the value
map"). A text label ('很好') keeps that message. How a number is decided to be out of scale:

* only when the item's value map does NOT map it: the default map knows the item's codes and its don't-know
  codes (9 on the 5-point items, 88 below), and a mapping's value map may map a vendor's own code (7 =
  'refused', say) to don't know; a mapped value is mapped, never out of scale;
* only on items with a numeric scale (definitions.SCALES: likert5 runs 1–5, scale0_10 0–10); open and
  categorical items have no range;
* a number is the cell as the value maps fold it (full-width digits, '7.0' -> '7') matching -?digits(.digits)?;
  one below the scale's low end or above its high end is out of scale; a fraction inside the range (3.5) is not
  a point of the scale.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import definitions, store
from analytics.errors import IngestError
from analytics.ingest import ingest_file, report_lines
from analytics.roles import LOCAL_USER

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
HEADER = "问卷编号,调查日期,派出所,总体满意度,信任（0–10分）"


@pytest.fixture
def con(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    connection = store.connect(tmp_path / "scale.duckdb")
    ingest_file(connection, "jurisdictions", FIXTURES / "jurisdictions.csv", user=LOCAL_USER)
    item = definitions.Item("trust_0_10", "信任（0–10分）", "Trust (0–10)", "scale0_10",
                            {str(v): {"zh": str(v), "en": str(v)} for v in range(11)}, ["88"])
    definitions.save_item(connection, item, user=LOCAL_USER)
    yield connection
    connection.close()


def survey(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    """A survey file with one respondent per (satisfaction, trust 0–10) pair, rows 2, 3, ... of the file."""
    lines = [HEADER] + [f"R{i:02d},2025-03-05,S01,{sat},{trust}" for i, (sat, trust) in enumerate(rows)]
    path = tmp_path / "scale.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


MAPPING = {"columns": {"信任（0–10分）": "trust_0_10"}, "constants": {"mode": "phone"}}


def rejected(con, path: Path, mapping: dict | None = None) -> IngestError:
    with pytest.raises(IngestError) as info:
        ingest_file(con, "survey", path, mapping=mapping or MAPPING, user=LOCAL_USER)
    return info.value


def test_a_number_outside_the_scale_is_an_impossible_value_naming_the_scale(con, tmp_path):
    path = survey(tmp_path, [("7", "5"), ("-1", "5"), ("0", "5"), ("4", "11"), ("很好", "5"), ("3.5", "5"),
                             ("９", "88"), ("5", "10")])
    error = rejected(con, path)
    found = {(p.row, p.column, p.value, p.code, p.key) for p in error.problems}
    assert found == {
        (2, "总体满意度", "7", "impossible_value", "out_of_scale"),
        (3, "总体满意度", "-1", "impossible_value", "out_of_scale"),
        (4, "总体满意度", "0", "impossible_value", "out_of_scale"),
        (5, "信任（0–10分）", "11", "impossible_value", "out_of_scale"),
        (6, "总体满意度", "很好", "invalid_code", "invalid_code_dk"),  # a label: still asks for a mapping
        (7, "总体满意度", "3.5", "impossible_value", "not_on_scale"),
        # row 8: full-width ９ folds to 9, the 5-point items' don't know; 88 is trust_0_10's; row 9 is valid
    }
    messages = {p.value: p for p in error.problems}
    assert messages["7"].text("en") == (
        "7 is outside the scale 1–5 of satisfaction; if it is a code of the file's own (such as don't know), "
        "choose its code in the value map")
    assert messages["11"].text("en").startswith("11 is outside the scale 0–10 of trust_0_10;")
    assert messages["7"].text("zh") == (
        "7 超出题目 satisfaction 的量表范围 1–5；如果它是文件自己的代码（如“不知道”），请在答案取值对照中为它选择代码")
    assert messages["3.5"].text("en") == (
        "3.5 is not a point of the scale 1–5 of satisfaction (whole numbers only)")
    assert messages["很好"].text("en").startswith("'很好' is not yet mapped to an answer of satisfaction")
    lines = report_lines(error)
    assert "  row 2, column 总体满意度: 7 is outside the scale 1–5 of satisfaction; if it is a code of the file's " \
           "own (such as don't know), choose its code in the value map" in lines


def test_a_number_the_value_map_maps_is_mapped_not_out_of_scale(con, tmp_path):
    # The vendor writes 7 for 'refused' on the 5-point item and 99 for 'no answer' on the 0–10 item: mapped to
    # don't know they load as don't know (not in the base), and nothing is out of scale.
    path = survey(tmp_path, [("7", "99"), ("5", "10"), ("1", "0")])
    mapping = {**MAPPING, "value_maps": {"satisfaction": {"7": "9"}, "trust_0_10": {"99": "88"}}}
    result = ingest_file(con, "survey", path, mapping=mapping, user=LOCAL_USER)
    codes = dict(con.execute(
        "SELECT r.respondent_id || '/' || a.item, a.code FROM answers a JOIN respondents r USING (respondent_key) "
        "WHERE a.batch_id = $b", {"b": result.batch_id}).fetchall())
    assert codes == {"R00/satisfaction": "9", "R00/trust_0_10": "88", "R01/satisfaction": "5",
                     "R01/trust_0_10": "10", "R02/satisfaction": "1", "R02/trust_0_10": "0"}


def test_an_out_of_scale_value_is_still_offered_in_the_value_map_table(con, tmp_path):
    # The dry run lists the out-of-scale value in the value-map table as unknown, so the Upload page still
    # offers to map it (the vendor-code case) while the report calls it impossible.
    path = survey(tmp_path, [("7", "5"), ("5", "5")])
    error = rejected(con, path)
    assert [(v["value"], v["unknown"]) for v in error.answer_values if v["item"] == "satisfaction"
            and v["value"] == "7"] == [("7", True)]


def test_the_mapping_draft_leaves_an_out_of_scale_number_for_the_analyst(con, tmp_path):
    from analytics.ingest.mapping import draft_value_maps

    error = rejected(con, survey(tmp_path, [("7", "5"), ("很满意啊", "5")]))
    # the label gets its closest word's code; the number no guess (only the analyst knows a vendor's code)
    assert draft_value_maps(error.problems, {"satisfaction": {"很满意": "5"}}) == {
        "satisfaction": {"7": "", "很满意啊": "5"}}
