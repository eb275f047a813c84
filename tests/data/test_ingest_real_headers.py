"""Issue 13 (real files, first time): long English headers, indicator-like columns left unmapped, value
maps without JSON, jurisdictions of several cities, survey waves. Every fixture is written by the test
itself and checked against figures computed by hand."""

from analytics.selection import Selection
import pytest

from analytics import engine, store
from analytics.errors import IngestError
from analytics.ingest import ingest_file, propose_mapping, report_lines
from tests.data import test_ingest_fixtures as base
from analytics.roles import LOCAL_USER

secret = base.secret
registry_template = base.registry_template
reg_db = base.reg_db
snapshot = base.snapshot
answers = base.answers

# UTF-16 "Unicode text" with tabs, as Excel saves it, with the long English headers of a commissioned survey.
LONG_HEADERS = ["Respondent ID", "Interview date (dd/mm/yyyy)", "Police station",
                "Seen police patrol (last 3 months)", "Knows how to contact police", "Overall satisfaction (1-5)",
                "Comments"]
LONG_ROWS = [
    ["E01", "05/03/2025", "S01", "Yes", "Yes", "5", "fine"],
    ["E02", "06/03/2025", "S01", "No", "Yes", "4", ""],
    ["E03", "14/03/2025", "S01", "Yes", "No", "2", "slow"],
    ["E04", "20/03/2025", "S01", "Don't know", "Yes", "3", ""],
]


def write_utf16_tab(path, headers, rows):
    text = "\r\n".join("\t".join(r) for r in [headers, *rows]) + "\r\n"
    path.write_bytes(text.encode("utf-16"))  # with its byte-order mark, as Excel writes it
    return path


def test_long_english_headers_are_proposed_for_the_key_indicators(reg_db, tmp_path):
    path = write_utf16_tab(tmp_path / "wave.txt", LONG_HEADERS, LONG_ROWS)
    proposal = propose_mapping(reg_db, "survey", path)
    targets = {c.header: (c.target, c.reason) for c in proposal.columns}
    assert targets == {
        "Respondent ID": ("respondent_id", "synonym"),
        "Interview date (dd/mm/yyyy)": ("interview_date", "synonym"),
        "Police station": ("jurisdiction", "synonym"),
        "Seen police patrol (last 3 months)": ("seen_police", "tokens"),
        "Knows how to contact police": ("knows_contact", "tokens"),
        "Overall satisfaction (1-5)": ("satisfaction", "synonym"),
        "Comments": ("ignore", ""),
    }
    assert proposal.unmapped_items == {}
    result = ingest_file(reg_db, "survey", path, user=LOCAL_USER)
    got = answers(reg_db, result.batch_id)
    assert [got[(r, "seen_police")] for r in ("E01", "E02", "E03", "E04")] == ["1", "0", "1", "9"]
    assert [got[(r, "knows_contact")] for r in ("E01", "E02", "E03", "E04")] == ["1", "1", "0", "1"]
    store.set_setting(reg_db, "suppress_below_n_eff", 0, user=LOCAL_USER)  # four respondents: show the estimates
    table = engine.indicator_table(reg_db, Selection(period_kind='month', level='station', jurisdiction_codes=('S01',)))
    by_key = dict(zip(table["indicator"], table["estimate"], strict=True))
    # By hand: visibility 2 yes of 3 substantive answers (don't know left out); awareness 3 of 4;
    # satisfaction (top two of five) 5 and 4 of 5, 4, 2, 3 = 2 of 4.
    assert by_key["visibility"] == pytest.approx(2 / 3)
    assert by_key["awareness"] == pytest.approx(3 / 4)
    assert by_key["satisfaction"] == pytest.approx(2 / 4)


