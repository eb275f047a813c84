"""The Forum for a survey wave (issue 13 item 9): a wave against the wave before it, whatever the gap in months.

The city (tests/data/forum_waves_city.py) was surveyed in three waves two and seven months apart. Every change
below is worked out by hand from its table (pooled two-proportion z test, then Benjamini–Hochberg across the
stations that have both waves, as ``indicators --by jurisdiction,wave --changes previous`` does):

* 2021年第二轮 against 2021年第一轮 (two months apart), stations S01 and S02 tested together:
  S01 32/40 = 0.80 against 20/40 = 0.50: change +0.30; pooled p = 52/80 = 0.65,
      se = sqrt(0.65 * 0.35 * (1/40 + 1/40)) = 0.106654, z = 2.81284, p = erfc(z / sqrt 2) = 0.0049106.
  S02 28/40 = 0.70 against 30/40 = 0.75: change -0.05; pooled 58/80 = 0.725,
      se = sqrt(0.725 * 0.275 * 0.05) = 0.099844, z = -0.50078, p = 0.61652.
  BH, m = 2: S01 0.0049106 * 2 / 1 = 0.0098211 (significant: up 30.0 points), S02 0.61652 * 2 / 2 = 0.61652.
* 2021年第三轮 against 2021年第二轮 (seven months apart; S03's 20 respondents are suppressed, so untested):
  S02 16/40 = 0.40 against 0.70: change -0.30; pooled 44/80 = 0.55, se = sqrt(0.55 * 0.45 * 0.05) = 0.111243,
      z = -2.69680, p = 0.0070009; BH: 0.0070009 * 2 / 1 = 0.0140019 (significant: down 30.0 points).
  S01 30/40 = 0.75 against 0.80: change -0.05; pooled 62/80 = 0.775, se = sqrt(0.775 * 0.225 * 0.05)
      = 0.093374, z = -0.53548, p = 0.59232; BH: 0.59232 * 2 / 2 = 0.59232 (about the same).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pptx import Presentation

from analytics import cli, forum, report, store
from analytics.errors import ConfigError, UnknownNameError
from analytics.i18n import t
from analytics.roles import LOCAL_USER
from analytics.selection import Selection
from tests.data.forum_waves_city import W1, W2, W3, build_wave_city, copy_of


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("forum_waves")
    mp = pytest.MonkeyPatch()
    mp.setenv("JINGMIN_SECRET", "test-secret-0123456789abcdef")
    try:
        return build_wave_city(folder / "waves.duckdb")
    finally:
        mp.undo()


@pytest.fixture
def con(city):
    connection = store.connect(city, read_only=True)
    yield connection
    connection.close()


def summary(con, code: str, wave: str, lang: str = "zh", comparison: str = "previous") -> forum.ForumSummary:
    return forum.forum_summary(con, Selection(period_kind="wave", periods=(wave,), comparison=comparison), code,
                               lang)


def z_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p of the pooled two-proportion z test (the hand derivation in the module docstring)."""
    pooled = (x1 + x2) / (n1 + n2)
    z = (x2 / n2 - x1 / n1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def test_the_hand_figures_of_the_docstring():
    assert z_p(20, 40, 32, 40) == pytest.approx(0.0049106, rel=1e-4)
    assert z_p(30, 40, 28, 40) == pytest.approx(0.61652, rel=1e-4)
    assert z_p(28, 40, 16, 40) == pytest.approx(0.0070009, rel=1e-4)
    assert z_p(32, 40, 30, 40) == pytest.approx(0.59232, rel=1e-4)


@pytest.mark.parametrize("comparison", ["previous", "year"])  # a wave has no year earlier: both mean the wave before
def test_a_wave_is_compared_with_the_wave_before_two_months_earlier(con, comparison):
    tile = summary(con, "S01", W2, comparison=comparison).tile("satisfaction")
    assert tile.rate.estimate == pytest.approx(0.8) and tile.rate.n == 40
    change = tile.headline_change
    assert change.period == W1 and change.status == "up" and change.significant
    assert change.change == pytest.approx(0.30)
    assert change.p_adjusted == pytest.approx(2 * z_p(20, 40, 32, 40))  # BH across S01 and S02
    assert change.sentence == "比上一轮调查（2021年第一轮）上升30.0个百分点——是真实的变化。"


def test_seven_months_apart_the_same_rule_real_fall_and_about_the_same(con):
    s02 = summary(con, "S02", W3, "en")
    change = s02.tile("satisfaction").headline_change
    assert change.period == W2 and change.status == "down"
    assert change.change == pytest.approx(-0.30)
    assert change.p_adjusted == pytest.approx(2 * z_p(28, 40, 16, 40))
    assert change.sentence == "Down 30.0 points compared with the previous wave (2021年第二轮) — a real change."
    assert s02.compared == ("2021年第三轮 compared with the previous wave, 2021年第二轮 (first interviews about 7 "
                            "months apart)")
    s01 = summary(con, "S01", W3).tile("satisfaction").headline_change
    assert s01.status == "same" and not s01.significant
    assert s01.p_adjusted == pytest.approx(z_p(32, 40, 30, 40))  # 0.59232 * 2 / 2
    assert s01.brief == "与上一轮调查基本持平"


def test_the_compared_sentence_names_both_waves_in_plain_words(con):
    assert summary(con, "S01", W2).compared == "2021年第二轮与上一轮调查2021年第一轮比较（两轮首次访问相隔约 2 个月）"
    first = summary(con, "S01", W1)
    assert first.compared == "2021年第一轮是第一轮调查，没有更早的一轮可比较。"
    change = first.tile("satisfaction").headline_change
    assert change.status == "no_data" and change.change is None and change.period is None


def test_a_calendar_quarter_would_find_nothing_to_compare_across_the_gap(con):
    # 2021Q4 holds the third wave; the quarter before, 2021Q3, has no survey, so by quarters there is no change.
    sel = Selection(period_kind="quarter", periods=("2021Q4",))
    assert forum.forum_summary(con, sel, "S02", "zh").tile("satisfaction").headline_change.status == "no_data"


def test_download_names_say_the_period_kind_so_a_wave_and_a_quarter_never_share_a_file_name(con):
    wave = summary(con, "S02", W3, "en")
    quarter = forum.forum_summary(con, Selection(period_kind="quarter", periods=("2021Q4",)), "S02", "zh")
    assert wave.file_stem() == "jingmin_forum_S02_wave_2021年第三轮_en"  # \w keeps Chinese letters
    assert quarter.file_stem() == "jingmin_forum_S02_quarter_2021Q4_zh"
    # a wave label may hold anything; the name keeps letters, digits, '.', '-' and '_' only
    odd = dataclasses.replace(wave, period="FY22/Q1 (重访)")
    assert odd.file_stem() == "jingmin_forum_S02_wave_FY22_Q1_重访__en"


def test_a_suppressed_wave_stays_suppressed_and_is_not_compared(con):
    s = summary(con, "S03", W3, "en")
    tile = s.tile("satisfaction")
    assert tile.rate.flag == "suppressed" and tile.rate.estimate is None and not tile.rate.shown
    assert tile.headline_change.status == "not_reported" and tile.headline_change.change is None
    # S03 has no first wave; the trend starts with the first wave the city has, as for calendar periods
    assert s.trend_periods == (W1, W2, W3)
    assert tile.trend[0].values == (None, 0.6, None) and tile.trend[0].flags[2] == "suppressed"
    assert tile.district.flag == "suppressed"  # D02 is S03 alone
    # 13/20 = 65.0% is shown nowhere: not on the page's summary, not in either file
    texts, charts = deck_texts(s)
    assert "65.0%" not in report.build_html(s) and not any("65.0%" in text for text in texts)
    assert not [v for c in charts for series in c.plots[0].series for v in series.values
                if v is not None and abs(v - 0.65) < 1e-9]


def test_the_trend_is_in_wave_order_not_label_order(con):
    s = summary(con, "S01", W3)
    assert sorted(s.trend_periods) != list(s.trend_periods)  # 第一轮 < 第三轮 < 第二轮 by character code
    assert s.trend_periods == (W1, W2, W3)
    own, district, city = s.tile("satisfaction").trend
    assert own.values == pytest.approx((0.5, 0.8, 0.75))
    # D01 = S01 + S02: (20 + 30) / 80, (32 + 28) / 80, (30 + 16) / 80
    assert district.values == pytest.approx((0.625, 0.75, 0.575))
    # the city adds S03 from the second wave: (32 + 28 + 24) / 120 = 0.7; third: (30 + 16 + 13) / 100 = 0.59
    assert city.values == pytest.approx((0.625, 0.7, 0.59))


def run_cli(db: Path, *args: str) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main([*args, "--format", "json", "--db", str(db)]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("wave", [W2, W3])
def test_forum_figures_equal_indicators_by_jurisdiction_and_wave(con, city, wave):
    summaries = {code: summary(con, code, wave) for code in ("S01", "S02")}
    # the command the deck's notes and the HTML's metadata give, run as printed
    command = summaries["S01"].indicators_command
    assert command.split()[3:] == ["indicators", "--by", "jurisdiction,wave", "--level", "station", "--period",
                                   f"'{wave}'", "--changes", "previous"]
    con.close()
    rows = run_cli(city, "indicators", "--by", "jurisdiction,wave", "--level", "station", "--period", wave,
                   "--changes", "previous", "--indicator", "satisfaction")
    by_code = {r["jurisdiction"]: r for r in rows}
    for code, s in summaries.items():
        tile, row = s.tile("satisfaction"), by_code[code]
        assert row["period"] == wave and row["prev_period"] == tile.headline_change.period
        assert tile.rate.estimate == pytest.approx(row["estimate"])
        assert (tile.rate.ci_low, tile.rate.ci_high) == pytest.approx((row["ci_low"], row["ci_high"]))
        assert tile.headline_change.change == pytest.approx(row["change"])
        assert tile.headline_change.p_adjusted == pytest.approx(row["p_adjusted"])
        assert tile.headline_change.significant == row["significant"]


# ------------------------------------------------------------------------------------------ exports


def deck_texts(s: forum.ForumSummary) -> tuple[list[str], list]:
    deck = Presentation(io.BytesIO(report.build_pptx(s)))
    texts, charts = [], []
    for slide in deck.slides:
        parts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        texts.append("\n".join(parts))
        charts += [shape.chart for shape in slide.shapes if shape.has_chart]
    return texts, charts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_deck_names_the_waves_and_draws_them_in_wave_order(con, lang):
    s = summary(con, "S02", W3, lang)
    texts, charts = deck_texts(s)
    assert s.compared in texts[0] and W3 in texts[0] and W2 in texts[0]  # the title slide
    tile = s.tile("satisfaction")
    (indicator_slide,) = [text for text in texts if tile.label in text.splitlines()[0:1]]
    assert tile.headline_change.sentence in indicator_slide and W2 in indicator_slide
    trend = [c for c in charts if list(c.plots[0].categories) == [W1, W2, W3]]
    assert trend, [list(c.plots[0].categories) for c in charts]
    assert list(trend[0].plots[0].series[0].values) == pytest.approx([0.75, 0.7, 0.4])
    assert t("forum.report.method_wave", lang) in "\n".join(texts)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "svg")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "svg")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_html_report_names_the_waves(con, lang):
    s = summary(con, "S01", W2, lang)
    html = report.build_html(s)
    parser = _Text()
    parser.feed(html)
    text = "\n".join(parser.chunks)
    assert s.compared in text and s.tile("satisfaction").headline_change.sentence in text
    assert t("forum.report.trend_wave", lang, count=2) in text
    # the SVG trend's point labels, in wave order
    points = re.findall(r"<title>[^<]* (2021年第[一二三]轮): [^<]*</title></circle>", html)
    assert points[:2] == [W1, W2]
    assert 'content="python -m analytics indicators --by jurisdiction,wave' in html


