"""The leaders' first screen on the crafted city (tests/data/leaders_city.py): heat-map colour classes,
needs attention, alerts section, map and breakdowns pages."""

from __future__ import annotations

import io

import pyarrow as pa
import pytest

from analytics import scorecard, store
from analytics.selection import Selection
from tests.data import leaders_city


@pytest.fixture
def synthetic_db_path(tmp_path):
    """Replaces the synthetic city of the app fixture with the crafted one."""
    path = tmp_path / "crafted.duckdb"
    con = store.connect(path)
    leaders_city.build(con)
    con.close()
    return path


def shown_cells(element):
    """The text a styled table shows in each cell (Streamlit sends the Styler's display values)."""
    return pa.ipc.open_stream(io.BytesIO(element.proto.arrow_data.styler.display_values)).read_all().to_pandas()


def heatmap(at):
    return next(d for d in at.dataframe if d.proto.arrow_data.styler.display_values)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_heatmap_cell_classes_follow_the_significance_rule(app, lang):
    at = app(lang)
    element = heatmap(at)
    data = element.value
    shown = shown_cells(element)
    label = "见警率" if lang == "zh" else "Visibility"
    names = {"S1": ("甲派出所", "Station A"), "S2": ("乙派出所", "Station B"), "S3": ("丙派出所", "Station C"),
             "S4": ("丁派出所", "Station D"), "S10": ("癸派出所", "Station J")}
    first = data.columns[0]
    rows = {code: list(data[first]).index(pair[lang == "en"]) for code, pair in names.items()}
    assert list(rows) == ["S1", "S2", "S3", "S4", "S10"] and sorted(rows.values()) == list(rows.values())
    col = list(data.columns).index(label)
    assert shown.iloc[rows["S1"], col] == "▲ 90.0%"
    assert shown.iloc[rows["S2"], col] == "● 65.0%"
    assert shown.iloc[rows["S3"], col] == "▼ 30.0%"
    assert shown.iloc[rows["S4"], col].startswith("▨") and "6" not in shown.iloc[rows["S4"], col]
    assert shown.iloc[rows["S10"], col].startswith("▨")
    styles = element.proto.arrow_data.styler.styles
    assert "#c6dbef" in styles and "#f4c7c3" in styles and "#d9d9d9" in styles
    assert data[label].iloc[rows["S1"]] == pytest.approx(90.0)  # numbers underneath: sorting is by value


def test_attention_list_equals_the_engine(app, synthetic_db_path):
    at = app("en")
    con = store.connect(synthetic_db_path, read_only=True)
    expected = scorecard.needs_attention(scorecard.scorecard(con, Selection(periods=("2025Q1", "2025Q2"))))
    con.close()
    lines = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith(("▼", "↘"))]
    assert len(lines) == len(expected) == 2
    assert "Station C" in lines[0] and "below the level average" in lines[0]
    assert "Station B" in lines[1] and "down 25.0 since 2025Q1" in lines[1]


def test_alerts_section_is_the_cli_digest(app):
    at = app("en")
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")  # Markdown escapes
    assert "Station B: Visibility fell 25.0 points since 2025Q1" in text
    assert "Station D: Visibility is suppressed in 2025Q2" in text


DEMO_SHAPES = """{"type":"FeatureCollection","features":[%s]}"""


def square(code: str, x: float) -> str:
    import json

    ring = [[x, 30.0], [x + 0.1, 30.0], [x + 0.1, 30.1], [x, 30.1], [x, 30.0]]
    return json.dumps({"type": "Feature", "properties": {"code": code},
                       "geometry": {"type": "Polygon", "coordinates": [ring]}})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_without_boundaries_says_where_to_upload(app, lang):
    at = app(lang)
    at.switch_page("app_pages/map.py")
    at.run()
    assert not at.exception
    assert ("数据与口径" if lang == "zh" else "Data page") in " ".join(str(i.value) for i in at.info)


def test_map_draws_the_shapes_coloured_and_hatched(app, synthetic_db_path):
    from analytics import geo
    from analytics.auth import User

    con = store.connect(synthetic_db_path)
    text = DEMO_SHAPES % ",".join(square(c, 114 + i / 10) for i, c in enumerate(["S1", "S2", "S3", "S4"]))
    geo.save_boundaries(con, geo.match_boundaries(con, geo.read_geojson(text)), source_name="t.geojson",
                        user=User("t", "admin"))
    con.close()
    at = app("en")
    at.switch_page("app_pages/map.py")
    at.run()
    assert not at.exception
    import json

    spec = at.get("plotly_chart")[0].proto.spec
    traces = json.loads(spec)["data"]
    assert {t.get("fill") for t in traces[:-1]} == {"toself"}
    hatched = [t for t in traces if t.get("fillpattern", {}).get("shape") == "/"]
    assert len(hatched) == 1 and hatched[0]["x"].count(None) == 0  # S4 alone (suppressed)
    assert "#f4a6a0" in spec and "#9ecae1" in spec  # below (S3) and above (S1)
    assert "mapbox" not in spec and "tile" not in spec.lower()  # nothing fetched: shapes alone
    captions = " ".join(c.value for c in at.caption)
    assert "Station J (S10)" in captions  # no shape: listed, not drawn


def test_breakdowns_page_shows_groups_and_gaps(app):
    at = app("en")
    at.switch_page("app_pages/breakdowns.py")
    at.run()
    assert not at.exception
    at.selectbox(key="bd_jurisdiction").set_value("C").run()
    at.selectbox(key="bd_group").set_value("age_band").run()
    assert not at.exception
    groups, gaps = at.dataframe[0].value, at.dataframe[1].value
    assert list(groups.iloc[:, 0]) == ["18-29", "30-44", "45-59"]
    assert list(groups.iloc[:, 1]) == ["60.0%", "65.0%", "suppressed"]
    assert list(gaps.iloc[:, 1]) == ["-5.0"]


def test_page_icon_is_a_local_file():
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "dashboard.py").read_text(encoding="utf-8")
    assert 'page_icon=":material' not in source and "page_icon=str(ICON)" in source
    assert (Path(__file__).resolve().parents[2] / "static" / "jingmin_icon.svg").is_file()
