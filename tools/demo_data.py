"""The deterministic demo city: 江城市 (Jiangcheng City), its surveys and its police case records.

:func:`generate_demo_inputs` writes the input files an analyst of the demo city would receive, in
the formats analysts really receive (a GBK CSV with Chinese headers and text answers, an Excel
workbook with a title row and numeric codes, a UTF-8-with-BOM SMS export with English headers, a
case-system export and a later update of it), plus the jurisdiction tree and the population
margins for raking. The same seed gives byte-identical files.

The numbers carry a planted story (documented in ``data/demo/README.md``) so that the dashboard
has something to show and the tests have something to find:

* stations differ in baseline satisfaction and police visibility, with a mild city-wide upward
  trend in satisfaction and safety;
* district D02 runs a community-policing campaign from 2025-10-01 that raises visibility
  (``seen_police``) and familiarity (``knows_officer``) in its stations only;
* S07 has poor callback satisfaction, S11 is slow to rectify dissatisfied callbacks, S05 reports
  near-perfect callback satisfaction while its independent survey satisfaction is among the lowest;
* S16 is a small station with only 10-14 phone interviews per quarter.

Everything is vectorised with numpy; the only Python loops run over stations, months or files.
Run ``python -m tools.demo_data`` to regenerate the shipped files in ``data/demo/``.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO_ROOT / "data" / "demo"
DEFAULT_SEED = 20241001

PERIOD_START = np.datetime64("2024-10-01", "D")
PERIOD_END = np.datetime64("2026-09-30", "D")
N_MONTHS = 24
CAMPAIGN_START = np.datetime64("2025-10-01", "D")
CAMPAIGN_DISTRICT = "D02"
# The main case export reflects the system at the end of the period; the update is exported later.
CASE_EXPORT_AT = np.datetime64("2026-10-01T00:00", "m")
CASE_UPDATE_AT = np.datetime64("2026-11-01T00:00", "m")

FILE_JURISDICTIONS = "jurisdictions.csv"
FILE_MARGINS = "margins_age_sex.csv"
FILE_PHONE_GBK = "survey_phone_2024q4_2025q3_gbk.csv"
FILE_PHONE_XLSX = "survey_phone_2025q4_2026q3.xlsx"
FILE_SMS = "survey_sms_2024q4_2026q3.csv"
FILE_CASES = "cases_2024q4_2026q3.csv"
FILE_CASES_UPDATE = "cases_update_2026q3.csv"
FILE_BOUNDARIES = "boundaries.geojson"
FILE_INTERNAL = "internal_evaluation_2024q4_2026q3.csv"
# Prevention and voice (issue 19): disputes, hazards, demands, comments and the planted escalation case.
FILE_DISPUTES = "disputes_2024q4_2026q3.csv"
FILE_HAZARDS = "hazards_2024q4_2026q3.csv"
FILE_DEMANDS = "demands_2024q4_2026q3.csv"
FILE_COMMENTS = "comments_2024q4_2026q3.csv"
FILE_ESCALATION = "cases_escalation_2026q3.csv"

XLSX_SHEET = "调查结果"
XLSX_TITLE = "江城市公众安全感和满意度调查 2025年第四季度至2026年第三季度"
# Fixed timestamp written into the workbook's metadata and zip entries, so the file is reproducible.
_XLSX_STAMP = dt.datetime(2026, 10, 8, 9, 0, 0)


@dataclass(frozen=True)
class Station:
    """One police station (派出所) and the true parameters its data are drawn from."""

    code: str
    district: str
    name_zh: str
    name_en: str
    population: int
    sat_t2b: float        # true top-2-box overall satisfaction at mid-period, before age effects
    safety_t2b: float     # true top-2-box sense of safety at mid-period
    seen: float           # P(has seen police patrol) before any campaign
    knows: float          # P(knows the community officer) before any campaign
    contact: float        # P(knows how to call for help)
    phone_n: int          # phone interviews per quarter (before jitter)
    case_rate: float      # relative case volume per resident
    cb_coverage: float    # share of closed cases that get a callback (回访)
    cb_dissatisfied: float  # P(不满意) at callback for a case with a good outcome
    cb_basic: float       # P(基本满意) at callback for a case with a good outcome
    rect_median_days: float  # median days from a 不满意 callback to rectification (整改)
    rect_never: float     # share of 不满意 callbacks never rectified
    response_mult: float  # multiplier on first-response times


DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("D01", "东湖区", "Donghu District"),
    ("D02", "江北区", "Jiangbei District"),
    ("D03", "西山区", "Xishan District"),
    ("D04", "南港区", "Nangang District"),
)
CITY: tuple[str, str, str] = ("C01", "江城市", "Jiangcheng City")

_S = Station
# Columns: code, district, name_zh, name_en,
#          population, sat_t2b, safety_t2b, seen, knows, contact, phone_n, case_rate,
#          cb_coverage, cb_dissatisfied, cb_basic, rect_median_days, rect_never, response_mult
STATIONS: tuple[Station, ...] = (
    _S("S01", "D01", "东湖路派出所", "Donghu Road Police Station",
       86412, .88, .90, .55, .34, .90, 190, 1.00,
       .84, .05, .13, 6, .05, 1.00),
    _S("S02", "D01", "湖滨派出所", "Hubin Police Station",
       72318, .84, .88, .48, .30, .89, 165, 0.95,
       .80, .06, .14, 5, .06, 0.95),
    _S("S03", "D01", "新华街派出所", "Xinhua Street Police Station",
       104873, .80, .84, .62, .27, .91, 150, 1.20,
       .78, .07, .15, 7, .06, 1.10),
    _S("S04", "D01", "梨园派出所", "Liyuan Police Station",
       58906, .86, .89, .50, .38, .88, 180, 0.90,
       .86, .05, .12, 4, .04, 0.90),
    _S("S05", "D02", "北城派出所", "Beicheng Police Station",
       95247, .70, .80, .45, .28, .87, 200, 1.10,
       .90, .008, .017, 5, .05, 1.15),
    _S("S06", "D02", "江北路派出所", "Jiangbei Road Police Station",
       67529, .82, .86, .52, .31, .90, 170, 1.00,
       .82, .06, .13, 6, .05, 1.00),
    _S("S07", "D02", "花园街派出所", "Huayuan Street Police Station",
       112604, .76, .83, .40, .24, .89, 185, 1.15,
       .76, .26, .22, 6, .06, 1.20),
    _S("S08", "D02", "长丰派出所", "Changfeng Police Station",
       49815, .85, .88, .47, .36, .88, 160, 0.85,
       .84, .05, .13, 5, .05, 0.90),
    _S("S09", "D03", "西山路派出所", "Xishan Road Police Station",
       63740, .90, .92, .58, .42, .92, 175, 0.85,
       .88, .04, .11, 4, .04, 0.85),
    _S("S10", "D03", "青石桥派出所", "Qingshiqiao Police Station",
       81236, .83, .87, .44, .29, .90, 155, 1.00,
       .80, .06, .14, 6, .05, 1.05),
    _S("S11", "D03", "枫林派出所", "Fenglin Police Station",
       118352, .78, .85, .60, .26, .89, 195, 1.10,
       .74, .08, .15, 32, .40, 1.10),
    _S("S12", "D03", "石门派出所", "Shimen Police Station",
       44611, .87, .91, .53, .40, .88, 170, 0.90,
       .87, .05, .12, 5, .05, 0.95),
    _S("S13", "D04", "南港路派出所", "Nangang Road Police Station",
       76958, .81, .86, .49, .30, .90, 165, 1.05,
       .79, .06, .14, 6, .06, 1.05),
    _S("S14", "D04", "海湾派出所", "Haiwan Police Station",
       99147, .91, .93, .57, .35, .93, 180, 0.95,
       .88, .04, .11, 4, .04, 0.90),
    _S("S15", "D04", "新港派出所", "Xingang Police Station",
       53428, .74, .82, .42, .25, .87, 185, 1.05,
       .72, .08, .16, 8, .08, 1.25),
    _S("S16", "D04", "渔村派出所", "Yucun Police Station",
       31207, .86, .91, .66, .45, .86, 12, 0.80,
       .85, .05, .13, 6, .05, 1.00),
)
del _S
SMALL_STATION = "S16"

# --- questionnaire -------------------------------------------------------------------------------
YESNO_ITEMS = ("seen_police", "knows_officer", "knows_contact")
LIKERT_ITEMS = ("satisfaction", "safety", "trust", "attitude", "response_speed", "fairness",
                "communication", "result")
DRIVER_ITEMS = ("attitude", "response_speed", "fairness", "communication", "result")
# True (latent) weights of the drivers in overall satisfaction: attitude and result strongest.
DRIVER_WEIGHTS = np.array([0.32, 0.16, 0.13, 0.09, 0.30])
DRIVER_OFFSETS = np.array([0.10, -0.20, 0.00, -0.10, -0.05])  # item difficulty on the latent scale
DRIVER_LOADING = 0.75  # loading of each driver on the common service-quality factor
DK_RATES = {"seen_police": .02, "knows_officer": .03, "knows_contact": .02, "satisfaction": .03,
            "safety": .02, "trust": .04, "attitude": .04, "response_speed": .07, "fairness": .05,
            "communication": .04, "result": .06}
LIKERT_CUTS = np.array([-1.6, -0.9, 0.0, 1.1])  # latent cut points for codes 1|2|3|4|5

HEADERS_ZH = {
    "respondent_id": "问卷编号", "date": "调查日期", "station": "所属派出所",
    "seen_police": "是否见过民警巡逻", "knows_officer": "是否认识社区民警",
    "knows_contact": "是否知道报警求助方式",
    "satisfaction": "总体满意度", "safety": "安全感", "trust": "信任度", "attitude": "服务态度",
    "response_speed": "出警速度", "fairness": "执法公正", "communication": "沟通解释", "result": "办理结果",
    "sex": "性别", "age_band": "年龄段", "phone": "联系电话",
}
SURVEY_COLUMNS = ("respondent_id", "date", "station", *YESNO_ITEMS, *LIKERT_ITEMS, "sex", "age_band", "phone")
DK_TEXT = "说不清"
YESNO_TEXT = {1: "是", 0: "否", 9: DK_TEXT}
SAT_TEXT = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意", 9: DK_TEXT}
SAFETY_TEXT = {5: "非常安全", 4: "安全", 3: "一般", 2: "不安全", 1: "非常不安全", 9: DK_TEXT}
TRUST_TEXT = {5: "非常信任", 4: "信任", 3: "一般", 2: "不信任", 1: "非常不信任", 9: DK_TEXT}
SEXES = ("男", "女")
AGE_BANDS = ("18-29", "30-44", "45-59", "60+")

# Phone samples over-represent older people and women (who answer landline and daytime calls).
SAMPLE_AGE_P = np.array([0.13, 0.22, 0.30, 0.35])
SAMPLE_FEMALE_P = 0.57
AGE_EFFECT_SAT = np.array([-0.22, -0.10, 0.02, 0.18])
AGE_EFFECT_SAFETY = np.array([0.05, 0.02, 0.00, -0.06])
FEMALE_EFFECT_SAFETY = -0.18
AGE_EFFECT_SEEN = np.array([-0.05, -0.02, 0.01, 0.05])
AGE_EFFECT_KNOWS = np.array([-0.07, -0.03, 0.02, 0.08])
AGE_EFFECT_CONTACT = np.array([0.03, 0.03, 0.00, -0.05])
TREND_TOTAL = 0.14            # latent rise in satisfaction/safety/trust over the 24 months
CAMPAIGN_SEEN = 0.15          # +15 points visibility in D02 from 2025-10-01
CAMPAIGN_KNOWS = 0.12         # +12 points familiarity in D02 from 2025-10-01
CAMPAIGN_SAT = 0.08           # small latent lift in satisfaction (about +2 points)
CAMPAIGN_TRUST = 0.10

# Adult (18+) population structure per district: age shares and male share within each age band.
POP_AGE_SHARES = {
    "D01": (0.20, 0.30, 0.27, 0.23), "D02": (0.22, 0.31, 0.26, 0.21),
    "D03": (0.18, 0.27, 0.29, 0.26), "D04": (0.16, 0.26, 0.29, 0.29),
}
POP_MALE_SHARE_BY_AGE = (0.515, 0.510, 0.500, 0.460)

SMS_PER_QUARTER = 24          # mean SMS responses per station and quarter (S16: 1.5)
SMS_BLANK = 0.06

# --- cases ---------------------------------------------------------------------------------------
CATEGORIES = ("盗窃", "诈骗", "纠纷", "交通", "求助", "信访", "隐患举报", "其他")
CATEGORY_P = np.array([0.15, 0.10, 0.20, 0.15, 0.20, 0.05, 0.07, 0.08])
SMALL_P = np.array([0.60, 0.30, 0.85, 0.80, 0.95, 0.70, 0.90, 0.90])
RESPONSE_MEDIAN_MIN = np.array([25, 90, 15, 10, 12, 360, 120, 40], dtype=float)
CLOSE_MEDIAN_DAYS_SMALL = np.array([3, 5, 2, 2, 1, 16, 4, 2], dtype=float)
CLOSE_MEDIAN_DAYS_BIG = np.array([20, 30, 7, 10, 3, 16, 10, 7], dtype=float)
NEVER_CLOSED_P_BIG = np.array([0.42, 0.54, 0.06, 0.06, 0.024, 0.00, 0.06, 0.036])
NEVER_CLOSED_P_SMALL = np.array([0.06, 0.12, 0.024, 0.024, 0.012, 0.00, 0.024, 0.024])
CLEANUP_SHARE = 0.13
CLEANUP_START = np.datetime64("2026-10-08", "D")  # clean-up closures fall on 2026-10-08 .. 2026-10-30
CLEANUP_END = np.datetime64("2026-10-31", "D")
OUTCOMES = ("破案", "调解成功", "移交", "未破", "已答复")
# P(outcome | category) for closed cases, columns in OUTCOMES order.
OUTCOME_P = np.array([
    [0.55, 0.00, 0.00, 0.45, 0.00],   # 盗窃
    [0.35, 0.00, 0.20, 0.45, 0.00],   # 诈骗
    [0.00, 0.68, 0.32, 0.00, 0.00],   # 纠纷
    [0.00, 0.00, 0.55, 0.00, 0.45],   # 交通
    [0.00, 0.00, 0.12, 0.00, 0.88],   # 求助
    [0.00, 0.00, 0.00, 0.00, 1.00],   # 信访
    [0.00, 0.00, 0.45, 0.00, 0.55],   # 隐患举报
    [0.00, 0.00, 0.30, 0.00, 0.70],   # 其他
])
CASES_TOTAL_TARGET = 15000
HOUR_WEIGHTS = np.array([2, 1.5, 1, 1, 1, 1.5, 3, 5, 7, 8, 8, 7, 6, 7, 7, 7, 7, 7, 8, 8, 7, 5, 4, 3])
CASE_HEADERS = ("案件编号", "所属派出所", "案件类别", "是否小案", "报案时间", "首次响应时间", "结案时间",
                "案件状态", "处理结果", "是否达成调解协议", "回访时间", "回访结果", "整改状态", "整改时间",
                "是否征求意见", "意见建议内容", "报案人电话")
CALLBACK_RESULTS = ("满意", "基本满意", "不满意")
# Callbacks on unsolved cases (立破案告知, 征求意见建议): the share that asked the reporter for opinions, per
# station (S07, poor at callbacks, seldom asks), and what reporters said. One text carries a phone number and a
# name on purpose: the pipeline must redact them before anything is stored.
OPINION_ASKED_P = {"S07": 0.35}
OPINION_ASKED_DEFAULT = 0.75
OPINION_TEXT_P = 0.6
OPINION_TEXTS = (
    "希望尽快破案，追回被盗电动车",
    "小区监控坏了很久，建议督促物业修好",
    "晚上巡逻少，希望多派民警巡逻",
    "民警态度很好，但一直没有进展消息",
    "希望定期告知办案进展",
    "小区门口路灯不亮，晚上不安全",
    "建议在菜市场附近增加巡逻",
    "有线索请联系我，电话13912345678，找王建国",
    "诈骗的钱能不能追回来，希望给个说法",
    "没有意见，谢谢民警",
)


# =================================================================================================
# helpers
# =================================================================================================
def _month_starts() -> np.ndarray:
    """First day of each of the 24 months of the period, as datetime64[D]."""
    return (np.datetime64("2024-10", "M") + np.arange(N_MONTHS + 1)).astype("datetime64[D]")


def _quarter_labels(month_idx: np.ndarray) -> np.ndarray:
    """Calendar quarter label such as ``2024Q4`` for month indices counted from 2024-10."""
    absolute = 2024 * 12 + 9 + month_idx  # months since year 0, 2024-10 -> 2024*12+9
    year = absolute // 12
    quarter = (absolute % 12) // 3 + 1
    return np.char.add(np.char.add(year.astype(str), "Q"), quarter.astype(str))


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fake 11-digit mobile numbers starting 13, 15 or 18."""
    prefix = np.array(["13", "15", "18"])[rng.integers(0, 3, n)]
    rest = pd.Series(rng.integers(0, 10**9, n)).astype(str).str.zfill(9).to_numpy(dtype=str)
    return np.char.add(prefix, rest)


