"""Published results (issue 17): fixtures written here in each shape, loaded and checked value by value; bad
input rejected with row, column and value; the real CSEW open-data table loaded exactly."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import openpyxl
import pytest

from analytics import published, store
from analytics.auth import LOCAL_USER
from analytics.cli import main as cli_main
from analytics.errors import IngestError
from analytics.published import ResultsSpec
from analytics.selection import Selection

REPO = Path(__file__).resolve().parents[2]
REAL = Path(os.environ.get("JINGMIN_REAL_DATA") or REPO.parent / "shared" / "data" / "real")
CSEW = REAL / "csew_confidence_2018_aggregated" / "fairness-perception-data.csv.gz"

# Semicolons, decimal commas, DD/MM/YYYY period ends, a quoted label with embedded quotes, an NA cell.
WIDE = ('Borough;Date;Trust;"""Good Job"" local";SAFETY;T_LISTEN\n'
        "Camden;30/09/2023;0,63;0,58;0,8;NA\n"
        "Camden;31/12/2023;0,65;0,6;0,81;0,7\n"
        "Hackney;30/09/2023;0,55;0,5;0,77;0,66\n")
# Monthly mean scores on 0-100; blank area = citywide; rows 3 and 5 repeat rows 2 and 4 exactly.
LONG = ("area,month,measure,score,source\n"
        ",2024-01,Overall satisfaction,71.5,Vendor X\n"
        ",2024-01,Overall satisfaction,71.5,Vendor X\n"
        "North,2024-01,Overall satisfaction,68.25,Vendor X\n"
        "North,2024-01,Overall satisfaction,68.25,Vendor X\n"
        ",2024-02,Overall satisfaction,73,Vendor X\n"
        "North,2024-02,Responsiveness,55,Vendor X\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def con(tmp_path):
    connection = store.connect(tmp_path / "pub.duckdb")
    yield connection
    connection.close()


def figures(con, **filters) -> dict[tuple[str, str, str, str], dict]:
    table = published.published_table(con, Selection(period_kind="all"), **filters)
    return {(r["jurisdiction"], r["period"], r["measure"], r["grp"]): r for r in table.to_dict("records")}


def test_wide_semicolon_decimal_comma_file_loads_value_by_value(con, tmp_path):
    path = write(tmp_path, "pas.csv", WIDE)
    spec, headers, _preview = published.propose(con, path, root="London (MPS)")
    assert headers[3] == '"Good Job" local'
    assert spec.shape == "wide" and spec.value_format == "proportion"
    assert spec.measures == {"Trust": "trust", '"Good Job" local': "", "SAFETY": "safety", "T_LISTEN": ""}
    spec.window = "quarter"
    result = published.load_results(con, path, spec, user=LOCAL_USER, create_jurisdictions=True)
    assert (result.rows, result.summary["not_published"]) == (12, 1)
    got = figures(con)
    camden = got[("Camden", "2023Q3", "Trust", "")]
    assert (camden["value"], camden["value_text"], camden["shown"], camden["indicator"]) == (0.63, "0,63", "63%",
                                                                                             "trust")
    assert got[("Camden", "2023Q3", '"Good Job" local', "")]["value"] == 0.58
    assert got[("Camden", "2023Q3", "SAFETY", "")]["shown"] == "80%"
    assert got[("Camden", "2023Q4", "Trust", "")]["value"] == 0.65
    assert got[("Hackney", "2023Q3", "T_LISTEN", "")]["value"] == 0.66
    missing = got[("Camden", "2023Q3", "T_LISTEN", "")]
    assert math.isnan(missing["value"]) and missing["flag"] == "not_published" and missing["shown"] == ""
    # no base, no SE, no bounds: shown as published, never an interval
    assert camden["flag"] == "no_base" and camden["interval"] == "none"
    assert math.isnan(camden["ci_low"]) and math.isnan(camden["ci_high"])
    areas = published.roots(con)
    assert set(zip(areas["root"], areas["code"], strict=True)) == {("London (MPS)", "Camden"),
                                                                   ("London (MPS)", "Hackney")}


def test_external_area_never_collides_with_a_local_code(con, tmp_path):
    con.execute("INSERT INTO jurisdictions VALUES ('Camden', '卡姆登', 'Camden local', NULL, 'city', NULL, NULL)")
    spec = ResultsSpec(root="London (MPS)", shape="wide", columns={"jurisdiction": "Borough", "period": "Date"},
                       measure_columns=["Trust"], window="quarter")
    published.load_results(con, write(tmp_path, "pas.csv", WIDE), spec, user=LOCAL_USER, create_jurisdictions=True)
    assert con.execute("SELECT name_en FROM jurisdictions WHERE code = 'Camden'").fetchall() == [("Camden local",)]
    assert figures(con)[("Camden", "2023Q3", "Trust", "")]["jurisdiction_name"] == "Camden · London (MPS)"


def test_unknown_area_is_refused_unless_creation_is_asked(con, tmp_path):
    spec = ResultsSpec(root="London (MPS)", shape="wide", columns={"jurisdiction": "Borough", "period": "Date"},
                       measure_columns=["Trust"], window="quarter")
    with pytest.raises(IngestError) as caught:
        published.load_results(con, write(tmp_path, "pas.csv", WIDE), spec, user=LOCAL_USER)
    assert {(p.row, p.column, p.value, p.code) for p in caught.value.problems} == {
        (2, "Borough", "Camden", "published_unknown_area"), (3, "Borough", "Camden", "published_unknown_area"),
        (4, "Borough", "Hackney", "published_unknown_area")}
    assert con.execute("SELECT count(*) FROM published_results").fetchall() == [(0,)]


def test_long_monthly_mean_scores_citywide_rows_and_exact_duplicates(con, tmp_path):
    spec = ResultsSpec(root="Vendor city panel", shape="long",
                       columns={"jurisdiction": "area", "period": "month", "measure": "measure", "value": "score",
                                "source": "source"},
                       value_format="mean", scale=(0, 100))
    result = published.load_results(con, write(tmp_path, "vendor.csv", LONG), spec, user=LOCAL_USER,
                                    create_jurisdictions=True)
    assert result.rows == 4 and result.summary["duplicates_collapsed"] == 2
    assert result.summary["warnings"] == [{"key": "published_duplicates", "params": {"n": 2, "rows": "3, 5"}}]
    got = figures(con)
    city = got[("", "2024-01", "Overall satisfaction", "")]
    assert (city["value"], city["value_kind"], city["scale_max"], city["shown"], city["period_kind"]) == (
        71.5, "mean", 100.0, "71.5", "month")
    assert city["jurisdiction_name"] == "Vendor city panel" and city["source"] == "Vendor X"
    assert got[("North", "2024-01", "Overall satisfaction", "")]["shown"] == "68.25"
    assert got[("", "2024-02", "Overall satisfaction", "")]["shown"] == "73"
    assert got[("North", "2024-02", "Responsiveness", "")]["value"] == 55.0
    assert city["interval"] == "none"


def test_conflicting_duplicates_name_both_rows(con, tmp_path):
    text = LONG.replace("North,2024-01,Overall satisfaction,68.25,Vendor X\n"
                        "North,2024-01,Overall satisfaction,68.25,Vendor X\n",
                        "North,2024-01,Overall satisfaction,68.25,Vendor X\n"
                        "North,2024-01,Overall satisfaction,69,Vendor X\n")
    spec = ResultsSpec(root="V", columns={"jurisdiction": "area", "period": "month", "measure": "measure",
                                          "value": "score"}, value_format="mean", scale=(0, 100))
    with pytest.raises(IngestError) as caught:
        published.load_results(con, write(tmp_path, "v.csv", text), spec, user=LOCAL_USER, create_jurisdictions=True)
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.value, problem.code) == (5, "score", "69", "published_conflict")
    assert problem.params == {"first": 4, "first_value": "68.25"}
    assert "row 4 (68.25)" in problem.message


