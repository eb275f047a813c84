"""Issue 13 leftovers: an impossible age in years is a row problem; ``weights rake --recode``.

Every file is written by the test itself; expected figures are worked out by hand in the comments.
"""

import pandas as pd
import pytest

from analytics import store
from analytics.cli import main
from analytics.errors import IngestError
from analytics.ingest import ingest_file, problems_frame
from tests.data import test_open_vocab as ov
from analytics.roles import LOCAL_USER

secret = ov.secret
registry_template = ov.registry_template
reg_db = ov.reg_db
snapshot = ov.snapshot

HEADER = "问卷编号,调查日期,派出所,调查方式,总体满意度,年龄"


def test_age_out_of_range_is_a_row_problem_naming_row_column_and_value(reg_db, tmp_path):
    ages = ["34", "-3", "121", "120", "0", "150", "不详"]
    rows = [(f"Y{i}", "2025-03-05", "S01", "phone", "满意", age) for i, age in enumerate(ages)]
    before = snapshot(reg_db)
    with pytest.raises(IngestError) as info:
        ingest_file(reg_db, "survey", ov.write(tmp_path, "ages.csv", ov.survey_csv(rows, HEADER)), user=LOCAL_USER)
    assert snapshot(reg_db) == before  # all or nothing
    frame = problems_frame(info.value, "en")
    # Header is line 1, so the file rows of -3, 121 and 150 are 3, 4 and 7; 0 and 120 are possible ages and
    # 不详 is not a number (an open label, left to the analyst's value map).
    assert frame["row"].tolist() == [3, 4, 7]
    assert frame["column"].tolist() == ["年龄"] * 3
    assert frame["value"].tolist() == ["-3", "121", "150"]
    assert set(frame["code"]) == {"impossible_value"}
    assert "between 0 and 120" in frame["message"].iloc[0]
    assert "年龄“-3”不可能" in problems_frame(info.value, "zh")["message"].iloc[0]


def test_possible_ages_load(reg_db, tmp_path):
    rows = [(f"Y{i}", "2025-03-05", "S01", "phone", "满意", age) for i, age in enumerate(["0", "120", "45.5"])]
    result = ingest_file(reg_db, "survey", ov.write(tmp_path, "ages.csv", ov.survey_csv(rows, HEADER)), user=LOCAL_USER)
    assert result.rows == 3


def test_weights_rake_recode_from_the_cli(reg_db, tmp_path, capsys):
    header = "问卷编号,调查日期,派出所,调查方式,总体满意度,年龄段"
    bands = ["16-24"] * 5 + ["25-34"] * 5 + ["35+"] * 10
    rows = [(f"B{i}", "2025-03-05", "S01", "phone", "满意", band) for i, band in enumerate(bands)]
    result = ingest_file(reg_db, "survey", ov.write(tmp_path, "bands.csv", ov.survey_csv(rows, header)), user=LOCAL_USER)
    reg_db.close()
    db = str(tmp_path / "t.duckdb")
    margins = tmp_path / "margins.csv"
    pd.DataFrame({"age_band": ["16-34", "35+"], "population": [600, 400]}).to_csv(margins, index=False)
    # Without recodes 16-24 and 25-34 have no margin: refused, weights unchanged.
    assert main(["weights", "rake", "--margins", str(margins), "--dims", "age_band", "--db", db]) == 2
    assert "16-24" in capsys.readouterr().err
    assert main(["weights", "rake", "--margins", str(margins), "--dims", "age_band", "--db", db,
                 "--recode", "age_band:16-24=16-34", "--recode", "25-34=16-34"]) == 0
    con = store.connect(db)
    w = ov.weights(con, result.batch_id)
    con.close()
    # 16-34 now holds the 10 respondents of 16-24 and 25-34: 600 / 10 = 60 each; 35+: 400 / 10 = 40 each.
    assert [round(w[f"B{i}"], 6) for i in range(20)] == [60] * 10 + [40] * 10


@pytest.mark.parametrize("bad", ["16-24", "age_band:=16-34", "age_band:16-24="])
def test_a_malformed_recode_is_refused_with_the_form_to_use(reg_db, tmp_path, capsys, bad):
    reg_db.close()
    margins = tmp_path / "margins.csv"
    pd.DataFrame({"age_band": ["16-34"], "population": [600]}).to_csv(margins, index=False)
    assert main(["weights", "rake", "--margins", str(margins), "--db", str(tmp_path / "t.duckdb"),
                 "--recode", bad]) == 2
    assert "DIMENSION:FROM=TO" in capsys.readouterr().err
