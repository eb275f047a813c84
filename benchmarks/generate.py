"""Generate province-scale benchmark inputs with DuckDB SQL (no Python loop over rows).

The files look like the ones analysts receive (see ``tools/demo_data.py`` and ``docs/ingest.md``):

* ``jurisdictions.csv`` — one city (省会市 P01), 25 districts, 500 stations (20 per district);
* ``survey_<N>.csv`` — N respondents over the 36 months 2023-10 … 2026-09, UTF-8, Chinese headers, text
  answers (是/否/说不清, 非常满意 … 非常不满意, 满意/基本满意/不满意, 非常安全 …), station names in Chinese,
  dates written three ways (2025/3/5, 2025-03-05, 2025年3月5日), a design weight (权重), a mobile number
  (联系电话, hashed into the person key on load) and a respondent name (姓名, dropped on load);
  about 1% of answers blank (→ don't know);
* ``survey_<N>_gbk.csv`` — the same rows encoded GBK with CRLF line ends (the classic Excel export);
* ``cases_<N>.csv`` — N/10 case records (案件编号 … 报案人电话) with consistent times, callbacks and
  rectification.

Stations differ in size (a few are tiny, so some monthly cells are suppressed) and in their true rates, and
satisfaction drifts upward over time. Every random draw is a hash of the row number, so the same N gives
byte-identical files whatever the thread count.

Usage::

    python benchmarks/generate.py --rows 1000000 [--out benchmarks/data] [--no-gbk]
"""

from __future__ import annotations

import argparse
import codecs
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data"
N_DISTRICTS = 25
STATIONS_PER_DISTRICT = 20
N_STATIONS = N_DISTRICTS * STATIONS_PER_DISTRICT
FIRST_MONTH = "2023-10-01"
N_MONTHS = 36
CHUNK_BYTES = 4 * 1024 * 1024