def test_xlsx_of_provincial_rates_with_base_n_gets_wilson_intervals(con, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["县区", "时期", "指标", "比率", "样本量"])
    sheet.append(["甲县", "FY2023-24 Q2", "满意率", "92.4%", 400])
    sheet.append(["乙县", "FY2023-24 Q2", "满意率", "88%", 25])
    sheet.append(["", "2023Q3", "满意率", "90.1%", "1,250"])
    path = tmp_path / "province.xlsx"
    book.save(path)
    spec, _headers, _preview = published.propose(con, path, root="某省公安厅")
    assert spec.columns == {"jurisdiction": "县区", "period": "时期", "measure": "指标", "value": "比率",
                            "n": "样本量"}
    assert spec.value_format == "percent" and spec.measures == {"满意率": "satisfaction"}
    published.load_results(con, path, spec, user=LOCAL_USER, create_jurisdictions=True)
    got = figures(con, indicator="satisfaction")
    first = got[("甲县", "2023Q3", "满意率", "")]  # FY2023-24 Q2 = July-September 2023 (fiscal year from April)
    assert (first["value"], first["n"], first["shown"], first["interval"]) == (0.924, 400, "92.4%", "wilson")
    z = published.Z95
    centre = (0.924 + z * z / 800) / (1 + z * z / 400)
    half = z / (1 + z * z / 400) * math.sqrt(0.924 * 0.076 / 400 + z * z / (4 * 400 * 400))
    assert first["ci_low"] == pytest.approx(centre - half) and first["ci_high"] == pytest.approx(centre + half)
    small = got[("乙县", "2023Q3", "满意率", "")]
    assert (small["shown"], small["flag"]) == ("88%", "small")  # shown: a published figure is never suppressed
    assert got[("", "2023Q3", "满意率", "")]["n"] == 1250