def test_unmapped_indicator_like_column_must_be_acknowledged(reg_db, tmp_path):
    # The header shares no synonym with seen_police, but its words do ("seen") and its answers are yes/no.
    headers = ["Respondent ID", "Interview date", "Police station", "Officers seen on foot nearby",
               "Overall satisfaction"]
    rows = [["F01", "2025-03-05", "S01", "yes", "5"], ["F02", "2025-03-06", "S01", "no", "4"]]
    path = write_utf16_tab(tmp_path / "f.txt", headers, rows)
    proposal = propose_mapping(reg_db, "survey", path)
    assert proposal.unmapped_items == {"Officers seen on foot nearby": "seen_police"}
    before = snapshot(reg_db)
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", path, user=LOCAL_USER)
    assert snapshot(reg_db) == before
    assert report_lines(info.value)[1:3] == [
        "unmapped_item_column: 1",
        "  column Officers seen on foot nearby: This column looks like the answers to indicator item seen_police "
        "but is not mapped; map it to seen_police (or another item), or confirm it is not to be loaded (tick the "
        "box on the Upload page; --acknowledge HEADER; mapping option acknowledged)"]
    zh = info.value.problems[0].text("zh")
    assert zh.startswith("这一列看起来是指标题目 seen_police 的答案")
    result = ingest_file(reg_db, "survey", path,
                         mapping={"options": {"acknowledged": ["Officers seen on foot nearby"]}}, user=LOCAL_USER)
    assert result.rows == 2
    assert result.warnings[0:1] == ["These columns look like indicator questions and were, as confirmed, not loaded: "
                               "Officers seen on foot nearby."]
    assert {item for (_r, item) in answers(reg_db, result.batch_id)} == {"satisfaction"}


def test_chinese_indicator_like_column_by_shared_characters(reg_db, tmp_path):
    path = tmp_path / "zh.csv"
    path.write_text("问卷编号,调查日期,派出所,总体满意度,近三个月是否看到巡逻民警\n"
                    "Z01,2025-03-05,S01,满意,看到\n", encoding="utf-8")
    proposal = propose_mapping(reg_db, "survey", path)
    assert proposal.unmapped_items == {"近三个月是否看到巡逻民警": "seen_police"}
    mapped = ingest_file(reg_db, "survey", path, mapping={
        "columns": {"近三个月是否看到巡逻民警": "seen_police"}, "value_maps": {"seen_police": {"看到": "1"}}}, user=LOCAL_USER)
    assert answers(reg_db, mapped.batch_id)[("Z01", "seen_police")] == "1"


# ---------------------------------------------------------------------------------------------
# Two cities with overlapping codes (issue 13.7)

def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def rejected_lines(con, kind, path, **kwargs):
    before = snapshot(con)
    with pytest.raises(IngestError) as info:
        ingest_file(con, kind, path, **kwargs, user=LOCAL_USER)
    assert snapshot(con) == before
    return report_lines(info.value)


def test_second_city_cannot_take_over_the_first_citys_codes(reg_db, tmp_path):
    # Chicago's own district numbers D01/D02 are already Jiangcheng's districts.
    clash = write_csv(tmp_path / "chi.csv", "code,name_zh,name_en,parent_code,level\n"
                      "CHI,芝加哥,Chicago,,city\nD01,第1警区,District 1,CHI,district\n")
    assert rejected_lines(reg_db, "jurisdictions", clash) == [
        "Rejected chi.csv: 1 problem found; nothing was loaded.",
        "code_in_other_root: 1",
        "  row 3, column code: code 'D01' is already '东湖区 / Donghu District' under C01; this file puts it under "
        "CHI. A code cannot move from one city to another: give the new city's units their own codes (e.g. with a "
        "prefix) and keep the file's own numbers in their names"]
    own = write_csv(tmp_path / "chi2.csv", "code,name_zh,name_en,parent_code,level\n"
                    "CHI,芝加哥,Chicago,,city\nCHI-D01,第1警区,D01,CHI,district\nCHI-S01,一号站,S01,CHI-D01,station\n"
                    "CHI-S02,二号站,S02,CHI-D01,station\n")
    assert ingest_file(reg_db, "jurisdictions", own, user=LOCAL_USER).summary["added"] == 4
    assert reg_db.execute("SELECT count(*) FROM jurisdictions WHERE parent_code IS NULL").fetchall() == [(2,)]


