"""Issue 15 item 7, Compare and Link: the page opens on an indicator with data, shows one base column when
unweighted, never prints a p-value of 0 or '-0.0', and defaults to the adjusted funnel limits when the page
itself reports significant over-dispersion (and says so). Jurisdictions sort naturally (2 before 10)."""

import re

import pytest

from analytics import compare, engine, store
from analytics.i18n import t
from analytics.presentation import natural_text, p_text, signed
from analytics.selection import Selection
from tests.app.helpers import page_text


def all_text(at) -> str:
    return page_text(at, ("markdown", "caption", "info"))


def open_compare(app, lang="en", **state):
    at = app(lang, **state)
    at.switch_page("app_pages/compare.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_signed_and_p_text_never_print_minus_zero_or_zero_p():
    assert [signed(v) for v in (-0.04, -0.0, 0.04, 1.26, -1.26)] == ["0.0", "0.0", "0.0", "+1.3", "-1.3"]
    assert signed(-0.004, 2) == "0.00" and signed(None) == ""
    assert [p_text(v) for v in (0.0, 1e-9, 0.0009, 0.001, 0.0494)] == ["< 0.001"] * 3 + ["0.001", "0.049"]
    assert p_text(0.2, relation=True) == "= 0.200" and p_text(0.0, relation=True) == "< 0.001"


def test_natural_order_of_codes():
    assert sorted(["1", "10", "11", "2", "S10", "S2", "S02x"], key=natural_text) == \
        ["1", "2", "10", "11", "S2", "S02x", "S10"]


def test_registry_and_coverage_list_numeric_codes_naturally(tmp_path):
    con = store.connect(tmp_path / "codes.duckdb")
    con.execute("INSERT INTO jurisdictions (code, name_zh, name_en, parent_code, level) VALUES "
                "('C', '市', 'City', NULL, 'city'), ('10', '十', 'Ten', 'C', 'station'), "
                "('2', '二', 'Two', 'C', 'station'), ('1', '一', 'One', 'C', 'station'), "
                "('11', '十一', 'Eleven', 'C', 'station')")
    codes = engine.jurisdictions(con)["code"].tolist()
    con.close()
    assert codes == ["C", "1", "2", "10", "11"]


def test_compare_opens_on_an_indicator_with_data(app, synthetic_db_path):
    con = store.connect(synthetic_db_path)
    first = con.execute("SELECT item FROM indicators ORDER BY sort_order, key LIMIT 1").fetchone()
    con.execute("DELETE FROM answers WHERE item = $i", {"i": first[0]})
    engine.refresh_cells(con)
    con.close()
    at = open_compare(app)
    picked = at.selectbox(key="cmp_indicator").value
    assert picked != "visibility"
    assert t("compare.no_data", "en") not in all_text(at)
    assert at.dataframe, "the page opened on an indicator without figures"


def test_unweighted_compare_has_no_duplicate_base_column(app):
    at = open_compare(app)
    columns = list(at.dataframe[0].value.columns)
    assert t("col.n", "en") in columns and t("compare.col.base", "en") not in columns
    weighted = open_compare(app, weighted=True)
    assert t("compare.col.base", "en") in list(weighted.dataframe[0].value.columns)


def test_z_column_never_shows_minus_zero(app):
    at = open_compare(app)
    z = at.dataframe[0].value[t("compare.col.z", "en")].tolist()
    assert z and not [v for v in z if re.fullmatch(r"[+-]0\.00", v)]


def test_funnel_defaults_to_adjusted_limits_when_overdispersion_is_significant(app, synthetic_db_path):
    at = open_compare(app)
    indicator = at.selectbox(key="cmp_indicator").value
    period = at.selectbox(key="cmp_period_quarter").value
    con = store.connect(synthetic_db_path)
    plain = compare.compare_table(con, Selection(period_kind="quarter", periods=(period,), level="station"),
                                  indicator=indicator).meta
    con.close()
    (toggle,) = [w for w in at.toggle if w.key.startswith("cmp_overdispersion")]
    assert toggle.value is bool(plain["phi_significant"])
    text = all_text(at)
    if plain["phi_significant"]:
        assert t("compare.phi_default_adjusted", "en", phi=f"{plain['phi']:.2f}") in text
        toggle.set_value(False)
        at.run()
        assert t("compare.phi_unadjusted_by_choice", "en", phi=f"{plain['phi']:.2f}") in all_text(at)
    else:
        assert t("compare.phi_not_significant", "en", phi=f"{plain['phi']:.2f}") in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_funnel_default_on_overdispersed_data(app, synthetic_db_path, lang):
    """Make the stations differ far beyond sampling error (S1 all 'yes', S2 all 'no'): the default is adjusted."""
    con = store.connect(synthetic_db_path)
    con.execute("UPDATE answers SET code = CASE WHEN r.jurisdiction_code = 'S1' THEN '1' "
                "WHEN r.jurisdiction_code = 'S2' THEN '0' ELSE answers.code END "
                "FROM respondents r WHERE r.respondent_key = answers.respondent_key AND answers.item = 'seen_police'")
    engine.refresh_cells(con)
    table = compare.compare_table(con, Selection(period_kind="quarter", periods=("2025Q4",), level="station"),
                                  indicator="visibility").meta
    con.close()
    assert table["phi_significant"]
    at = open_compare(app, lang)
    at.selectbox(key="cmp_indicator").set_value("visibility")
    at.run()
    (toggle,) = [w for w in at.toggle if w.key.startswith("cmp_overdispersion")]
    assert toggle.value is True
    phi = f"{table['phi']:.2f}"
    assert t("compare.phi_default_adjusted", lang, phi=phi) in all_text(at)