def test_report_cli_takes_a_wave_label_with_by_wave(city, tmp_path, capsys):
    out = tmp_path / "w3.pptx"
    assert cli.main(["report", "--jurisdiction", "S02", "--by", "wave", "--period", W3, "--lang", "en",
                     "--out", str(out), "--db", str(city)]) == 0
    texts, _charts = deck_texts_from(out)
    assert "2021年第三轮 compared with the previous wave, 2021年第二轮" in texts[0]
    html = tmp_path / "w3.html"
    assert cli.main(["report", "--jurisdiction", "S02", "--by", "jurisdiction,wave", "--period", W3,
                     "--format", "html", "--out", str(html), "--db", str(city)]) == 0
    assert "比上一轮调查（2021年第二轮）下降30.0个百分点" in html.read_text(encoding="utf-8")
    capsys.readouterr()
    # not a wave: the message lists the waves; a wave label without --by wave is not a calendar period
    assert cli.main(["report", "--jurisdiction", "S02", "--by", "wave", "--period", "FY99", "--out",
                     str(tmp_path / "x.pptx"), "--db", str(city)]) == 2
    assert W1 in capsys.readouterr().err
    assert cli.main(["report", "--jurisdiction", "S02", "--period", W3, "--out", str(tmp_path / "x.pptx"),
                     "--db", str(city)]) == 2
    assert cli.main(["report", "--jurisdiction", "S02", "--by", "fortnight", "--period", W3, "--out",
                     str(tmp_path / "x.pptx"), "--db", str(city)]) == 2
    assert not (tmp_path / "x.pptx").exists()