@pytest.fixture
def two_cities(reg_db, tmp_path):
    ingest_file(reg_db, "jurisdictions", write_csv(
        tmp_path / "chi.csv", "code,name_zh,name_en,parent_code,level\n"
        "CHI,芝加哥,Chicago,,city\nCHI-D01,第1警区,D01,CHI,district\nCHI-S01,一号站,S01,CHI-D01,station\n"
        "CHI-S02,二号站,S02,CHI-D01,station\n"), user=LOCAL_USER)
    return reg_db


CHI_SURVEY = ("Respondent ID,Interview date,District station,Overall satisfaction\n"
              "K01,2025-03-05,S01,5\nK02,2025-03-05,S01,4\nK03,2025-03-06,S02,2\n")


def test_codes_shared_by_two_cities_are_never_matched_silently(two_cities, tmp_path):
    path = write_csv(tmp_path / "chi_survey.csv", CHI_SURVEY)
    lines = rejected_lines(two_cities, "survey", path, constants={"mode": "phone"})
    assert lines[1] == "ambiguous_jurisdiction: 3"
    # One line per distinct value with its row count and example rows, not one per row.
    assert len(lines) == 4 and lines[3].startswith("  row 4, column District station: 'S02' matches")
    assert lines[2] == (
        "  rows 2, 3 (2 rows), column District station: 'S01' matches jurisdictions under different root cities: "
        "CHI-S01 一号站 / S01 (CHI), S01 东湖路派出所 / Donghu Road Police Station (C01); choose the parent the "
        "file belongs to (Upload page 'Parent jurisdiction'; --within CODE) or recode it in the mapping's "
        "value_maps.jurisdiction")
    # Within Chicago, S01 and S02 are Chicago's stations: 2 respondents at CHI-S01, 1 at CHI-S02.
    result = ingest_file(two_cities, "survey", path, constants={"mode": "phone"}, within="CHI", user=LOCAL_USER)
    assert two_cities.execute("SELECT jurisdiction_code, count(*) FROM respondents WHERE batch_id = $b "
                              "GROUP BY 1 ORDER BY 1", {"b": result.batch_id}).fetchall() == [
        ("CHI-S01", 2), ("CHI-S02", 1)]
    assert result.summary["mapping_spec"]["options"]["within"] == "CHI"


def test_value_outside_the_chosen_parent_names_both(two_cities, tmp_path):
    path = write_csv(tmp_path / "s03.csv", "Respondent ID,Interview date,Station,Overall satisfaction\n"
                                           "K09,2025-03-05,S03,5\n")
    lines = rejected_lines(two_cities, "survey", path, constants={"mode": "phone"}, within="CHI")
    assert lines[1:3] == [
        "unknown_jurisdiction: 1",
        "  row 2, column Station: 'S03' is not under the chosen parent CHI; in the registry it matches "
        "S03 江北路派出所 / Jiangbei Road Police Station (C01); check the chosen parent or recode it in the "
        "mapping's value_maps.jurisdiction"]
    assert rejected_lines(two_cities, "survey", path, constants={"mode": "phone"}, within="NOPE")[1:3] == [
        "unknown_jurisdiction: 2",
        "  The chosen parent jurisdiction 'NOPE' is not in the registry"]


def test_jurisdiction_recode_is_applied_and_unused_keys_are_errors(two_cities, tmp_path):
    path = write_csv(tmp_path / "recode.csv", "Respondent ID,Interview date,Station,Overall satisfaction\n"
                                              "R01,2025-03-05,Station one,5\nR02,2025-03-05,Station one,4\n"
                                              "R03,2025-03-05,S02,4\n")
    recode = {"value_maps": {"jurisdiction": {"Station one": "S01"}}, "constants": {"mode": "phone"}}
    result = ingest_file(two_cities, "survey", path, mapping=recode, within="C01", user=LOCAL_USER)
    assert two_cities.execute("SELECT jurisdiction_code, count(*) FROM respondents WHERE batch_id = $b "
                              "GROUP BY 1 ORDER BY 1", {"b": result.batch_id}).fetchall() == [("S01", 2), ("S02", 1)]
    other = write_csv(tmp_path / "recode2.csv", "Respondent ID,Interview date,Station,Overall satisfaction,备注\n"
                                                "R11,2025-03-05,S01,5,x\n")
    bad = {"columns": {"Weight": "weight"},
           "value_maps": {"jurisdiction": {"Station one": "S01"}, "weight": {"1": "2"}, "trust": {"很好": "5"}},
           "constants": {"mode": "phone"}}
    lines = rejected_lines(two_cities, "survey", other, mapping=bad, within="C01")
    assert sorted(line for line in lines if line.startswith("  ")) == sorted([
        "  The mapping names column 'Weight', which is not in the file (its columns: Respondent ID, "
        "Interview date, Station, Overall satisfaction, 备注)",
        "  The mapping's value_maps.weight is not applied: weight is a number field and takes no value map",
        "  The mapping's value_maps.trust is not applied: no column of this file is mapped to trust",
        "  The mapping's jurisdiction recode 'Station one' -> 'S01' is not applied: the file has no such value",
    ])


