"""What a fresh user's review of every page in both languages found on the demo city (browser screenshots at
1280 and 1440 px), each checked here on what the page sends: Chinese file labels and raw codes on English
pages, topic codes beside the words that caused them, labels cut to '…', a sentence glued to another."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from analytics.definitions import SCALES
from analytics.i18n import t
from app_pages import common
from tests.app.helpers import on_database, start
from tests.conftest import build_demo_city, copy_db

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo_file(built_db) -> Path:
    """The session's demo city (tests/conftest.py), never opened here: each test copies it."""
    return built_db("demo", build_demo_city)


@pytest.fixture
def demo_page(demo_file, tmp_path, monkeypatch):
    """``demo_page(page, lang)``: the dashboard on a copy of the demo city, on ``app_pages/<page>.py``."""
    with on_database(copy_db(demo_file, tmp_path / "demo.duckdb"), monkeypatch):
        yield lambda page, lang: start(lang, page=page)


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table the page drew with a column headed ``column``."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table has a column {column!r}: {[list(f.value.columns) for f in at.dataframe]}")


def test_prevention_lists_name_categories_and_places_in_english(demo_page):
    """Before: the escalation list's dispute type (邻里纠纷), its case jurisdiction as the raw code (S03) and the
    overdue hazards' place and severity (消防, 一般隐患) were the file's Chinese labels on the English page."""
    at = demo_page("prevention", "en")
    escalations = table_with(at, t("prevention.col.case_station", "en"))
    assert list(escalations[t("prevention.col.dispute_type", "en")]) == ["Neighbours"]
    assert list(escalations[t("prevention.col.case_station", "en")]) == ["Xinhua Street Police Station"]
    overdue = table_with(at, t("prevention.col.place_category", "en"))
    for column in ("prevention.col.place_category", "prevention.col.severity"):
        values = set(overdue[t(column, "en")])
        assert values and not any(CJK.search(v) for v in values), values
    assert {"Major", "General"} <= set(overdue[t("prevention.col.severity", "en")])


def test_prevention_lists_keep_chinese_names_in_chinese(demo_page):
    at = demo_page("prevention", "zh")
    escalations = table_with(at, t("prevention.col.case_station", "zh"))
    assert list(escalations[t("prevention.col.dispute_type", "zh")]) == ["邻里纠纷"]
    assert list(escalations[t("prevention.col.case_station", "zh")]) == ["新华街派出所"]
    overdue = table_with(at, t("prevention.col.place_category", "zh"))
    assert {"重大隐患", "一般隐患"} <= set(overdue[t("prevention.col.severity", "zh")])


@pytest.mark.parametrize(("lang", "service"), [("en", "Service"), ("zh", "办事服务")])
def test_voice_words_are_listed_under_topic_names_not_codes(demo_page, lang, service):
    """Before: 'Words that caused it' read 'service: 态度', 'fraud: 诈骗' in both languages (the topic's code)."""
    at = demo_page("voice", lang)
    column = t("voice.col.evidence", lang)
    frames = [f.value for f in at.dataframe
              if column in f.value.columns and t("voice.col.text", lang) in f.value.columns]
    assert len(frames) == 2, "the comments feed and the demand texts"
    for frame in frames:
        cells = [c for c in frame[column] if c]
        assert cells
        # every topic is named as the Topic column names it, never by its code
        assert not [c for c in cells if re.search(r"(^|；)[a-z_]+: ", c)], cells[:5]
    comments = frames[0]
    row = comments[comments[t("voice.col.text", lang)] == "民警态度很好，但一直没有进展消息"].iloc[0]
    assert row[t("voice.col.topic", lang)] == service
    assert row[column] == f"{service}: 态度"


@pytest.mark.parametrize(("lang", "labels"), [
    ("en", ["Satisfaction (3-level)", "Satisfied when called back"]),
    ("zh", ["满意率（三级）", "回访满意率"]),
])
def test_forum_tile_labels_wrap_instead_of_being_cut(demo_page, lang, labels):
    """Before: a forum tile's label was the metric's own label, which Streamlit cuts to one line: at 1440 px
    'Satisfied when called …', at 1280 px also 'Satisfaction (3…', on the page residents read. A label is now
    text above the figure, which wraps (as on the Cases page: common.metric_tile)."""
    at = demo_page("forum", lang)
    assert at.metric, "the forum draws its tiles"
    # no metric draws its own (cut) label: each is collapsed ...
    assert all(MessageToDict(m.proto).get("labelVisibility", {}).get("value") == "COLLAPSED" for m in at.metric)
    # ... and said by the bold text above it
    markdown = [str(e.value) for e in at.markdown]
    for label in labels:
        assert f"**{common.plain(label)}**" in markdown, (label, markdown[:12])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_page_names_scales_in_the_page_language(demo_page, lang):
    """Before: the Data page's scale list read 'yesno — binary: 1 = yes, 0 = no', '三级' as 'three_level — 3-level:
    3 满意 satisfied…': the scale's code and an English description, on the Chinese page too."""
    at = demo_page("data", lang)
    [box] = [b for b in at.selectbox if b.label == t("defs.item.scale", lang)]
    shown = [str(option) for option in box.options]
    assert len(shown) == len(SCALES)
    assert not [s for s in shown if re.search(r"\b(yesno|likert\d|scale0_10|three_level|categorical)\b", s)], shown
    if lang == "zh":
        assert all(CJK.search(s) for s in shown), shown
        assert shown[0] == "是/否：1 = 是，0 = 否"
    else:
        assert not [s for s in shown if CJK.search(s)], shown
        assert shown[0] == "Yes/no: 1 = yes, 0 = no"