def deck_texts_from(path: Path) -> tuple[list[str], list]:
    deck = Presentation(str(path))
    return (["\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides], [])


# ------------------------------------------------------------------------------------- the rest


def test_you_said_we_did_rows_are_kept_per_wave(city, tmp_path):
    db = copy_of(city, tmp_path)
    con = store.connect(db)
    try:
        result = forum.save_actions(con, "S02", W3, [{"concern": "夜间巡逻太少", "action": "增加晚班", "status": "done"}],
                                    user=LOCAL_USER, period_kind="wave")
        assert result.inserted == 1
        assert [a.concern for a in summary(con, "S02", W3).actions] == ["夜间巡逻太少"]
        assert summary(con, "S02", W2).actions == ()
        with pytest.raises(UnknownNameError) as info:
            forum.save_actions(con, "S02", "FY99", [{"concern": "x"}], user=LOCAL_USER, period_kind="wave")
        assert info.value.message_key == "forum.error.unknown_wave" and W1 in info.value.params["waves"]
    finally:
        con.close()


def test_an_unknown_wave_is_refused_and_calendar_only_additions_say_so(con):
    with pytest.raises(UnknownNameError, match="FY99"):
        summary(con, "S01", "FY99")
    s = summary(con, "S01", W2)
    assert s.cases == ()  # case records are dated, not in waves
    with pytest.raises(ConfigError) as info:
        forum.with_assessment(con, s, user=LOCAL_USER)
    assert info.value.message_key == "forum.error.wave_assessment"
    with pytest.raises(ConfigError) as info:
        forum.with_benchmark(con, s, "London (MPS)")
    assert info.value.message_key == "forum.error.wave_benchmark"


def test_the_overview_scorecard_compares_a_wave_with_the_wave_before(con):
    from analytics import scorecard

    table = scorecard.scorecard(con, Selection(period_kind="wave", periods=(W1, W2, W3)))
    row = table[(table["jurisdiction"] == "S02") & (table["indicator"] == "satisfaction")].iloc[0]
    assert row["prev_period"] == W2 and row["change"] == pytest.approx(-0.30)
    assert row["p_adjusted"] == pytest.approx(2 * z_p(28, 40, 16, 40)) and row["direction"] == "down"
    history = scorecard.history(con, Selection(period_kind="wave", periods=(W3,), jurisdiction_codes=("S01",)),
                                "satisfaction")
    assert history["period"].tolist() == [W1, W2, W3]


def test_a_trend_test_over_waves_steps_one_per_wave_in_wave_order(con):
    from analytics import engine, trends
    from scipy.stats import linregress

    table = engine.indicator_table(con, Selection(period_kind="wave", jurisdiction_codes=("S01",)),
                                   indicators=["satisfaction"])
    (row,) = trends.trend_tests(table).to_dict("records")
    # Cochran–Armitage with scores 0, 1, 2 (waves, not months: 0, 2, 9): the slope is the least-squares slope of
    # the 120 answers on their wave's score, as a linear regression of 0/1 outcomes computes it.
    x = [0] * 40 + [1] * 40 + [2] * 40
    y = [1] * 20 + [0] * 20 + [1] * 32 + [0] * 8 + [1] * 30 + [0] * 10
    assert row["periods"] == 3 and row["first_period"] == W1 and row["last_period"] == W3
    assert row["slope"] == pytest.approx(linregress(x, y).slope)