# ---------------------------------------------------------------------------------------------
# Value maps without JSON: the CLI lists each distinct unknown value once and drafts the mapping (13.6)

def test_cli_lists_distinct_unknown_values_and_writes_an_editable_mapping(reg_db, tmp_path, capsys):
    import json

    from analytics.cli import main as cli_main

    db = str(tmp_path / "t.duckdb")
    reg_db.close()
    rows = ["W01,2025-03-05,S01,very satisfied,yes", "W02,2025-03-05,S01,Quite satisfied,yes",
            "W03,2025-03-05,S01,Quite satisfied,no", "W04,2025-03-05,S01,Quite satisfied,yes",
            "W05,2025-03-05,S01,meh,yes", "W06,2025-03-05,Station one,very satisfied,yes"]
    path = write_csv(tmp_path / "words.csv", "Respondent ID,Interview date,Station,Overall satisfaction,"
                     "Seen police patrol\n" + "\n".join(rows) + "\n")
    draft = tmp_path / "draft.json"
    assert cli_main(["ingest", "survey", str(path), "--db", db, "--set", "mode=phone",
                     "--write-mapping", str(draft)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[:6] == [
        "Rejected words.csv: 5 problems found; nothing was loaded.",
        "invalid_code: 4",
        "  rows 3, 4, 5 (3 rows), column Overall satisfaction: 'Quite satisfied' is not yet mapped to an answer of "
        "satisfaction (codes: 5, 4, 3, 2, 1; don't know: 9); choose its code in the value map",
        "  row 6, column Overall satisfaction: 'meh' is not yet mapped to an answer of satisfaction (codes: 5, 4, 3, 2, 1; "
        "don't know: 9); choose its code in the value map",
        "unknown_jurisdiction: 1",
        "  row 7, column Station: 'Station one' is not a known jurisdiction; closest: 东湖路派出所 / Donghu Road "
        "Police Station (S01); 南港路派出所 / Nangang Road Police Station (S02); 江北路派出所 / Jiangbei Road Police "
        "Station (S03); add it to the registry or load with --create-jurisdictions",
    ]
    assert err[-1].startswith(f"mapping draft written to {draft}: 3 values to check (1 without a guess)")
    spec = json.loads(draft.read_text(encoding="utf-8"))
    # 'Quite satisfied' is closest to 'satisfied' (4), 'meh' to nothing; 'Station one' to S01.
    assert spec["value_maps"] == {"satisfaction": {"Quite satisfied": "4", "meh": ""},
                                  "jurisdiction": {"Station one": "S01"}}
    assert spec["constants"] == {"mode": "phone"}
    spec["value_maps"]["satisfaction"]["meh"] = "3"
    draft.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    assert cli_main(["ingest", "survey", str(path), "--db", db, "--mapping", str(draft)]) == 0
    capsys.readouterr()
    con = base.store.connect(db)
    # By hand: satisfaction codes 5, 4, 4, 4, 3, 5 -> top two 5/6; all at S01.
    got = con.execute("SELECT r.jurisdiction_code, a.code, count(*) FROM answers a JOIN respondents r "
                      "USING (respondent_key) WHERE a.item = 'satisfaction' GROUP BY 1, 2 ORDER BY 2").fetchall()
    assert got == [("S01", "3", 1), ("S01", "4", 3), ("S01", "5", 2)]
    con.close()