DISTRICT_STEMS = [
    ("东湖", "Donghu"), ("江北", "Jiangbei"), ("西山", "Xishan"), ("南港", "Nangang"), ("北城", "Beicheng"),
    ("青山", "Qingshan"), ("白云", "Baiyun"), ("金水", "Jinshui"), ("龙泉", "Longquan"), ("高新", "Gaoxin"),
    ("临江", "Linjiang"), ("天河", "Tianhe"), ("松柏", "Songbai"), ("桃源", "Taoyuan"), ("石门", "Shimen"),
    ("长丰", "Changfeng"), ("红星", "Hongxing"), ("新华", "Xinhua"), ("海湾", "Haiwan"), ("兴隆", "Xinglong"),
    ("平安", "Ping'an"), ("文昌", "Wenchang"), ("望城", "Wangcheng"), ("梅林", "Meilin"), ("柳湾", "Liuwan"),
]
ROAD_STEMS = [
    ("人民路", "Renmin Road"), ("解放路", "Jiefang Road"), ("中山路", "Zhongshan Road"), ("建设路", "Jianshe Road"),
    ("胜利街", "Shengli Street"), ("和平街", "Heping Street"), ("花园街", "Huayuan Street"),
    ("滨江路", "Binjiang Road"), ("公园路", "Gongyuan Road"), ("车站路", "Chezhan Road"), ("学府路", "Xuefu Road"),
    ("光明街", "Guangming Street"), ("朝阳路", "Chaoyang Road"), ("幸福路", "Xingfu Road"),
    ("枫林", "Fenglin"), ("梨园", "Liyuan"), ("湖滨", "Hubin"), ("青石桥", "Qingshiqiao"), ("渔村", "Yucun"),
    ("新港", "Xingang"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"

# Respondent columns, as the phone-survey export has them (docs/ingest.md synonyms).
SURVEY_HEADERS = [
    "问卷编号", "调查日期", "所属派出所", "是否见过民警巡逻", "是否认识社区民警", "是否知道报警求助方式",
    "总体满意度", "满意度三级", "安全感", "信任度", "服务态度", "出警速度", "执法公正", "沟通解释", "办理结果",
    "性别", "年龄段", "权重", "联系电话", "姓名",
]


def _u(seed_sql: str, salt: int) -> str:
    """SQL for a uniform [0, 1) draw from the hash of a row key and a salt (deterministic)."""
    return "((hash(" + seed_sql + ", " + str(int(salt)) + ") % 1000003) / 1000003.0)"


def jurisdictions_sql() -> str:
    """One row per city, district and station: code, name_zh, name_en, parent_code, level, population."""
    districts = ", ".join("(" + str(i + 1) + ", '" + zh + "', '" + en.replace("'", "''") + "')"
                          for i, (zh, en) in enumerate(DISTRICT_STEMS))
    roads = ", ".join("(" + str(i + 1) + ", '" + zh + "', '" + en + "')" for i, (zh, en) in enumerate(ROAD_STEMS))
    return f"""
    WITH d(k, zh, en) AS (VALUES {districts}),
         r(k, zh, en) AS (VALUES {roads})
    SELECT 'P01' AS code, '省会市' AS name_zh, 'Provincial Capital' AS name_en, NULL AS parent_code,
           'city' AS level, 0 AS population, 0 AS sort_key
    UNION ALL
    SELECT 'D' || lpad(CAST(d.k AS VARCHAR), 2, '0'), d.zh || '区', d.en || ' District', 'P01', 'district', 0, d.k
    FROM d
    UNION ALL
    SELECT 'S' || lpad(CAST((d.k - 1) * {STATIONS_PER_DISTRICT} + r.k AS VARCHAR), 3, '0'),
           d.zh || r.zh || '派出所', d.en || ' ' || r.en || ' Police Station',
           'D' || lpad(CAST(d.k AS VARCHAR), 2, '0'), 'station',
           20000 + CAST(hash(d.k, r.k) % 100000 AS INTEGER), 1000 + (d.k - 1) * {STATIONS_PER_DISTRICT} + r.k
    FROM d CROSS JOIN r
    """


def _station_table(con: duckdb.DuckDBPyConnection) -> None:
    """TEMP table ``bm_stations``: code, Chinese name, share of respondents (cumulative) and true rates."""
    con.execute("CREATE OR REPLACE TEMP TABLE bm_jur AS SELECT * FROM (" + jurisdictions_sql() + ")")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE bm_stations AS
        WITH s AS (
            SELECT row_number() OVER (ORDER BY code) - 1 AS idx, code, name_zh,
                   -- size: every 50th station is tiny (suppressed months), the rest vary 0.4x-2x
                   CASE WHEN (row_number() OVER (ORDER BY code)) % 50 = 0 THEN 0.04
                        ELSE 0.4 + 1.6 * {_u("code", 1)} END AS size,
                   0.70 + 0.22 * {_u("code", 2)} AS p_sat,
                   0.75 + 0.20 * {_u("code", 3)} AS p_safe,
                   0.65 + 0.25 * {_u("code", 4)} AS p_trust,
                   0.35 + 0.35 * {_u("code", 5)} AS p_seen,
                   0.20 + 0.25 * {_u("code", 6)} AS p_knows,
                   0.82 + 0.12 * {_u("code", 7)} AS p_contact
            FROM bm_jur WHERE level = 'station'
        )
        SELECT *, coalesce(sum(size) OVER (ORDER BY idx ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                  / sum(size) OVER () AS cum
        FROM s
    """)


def _answer(u_sql: str, p_sql: str, yes: str, no: str) -> str:
    return "CASE WHEN " + u_sql + " < " + p_sql + " THEN '" + yes + "' ELSE '" + no + "' END"


def survey_sql() -> str:
    """SELECT of N survey rows ($n) with the analysts' Chinese headers; needs ``bm_stations``."""
    yn = "['否', '是']"
    sat5 = "['非常不满意', '不满意', '一般', '满意', '非常满意']"
    safe5 = "['非常不安全', '不安全', '一般', '安全', '非常安全']"
    trust5 = "['非常不信任', '不信任', '一般', '信任', '非常信任']"
    sat3 = "['不满意', '基本满意', '满意']"

    def yesno(p: str, salt: int) -> str:
        return f"CASE WHEN {_u('i', salt + 100)} < 0.01 THEN '' WHEN {_u('i', salt + 200)} < 0.025 THEN '说不清' " \
               f"ELSE {yn}[1 + CAST({_u('i', salt)} < {p} AS INTEGER)] END"

    def likert(p: str, salt: int, labels: str) -> str:
        # top-2-box with probability p (5 or 4), otherwise 3, 2 or 1; 1% blank, 3% don't know
        u, v = _u("i", salt), _u("i", salt + 1)
        code = f"CASE WHEN {u} < {p} THEN 4 + CAST({v} < 0.45 AS INTEGER) ELSE 1 + CAST(floor({v} * 3) AS INTEGER) END"
        return f"CASE WHEN {_u('i', salt + 100)} < 0.01 THEN '' WHEN {_u('i', salt + 200)} < 0.03 THEN '说不清' " \
               f"ELSE {labels}[{code}] END"

    def three(p: str, salt: int) -> str:
        u, v = _u("i", salt), _u("i", salt + 1)
        code = f"CASE WHEN {u} < {p} THEN 2 + CAST({v} < 0.6 AS INTEGER) ELSE 1 END"
        return f"CASE WHEN {_u('i', salt + 100)} < 0.01 THEN '' ELSE {sat3}[{code}] END"

    trend = "(0.06 * (m.month_idx / 35.0) - 0.03)"
    return f"""
    WITH base AS (
        SELECT i, {_u('i', 11)} AS u_station, CAST(floor({_u('i', 12)} * {N_MONTHS}) AS INTEGER) AS month_idx,
               {_u('i', 13)} AS u_day
        FROM range($n) t(i)
    ),
    m AS (
        SELECT b.*, CAST(DATE '{FIRST_MONTH}' + to_months(b.month_idx) AS DATE) AS month_start
        FROM base b
    ),
    r AS (
        SELECT m.i, m.month_idx, s.code, s.name_zh,
               CAST(m.month_start + CAST(floor(m.u_day * day(last_day(m.month_start))) AS INTEGER) AS DATE) AS d,
               least(0.99, s.p_sat + {trend}) AS p_sat, least(0.99, s.p_safe + {trend}) AS p_safe,
               least(0.99, s.p_trust + {trend}) AS p_trust, s.p_seen, s.p_knows, s.p_contact
        FROM m ASOF JOIN bm_stations s ON m.u_station >= s.cum
    )
    SELECT
        'WJ' || strftime(d, '%Y%m') || '-' || lpad(CAST(i AS VARCHAR), 9, '0') AS "问卷编号",
        CASE WHEN {_u('i', 14)} < 0.85 THEN strftime(d, '%Y/') || CAST(month(d) AS VARCHAR) || '/'
                                            || CAST(day(d) AS VARCHAR)
             WHEN {_u('i', 14)} < 0.95 THEN strftime(d, '%Y-%m-%d')
             ELSE CAST(year(d) AS VARCHAR) || '年' || CAST(month(d) AS VARCHAR) || '月' || CAST(day(d) AS VARCHAR)
                  || '日' END AS "调查日期",
        name_zh AS "所属派出所",
        {yesno('p_seen', 20)} AS "是否见过民警巡逻",
        {yesno('p_knows', 21)} AS "是否认识社区民警",
        {yesno('p_contact', 22)} AS "是否知道报警求助方式",
        {likert('p_sat', 30, sat5)} AS "总体满意度",
        {three('p_sat + 0.05', 32)} AS "满意度三级",
        {likert('p_safe', 34, safe5)} AS "安全感",
        {likert('p_trust', 36, trust5)} AS "信任度",
        {likert('p_sat + 0.03', 38, sat5)} AS "服务态度",
        {likert('p_sat - 0.08', 40, sat5)} AS "出警速度",
        {likert('p_sat', 42, sat5)} AS "执法公正",
        {likert('p_sat - 0.02', 44, sat5)} AS "沟通解释",
        {likert('p_sat - 0.05', 46, sat5)} AS "办理结果",
        CASE WHEN {_u('i', 50)} < 0.57 THEN '女' ELSE '男' END AS "性别",
        ['18-29', '30-44', '45-59', '60+'][1 + CAST(floor({_u('i', 51)} * 4) AS INTEGER)] AS "年龄段",
        CAST(round(0.4 + 2.2 * {_u('i', 52)}, 4) AS VARCHAR) AS "权重",
        '1' || CAST(3 + CAST(floor({_u('i', 53)} * 7) AS INTEGER) AS VARCHAR)
            || lpad(CAST(hash(i, 54) % 1000000000 AS VARCHAR), 9, '0') AS "联系电话",
        '{SURNAMES}'[1 + CAST(floor({_u('i', 55)} * {len(SURNAMES)}) AS INTEGER)]
            || '{GIVEN}'[1 + CAST(floor({_u('i', 56)} * {len(GIVEN)}) AS INTEGER)] AS "姓名"
    FROM r
    ORDER BY i
    """


def cases_sql() -> str:
    """SELECT of $n case records with the case system's Chinese headers; needs ``bm_stations``."""
    cats = "['盗窃', '诈骗', '纠纷', '交通', '求助', '信访', '隐患举报', '其他']"
    return f"""
    WITH base AS (
        SELECT i, {_u('i', 61)} AS u_station,
               TIMESTAMP '{FIRST_MONTH}' + to_minutes(CAST(floor({_u('i', 62)} * {N_MONTHS} * 30.4 * 1440) AS BIGINT))
                   AS reported,
               1 + CAST(floor({_u('i', 63)} * 8) AS INTEGER) AS cat,
               {_u('i', 64)} AS u_close, {_u('i', 65)} AS u_cb, {_u('i', 66)} AS u_res, {_u('i', 67)} AS u_rect
        FROM range($n) t(i)
    ),
    c AS (
        SELECT b.*, s.code,
               b.reported + to_minutes(5 + CAST(floor({_u('i', 68)} * 60) AS BIGINT)) AS first_resp,
               CASE WHEN b.u_close < 0.85
                    THEN b.reported + to_minutes(60 + CAST(floor({_u('i', 69)} * 20000) AS BIGINT)) END AS closed
        FROM base b ASOF JOIN bm_stations s ON b.u_station >= s.cum
    ),
    d AS (
        SELECT *, CASE WHEN closed IS NOT NULL AND u_cb < 0.8
                       THEN closed + to_minutes(60 + CAST(floor({_u('i', 70)} * 8000) AS BIGINT)) END AS cb_at,
                  CASE WHEN u_res < 0.80 THEN '满意' WHEN u_res < 0.93 THEN '基本满意' ELSE '不满意' END AS cb_res
        FROM c
    )
    SELECT
        'AJ' || strftime(reported, '%Y%m') || '-' || lpad(CAST(i AS VARCHAR), 8, '0') AS "案件编号",
        code AS "所属派出所",
        {cats}[cat] AS "案件类别",
        CASE WHEN {_u('i', 71)} < 0.7 THEN '是' ELSE '否' END AS "是否小案",
        strftime(reported, '%Y-%m-%d %H:%M') AS "报案时间",
        strftime(first_resp, '%Y-%m-%d %H:%M') AS "首次响应时间",
        strftime(closed, '%Y-%m-%d %H:%M') AS "结案时间",
        CASE WHEN closed IS NULL THEN '处理中' ELSE '已结案' END AS "案件状态",
        CASE WHEN closed IS NULL THEN NULL
             WHEN cat = 3 THEN CASE WHEN u_rect < 0.7 THEN '调解成功' ELSE '移交' END
             WHEN cat = 6 THEN '已答复'
             WHEN u_rect < 0.6 THEN '破案' ELSE '未破' END AS "处理结果",
        CASE WHEN cat = 3 AND closed IS NOT NULL THEN CASE WHEN u_rect < 0.7 THEN '是' ELSE '否' END END
            AS "是否达成调解协议",
        strftime(cb_at, '%Y-%m-%d %H:%M') AS "回访时间",
        CASE WHEN cb_at IS NOT NULL THEN cb_res END AS "回访结果",
        CASE WHEN cb_at IS NOT NULL AND cb_res = '不满意' THEN CASE WHEN u_rect < 0.8 THEN '已整改' ELSE '未整改' END
             END AS "整改状态",
        CASE WHEN cb_at IS NOT NULL AND cb_res = '不满意' AND u_rect < 0.8
             THEN strftime(cb_at + to_minutes(600 + CAST(floor({_u('i', 72)} * 20000) AS BIGINT)), '%Y-%m-%d %H:%M')
             END AS "整改时间",
        '1' || CAST(3 + CAST(floor({_u('i', 73)} * 7) AS INTEGER) AS VARCHAR)
            || lpad(CAST(hash(i, 74) % 1000000000 AS VARCHAR), 9, '0') AS "报案人电话"
    FROM d
    ORDER BY i
    """


def transcode(src: Path, dst: Path, encoding: str = "gbk") -> None:
    """Stream a UTF-8 file into ``encoding`` with CRLF line ends (as Excel on Chinese Windows saves CSV)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with src.open("rb") as fh, dst.open("wb") as out:
        while True:
            chunk = fh.read(CHUNK_BYTES)
            text = decoder.decode(chunk, final=not chunk)
            out.write(text.replace("\n", "\r\n").encode(encoding))
            if not chunk:
                break


def generate(rows: int, out_dir: Path = DEFAULT_OUT, *, gbk: bool = True, cases: bool = True) -> dict[str, Path]:
    """Write the benchmark inputs for ``rows`` respondents into ``out_dir``; return their paths by role.

    Existing files of the same name are reused (generation is deterministic), so a second call is free.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"jurisdictions": out_dir / "jurisdictions.csv", "survey": out_dir / f"survey_{rows}.csv"}
    if gbk:
        paths["survey_gbk"] = out_dir / f"survey_{rows}_gbk.csv"
    if cases:
        paths["cases"] = out_dir / f"cases_{rows}.csv"
    con = duckdb.connect()
    try:
        _station_table(con)
        if not paths["jurisdictions"].exists():
            con.sql("SELECT * EXCLUDE (sort_key) FROM bm_jur ORDER BY sort_key").write_csv(
                str(paths["jurisdictions"]), header=True)
        if not paths["survey"].exists():
            _write(con, survey_sql(), rows, paths["survey"])
        if cases and not paths["cases"].exists():
            _write(con, cases_sql(), max(1, rows // 10), paths["cases"])
    finally:
        con.close()
    if gbk and not paths["survey_gbk"].exists():
        partial = paths["survey_gbk"].with_suffix(".partial")
        transcode(paths["survey"], partial)
        partial.rename(paths["survey_gbk"])
    return paths


def _write(con: duckdb.DuckDBPyConnection, select_sql: str, n: int, path: Path) -> None:
    """Write a SELECT taking $n to a UTF-8 CSV (written under a temporary name, renamed when complete)."""
    partial = path.with_suffix(".partial")
    con.sql(select_sql, params={"n": n}).write_csv(str(partial), header=True)
    partial.rename(path)


def main(argv: list[str] | None = None) -> int:
    """Command line: generate the inputs for ``--rows`` respondents and print their sizes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="number of survey respondents (e.g. 1000000)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default benchmarks/data)")
    parser.add_argument("--no-gbk", action="store_true", help="skip the GBK copy of the survey file")
    parser.add_argument("--no-cases", action="store_true", help="skip the cases file")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = generate(args.rows, args.out, gbk=not args.no_gbk, cases=not args.no_cases)
    for role, path in paths.items():
        print(f"{role:14s} {path}  {path.stat().st_size / 1_048_576:,.1f} MB")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
