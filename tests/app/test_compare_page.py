"""Compare and Weights pages (and the Trends additions) in both languages on the synthetic city."""

import numpy as np
import pytest

from analytics import compare, peers, store
from analytics.errors import UnknownNameError
from analytics.presentation import pct
from analytics.selection import Selection
from tests.app.helpers import SHOWN, cells, page_text


def all_text(at) -> str:
    return page_text(at, (*SHOWN, "success"))


def expected(path, **options):
    con = store.connect(path)
    result = compare.compare_table(con, Selection(periods=("2025Q4",), **options), indicator="visibility")
    con.close()
    return result.frame.set_index("jurisdiction"), result.meta


@pytest.mark.parametrize(("lang", "title", "suppressed"), [("zh", "辖区比较", "样本过小"),
                                                           ("en", "Compare jurisdictions", "suppressed")])
def test_compare_page_shows_engine_figures_and_hides_suppressed(app, synthetic_db_path, lang, title, suppressed):
    at = app(lang)
    at.switch_page("app_pages/compare.py")
    at.run()
    assert not at.exception, at.exception
    text = all_text(at)
    assert title in text
    table, meta = expected(synthetic_db_path)
    assert pct(meta["overall"]) in text
    shown = cells(at.dataframe[0].value)
    s1 = table.loc["S1"]
    assert f"{pct(s1['estimate'])} (" in shown and f"{pct(s1['shrunken'])} (" in shown
    assert f"{int(s1['rank'])} ({int(s1['rank_low'])}–{int(s1['rank_high'])})" in shown
    assert f"{suppressed} (n={int(table.loc['S5', 'n'])})" in shown  # S5: label and base, no rate
    assert len(at.get("plotly_chart")) == 2  # funnel and caterpillar
    assert ("戊派出所" if lang == "zh" else "Station E") in text  # listed as suppressed under the charts


def test_compare_page_weighted_and_peer_group_editor(app, synthetic_db_path):
    at = app("en", weighted=True)
    at.switch_page("app_pages/compare.py")
    at.run()
    weighted, _meta = expected(synthetic_db_path, weighted=True)
    assert f"{pct(weighted.loc['S2', 'estimate'])} (" in cells(at.dataframe[0].value)
    assert "weighted, base = effective n" in all_text(at)

    at.text_input(key="cmp_peer_name").set_value("north")
    at.multiselect(key="cmp_peer_members").set_value(["S1", "S2", "S3"])
    next(b for b in at.button if b.label == "Save peer group").click()
    at.run()
    assert not at.exception, at.exception
    assert "Saved peer group 'north'." in all_text(at)
    at.selectbox(key="cmp_group_station").set_value("north")
    at.run()
    assert len(at.dataframe[0].value) == 3  # only the group's members are compared
    assert "north" in at.dataframe[1].value.index  # and the group is listed in the editor
    con = store.connect(synthetic_db_path)
    assert peers.peer_group_codes(con, "north") == ["S1", "S2", "S3"]
    con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_weights_page_rakes_an_uploaded_margins_file(app, synthetic_db_path, lang):
    con = store.connect(synthetic_db_path)
    con.execute("INSERT INTO answers SELECT respondent_key, batch_id, 'sex', "
                "CASE WHEN respondent_key % 5 < 3 THEN '女' ELSE '男' END FROM respondents")
    con.close()
    at = app(lang)
    at.switch_page("app_pages/weights.py")
    at.run()
    assert not at.exception, at.exception
    assert ("调查加权" if lang == "zh" else "Survey weights") in all_text(at)
    margins = "district,sex,population\nD1,男,120\nD1,女,130\nD2,男,100\nD2,女,150\n".encode("gbk")
    at.file_uploader[0].set_value(("margins.csv", margins, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    at.button(key="w_rake").click()
    at.run()
    assert not at.exception, at.exception
    assert ("已校准批次 1" if lang == "zh" else "Raked batch(es) 1") in all_text(at)
    con = store.connect(synthetic_db_path)
    totals = dict(con.execute(
        "SELECT up.ancestor_code, sum(r.weight) FROM respondents r JOIN jurisdiction_ancestors up "
        "ON up.code = r.jurisdiction_code AND up.ancestor_level = 'district' GROUP BY 1").fetchall())
    con.close()
    np.testing.assert_allclose([totals["D1"], totals["D2"]], [250, 250], rtol=1e-5)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trends_page_adds_trend_tests_and_suppressed_lists(app, lang):
    at = app(lang)
    at.switch_page("app_pages/trends.py")
    at.run()
    assert not at.exception, at.exception
    text = all_text(at)
    assert ("趋势检验" if lang == "zh" else "Trend test (Cochran–Armitage") in text


def test_peer_group_refused_then_deleted_through_the_page(app, synthetic_db_path):
    # A refused write shows the engine's reason and leaves no "saved" message; a done one reruns with its
    # message once (common.write_and_rerun, common.page_start).
    at = app("en")
    at.switch_page("app_pages/compare.py")
    at.run()
    at.text_input(key="cmp_peer_name").set_value("pair")
    at.multiselect(key="cmp_peer_members").set_value(["S1"])
    next(b for b in at.button if b.label == "Save peer group").click()
    at.run()
    assert not at.exception, at.exception
    assert "A peer group needs at least 2 jurisdictions." in " ".join(str(e.value) for e in at.error)
    assert "Saved peer group" not in all_text(at)
    at.text_input(key="cmp_peer_name").set_value("pair")
    at.multiselect(key="cmp_peer_members").set_value(["S1", "S2"])
    next(b for b in at.button if b.label == "Save peer group").click()
    at.run()
    assert "Saved peer group 'pair'." in all_text(at)
    at.selectbox(key="cmp_peer_delete_pick").set_value("pair")
    at.button(key="cmp_peer_delete").click()
    at.run()
    assert not at.exception, at.exception
    assert "Deleted peer group 'pair'." in all_text(at)
    at.run()
    assert "Deleted peer group" not in all_text(at)  # shown once
    con = store.connect(synthetic_db_path)
    with pytest.raises(UnknownNameError):
        peers.peer_group_codes(con, "pair")
    con.close()