@pytest.mark.parametrize(("lang", "ending"), [
    ("en", "the ▨ in a grey cell stands for the hatch. Changes are compared with the previous period (2026Q2)."),
    ("zh", "灰色格子中的 ▨ 即表示斜纹。 变化与上一期（2026Q2）比较。"),
])
def test_overview_scorecard_caption_ends_in_a_sentence(demo_page, lang, ending):
    """Before: the comparison was glued to the caption as a fragment: '… stands for the hatch. compared with the
    previous period (2026Q2)' (zh: '… 即表示斜纹。 与上一期（2026Q2）比较', no full stop)."""
    at = demo_page("overview", lang)
    captions = [str(c.value) for c in at.caption if "▨" in str(c.value)]
    assert captions and captions[0].endswith(ending), captions


@pytest.mark.parametrize(("lang", "words"), [("en", "compared with the previous period (2026Q2)"),
                                             ("zh", "与上一期（2026Q2）比较")])
def test_compare_table_change_column_is_short_and_says_its_comparison(demo_page, lang, words):
    """Before: the change column's header was the comparison itself ('compared with the previous period
    (2026Q2)'), which made the table wider than the page: at 1440 px the header read 'compared v', at 1280 px
    neither the funnel verdict nor the change could be seen without scrolling the table sideways."""
    at = demo_page("compare", lang)
    frame = next(f for f in at.dataframe if t("compare.col.direct", lang) in f.value.columns)
    columns = list(frame.value.columns)
    assert columns[-1] == t("compare.col.change", lang), columns
    assert not [c for c in columns if words in c]
    assert set(frame.value[columns[-1]]) - {""}, "the changes are shown"
    # the comparison is said in words: in the table's caption and the column's help
    assert any(t("selection.changes_vs", lang, words=words) in str(c.value) for c in at.caption)
    config = json.loads(MessageToDict(frame.proto)["columns"])
    assert config[t("compare.col.change", lang)]["help"] == words


def test_cases_open_loop_days_have_one_decimal_in_every_row(demo_page):
    """Before: the open loop's day columns read '754.1' above '671' and '732' (a whole number of days lost its
    '.0'): the columns did not line up and looked like two precisions."""
    at = demo_page("cases", "en")
    for column in ("casecol.oldest_days", "casecol.median_days_waited", "casecol.days_waited"):
        header = t(column, "en")
        frame = next(f for f in at.dataframe if header in f.value.columns)
        assert (frame.value[header].dropna() % 1 == 0).any(), f"{header}: the demo has whole days to show"
        config = json.loads(MessageToDict(frame.proto)["columns"])
        assert config.get(header, {}).get("type_config", {}).get("format") == "%.1f", config


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_voice_topic_bars_lie_across_with_their_names_readable(demo_page, lang):
    """Before: st.bar_chart stood the bars upright in alphabetical order, their names turned on end and cut
    ('Lighting and cam…'; the Chinese names read top to bottom). The names are now the plotly chart's vertical
    axis, whole, in the table's order (most demands first)."""
    at = demo_page("voice", lang)
    assert not [node for node in at.get("vega_lite_chart")], "no st.bar_chart (it cuts names at 100 px)"
    [chart] = at.get("plotly_chart")
    [bar] = json.loads(chart.proto.spec)["data"]
    table = next(f.value for f in at.dataframe if f.value.index.name == t("voice.col.topic", lang))
    assert bar["orientation"] == "h"
    assert list(bar["y"]) == [common.plain(name) for name in table.index]  # whole names, the table's order
    assert list(bar["x"]) == list(table.sum(axis=1)) == sorted(bar["x"], reverse=True)


@pytest.mark.parametrize(("page", "columns"), [
    ("link", ("link.callback", "link.survey")),
    ("integrity", ("integrity.row.duration_min",)),
])
def test_number_columns_keep_one_decimal_in_every_row(demo_page, page, columns):
    """Before: Link's self-report gap read '83' under '70.8' (survey satisfaction), Integrity's interview minutes
    '0.5833' above '20': a number column drops a trailing '.0' and shows every digit it has."""
    at = demo_page(page, "en")
    for key in columns:
        header = t(key, "en")
        frame = next(f for f in at.dataframe if header in f.value.columns)
        config = json.loads(MessageToDict(frame.proto)["columns"])
        assert config.get(header, {}).get("type_config", {}).get("format") == "%.1f", (header, config)