@pytest.mark.parametrize(("row", "column", "value", "code", "fmt"), [
    ("Camden;30/09/2023;abc", "Trust", "abc", "published_not_number", "auto"),
    ("Camden;30/09/2023;163", "Trust", "163", "published_percent_range", "percent"),
    ("Camden;30/09/2023;1,2", "Trust", "1,2", "published_proportion_range", "proportion"),
    ("Camden;30/09/2023;11", "Trust", "11", "published_scale_range", "mean"),
    ("Camden;2023Q5;0,6", "Date", "2023Q5", "published_bad_period", "proportion"),
    ("Camden;31/02/2023;0,6", "Date", "31/02/2023", "published_bad_period", "proportion"),
])
def test_bad_values_are_reported_with_row_column_value_and_nothing_loads(con, tmp_path, row, column, value, code,
                                                                         fmt):
    text = "Borough;Date;Trust\nCamden;30/06/2023;0,6\n" + row + "\n"
    spec = ResultsSpec(root="L", shape="wide", columns={"jurisdiction": "Borough", "period": "Date"},
                       measure_columns=["Trust"], window="quarter", value_format=fmt,
                       scale=(0, 10) if fmt == "mean" else None)
    with pytest.raises(IngestError) as caught:
        published.load_results(con, write(tmp_path, "bad.csv", text), spec, user=LOCAL_USER,
                               create_jurisdictions=True)
    assert [(p.row, p.column, p.value, p.code) for p in caught.value.problems] == [(3, column, value, code)]
    assert con.execute("SELECT count(*) FROM published_results").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM external_jurisdictions").fetchall() == [(0,)]


def test_missing_measure_name_is_an_error(con, tmp_path):
    text = "area,period,measure,value\nA,2023Q3,trust,0.5\nA,2023Q3,,0.4\n"
    spec = ResultsSpec(root="R", columns={"jurisdiction": "area", "period": "period", "measure": "measure",
                                          "value": "value"})
    with pytest.raises(IngestError) as caught:
        published.load_results(con, write(tmp_path, "m.csv", text), spec, user=LOCAL_USER, create_jurisdictions=True)
    assert [(p.row, p.column, p.code) for p in caught.value.problems] == [(3, "measure", "published_no_measure")]


def test_periods_in_every_form(con, tmp_path):
    text = ("area,period,measure,value\n"
            "A,2023-09-30,m1,0.5\nA,30/09/2023,m2,0.5\nA,2023Q3,m3,0.5\nA,FY2023-24 Q2,m4,0.5\n")
    spec = ResultsSpec(root="R", columns={"jurisdiction": "area", "period": "period", "measure": "measure",
                                          "value": "value"}, window="quarter")
    published.load_results(con, write(tmp_path, "p.csv", text), spec, user=LOCAL_USER, create_jurisdictions=True)
    assert {(k[2], k[1]) for k in figures(con)} == {("m1", "2023Q3"), ("m2", "2023Q3"), ("m3", "2023Q3"),
                                                   ("m4", "2023Q3")}