def _split_quarter(rng: np.random.Generator, per_quarter: np.ndarray) -> np.ndarray:
    """Spread (station x quarter) counts evenly over the quarter's three months, remainder at random."""
    base = per_quarter // 3
    rem = per_quarter - 3 * base
    months = np.repeat(base[:, :, None], 3, axis=2)
    # Rank three uniform draws per cell; the `rem` lowest-ranked months get one extra.
    order = np.argsort(rng.random(months.shape), axis=2).argsort(axis=2)
    months += (order < rem[:, :, None]).astype(int)
    return months.reshape(per_quarter.shape[0], -1)


def _draw_dates(rng: np.random.Generator, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expand a (station x month) count matrix into station index, month index and a date per row."""
    n_st, n_mo = counts.shape
    station_idx = np.repeat(np.repeat(np.arange(n_st), n_mo), counts.ravel())
    month_idx = np.repeat(np.tile(np.arange(n_mo), n_st), counts.ravel())
    starts = _month_starts()
    days_in_month = (starts[1:] - starts[:-1]).astype(int)
    offset = np.floor(rng.random(station_idx.size) * days_in_month[month_idx]).astype(int)
    dates = starts[month_idx] + offset
    return station_idx, month_idx, dates


def _trend(month_idx: np.ndarray) -> np.ndarray:
    """Latent city-wide trend, centred on the middle of the period."""
    return TREND_TOTAL * (month_idx - (N_MONTHS - 1) / 2) / (N_MONTHS - 1)


def _likert(latent: np.ndarray) -> np.ndarray:
    return np.digitize(latent, LIKERT_CUTS) + 1


def _with_dk(rng: np.random.Generator, codes: np.ndarray, rate: float) -> np.ndarray:
    return np.where(rng.random(codes.size) < rate, 9, codes)


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """Integers proportional to ``shares`` that add up exactly to ``total``."""
    raw = total * shares / shares.sum()
    out = np.floor(raw).astype(np.int64)
    short = total - int(out.sum())
    out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def _fmt_minutes(values: np.ndarray) -> np.ndarray:
    """Format datetime64[m] values (NaT allowed) as ``2025-03-05 14:22``; NaT becomes missing."""
    text = np.char.replace(np.datetime_as_string(values.astype("datetime64[m]"), unit="m"), "T", " ")
    return np.where(np.isnat(values), None, text.astype(object))


def _write_csv(df: pd.DataFrame, path: Path, encoding: str, lineterminator: str = "\n") -> None:
    df.to_csv(path, index=False, encoding=encoding, lineterminator=lineterminator)


# =================================================================================================
# jurisdictions and margins
# =================================================================================================
def _jurisdictions() -> pd.DataFrame:
    district_pop = {d: sum(s.population for s in STATIONS if s.district == d) for d, _, _ in DISTRICTS}
    rows = [(CITY[0], CITY[1], CITY[2], "", "city", sum(district_pop.values()))]
    rows += [(d, zh, en, CITY[0], "district", district_pop[d]) for d, zh, en in DISTRICTS]
    rows += [(s.code, s.name_zh, s.name_en, s.district, "station", s.population) for s in STATIONS]
    return pd.DataFrame(rows, columns=["code", "name_zh", "name_en", "parent_code", "level", "population"])


def _margins() -> pd.DataFrame:
    rows = []
    for d, _, _ in DISTRICTS:
        total = sum(s.population for s in STATIONS if s.district == d)
        age = np.array(POP_AGE_SHARES[d])
        male = np.array(POP_MALE_SHARE_BY_AGE)
        shares = np.concatenate([age * male, age * (1 - male)])  # 男 x 4 ages, then 女 x 4 ages
        cells = _largest_remainder(total, shares)
        for k, pop in enumerate(cells):
            rows.append((d, SEXES[k // 4], AGE_BANDS[k % 4], int(pop)))
    return pd.DataFrame(rows, columns=["district", "sex", "age_band", "population"])


# =================================================================================================
# phone survey
# =================================================================================================
def _phone_survey(rng: np.random.Generator) -> pd.DataFrame:
    """All phone interviews of the 8 quarters, with canonical codes (1/0/9, 1-5/9)."""
    base = np.array([s.phone_n for s in STATIONS])
    per_q = np.rint(base[:, None] * rng.uniform(0.92, 1.08, (len(STATIONS), 8))).astype(int)
    small = np.array([s.code == SMALL_STATION for s in STATIONS])
    per_q[small] = rng.integers(10, 15, (int(small.sum()), 8))
    counts = _split_quarter(rng, per_q)
    st, mo, dates = _draw_dates(rng, counts)
    n = st.size

    district = np.array([s.district for s in STATIONS])[st]
    campaign = (district == CAMPAIGN_DISTRICT) & (dates >= CAMPAIGN_START)
    age = rng.choice(4, size=n, p=SAMPLE_AGE_P)
    female = rng.random(n) < SAMPLE_FEMALE_P
    trend = _trend(mo)

    def probit(p: float) -> float:
        return NormalDist().inv_cdf(p)

    sat_mean = np.array([probit(s.sat_t2b) for s in STATIONS])[st]
    safety_mean = np.array([probit(s.safety_t2b) for s in STATIONS])[st]
    trust_mean = sat_mean - 0.08

    # Latent service-quality model: five correlated drivers, satisfaction a noisy weighted sum.
    common = rng.standard_normal(n)
    unique = rng.standard_normal((n, len(DRIVER_ITEMS)))
    drivers = DRIVER_LOADING * common[:, None] + np.sqrt(1 - DRIVER_LOADING**2) * unique
    w = DRIVER_WEIGHTS
    corr = np.full((w.size, w.size), DRIVER_LOADING**2)
    np.fill_diagonal(corr, 1.0)
    composite = drivers @ w / np.sqrt(w @ corr @ w)

    mu_sat = sat_mean + trend + AGE_EFFECT_SAT[age] + CAMPAIGN_SAT * campaign
    sat = mu_sat + np.sqrt(0.65) * composite + np.sqrt(0.35) * rng.standard_normal(n)
    mu_safe = safety_mean + trend + AGE_EFFECT_SAFETY[age] + FEMALE_EFFECT_SAFETY * female
    safety = mu_safe + 0.3 * composite + np.sqrt(1 - 0.09) * rng.standard_normal(n)
    mu_trust = trust_mean + trend + AGE_EFFECT_SAT[age] + CAMPAIGN_TRUST * campaign
    trust = mu_trust + 0.6 * composite + 0.8 * rng.standard_normal(n)

    out: dict[str, np.ndarray] = {}
    p_seen = np.array([s.seen for s in STATIONS])[st] + AGE_EFFECT_SEEN[age] + CAMPAIGN_SEEN * campaign
    p_knows = np.array([s.knows for s in STATIONS])[st] + AGE_EFFECT_KNOWS[age] + CAMPAIGN_KNOWS * campaign
    p_contact = np.array([s.contact for s in STATIONS])[st] + AGE_EFFECT_CONTACT[age]
    for item, p in zip(YESNO_ITEMS, (p_seen, p_knows, p_contact), strict=True):
        yes = (rng.random(n) < np.clip(p, 0.01, 0.99)).astype(int)
        out[item] = _with_dk(rng, yes, DK_RATES[item])
    for item, latent in (("satisfaction", sat), ("safety", safety), ("trust", trust)):
        out[item] = _with_dk(rng, _likert(latent), DK_RATES[item])
    for k, item in enumerate(DRIVER_ITEMS):
        latent = sat_mean + trend + AGE_EFFECT_SAT[age] + DRIVER_OFFSETS[k] + drivers[:, k]
        out[item] = _with_dk(rng, _likert(latent), DK_RATES[item])

    phones = _phones(rng, n)
    df = pd.DataFrame({
        "station": np.array([s.code for s in STATIONS])[st],
        "date": dates,
        "month_idx": mo,
        **out,
        "sex": np.array(SEXES)[female.astype(int)],
        "age_band": np.array(AGE_BANDS)[age],
        "phone": phones,
    })
    df = df.sort_values(["date", "station"], kind="stable").reset_index(drop=True)
    # About 0.5% repeat respondents: the same phone number interviewed again at the same station.
    repeat = np.flatnonzero(rng.random(n) < 0.005)
    station_codes = df["station"].to_numpy(dtype=str)
    order = np.argsort(station_codes, kind="stable")
    codes, first_row, per_station = np.unique(station_codes[order], return_index=True, return_counts=True)
    k = np.searchsorted(codes, station_codes[repeat])
    source = order[first_row[k] + np.floor(rng.random(repeat.size) * per_station[k]).astype(int)]
    phone_col = df["phone"].to_numpy(dtype=str).copy()
    phone_col[repeat] = phone_col[source]
    df["phone"] = phone_col

    quarter = _quarter_labels(df["month_idx"].to_numpy())
    seq = df.groupby(quarter, sort=False).cumcount().to_numpy() + 1
    df.insert(0, "respondent_id", np.char.add(np.char.add(np.char.add("P", quarter), "-"),
                                               pd.Series(seq).astype(str).str.zfill(6).to_numpy(dtype=str)))
    return df


def _phone_gbk(df: pd.DataFrame) -> pd.DataFrame:
    """First-year phone survey as the GBK export shows it: Chinese headers and text answers."""
    names = {s.code: s.name_zh for s in STATIONS}
    d = pd.to_datetime(df["date"])
    out = pd.DataFrame({
        "respondent_id": df["respondent_id"],
        "date": d.dt.year.astype(str) + "/" + d.dt.month.astype(str) + "/" + d.dt.day.astype(str),
        "station": df["station"].map(names),
    })
    for item in YESNO_ITEMS:
        out[item] = df[item].map(YESNO_TEXT)
    for item in LIKERT_ITEMS:
        labels = SAFETY_TEXT if item == "safety" else TRUST_TEXT if item == "trust" else SAT_TEXT
        out[item] = df[item].map(labels)
    for col in ("sex", "age_band", "phone"):
        out[col] = df[col]
    return out[list(SURVEY_COLUMNS)].rename(columns=HEADERS_ZH)


_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{_NS_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_NS_REL}/extended-properties" Target="docProps/app.xml"/>'
        '</Relationships>'),
    "docProps/app.xml": (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>Jingmin demo generator</Application></Properties>'),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><bookViews><workbookView/></bookViews>'
        f'<sheets><sheet name="{XLSX_SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_NS_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_NS_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_NS_REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{_NS_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>'),
    # Cell styles: 0 default, 1 date (yyyy/m/d), 2 title (bold 14), 3 header (bold).
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_NS_MAIN}">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/m/d"/></numFmts>'
        '<fonts count="3"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>'
        '<font><b/><sz val="14"/><name val="等线"/><family val="2"/><charset val="134"/></font>'
        '<font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}


def _col_letter(k: int) -> str:
    return chr(ord("A") + k)  # the survey sheet has fewer than 26 columns


def _write_phone_xlsx(df: pd.DataFrame, path: Path) -> None:
    """Second-year phone survey as an Excel workbook: title row, blank row, header, numeric codes.

    The SpreadsheetML is written directly (shared strings, a real date style, a merged title
    cell, frozen header) rather than through openpyxl: it is vectorised, so fast, and it carries
    fixed metadata and zip timestamps, so the file is byte-identical for a seed.
    """
    columns = list(SURVEY_COLUMNS)
    string_cols = {"respondent_id", "station", "sex", "age_band", "phone"}
    n = len(df)
    header = [HEADERS_ZH[c] for c in columns]
    # Shared-string table in order of first appearance: title, header, then data cells row by row.
    string_values = [np.array([XLSX_TITLE, *header], dtype=object)]
    string_values += [df[c].to_numpy(dtype=object) for c in columns if c in string_cols]
    all_strings = np.concatenate(string_values)
    codes, uniques = pd.factorize(all_strings)
    string_index = {}
    pos = 1 + len(header)
    for c in columns:
        if c in string_cols:
            string_index[c] = pd.Series(codes[pos:pos + n]).astype(str)
            pos += n

    rows = pd.Series(np.arange(4, n + 4)).astype(str)
    days = df["date"].to_numpy().astype("datetime64[D]") - np.datetime64("1899-12-30")
    serial = pd.Series(days.astype(int)).astype(str)  # Excel's 1900 date system
    # One column of cell XML per survey column, then a single row-major join of the whole grid.
    grid = np.empty((n, len(columns) + 2), dtype=object)
    grid[:, 0] = ('<row r="' + rows + '">').to_numpy(dtype=object)
    grid[:, -1] = "</row>"
    for k, c in enumerate(columns):
        ref = '<c r="' + _col_letter(k) + rows
        if c in string_cols:
            cell = ref + '" t="s"><v>' + string_index[c] + "</v></c>"
        elif c == "date":
            cell = ref + '" s="1"><v>' + serial + "</v></c>"
        else:
            cell = ref + '"><v>' + df[c].astype(int).astype(str).reset_index(drop=True) + "</v></c>"
        grid[:, k + 1] = cell.to_numpy(dtype=object)
    data_xml = "".join(grid.ravel().tolist())

    last_col = _col_letter(len(columns) - 1)
    header_cells = "".join(f'<c r="{_col_letter(k)}3" s="3" t="s"><v>{k + 1}</v></c>'
                           for k in range(len(header)))
    widths = {"respondent_id": 16, "date": 11, "phone": 13}
    cols_xml = "".join(f'<col min="{k + 1}" max="{k + 1}" width="{widths.get(c, 10)}" customWidth="1"/>'
                       for k, c in enumerate(columns))
    sheet = (
        f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><dimension ref="A1:{last_col}{n + 3}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f'<cols>{cols_xml}</cols><sheetData>'
        '<row r="1"><c r="A1" s="2" t="s"><v>0</v></c></row>'
        f'<row r="3">{header_cells}</row>' + data_xml + "</sheetData>"
        f'<mergeCells count="1"><mergeCell ref="A1:{last_col}1"/></mergeCells></worksheet>')
    shared = (f'<sst xmlns="{_NS_MAIN}" count="{all_strings.size}" uniqueCount="{len(uniques)}">'
              + "".join("<si><t>" + pd.Series(uniques).map(xml_escape) + "</t></si>") + "</sst>")
    stamp = _XLSX_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (
        '<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:title>{XLSX_TITLE}</dc:title><dc:creator>江城市公安局</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')
    parts = dict(_XLSX_STATIC)
    parts.update({"docProps/core.xml": core, "xl/sharedStrings.xml": shared,
                  "xl/worksheets/sheet1.xml": sheet})
    order = ["[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml",
             "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml",
             "xl/worksheets/sheet1.xml"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=_XLSX_STAMP.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, (_XML_HEAD + parts[name]).encode("utf-8"))


# =================================================================================================
# SMS survey
# =================================================================================================
def _sms_survey(rng: np.random.Generator) -> pd.DataFrame:
    """Short SMS rating survey: one three-level satisfaction question (满意 / 基本满意 / 不满意)."""
    small = np.array([s.code == SMALL_STATION for s in STATIONS])
    lam = np.where(small, 1.5, SMS_PER_QUARTER)
    per_q = rng.poisson(np.repeat(lam[:, None], 8, axis=1))
    counts = _split_quarter(rng, per_q)
    st, mo, dates = _draw_dates(rng, counts)
    n = st.size
    district = np.array([s.district for s in STATIONS])[st]
    campaign = (district == CAMPAIGN_DISTRICT) & (dates >= CAMPAIGN_START)
    sat_mean = np.array([NormalDist().inv_cdf(s.sat_t2b) for s in STATIONS])[st]
    latent = sat_mean + _trend(mo) + CAMPAIGN_SAT * campaign + rng.standard_normal(n)
    level = np.digitize(latent, [-0.5, 0.5])  # 0 不满意, 1 基本满意, 2 满意
    answer = np.array(["不满意", "基本满意", "满意"], dtype=object)[level]
    answer[rng.random(n) < SMS_BLANK] = None
    df = pd.DataFrame({
        "date": dates, "month_idx": mo,
        "station": np.array([s.name_en for s in STATIONS])[st],
        "satisfaction_3": answer,
        "phone": _phones(rng, n),
    }).sort_values(["date", "station"], kind="stable").reset_index(drop=True)
    quarter = _quarter_labels(df["month_idx"].to_numpy())
    seq = df.groupby(quarter, sort=False).cumcount().to_numpy() + 1
    ids = np.char.add(np.char.add(np.char.add("M", quarter), "-"),
                      pd.Series(seq).astype(str).str.zfill(5).to_numpy(dtype=str))
    return pd.DataFrame({
        "id": ids,
        "date": pd.to_datetime(df["date"]).dt.strftime("%Y-%m-%d"),
        "station": df["station"],
        "satisfaction_3": df["satisfaction_3"],
        "phone": df["phone"],
    })


# =================================================================================================
# cases
# =================================================================================================
def _lognormal_minutes(rng: np.random.Generator, median_min: np.ndarray, sigma: float) -> np.ndarray:
    draws = median_min * np.exp(sigma * rng.standard_normal(median_min.size))
    return np.maximum(1, np.rint(draws)).astype(int)


def _case_truth(rng: np.random.Generator) -> pd.DataFrame:
    """The true life of every case (report, response, closure, callback, rectification)."""
    pop = np.array([s.population for s in STATIONS], dtype=float)
    rate = np.array([s.case_rate for s in STATIONS])
    lam = pop * rate
    lam = lam / lam.sum() * CASES_TOTAL_TARGET / N_MONTHS
    season = 1 + 0.08 * np.sin(2 * np.pi * (np.arange(N_MONTHS) + 9 - 4) / 12)  # a summer peak
    counts = rng.poisson(lam[:, None] * season[None, :])
    st, mo, dates = _draw_dates(rng, counts)
    n = st.size

    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minute = rng.integers(0, 60, n)
    reported = dates.astype("datetime64[m]") + (hour * 60 + minute).astype("timedelta64[m]")
    cat = rng.choice(len(CATEGORIES), size=n, p=CATEGORY_P)
    small = rng.random(n) < SMALL_P[cat]

    resp_mult = np.array([s.response_mult for s in STATIONS])[st]
    response_min = _lognormal_minutes(rng, RESPONSE_MEDIAN_MIN[cat] * resp_mult, 0.8)
    first = reported + response_min.astype("timedelta64[m]")

    petition = cat == CATEGORIES.index("信访")
    close_days = np.where(small, CLOSE_MEDIAN_DAYS_SMALL[cat], CLOSE_MEDIAN_DAYS_BIG[cat])
    close_sigma = np.where(petition, 0.5, 0.9)
    close_min = np.rint(close_days * 1440 * np.exp(close_sigma * rng.standard_normal(n))).astype(int)
    closed = np.where(petition, reported, first) + close_min.astype("timedelta64[m]")
    # Some cases (unsolved thefts and frauds above all) stay open indefinitely; in October 2026 a
    # backlog clean-up (清理积案) closes a share of them, which is what the later update export shows.
    never = rng.random(n) < np.where(small, NEVER_CLOSED_P_SMALL[cat], NEVER_CLOSED_P_BIG[cat])
    cleanup = never & (rng.random(n) < CLEANUP_SHARE)
    cleanup_days = int((CLEANUP_END - CLEANUP_START) / np.timedelta64(1, "D"))
    cleanup_day = CLEANUP_START + rng.integers(0, cleanup_days, n)
    office_minute = rng.integers(9 * 60, 18 * 60, n).astype("timedelta64[m]")
    cleanup_at = cleanup_day.astype("datetime64[m]") + office_minute
    closed = np.where(cleanup, cleanup_at, closed)
    closed[never & ~cleanup] = np.datetime64("NaT")
    closed = np.maximum(closed, first + np.timedelta64(30, "m"))  # never closed before the first response

    cum = np.cumsum(OUTCOME_P, axis=1)
    outcome_idx = np.minimum((rng.random(n)[:, None] > cum[cat]).sum(axis=1), len(OUTCOMES) - 1)
    outcome = np.array(OUTCOMES)[outcome_idx]
    outcome[cleanup & (outcome == "破案")] = "未破"  # a backlog clean-up closes cases, it does not solve them

    # Callback (回访) a few days after closure, in office hours.
    coverage = np.array([s.cb_coverage for s in STATIONS])[st]
    has_cb = rng.random(n) < coverage
    cb_delay_days = np.maximum(1, np.rint(np.exp(np.log(2.5) + 0.6 * rng.standard_normal(n)))).astype(int)
    cb_minute = rng.integers(9 * 60, 18 * 60, n)
    cb_at = (closed.astype("datetime64[D]") + cb_delay_days).astype("datetime64[m]") + cb_minute.astype(
        "timedelta64[m]")
    cb_at[~has_cb] = np.datetime64("NaT")
    # Callback result: worse when the case was not solved or was passed on.
    p_dis = np.array([s.cb_dissatisfied for s in STATIONS])[st]
    p_basic = np.array([s.cb_basic for s in STATIONS])[st]
    bad = np.isin(outcome, ["未破", "移交"])
    p_dis = np.where(bad, np.minimum(0.6, p_dis * 1.8), p_dis)
    p_basic = np.where(bad, p_basic * 1.2, p_basic)
    u = rng.random(n)
    satisfied, basic, dissatisfied = CALLBACK_RESULTS
    cb_result = np.where(u < p_dis, dissatisfied, np.where(u < p_dis + p_basic, basic, satisfied))

    # Rectification (整改) of dissatisfied callbacks.
    rect_median = np.array([s.rect_median_days for s in STATIONS])[st]
    rect_never = np.array([s.rect_never for s in STATIONS])[st]
    rect_days = np.maximum(1, np.rint(rect_median * np.exp(0.7 * rng.standard_normal(n)))).astype(int)
    rect_at = (cb_at.astype("datetime64[D]") + rect_days).astype("datetime64[m]") + rng.integers(
        9 * 60, 18 * 60, n).astype("timedelta64[m]")
    rect_at[(rng.random(n) < rect_never) | (cb_result != "不满意")] = np.datetime64("NaT")

    reporter = _phones(rng, n)
    df = pd.DataFrame({
        "station": np.array([s.code for s in STATIONS])[st], "category": np.array(CATEGORIES)[cat],
        "small": small, "reported": reported, "first": first, "closed": closed, "outcome": outcome,
        "cb_at": cb_at, "cb_result": cb_result, "rect_at": rect_at, "phone": reporter,
    }).sort_values(["reported", "station"], kind="stable").reset_index(drop=True)
    # Some people report more than once: about 4% of cases reuse an earlier reporter's number.
    again = np.flatnonzero(rng.random(n) < 0.04)
    earlier = np.floor(rng.random(again.size) * again).astype(int)  # any case reported before
    phone_col = df["phone"].to_numpy(dtype=str).copy()
    phone_col[again] = phone_col[earlier]
    df["phone"] = phone_col

    month = pd.Series(df["reported"].to_numpy().astype("datetime64[M]").astype(str)).str.replace("-", "")
    seq = df.groupby(month.to_numpy(), sort=False).cumcount() + 1
    df.insert(0, "case_id", "AJ" + month + "-" + seq.astype(str).str.zfill(5))
    return df


def _case_snapshot(truth: pd.DataFrame, at: np.datetime64) -> pd.DataFrame:
    """What the case system shows when exported at ``at`` (events after it are not yet known)."""
    def known(col: str) -> np.ndarray:
        values = truth[col].to_numpy().astype("datetime64[m]")
        return np.where(values < at, values, np.datetime64("NaT"))

    first = known("first")
    closed = known("closed")
    is_closed = ~np.isnat(closed)
    cb_at = np.where(is_closed, known("cb_at"), np.datetime64("NaT"))
    has_cb = ~np.isnat(cb_at)
    cb_result = np.where(has_cb, truth["cb_result"].to_numpy(dtype=object), None)
    dissatisfied = has_cb & (truth["cb_result"].to_numpy() == "不满意")
    rect_at = np.where(dissatisfied, known("rect_at"), np.datetime64("NaT"))
    rect_status = np.where(dissatisfied, np.where(np.isnat(rect_at), "未整改", "已整改"), None)
    dispute = truth["category"].to_numpy() == "纠纷"
    outcome = truth["outcome"].to_numpy(dtype=object)
    mediation = np.where(dispute & is_closed, np.where(outcome == "调解成功", "是", "否"), None)
    # Opinions asked at callbacks on unsolved cases. The draw hangs on the case id (not on a random stream),
    # so a case shows the same answer in the export and the later update, and the other columns stay as they were.
    unsolved_cb = has_cb & (outcome == "未破")
    draw = np.array([zlib.crc32(c.encode()) for c in truth["case_id"]], dtype=np.int64)
    u_asked, u_text, pick = draw % 1000 / 1000, (draw // 1000) % 1000 / 1000, (draw // 1_000_000) % len(OPINION_TEXTS)
    asked_p = np.array([OPINION_ASKED_P.get(s, OPINION_ASKED_DEFAULT) for s in truth["station"]])
    asked = unsolved_cb & (u_asked < asked_p)
    opinion_asked = np.where(unsolved_cb, np.where(asked, "是", "否"), None)
    opinion_text = np.where(asked & (u_text < OPINION_TEXT_P), np.array(OPINION_TEXTS, dtype=object)[pick], None)
    return pd.DataFrame({
        "案件编号": truth["case_id"],
        "所属派出所": truth["station"],
        "案件类别": truth["category"],
        "是否小案": np.where(truth["small"].to_numpy(), "是", "否"),
        "报案时间": _fmt_minutes(truth["reported"].to_numpy()),
        "首次响应时间": _fmt_minutes(first),
        "结案时间": _fmt_minutes(closed),
        "案件状态": np.where(is_closed, "已结案", "处理中"),
        "处理结果": np.where(is_closed, outcome, None),
        "是否达成调解协议": mediation,
        "回访时间": _fmt_minutes(cb_at),
        "回访结果": cb_result,
        "整改状态": rect_status,
        "整改时间": _fmt_minutes(rect_at),
        "是否征求意见": opinion_asked,
        "意见建议内容": opinion_text,
        "报案人电话": truth["phone"],
    }, columns=list(CASE_HEADERS))


# =================================================================================================
# boundaries (the map)
# =================================================================================================
# Districts as quadrants of a made-up city (north of the river top): Xishan west, Jiangbei north,
# Nangang south, Donghu east. Row, column of each district's cell in a 2 x 2 lattice.
DISTRICT_CELLS = {"D03": (0, 0), "D02": (0, 1), "D04": (1, 0), "D01": (1, 1)}
BOUNDARY_SEED = 15  # the lattice's jitter; fixed so the file is byte-identical across runs


def _boundaries() -> dict:
    """A GeoJSON FeatureCollection of the city, its districts and stations (longitude/latitude degrees).

    A 3 x 3 lattice of jittered points splits the city outline into four quadrilateral districts; each
    district is cut into strips, one per station, at cumulative shares of the stations' populations along
    its top and bottom edges. Stations thus tile their district exactly and districts tile the city, as
    real jurisdictions do, and every shape is a convex-ish quadrilateral a map can draw on its own.
    """
    rng = np.random.default_rng(BOUNDARY_SEED)
    lon0, lat0, step_lon, step_lat = 114.20, 30.72, 0.14, -0.11
    jitter = rng.uniform(-0.25, 0.25, size=(3, 3, 2))
    # Inner lattice lines wander more than the outline, so districts differ in shape and size.
    wander = np.array([0.4, 1.0, 0.4])
    lattice = [[(round(lon0 + (c + jitter[r, c, 0] * wander[c]) * step_lon, 5),
                 round(lat0 + (r + jitter[r, c, 1] * wander[r]) * step_lat, 5))
                for c in range(3)] for r in range(3)]

    def lerp(a: tuple[float, float], b: tuple[float, float], t: float) -> list[float]:
        return [round(a[0] + (b[0] - a[0]) * t, 5), round(a[1] + (b[1] - a[1]) * t, 5)]

    def feature(code: str, name_zh: str, name_en: str, level: str, ring: list[list[float]]) -> dict:
        return {"type": "Feature", "properties": {"code": code, "name_zh": name_zh, "name_en": name_en,
                                                  "level": level},
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}}

    outer = [lattice[0][0], lattice[0][1], lattice[0][2], lattice[1][2], lattice[2][2], lattice[2][1],
             lattice[2][0], lattice[1][0]]
    features = [feature(CITY[0], CITY[1], CITY[2], "city", [list(p) for p in outer])]
    for d, zh, en in DISTRICTS:
        r, c = DISTRICT_CELLS[d]
        tl, tr, br, bl = lattice[r][c], lattice[r][c + 1], lattice[r + 1][c + 1], lattice[r + 1][c]
        features.append(feature(d, zh, en, "district", [list(tl), list(tr), list(br), list(bl)]))
        members = [st for st in STATIONS if st.district == d]
        cuts = np.concatenate([[0.0], np.cumsum([st.population for st in members])]) / sum(
            st.population for st in members)
        for st, a, b in zip(members, cuts[:-1], cuts[1:], strict=True):
            ring = [lerp(tl, tr, a), lerp(tl, tr, b), lerp(bl, br, b), lerp(bl, br, a)]
            features.append(feature(st.code, st.name_zh, st.name_en, "station", ring))
    return {"type": "FeatureCollection", "features": features}


def _write_geojson(doc: dict, path: Path) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


# =================================================================================================
# internal evaluation (内部评价)
# =================================================================================================
INTERNAL_HEADERS = ("派出所", "考核期", "考核项目", "警号", "分子", "分母", "得分", "标准差", "参考人数")
QUARTERS = ("2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3")


def _internal_evaluation(rng: np.random.Generator) -> pd.DataFrame:
    """Internal evaluation per station and quarter, as a force's assessment office would export it.

    A station's internal quality follows its residents' satisfaction (better-run stations do both better), and the
    D02 campaign from 2025Q4 lifts two-way familiarity there. Per station and quarter: the knowledge test (mean
    score 0-100 with its standard deviation and the officers tested), the detection rate of residents' clues,
    information collected against plan and mass prevention tasks done; two-way familiarity per community officer
    (households visited / households that know the officer by name). The small station S16 has a handful of
    officers and clues, so most of its figures are suppressed as too small.
    """
    rows = []
    for s in STATIONS:
        quality = (s.sat_t2b - 0.83) / 0.08  # about -1.6 .. +1
        small = s.code == SMALL_STATION
        officers = 3 if small else int(rng.integers(4, 7))
        staff = 9 if small else int(rng.integers(32, 56))
        for qi, quarter in enumerate(QUARTERS):
            campaign = s.district == CAMPAIGN_DISTRICT and qi >= 4
            trend = 0.01 * qi
            tested = max(5, int(staff * rng.uniform(0.8, 1.0)))
            score = float(np.clip(80 + 4 * quality + 0.4 * qi + rng.normal(0, 1.5), 0, 100))
            rows.append((s.name_zh, quarter, "法律和群众工作知识测试", "", "", "", f"{score:.1f}",
                         f"{rng.uniform(7, 11):.1f}", tested))
            clues = int(rng.poisson((8 if small else 70) * s.case_rate))
            solved = int(rng.binomial(clues, np.clip(0.45 + 0.05 * quality + trend, 0.05, 0.95)))
            rows.append((s.name_zh, quarter, "群众线索破案率", "", solved, clues, "", "", ""))
            planned = int(rng.integers(20, 30) if small else rng.integers(220, 380))
            collected = int(rng.binomial(planned, np.clip(0.80 + 0.04 * quality + trend, 0.05, 0.99)))
            rows.append((s.name_zh, quarter, "群众信息采集率", "", collected, planned, "", "", ""))
            tasks = int(rng.integers(6, 10) if small else rng.integers(50, 90))
            done = int(rng.binomial(tasks, np.clip(0.85 + 0.03 * quality + trend, 0.05, 0.99)))
            rows.append((s.name_zh, quarter, "群防群治工作完成率", "", done, tasks, "", "", ""))
            p_two_way = np.clip(0.55 + 0.05 * quality + trend + (0.12 if campaign else 0.0), 0.05, 0.95)
            for k in range(1, officers + 1):
                visited = int(rng.integers(10, 16) if small else rng.integers(35, 60))
                rows.append((s.name_zh, quarter, "警民双向熟悉率", f"{s.code}-J{k:02d}",
                             int(rng.binomial(visited, p_two_way)), visited, "", "", ""))
    return pd.DataFrame(rows, columns=list(INTERNAL_HEADERS))


# =================================================================================================
# integrity (issue 18): a face-to-face wave with interviewers and times, and a callback register
# =================================================================================================
FILE_F2F = "survey_f2f_2026q3.csv"
FILE_CALLBACKS = "callbacks_2026q3.csv"
INTEGRITY_SEED_OFFSET = 18    # the integrity files draw from their own stream: the other files stay as they were
F2F_START = dt.date(2026, 7, 1)
F2F_DAYS = 92                 # 2026-07-01 .. 2026-09-30
F2F_PER_INTERVIEWER = 12      # honest interviews per interviewer (4 a day on 3 days)
COACHED_STATION = "S10"       # planted coaching: one interviewer's burst of straight-lined "very satisfied"
COACHED_INTERVIEWER = "S10-F3"
COACHED_N = 40                # interviews in the burst
COACHED_START = dt.datetime(2026, 8, 15, 18, 0)
COACHED_SPACING_S = 44        # 40 interviews 44 s apart: 29 minutes
COACHED_DURATION_S = 35       # each "interview" takes 35 s for 14 questions
SELECTIVE_STATION = "S05"     # planted selective callbacks: unsolved and referred cases rarely called back
SELECTIVE_KEEP = 0.15         # share of S05's callbacks on unsolved/referred cases that the register shows
F2F_CHANNELS = ("入户", "拦截访问")
F2F_COLUMNS = ("问卷编号", "调查日期", "所属派出所", "访员编号", "渠道", "开始时间", "结束时间",
               *(HEADERS_ZH[i] for i in (*YESNO_ITEMS, *LIKERT_ITEMS)), "性别", "年龄段")
LIKERT_TEXTS = {"satisfaction": SAT_TEXT, "safety": SAFETY_TEXT, "trust": TRUST_TEXT}


def _f2f_answers(rng: np.random.Generator, station: Station, n: int) -> dict[str, np.ndarray]:
    """Honest answers: one latent service factor per respondent (so items correlate, as in the phone survey)."""
    level = NormalDist().inv_cdf(station.sat_t2b)
    factor = rng.normal(level, 1.0, n)
    out: dict[str, np.ndarray] = {}
    for item, p in zip(YESNO_ITEMS, (station.seen, station.knows, station.contact), strict=True):
        out[item] = np.where(rng.random(n) < p, "是", "否")
    for item in LIKERT_ITEMS:
        latent = DRIVER_LOADING * factor + np.sqrt(1 - DRIVER_LOADING ** 2) * rng.normal(0, 1, n)
        codes = 1 + np.searchsorted(LIKERT_CUTS, latent)
        texts = LIKERT_TEXTS.get(item, SAT_TEXT)
        out[item] = np.array([texts[int(c)] for c in codes], dtype=object)
    return out


def _f2f_survey(rng: np.random.Generator) -> pd.DataFrame:
    """A face-to-face wave in 2026Q3: every station, 3 interviewers (S16: 1), with start and end times; at
    COACHED_STATION one interviewer adds a burst of 40 straight-lined, 35-second "interviews"."""
    frames = []
    per_day = F2F_PER_INTERVIEWER // 3
    for station in STATIONS:
        interviewers = 1 if station.code == SMALL_STATION else 3
        for k in range(1, interviewers + 1):
            days = np.sort(rng.choice(F2F_DAYS, size=3, replace=False))
            day = np.repeat(days, per_day)
            minute = np.tile(np.arange(per_day), 3) * 110 + rng.integers(0, 40, F2F_PER_INTERVIEWER)
            start = (np.datetime64(F2F_START, "m") + day.astype("timedelta64[D]")
                     + np.timedelta64(9 * 60, "m") + minute.astype("timedelta64[m]"))
            duration = np.clip(rng.normal(17, 4, F2F_PER_INTERVIEWER), 8, 30).round().astype("timedelta64[m]")
            frame = pd.DataFrame(_f2f_answers(rng, station, F2F_PER_INTERVIEWER))
            frame["start"], frame["end"] = start, start + duration
            frame["interviewer"], frame["station"] = f"{station.code}-F{k}", station.code
            frame["channel"] = rng.choice(F2F_CHANNELS, F2F_PER_INTERVIEWER)
            frames.append(frame)
    coached = pd.DataFrame({item: "是" for item in YESNO_ITEMS} | {
        item: LIKERT_TEXTS.get(item, SAT_TEXT)[5] for item in LIKERT_ITEMS}, index=range(COACHED_N))
    coached["start"] = (np.datetime64(COACHED_START, "s")
                        + (np.arange(COACHED_N) * COACHED_SPACING_S).astype("timedelta64[s]"))
    coached["end"] = coached["start"] + np.timedelta64(COACHED_DURATION_S, "s")
    coached["interviewer"], coached["station"], coached["channel"] = COACHED_INTERVIEWER, COACHED_STATION, "入户"
    frames.append(coached)
    data = pd.concat(frames, ignore_index=True).sort_values(["start", "interviewer"], kind="stable")
    data = data.reset_index(drop=True)
    n = len(data)
    out = pd.DataFrame({
        "问卷编号": [f"F2026Q3-{i:05d}" for i in range(1, n + 1)],
        "调查日期": pd.to_datetime(data["start"]).dt.strftime("%Y-%m-%d"),
        "所属派出所": data["station"], "访员编号": data["interviewer"], "渠道": data["channel"],
        "开始时间": pd.to_datetime(data["start"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
        "结束时间": pd.to_datetime(data["end"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
    })
    for item in (*YESNO_ITEMS, *LIKERT_ITEMS):
        out[HEADERS_ZH[item]] = data[item].to_numpy()
    out["性别"] = rng.choice(SEXES, n)
    out["年龄段"] = rng.choice(AGE_BANDS, n, p=SAMPLE_AGE_P)
    return out[list(F2F_COLUMNS)]


def _callback_register(cases_csv: Path, rng: np.random.Generator) -> pd.DataFrame:
    """The callback register (回访台账) of the cases closed in 2026Q3, naming who called (回访人). It replaces
    the case export's callback fields for those cases: at SELECTIVE_STATION most unsolved (未破) and referred
    (移交) cases were in fact never called back, while its solved, mediated and answered cases were."""
    cases = pd.read_csv(cases_csv, dtype=str, keep_default_na=False)
    closed = cases["结案时间"].str[:10]
    quarter = cases[(closed >= "2026-07-01") & (closed <= "2026-09-30") & (cases["回访时间"] != "")].copy()
    quarter = quarter.reset_index(drop=True)
    selective = ((quarter["所属派出所"] == SELECTIVE_STATION) & quarter["处理结果"].isin(["未破", "移交"])
                 & (quarter["回访结果"] != "不满意"))
    dropped = selective & (rng.random(len(quarter)) >= SELECTIVE_KEEP)
    quarter.loc[dropped, ["回访时间", "回访结果"]] = ""
    operator = rng.integers(1, 4, len(quarter))
    quarter["回访人"] = [f"{s}-回访{k}" for s, k in zip(quarter["所属派出所"], operator, strict=True)]
    quarter.loc[dropped, "回访人"] = ""
    return quarter[["案件编号", "所属派出所", "报案时间", "回访时间", "回访结果", "回访人"]]


def generate_integrity_inputs(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the integrity demo files (the face-to-face wave and the callback register) into ``out_dir``, after
    the case export they derive from; returns their paths."""
    rng = np.random.default_rng(seed + INTEGRITY_SEED_OFFSET)
    p_f2f, p_callbacks = out_dir / FILE_F2F, out_dir / FILE_CALLBACKS
    _write_csv(_f2f_survey(rng), p_f2f, "utf-8")
    _write_csv(_callback_register(out_dir / FILE_CASES, rng), p_callbacks, "utf-8")
    return [p_f2f, p_callbacks]


# =================================================================================================
# prevention and voice (issue 19)
# =================================================================================================
PREVENTION_SEED = 19  # its own stream, so the files above stay byte-identical
DEMO_START = dt.date(2024, 10, 1)
DEMO_END = dt.date(2026, 9, 30)
DISPUTE_SOURCES = ["大走访", "排查", "110接警", "群众来访", "部门移交"]
DISPUTE_TYPES = ["邻里纠纷", "家庭纠纷", "劳资纠纷", "征地拆迁", "医患纠纷", "交通事故纠纷", "物业纠纷"]
HAZARD_PLACES = ["重点场所", "特种行业", "道路交通", "消防", "危险物品"]
CHANNELS = ["110非警务警情", "12345热线", "信访", "接访", "网上留言", "恳谈会", "人大代表建议"]
CHANNEL_P = [0.30, 0.28, 0.08, 0.07, 0.17, 0.06, 0.04]
PLACES = ["幸福小区", "和平里", "东街", "滨江花园", "南门菜市场", "城北新村", "开发区二路", "湖滨公园"]
# Demand templates by topic ({p} place, {n} house number, {ph} phone, {pl} plate, {nm} a resident's name).
DEMAND_TEXTS = {
    "parking": ["{p}{n}门口天天有车乱停，占用消防通道，希望派出所管一管", "{p}停车难，车位不够，晚上车都停到路上",
                "车牌{pl}的车长期占道停放，联系电话{ph}"],
    "noise": ["{p}广场舞噪音扰民，晚上十点还在放音乐", "{p}{n}装修噪音太大，周末一早就开始",
              "楼下烧烤店吵闹到半夜，多次反映没人管"],
    "patrol": ["希望晚上多在{p}巡逻，最近感觉治安不太好", "{p}很少见警，建议增加巡逻",
               "我是{nm}，住{p}{n}，晚上下班回家害怕，希望多巡逻"],
    "fraud": ["家里老人接到冒充公检法的诈骗电话，希望多做反诈宣传", "{p}有人发刷单广告，怀疑是诈骗",
              "被骗子骗了两千元，报警电话{ph}，希望尽快处理"],
    "theft": ["{p}电动车被盗，已经第二次了", "{p}{n}楼道里的快递经常被偷", "车牌{pl}的车里东西被盗"],
    "traffic": ["{p}路口红绿灯时间太短，拥堵严重", "电瓶车逆行太多，{p}路口很危险"],
    "lighting": ["{p}路灯坏了一个月，晚上很黑", "{p}小路没有监控，希望装摄像头"],
    "service": ["户籍窗口排队太久，办证要跑好几趟", "派出所窗口服务态度很好，办事快"],
    "response": ["报警后出警太慢，等了四十分钟", "110出警很及时，感谢民警"],
}
TOPIC_P = {"parking": .2, "noise": .16, "patrol": .14, "fraud": .12, "theft": .11, "traffic": .09,
           "lighting": .07, "service": .06, "response": .05}
COMMENT_TEXTS = [
    ("survey", "社区民警很负责，经常来小区走访，很满意"), ("survey", "希望多巡逻，晚上{p}不安全"),
    ("survey", "反诈宣传很到位，感谢"), ("survey", "{p}停车难的问题一直没解决，很失望"),
    ("callback", "民警处理及时，态度很好"), ("callback", "出警太慢，不满意"),
    ("callback", "案子一直没有进展，也没人告诉我"), ("callback", "电动车被盗后民警耐心解释，放心了"),
    ("survey", "{p}路灯坏了，晚上害怕"), ("survey", "总体还不错"), ("callback", "办事窗口排队太久"),
    ("survey", "广场舞噪音扰民，投诉多次没人管"),
]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"]
GIVEN = ["秀英", "建国", "桂兰", "志强", "海燕", "晓明", "丽华", "国平"]
# The planted chain (民转刑): a neighbour dispute in S03 found in May 2026, mediation failed, and in July
# one of its parties is injured in a fight with the other (故意伤害), reported by that party and naming
# the dispute.
CHAIN_DISPUTE = "JF-S03-2026-0517"
CHAIN_PHONES = ("17700000317", "17700000318")
CHAIN_FOUND = dt.date(2026, 5, 17)
CHAIN_CASE = "AJ202607-90001"


def _day(rng: np.random.Generator, n: int) -> np.ndarray:
    span = (DEMO_END - DEMO_START).days + 1
    return np.array([DEMO_START + dt.timedelta(days=int(d)) for d in np.sort(rng.integers(0, span, n))])


def _station_draw(rng: np.random.Generator, n: int) -> np.ndarray:
    pop = np.array([s.population for s in STATIONS], dtype=float)
    return np.array([s.code for s in STATIONS])[rng.choice(len(STATIONS), size=n, p=pop / pop.sum())]


def _fill(rng: np.random.Generator, template: str) -> str:
    return template.format(
        p=PLACES[rng.integers(len(PLACES))], n=f"{rng.integers(1, 30)}号楼{rng.integers(1, 7)}单元",
        ph="1" + str(rng.choice([35, 39, 58, 86])) + str(rng.integers(10_000_000, 99_999_999)),
        pl="鄂" + "ABCDEFGH"[rng.integers(8)] + str(rng.integers(10000, 99999)),
        nm=SURNAMES[rng.integers(len(SURNAMES))] + GIVEN[rng.integers(len(GIVEN))])


def _disputes(rng: np.random.Generator) -> pd.DataFrame:
    """One row per dispute x party; mediated mostly within two weeks; the planted chain's dispute."""
    n = 1400
    found = _day(rng, n)
    result = rng.choice(["调解成功", "调解不成", "调解中", "移交司法所"], size=n, p=[.78, .10, .05, .07])
    lag = rng.integers(1, 20, n)
    mediated = [f if r in ("调解中",) else f + dt.timedelta(days=int(d)) for f, r, d in zip(found, result, lag,
                                                                                            strict=True)]
    recent = np.array([f > DEMO_END - dt.timedelta(days=10) for f in found])
    result = np.where(recent, "调解中", result)
    frame = pd.DataFrame({
        "纠纷编号": [f"JF-{i:05d}" for i in range(1, n + 1)], "所属派出所": _station_draw(rng, n),
        "发现日期": [f.isoformat() for f in found],
        "来源": rng.choice(DISPUTE_SOURCES, size=n, p=[.35, .3, .2, .1, .05]),
        "纠纷类型": rng.choice(DISPUTE_TYPES, size=n, p=[.34, .22, .14, .08, .05, .1, .07]),
        "调处结果": result,
        "调处日期": [None if r == "调解中" else m.isoformat() for r, m in zip(result, mediated, strict=True)],
    })
    parties = rng.integers(1, 3, n)  # one or two parties known by phone
    frame = frame.loc[frame.index.repeat(parties)].reset_index(drop=True)
    frame["当事人电话"] = ["16" + str(v) for v in rng.integers(100_000_000, 999_999_999, len(frame))]
    chain = pd.DataFrame({
        "纠纷编号": [CHAIN_DISPUTE] * 2, "所属派出所": ["S03"] * 2, "发现日期": [CHAIN_FOUND.isoformat()] * 2,
        "来源": ["大走访"] * 2, "纠纷类型": ["邻里纠纷"] * 2, "调处结果": ["调解不成"] * 2,
        "调处日期": [(CHAIN_FOUND + dt.timedelta(days=9)).isoformat()] * 2, "当事人电话": list(CHAIN_PHONES)})
    return pd.concat([frame, chain], ignore_index=True).sort_values(["发现日期", "纠纷编号"], kind="stable")


def _hazards(rng: np.random.Generator) -> pd.DataFrame:
    """Hazards with deadlines of 7-30 days; S11 rectifies slowly; a few recent ones still open."""
    n = 900
    found = _day(rng, n)
    station = _station_draw(rng, n)
    severity = rng.choice(["一般隐患", "重大隐患"], size=n, p=[.85, .15])
    allowed = np.where(severity == "重大隐患", 30, 15)
    slow = np.where(station == "S11", 2.2, 1.0)
    days = np.rint(rng.gamma(2.0, allowed * 0.35 * slow)).astype(int)
    rectified = [f + dt.timedelta(days=int(d)) for f, d in zip(found, days, strict=True)]
    never = rng.random(n) < np.where(station == "S11", .12, .03)
    rect_text = [None if (nv or r > DEMO_END) else r.isoformat() for nv, r in zip(never, rectified, strict=True)]
    return pd.DataFrame({
        "隐患编号": [f"YH-{i:05d}" for i in range(1, n + 1)], "所属派出所": station,
        "发现日期": [f.isoformat() for f in found],
        "场所类别": rng.choice(HAZARD_PLACES, size=n, p=[.25, .2, .2, .25, .1]), "隐患等级": severity,
        "整改期限": [(f + dt.timedelta(days=int(a))).isoformat() for f, a in zip(found, allowed, strict=True)],
        "整改日期": rect_text,
    })


def _demands(rng: np.random.Generator) -> pd.DataFrame:
    """Demands from every channel, texts from topic templates with personal details to be redacted."""
    n = 1800
    received = _day(rng, n)
    topics = rng.choice(list(TOPIC_P), size=n, p=np.array(list(TOPIC_P.values())) / sum(TOPIC_P.values()))
    texts = [_fill(rng, DEMAND_TEXTS[t][rng.integers(len(DEMAND_TEXTS[t]))]) for t in topics]
    minutes = rng.integers(8 * 60, 20 * 60, n)
    at = [dt.datetime.combine(d, dt.time()) + dt.timedelta(minutes=int(m)) for d, m in zip(received, minutes,
                                                                                          strict=True)]
    answer_days = rng.gamma(2.0, 4.5, n)
    answered = [a + dt.timedelta(days=float(d)) for a, d in zip(at, answer_days, strict=True)]
    done = [x <= dt.datetime(2026, 9, 30, 23, 59) for x in answered]
    return pd.DataFrame({
        "诉求编号": [f"SQ-{i:05d}" for i in range(1, n + 1)],
        "渠道": rng.choice(CHANNELS, size=n, p=CHANNEL_P),
        "受理时间": [a.strftime("%Y-%m-%d %H:%M") for a in at], "承办单位": _station_draw(rng, n),
        "诉求内容": texts, "办理状态": ["已答复" if d else "待办" for d in done],
        "答复时间": [x.strftime("%Y-%m-%d %H:%M") if d else None for x, d in zip(answered, done, strict=True)],
        "答复内容": ["已转社区民警核实处理，并电话回复" if d else None for d in done],
    })


def _comments(rng: np.random.Generator) -> pd.DataFrame:
    """Free-text answers from surveys and callbacks."""
    n = 1200
    picks = rng.integers(len(COMMENT_TEXTS), size=n)
    return pd.DataFrame({
        "意见编号": [f"YJ-{i:05d}" for i in range(1, n + 1)],
        "来源": ["调查问卷" if COMMENT_TEXTS[k][0] == "survey" else "电话回访" for k in picks],
        "所属派出所": _station_draw(rng, n), "日期": [d.isoformat() for d in _day(rng, n)],
        "意见建议": [_fill(rng, COMMENT_TEXTS[k][1]) for k in picks],
    })


def _escalation_case() -> pd.DataFrame:
    """The planted chain's criminal case (a later batch of the case system), naming the dispute."""
    return pd.DataFrame([{
        "案件编号": CHAIN_CASE, "所属派出所": "S03", "案件类别": "故意伤害", "是否小案": "否",
        "报案时间": "2026-07-02 21:40", "首次响应时间": "2026-07-02 21:52", "结案时间": "2026-08-20 16:00",
        "案件状态": "已结案", "处理结果": "破案", "回访时间": "2026-08-25 10:00", "回访结果": "满意",
        "关联纠纷编号": CHAIN_DISPUTE, "报案人电话": CHAIN_PHONES[1]}])


def generate_prevention_inputs(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the prevention and voice demo files (disputes, hazards, demands, comments, the escalation
    case) into out_dir; deterministic for a seed, on a stream of its own."""
    rng = np.random.default_rng([seed, PREVENTION_SEED])
    frames = [(FILE_DISPUTES, _disputes(rng)), (FILE_HAZARDS, _hazards(rng)), (FILE_DEMANDS, _demands(rng)),
              (FILE_COMMENTS, _comments(rng)), (FILE_ESCALATION, _escalation_case())]
    paths = []
    for name, frame in frames:
        _write_csv(frame, Path(out_dir) / name, "utf-8")
        paths.append(Path(out_dir) / name)
    return paths


# =================================================================================================
# published results (issue 17): other agencies' aggregated figures to compare with
# =================================================================================================
FILE_PUBLISHED_PROVINCE = "published_province_quarterly_2024q4_2026q3.csv"
FILE_PUBLISHED_NEIGHBOUR = "published_neighbour_scores_2024q4_2026q3.csv"
PUBLISHED_SEED_OFFSET = 17    # own stream: the other files stay as they were
PROVINCE_SOURCE = "江南省公安厅 群众安全感和满意度季度通报"
NEIGHBOUR_SOURCE = "河口市公安局 民意评价月报"
# The province's published units: (name, true satisfaction rate, true visibility rate, quarterly base n).
# 江城市 is the demo city itself as the province reports it; the others are its neighbours.
PROVINCE_UNITS: tuple[tuple[str, float, float, int], ...] = (
    ("", 0.842, 0.655, 9600),            # the whole province (blank = the publisher's own area)
    ("江城市", 0.830, 0.640, 1200),
    ("河口市", 0.861, 0.690, 1000),
    ("青石县", 0.875, 0.710, 480),
    ("云溪县", 0.812, 0.600, 450),
    ("白沙县", 0.889, 0.735, 400),
)
PROVINCE_WITHHELD = ("白沙县", "2025Q1")   # the province did not publish this unit's visibility that quarter
QUARTER_ENDS = ("2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31",
                "2026-06-30", "2026-09-30")


def _published_province(rng: np.random.Generator) -> pd.DataFrame:
    """A provincial bureau's quarterly bulletin per city/county: satisfaction and visibility rates in percent
    with one decimal and the base n of each unit (so intervals can be drawn); the province-wide row has a blank
    unit; one figure the province withheld is written '..' (loaded as "not published")."""
    rows = []
    for qi, quarter in enumerate(QUARTERS):
        for name, sat, seen, base in PROVINCE_UNITS:
            n = int(base * rng.uniform(0.92, 1.08))
            trend = 0.003 * qi
            sat_hat = rng.binomial(n, min(sat + trend, 0.99)) / n
            seen_hat = rng.binomial(n, min(seen + trend, 0.99)) / n
            seen_text = ".." if (name, quarter) == PROVINCE_WITHHELD else f"{100 * seen_hat:.1f}"
            rows.append((name, quarter, f"{100 * sat_hat:.1f}", seen_text, n))
    return pd.DataFrame(rows, columns=["市县", "季度", "群众满意率(%)", "见警率(%)", "样本量"])


def _published_neighbour(rng: np.random.Generator) -> pd.DataFrame:
    """A neighbouring city's police bureau's mean scores on 0-10 (citywide, quarter-end dates, no base n: shown
    as published, never given an interval), as a long table with one measure per row."""
    rows = []
    for qi, end in enumerate(QUARTER_ENDS):
        for measure, level in (("满意度评分", 8.1), ("安全感评分", 8.6)):
            rows.append(("", end, measure, f"{level + 0.04 * qi + rng.normal(0, 0.08):.2f}", NEIGHBOUR_SOURCE))
    return pd.DataFrame(rows, columns=["地区", "截止日期", "指标", "得分", "来源"])


def generate_published_inputs(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the published-results demo files (the province's bulletin, the neighbour's scores) into
    ``out_dir``; returns their paths."""
    rng = np.random.default_rng(seed + PUBLISHED_SEED_OFFSET)
    p_province, p_neighbour = out_dir / FILE_PUBLISHED_PROVINCE, out_dir / FILE_PUBLISHED_NEIGHBOUR
    _write_csv(_published_province(rng), p_province, "utf-8-sig")
    _write_csv(_published_neighbour(rng), p_neighbour, "utf-8")
    return [p_province, p_neighbour]


# =================================================================================================
# public entry point
# =================================================================================================
def generate_demo_inputs(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo input files into out_dir and return their paths (deterministic for a seed).

    The files are, in order: ``jurisdictions.csv``, ``margins_age_sex.csv``, the GBK phone survey
    of 2024Q4-2025Q3, the Excel phone survey of 2025Q4-2026Q3, the SMS survey, the case export,
    the later case update, the jurisdiction boundaries (GeoJSON), the internal-evaluation export, the
    face-to-face wave of 2026Q3, the callback register of 2026Q3, and the published results (a provincial
    bulletin and a neighbouring city's scores) -- the last five from their own random streams, so the older files
    do not change with them. ``data/demo/README.md`` describes their formats
    and the planted story.
    Existing files of the same names are overwritten; other files in ``out_dir`` are left alone.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # spawn(4)[:3] equals spawn(3): the internal stream is added without changing the older files.
    phone_rng, sms_rng, case_rng, internal_rng = (np.random.default_rng(s)
                                                  for s in np.random.SeedSequence(seed).spawn(4))
    paths = [out_dir / name for name in (FILE_JURISDICTIONS, FILE_MARGINS, FILE_PHONE_GBK, FILE_PHONE_XLSX,
                                         FILE_SMS, FILE_CASES, FILE_CASES_UPDATE, FILE_BOUNDARIES, FILE_INTERNAL)]
    p_jur, p_margins, p_gbk, p_xlsx, p_sms, p_cases, p_update, p_boundaries, p_internal = paths

    _write_csv(_jurisdictions(), p_jur, "utf-8")
    _write_csv(_margins(), p_margins, "utf-8")

    phone = _phone_survey(phone_rng)
    first_year = phone["date"].to_numpy() < CAMPAIGN_START
    _write_csv(_phone_gbk(phone[first_year]), p_gbk, "gbk", lineterminator="\r\n")
    _write_phone_xlsx(phone[~first_year], p_xlsx)

    _write_csv(_sms_survey(sms_rng), p_sms, "utf-8-sig")

    truth = _case_truth(case_rng)
    _write_csv(_case_snapshot(truth, CASE_EXPORT_AT), p_cases, "utf-8")
    closed = truth["closed"].to_numpy().astype("datetime64[m]")
    newly_closed = ~(closed < CASE_EXPORT_AT) & (closed < CASE_UPDATE_AT)
    _write_csv(_case_snapshot(truth[newly_closed].reset_index(drop=True), CASE_UPDATE_AT), p_update, "utf-8")
    _write_geojson(_boundaries(), p_boundaries)
    _write_csv(_internal_evaluation(internal_rng), p_internal, "utf-8")
    return (paths + generate_integrity_inputs(out_dir, seed) + generate_prevention_inputs(out_dir, seed)
            + generate_published_inputs(out_dir, seed))


if __name__ == "__main__":
    for written in generate_demo_inputs(DEMO_DIR):
        print(f"{written.relative_to(REPO_ROOT)}  {written.stat().st_size:>9,} bytes")