def test_cli_loads_and_prints_the_same_values(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    store.connect(db).close()
    path = write(tmp_path, "pas.csv", WIDE)
    code = cli_main(["ingest", "results", str(path), "--root", "London (MPS)", "--window", "quarter",
                     "--create-jurisdictions", "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "12 figures" in out and "Trust -> trust" in out
    assert cli_main(["results", "--by", "jurisdiction,period", "--format", "json", "--db", str(db)]) == 0
    rows = json.loads(capsys.readouterr().out)
    camden = next(r for r in rows if r["jurisdiction"] == "Camden" and r["period"] == "2023Q3"
                  and r["measure"] == "Trust")
    assert (camden["value"], camden["shown"], camden["kind"], camden["interval"], camden["source"]) == (
        0.63, "63%", "published", "none", "pas.csv")
    assert [r["period"] for r in rows if r["jurisdiction"] == "Camden" and r["measure"] == "Trust"] == [
        "2023Q3", "2023Q4"]
    assert cli_main(["results", "--format", "csv", "--db", str(db)]) == 0
    assert "Camden,Camden · London (MPS),2023Q3" in capsys.readouterr().out


def test_real_csew_open_data_table_loads_exactly(con):
    if os.environ.get("JINGMIN_SKIP_REAL_DATA") == "1":
        pytest.skip("JINGMIN_SKIP_REAL_DATA=1: real files deliberately not used")
    if not CSEW.is_file():
        pytest.fail(f"Real data file missing: {CSEW}. Set JINGMIN_REAL_DATA to the shared data/real directory.")
    spec = ResultsSpec(root="England and Wales (CSEW)", shape="long",
                       columns={"year": "year", "quarter": "quarter", "measure": "measurement_var",
                                "value": "estimate", "se": "standard_error", "n": "unweighted_count"},
                       groups=["sex", "age", "characteristic_var", "characteristic"], value_format="proportion",
                       window="rolling12", source="ONS CSEW open data table, year ending December 2018",
                       measures={"patt6b": "trust"},
                       measure_labels={"patt7": "Taking everything into account I have confidence in the police "
                                                "in this area"})
    result = published.load_results(con, CSEW, spec, user=LOCAL_USER, create_jurisdictions=True)
    assert (result.rows, result.summary["rows_read"], result.summary["not_published"]) == (27144, 27144, 1828)
    assert result.summary["duplicates_collapsed"] == 0
    table = published.published_table(con, Selection(period_kind="rolling12"))
    assert len(table) == 27144 and set(table["period"]) == {"2018-12R12"}
    key = table.set_index(["measure", "grp"])
    total = key.loc[("patt7", "All adults · 16+ · Total · Total")]
    assert (total["value"], total["se"], total["n"]) == (0.7567828762000001, 0.0028946317700000003, 33637)
    assert total["shown"] == "75.68%" and total["interval"] == "se"
    assert total["ci_low"] == pytest.approx(0.7567828762000001 - published.Z95 * 0.0028946317700000003)
    assert total["measure_label"].startswith("Taking everything into account")
    london = key.loc[("ratpol3", "All adults · 16+ · gor · London")]
    assert (london["value"], london["se"], london["n"]) == (0.5863623362, 0.00936631565, 3864)
    suppressed = key.loc[("catt2", "All adults · 16-24 · accharm3 · Other accommodation")]
    assert math.isnan(suppressed["value"]) and suppressed["flag"] == "not_published"
    assert suppressed["shown"] == "" and math.isnan(suppressed["ci_low"])
    assert set(table.loc[table["measure"] == "patt6b", "indicator"]) == {"trust"}
    assert table["source"].eq("ONS CSEW open data table, year ending December 2018").all()
    # a proportion of exactly 0 on a tiny base, with an SE in scientific notation, loads as published
    assert (table["value"] == 0).any() and (table["n"] < 30).any()
