"""Run the performance benchmarks of issue 7 and write their results (medians, baselines, ratios) as JSON.

Every measurement runs in its own fresh Python process (``run.py --worker TASK``), so each one starts with
cold Streamlit and DuckDB caches (the OS file cache stays warm) and reports its own peak resident set
size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``). The parent runs each task ``--repeat`` times,
interleaving the tasks, records the load average before every run, and reports medians and ratios from
the same run.

Tasks:

* ``ingest`` — ``analytics.ingest.ingest_file`` of the UTF-8 survey file into a fresh database holding the
  jurisdictions (mapping, validation, PII hashing, load, indicator-cell refresh, close);
  ``ingest_gbk`` the same file in GBK; ``ingest_cases`` the cases file;
* ``floor`` / ``floor_cases`` — DuckDB's own ``CREATE TABLE … AS SELECT * FROM read_csv(file)`` into a
  fresh database file, no checks (the floor the pipeline is measured against);
* ``indicators`` — ``engine.indicator_table`` by month for every default indicator at every level
  (station, district, city), unweighted and weighted; plus ``refresh_cells`` (rebuilding the sufficient
  statistics from all respondents, rolled back);
* ``pandas`` — the same table computed with pandas ``groupby`` from a wide respondent frame, as an analyst
  would write it; the worker then asserts that the engine's numbers agree;
* ``samplics`` — the second baseline (issue 20.5): the weighted table's estimate and linearised SE per cell
  from samplics ``TaylorEstimator`` (mean of the 0/1 score, one PSU per respondent, each cell estimated as
  its own sample, as ``by=`` does), beside the engine and pandas in the same process; every district and
  city cell, and the cells of ``--samplics-stations`` stations drawn at random (seed 20), because samplics
  takes one Python call per cell; the worker asserts equal estimates and SEs;
* ``compare`` — ``compare.compare_table`` (funnel, over-dispersion, shrinkage, 2,000-draw rank intervals) for
  all stations, satisfaction, the latest quarter, unweighted and weighted;
* ``page_overview`` / ``page_compare`` — the Overview and Compare pages through Streamlit's AppTest: first
  render, then re-renders after filter changes.

Usage::

    python benchmarks/run.py --rows 1000000 --out benchmarks/results_1m.json --repeat 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from analytics.roles import User  # noqa: E402
from analytics.selection import Selection  # noqa: E402
from benchmarks.generate import DEFAULT_OUT, generate  # noqa: E402

BENCH_SECRET = "benchmark-only-secret-0123456789abcdef"
SURVEY_CONSTANTS = {"mode": "phone"}
LEVELS = ("station", "district", "city")
TOLERANCE = 1e-9
ALL_TASKS = ("floor", "ingest", "ingest_gbk", "floor_cases", "ingest_cases", "indicators", "pandas", "compare",
             "samplics", "page_overview", "page_compare")
PAGE_ROW_LIMIT = 2_000_000  # page renders are measured at N = 1M (the target); skipped above


# --------------------------------------------------------------------------------------------
# Helpers shared by parent and workers


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far, every thread included (DuckDB's workers are threads).

    On the shared machine wall clock depends on what else runs; CPU time much less so, and the ratio of two tasks'
    CPU seconds says how much work each did."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine() -> dict[str, Any]:
    """The machine and software versions the benchmark ran on."""
    import duckdb
    import numpy
    import pandas
    import streamlit

    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    disk = shutil.disk_usage(HERE)
    return {
        "nproc": os.cpu_count(), "cpu_model": cpu, "ram_gb": round(mem_kb / 1_048_576, 1),
        "disk_free_gb": round(disk.free / 1e9, 1), "os": platform.platform(), "python": platform.python_version(),
        "duckdb": duckdb.__version__, "pandas": pandas.__version__, "numpy": numpy.__version__,
        "streamlit": streamlit.__version__,
    }


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _fresh_db(path: Path) -> None:
    for suffix in ("", ".wal", ".tmp"):
        target = Path(str(path) + suffix)
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Workers (each runs in its own process; returns a dict of figures)


def _registry_db(db: Path, jurisdictions: Path) -> None:
    """A fresh store with the upload limit raised and the jurisdiction registry loaded (not timed)."""
    from analytics import store
    from analytics.ingest import ingest_file

    _fresh_db(db)
    con = store.connect(db)
    store.set_setting(con, "upload_max_mb", 1_000_000, user=User('benchmark', "admin"))
    ingest_file(con, "jurisdictions", jurisdictions, user=User('benchmark', "admin"))
    con.close()


def work_ingest(p: dict[str, Any]) -> dict[str, Any]:
    """Time ``ingest_file`` of one file into a fresh database holding the jurisdictions (load + close)."""
    from analytics import store
    from analytics.ingest import ingest_file

    db = Path(p["db"])
    _registry_db(db, Path(p["jurisdictions"]))
    con = store.connect(db)
    kind = p["kind"]
    constants = SURVEY_CONSTANTS if kind == "survey" else None
    start, cpu = time.perf_counter(), cpu_seconds()
    result = ingest_file(con, kind, p["file"], constants=constants, user=User('benchmark', "admin"))
    con.close()
    seconds = time.perf_counter() - start
    out = {"seconds": seconds, "cpu_seconds": cpu_seconds() - cpu, "rows": result.rows, "peak_rss_mb": peak_rss_mb(),
           "warnings": result.warnings, "encoding": result.summary.get("encoding")}
    keep_as = Path(p["keep_as"]) if p.get("keep_as") else None
    if keep_as is not None and not keep_as.exists():
        db.rename(keep_as)  # the first timed load becomes the database the later tasks query
    elif not p.get("keep"):
        _fresh_db(db)
    return out


def work_floor(p: dict[str, Any]) -> dict[str, Any]:
    """Time DuckDB's own read_csv of the file into a table of a fresh database file (no checks; + close)."""
    import duckdb

    db = Path(p["db"])
    _fresh_db(db)
    start, cpu = time.perf_counter(), cpu_seconds()
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE raw AS SELECT * FROM read_csv($path)", {"path": p["file"]})
    rows = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    con.close()
    seconds = time.perf_counter() - start
    _fresh_db(db)
    return {"seconds": seconds, "cpu_seconds": cpu_seconds() - cpu, "rows": int(rows), "peak_rss_mb": peak_rss_mb()}


def _engine_tables(con: Any, weighted: bool) -> dict[str, Any]:
    from analytics import engine

    return {level: engine.indicator_table(con, Selection(period_kind='month', level=level, weighted=weighted))
            for level in LEVELS}


def work_indicators(p: dict[str, Any]) -> dict[str, Any]:
    """Time the indicator table (all indicators x all jurisdictions at every level x months) and the cell rebuild."""
    from analytics import engine, store

    con = store.connect(p["db"])
    unweighted_s, unweighted = _timed(lambda: _engine_tables(con, False))
    weighted_s, weighted = _timed(lambda: _engine_tables(con, True))
    con.execute("BEGIN TRANSACTION")
    refresh_s, _ = _timed(lambda: engine.refresh_cells(con))
    con.execute("ROLLBACK")
    rows = sum(len(t) for t in unweighted.values())
    con.close()
    return {"unweighted_seconds": unweighted_s, "weighted_seconds": weighted_s, "refresh_cells_seconds": refresh_s,
            "table_rows": rows, "weighted_rows": sum(len(t) for t in weighted.values()), "peak_rss_mb": peak_rss_mb()}


def _load_wide_frame(con: Any) -> Any:
    """The respondents as an analyst holds them: one row each, answer codes as text columns (not timed)."""
    import pandas as pd

    frame = con.execute("""
        PIVOT (SELECT a.respondent_key, a.item, a.code FROM answers a) ON item USING first(code)
    """).df()
    people = con.execute("""
        SELECT r.respondent_key, r.jurisdiction_code AS station, d.ancestor_code AS district,
               c.ancestor_code AS city, r.interview_date, r.weight
        FROM respondents r
        JOIN jurisdiction_ancestors d ON d.code = r.jurisdiction_code AND d.ancestor_level = 'district'
        JOIN jurisdiction_ancestors c ON c.code = r.jurisdiction_code AND c.ancestor_level = 'city'
    """).df()
    wide = people.merge(frame, on="respondent_key", how="left")
    wide["month"] = pd.to_datetime(wide["interview_date"]).dt.to_period("M")
    return wide


def pandas_indicators(df: Any, indicators: list[Any], *, weighted: bool, level_conf: float = 0.95,
                      suppress_below: float = 30.0) -> Any:
    """The baseline: the monthly indicator table at every level with pandas groupby (as an analyst writes it).

    Unweighted: p = mean score, se = sqrt(p(1-p)/n), Wilson interval. Weighted: p = Σwy/Σw, Taylor-linearised
    se with one PSU per respondent (n/(n-1) Σw²(y-p)² / (Σw)²), logit interval with the t quantile on n - 1
    degrees of freedom (Wilson with Kish n_eff when
    p is 0 or 1). Estimates with n_eff below ``suppress_below`` are blanked, as the engine does.
    """
    import numpy as np
    import pandas as pd
    from scipy.stats import norm
    from scipy.stats import t as t_dist

    z = float(norm.ppf(0.5 + level_conf / 2))
    pieces = []
    for ind in indicators:
        y = df[ind.item].map(ind.scoring)  # don't-know and blank codes map to NaN: out of the base
        keep = y.notna()
        sub = pd.DataFrame({"station": df["station"], "district": df["district"], "city": df["city"],
                            "month": df["month"], "y": y})[keep]
        if weighted:
            w = df["weight"].fillna(1.0)[keep]
            sub["w"] = w
            sub["wy"] = w * sub["y"]
            sub["w2"] = w * w
            sub["w2y"] = w * w * sub["y"]
            sub["w2y2"] = w * w * sub["y"] * sub["y"]
        for level in LEVELS:
            if weighted:
                g = sub.groupby([level, "month"], observed=True).agg(
                    n=("y", "size"), sw=("w", "sum"), swy=("wy", "sum"), sw2=("w2", "sum"), sw2y=("w2y", "sum"),
                    sw2y2=("w2y2", "sum"))
                n = g["n"].to_numpy(float)
                p = g["swy"].to_numpy() / g["sw"].to_numpy()
                ssq = g["sw2y2"].to_numpy() - 2 * p * g["sw2y"].to_numpy() + p * p * g["sw2"].to_numpy()
                with np.errstate(divide="ignore", invalid="ignore"):
                    var = np.clip(n / (n - 1) * ssq / g["sw"].to_numpy() ** 2, 0, None)
                    se = np.sqrt(var)
                    n_eff = g["sw"].to_numpy() ** 2 / g["sw2"].to_numpy()
                    logit = np.log(p / (1 - p))
                    # svyciprop's t quantile on degf = PSUs - strata = n - 1 (one PSU per respondent, one
                    # stratum: the benchmark data has neither clusters nor strata)
                    half = t_dist.ppf(0.5 + level_conf / 2, n - 1) * se / (p * (1 - p))
                    low, high = 1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half)))
                wl, wh = _wilson(p * n_eff, n_eff, z)
                bad = ~np.isfinite(low) | ~np.isfinite(high)
                low, high = np.where(bad, wl, low), np.where(bad, wh, high)
            else:
                g = sub.groupby([level, "month"], observed=True)["y"].agg(["size", "sum"])
                n = g["size"].to_numpy(float)
                p = g["sum"].to_numpy() / n
                se = np.sqrt(p * (1 - p) / n)
                n_eff = n
                low, high = _wilson(g["sum"].to_numpy(), n, z)
            table = pd.DataFrame({"indicator": ind.key, "level": level,
                                  "jurisdiction": g.index.get_level_values(0),
                                  "period": g.index.get_level_values(1).strftime("%Y-%m"),
                                  "n": n.astype("int64"), "n_eff": n_eff, "estimate": p, "se": se,
                                  "ci_low": low, "ci_high": high})
            hidden = table["n_eff"] < suppress_below
            table.loc[hidden, ["estimate", "se", "ci_low", "ci_high"]] = np.nan
            pieces.append(table)
    return pd.concat(pieces, ignore_index=True)


def _wilson(x: Any, n: Any, z: float) -> tuple[Any, Any]:
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.clip(x / n, 0.0, 1.0)
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n + z2n / (4 * n))
    return centre - half, centre + half


def _agreement(engine_tables: dict[str, Any], baseline: Any) -> dict[str, Any]:
    """Compare engine and pandas figures cell by cell; raise AssertionError when they differ."""
    import numpy as np
    import pandas as pd

    engine_all = pd.concat([t.assign(level=level) for level, t in engine_tables.items()], ignore_index=True)
    only_dk = int((engine_all["n"] == 0).sum())  # cells whose every answer is don't-know: no base, no rate
    assert engine_all.loc[engine_all["n"] == 0, "estimate"].isna().all()
    engine_all = engine_all[engine_all["n"] > 0]
    keys = ["indicator", "level", "jurisdiction", "period"]
    merged = engine_all.merge(baseline, on=keys, how="outer", suffixes=("_e", "_p"), indicator=True)
    unmatched = int((merged["_merge"] != "both").sum())
    assert unmatched == 0, f"{unmatched} cells exist in only one of engine and pandas"
    assert (merged["n_e"] == merged["n_p"]).all(), "bases n differ"
    worst = {}
    for col in ("n_eff", "estimate", "se", "ci_low", "ci_high"):
        a, b = merged[f"{col}_e"].to_numpy(float), merged[f"{col}_p"].to_numpy(float)
        assert (np.isnan(a) == np.isnan(b)).all(), f"{col}: suppressed in one and not the other"
        both = ~np.isnan(a)
        diff = np.abs(a[both] - b[both]) / np.maximum(1.0, np.abs(b[both]))
        worst[col] = float(diff.max()) if diff.size else 0.0
        assert worst[col] < TOLERANCE, f"{col} differs by {worst[col]}"
    return {"cells_compared": len(merged), "cells_only_dont_know": only_dk, "max_relative_difference": worst}


def work_pandas(p: dict[str, Any]) -> dict[str, Any]:
    """Time the pandas baseline (load reported apart), then assert the engine gives the same numbers."""
    from analytics import definitions, store

    con = store.connect(p["db"])
    indicators = [i for i in definitions.list_indicators(con) if i.enabled]
    load_s, df = _timed(lambda: _load_wide_frame(con))
    level_conf = float(store.get_setting(con, "confidence_level"))
    suppress = float(store.get_setting(con, "suppress_below_n_eff"))
    unweighted_s, base_u = _timed(lambda: pandas_indicators(df, indicators, weighted=False, level_conf=level_conf,
                                                            suppress_below=suppress))
    weighted_s, base_w = _timed(lambda: pandas_indicators(df, indicators, weighted=True, level_conf=level_conf,
                                                          suppress_below=suppress))
    rss = peak_rss_mb()
    out: dict[str, Any] = {"load_seconds": load_s, "unweighted_seconds": unweighted_s, "weighted_seconds": weighted_s,
                           "respondents": len(df), "peak_rss_mb": rss}
    out["agreement_unweighted"] = _agreement(_engine_tables(con, False), base_u)
    out["agreement_weighted"] = _agreement(_engine_tables(con, True), base_w)
    con.close()
    return out


def samplics_cells(df: Any, indicators: list[Any], stations: set[str]) -> tuple[Any, dict[str, float]]:
    """The weighted monthly table from samplics ``TaylorEstimator``, one call per cell (``stations``' cells at
    station level, every district and city cell); returns the table and the seconds spent per level."""
    import warnings

    import pandas as pd
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    rows, seconds, zero_cells, single_cells = [], dict.fromkeys(LEVELS, 0.0), 0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # samplics announces it is archived, and a 1-respondent cell divides by 0
        for ind in indicators:
            y = df[ind.item].map(ind.scoring)
            keep = y.notna().to_numpy()
            yv = y.to_numpy(float)[keep]
            wv = df["weight"].fillna(1.0).to_numpy(float)[keep]
            for level in LEVELS:
                frame = pd.DataFrame({"code": df[level].to_numpy()[keep], "month": df["month_text"].to_numpy()[keep]})
                if level == "station":
                    frame = frame[frame["code"].isin(stations)]
                start = time.perf_counter()
                positions = frame.index.to_numpy()
                for (code, month), index in frame.groupby(["code", "month"], observed=True).indices.items():
                    at = positions[index]
                    if len(at) < 2:  # samplics divides by n - 1; the engine suppresses such cells anyway
                        single_cells += 1
                        continue
                    est = TaylorEstimator(PopParam.mean)
                    try:
                        est.estimate(y=yv[at], samp_weight=wv[at])
                        point = est.point_est
                    except ZeroDivisionError:
                        # samplics always computes the coefficient of variation, se / estimate, and fails
                        # when the estimate is 0; 1 - y has estimate 1 - p and the same linearised SE.
                        est = TaylorEstimator(PopParam.mean)
                        est.estimate(y=1.0 - yv[at], samp_weight=wv[at])
                        point = 1.0 - est.point_est
                        zero_cells += 1
                    rows.append((ind.key, level, code, month, len(at), point, est.stderror))
                seconds[level] += time.perf_counter() - start
    out = pd.DataFrame(rows, columns=["indicator", "level", "jurisdiction", "period", "n", "estimate", "se"])
    seconds["cells_with_estimate_0"] = zero_cells
    seconds["cells_of_one_respondent_skipped"] = single_cells
    return out, seconds


def _agree_on_sample(engine_all: Any, other: Any, name: str) -> dict[str, Any]:
    """Estimates and SEs of ``other`` equal the engine's on every cell the engine publishes (not suppressed)."""
    import numpy as np

    keys = ["indicator", "level", "jurisdiction", "period"]
    merged = other.merge(engine_all, on=keys, how="left", suffixes=("_o", "_e"))
    assert merged["n_e"].notna().all(), f"{name}: cells the engine does not have"
    assert (merged["n_o"] == merged["n_e"]).all(), f"{name}: bases n differ"
    shown = merged["estimate_e"].notna().to_numpy()
    worst = {}
    for col in ("estimate", "se"):
        a, b = merged[f"{col}_o"].to_numpy(float)[shown], merged[f"{col}_e"].to_numpy(float)[shown]
        diff = np.abs(a - b) / np.maximum(1.0, np.abs(b))
        worst[col] = float(diff.max()) if diff.size else 0.0
        assert worst[col] < TOLERANCE, f"{name}: {col} differs by {worst[col]}"
    return {"cells_compared": int(shown.sum()), "cells_suppressed_by_engine": int((~shown).sum()),
            "max_relative_difference": worst}


def work_samplics(p: dict[str, Any]) -> dict[str, Any]:
    """Time the weighted table three ways on the same respondents (engine, pandas, samplics on sampled cells)
    and assert equal estimates and SEs."""
    import numpy as np
    import pandas as pd

    from analytics import definitions, store

    con = store.connect(p["db"])
    indicators = [i for i in definitions.list_indicators(con) if i.enabled and i.kind != "mean"]
    keys = {i.key for i in indicators}
    df = _load_wide_frame(con)
    level_conf = float(store.get_setting(con, "confidence_level"))
    suppress = float(store.get_setting(con, "suppress_below_n_eff"))
    engine_s, tables = _timed(lambda: _engine_tables(con, True))
    con.close()
    engine_all = pd.concat([t.assign(level=level) for level, t in tables.items()], ignore_index=True)
    engine_all = engine_all[engine_all["indicator"].isin(keys)]
    pandas_s, base = _timed(lambda: pandas_indicators(df, indicators, weighted=True, level_conf=level_conf,
                                                      suppress_below=suppress))
    # Month labels as text once, untimed (the pandas baseline's frame is also prepared before its clock starts).
    df["month_text"] = df["month"].astype(str)
    stations = sorted(df["station"].dropna().unique())
    picked = set(np.random.default_rng(20).choice(stations, size=min(p["stations"], len(stations)), replace=False))
    samplics_s, (samp, by_level) = _timed(lambda: samplics_cells(df, indicators, picked))
    counts = {k: by_level.pop(k) for k in ("cells_with_estimate_0", "cells_of_one_respondent_skipped")}
    engine_cells = int((engine_all["n"] > 0).sum())
    station_cells = int(((engine_all["level"] == "station") & (engine_all["n"] > 0)).sum())
    sampled_station_cells = int((samp["level"] == "station").sum())
    # Station cells are alike (a few dozen respondents each): their time scales with their number; the
    # district and city cells were all measured.
    extrapolated = (by_level["station"] / max(sampled_station_cells, 1) * station_cells
                    + by_level["district"] + by_level["city"])
    return {"engine_weighted_seconds": engine_s, "pandas_weighted_seconds": pandas_s,
            "samplics_seconds": samplics_s, "samplics_cells": len(samp), "stations_sampled": len(picked),
            "samplics_station_cells": sampled_station_cells, "samplics_seconds_by_level": by_level,
            "samplics_cells_with_estimate_0": counts["cells_with_estimate_0"],
            "samplics_cells_of_one_respondent_skipped": counts["cells_of_one_respondent_skipped"],
            "engine_cells": engine_cells, "engine_station_cells": station_cells,
            "samplics_seconds_all_cells_extrapolated": extrapolated,
            "indicators": sorted(keys), "respondents": len(df), "peak_rss_mb": peak_rss_mb(),
            "agreement_samplics": _agree_on_sample(engine_all, samp, "samplics"),
            "agreement_pandas": _agree_on_sample(engine_all, base[["indicator", "level", "jurisdiction", "period",
                                                                    "n", "estimate", "se"]], "pandas")}


def work_compare(p: dict[str, Any]) -> dict[str, Any]:
    """Time the comparison of all stations for one indicator and the latest quarter, unweighted and weighted."""
    from analytics import compare, engine, store

    con = store.connect(p["db"])
    last = engine.data_months(con)[-1]
    period = f"{last.year}Q{(last.month - 1) // 3 + 1}"
    out: dict[str, Any] = {"period": period, "indicator": p["indicator"]}
    for weighted in (False, True):
        name = "weighted" if weighted else "unweighted"
        sel = Selection(period_kind="quarter", periods=(period,), level="station", weighted=weighted)
        seconds, table = _timed(lambda s=sel: compare.compare_table(con, s, indicator=p["indicator"],
                                                                    overdispersion=True).frame)
        out[f"{name}_seconds"] = seconds
        out[f"{name}_stations"] = len(table)
        out[f"{name}_ranked"] = int(table["rank"].notna().sum())
    out["peak_rss_mb"] = peak_rss_mb()
    con.close()
    return out


def _apptest(db: str) -> Any:
    """An AppTest of dashboard.py against ``db`` run through the router (as tests/conftest.py arranges)."""
    os.environ["JINGMIN_DB"] = db
    from streamlit.runtime.pages_manager import PagesManager

    original_init = PagesManager.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]
    # Import what the pages import, so the first render measures cold caches and queries, not imports.
    import plotly.graph_objects  # noqa: F401
    from streamlit.testing.v1 import AppTest

    import analytics.compare  # noqa: F401
    import analytics.peers  # noqa: F401
    import analytics.presentation  # noqa: F401
    import app_pages.common  # noqa: F401

    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=900)
    at.session_state["lang"] = "zh"
    return at


def _run_app(at: Any) -> float:
    """Run the app once and return the seconds taken; raise if the page raised or showed an error message."""
    seconds, _ = _timed(at.run)
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception}")
    if at.error:
        # Pages catch QueryError and the like and show them with st.error, so the run returns normally and
        # would otherwise be timed as a rendered page.
        raise RuntimeError("the page showed an error: " + " | ".join(str(e.value) for e in at.error))
    return seconds


def work_page_overview(p: dict[str, Any]) -> dict[str, Any]:
    """Overview: first render, then re-render after each of three filter changes and after no change."""
    at = _apptest(p["db"])
    out = {"first_render_seconds": _run_app(at)}
    out["rerender_no_change_seconds"] = _run_app(at)
    at.selectbox(key="level_zh").set_value("district")
    out["rerender_level_district_seconds"] = _run_app(at)
    at.selectbox(key="level_zh").set_value("station")
    at.toggle(key="weighted").set_value(True)
    out["rerender_weighted_seconds"] = _run_app(at)
    at.selectbox(key="granularity_zh").set_value("month")
    out["rerender_granularity_month_seconds"] = _run_app(at)
    out["scorecard_rows"] = int(at.dataframe[0].value.shape[0]) if len(at.dataframe) else 0
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def work_page_compare(p: dict[str, Any]) -> dict[str, Any]:
    """Compare: first render, then re-render after changing the indicator, the weighting and the period."""
    at = _apptest(p["db"])
    at.switch_page("app_pages/compare.py")
    out = {"first_render_seconds": _run_app(at)}
    out["rerender_no_change_seconds"] = _run_app(at)
    at.selectbox(key="cmp_indicator").set_value("trust")
    out["rerender_indicator_seconds"] = _run_app(at)
    at.toggle(key="weighted").set_value(True)
    out["rerender_weighted_seconds"] = _run_app(at)
    options = at.selectbox(key="cmp_period_quarter").options
    at.selectbox(key="cmp_period_quarter").set_value(options[-2])
    out["rerender_period_seconds"] = _run_app(at)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ingest": work_ingest, "floor": work_floor, "indicators": work_indicators, "pandas": work_pandas,
    "compare": work_compare, "samplics": work_samplics, "page_overview": work_page_overview,
    "page_compare": work_page_compare,
}


# --------------------------------------------------------------------------------------------
# Parent


def run_worker(worker: str, params: dict[str, Any], log: Path) -> dict[str, Any]:
    """Run one measurement in a fresh process; return its figures with the load average before it."""
    load_before = os.getloadavg()
    env = {**os.environ, "JINGMIN_SECRET": BENCH_SECRET, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / "run.py"), "--worker", worker, "--params", json.dumps(params)],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"=== {worker} {json.dumps(params)}\n{proc.stderr[-4000:]}\n")
    if proc.returncode != 0:
        raise RuntimeError(f"worker {worker} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["loadavg_before"] = [round(x, 2) for x in load_before]
    figures["wall_seconds"] = time.perf_counter() - started
    return figures


def _median(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float) and not isinstance(v, bool)]
    return {k: statistics.median(r[k] for r in runs) for k in keys if all(k in r for r in runs)}


def _plan(rows: int, paths: dict[str, Path], work: Path, tasks: list[str],
          samplics_stations: int = 50) -> dict[str, tuple[str, dict[str, Any]]]:
    db = work / f"bench_{rows}.duckdb"
    plan: dict[str, tuple[str, dict[str, Any]]] = {
        "floor": ("floor", {"db": str(work / "floor.duckdb"), "file": str(paths["survey"])}),
        "ingest": ("ingest", {"db": str(work / "ingest.duckdb"), "file": str(paths["survey"]), "kind": "survey",
                              "jurisdictions": str(paths["jurisdictions"])}),
        "ingest_gbk": ("ingest", {"db": str(work / "ingest_gbk.duckdb"), "file": str(paths.get("survey_gbk", "")),
                                  "kind": "survey", "jurisdictions": str(paths["jurisdictions"])}),
        "floor_cases": ("floor", {"db": str(work / "floor_cases.duckdb"), "file": str(paths.get("cases", ""))}),
        "ingest_cases": ("ingest", {"db": str(work / "ingest_cases.duckdb"), "file": str(paths.get("cases", "")),
                                    "kind": "cases", "jurisdictions": str(paths["jurisdictions"])}),
        "indicators": ("indicators", {"db": str(db)}),
        "pandas": ("pandas", {"db": str(db)}),
        "compare": ("compare", {"db": str(db), "indicator": "satisfaction"}),
        "samplics": ("samplics", {"db": str(db), "stations": samplics_stations}),
        "page_overview": ("page_overview", {"db": str(db)}),
        "page_compare": ("page_compare", {"db": str(db)}),
    }
    return {name: plan[name] for name in tasks}


def summarise(results: dict[str, Any]) -> dict[str, Any]:
    """Ratios and target checks from the medians of one run."""
    med = {name: task["median"] for name, task in results["tasks"].items()}
    ratios: dict[str, float] = {}
    targets: dict[str, Any] = {}
    if "ingest" in med and "floor" in med:
        ratios["ingest_vs_floor"] = med["ingest"]["seconds"] / med["floor"]["seconds"]
        targets["ingest_at_most_3x_floor"] = ratios["ingest_vs_floor"] <= 3.0  # issue 20.4
        if "cpu_seconds" in med["ingest"] and "cpu_seconds" in med["floor"]:
            ratios["ingest_vs_floor_cpu"] = med["ingest"]["cpu_seconds"] / med["floor"]["cpu_seconds"]
    if "ingest_gbk" in med and "floor" in med:
        ratios["ingest_gbk_vs_floor"] = med["ingest_gbk"]["seconds"] / med["floor"]["seconds"]
    if "ingest_cases" in med and "floor_cases" in med:
        ratios["ingest_cases_vs_floor"] = med["ingest_cases"]["seconds"] / med["floor_cases"]["seconds"]
    if "indicators" in med and "pandas" in med:
        e, pd_ = med["indicators"], med["pandas"]
        ratios["pandas_vs_engine_unweighted"] = pd_["unweighted_seconds"] / e["unweighted_seconds"]
        ratios["pandas_vs_engine_weighted"] = pd_["weighted_seconds"] / e["weighted_seconds"]
        ratios["pandas_vs_engine_weighted_incl_cell_rebuild"] = pd_["weighted_seconds"] / (
            e["weighted_seconds"] + e["refresh_cells_seconds"])
        targets["indicators_weighted_at_most_3s"] = e["weighted_seconds"] <= 3.0
        targets["indicators_at_least_10x_pandas"] = min(ratios["pandas_vs_engine_unweighted"],
                                                        ratios["pandas_vs_engine_weighted"]) >= 10.0
    if "samplics" in med:
        m = med["samplics"]
        ratios["samplics_all_cells_extrapolated_vs_engine_weighted"] = (
            m["samplics_seconds_all_cells_extrapolated"] / m["engine_weighted_seconds"])
        ratios["pandas_vs_engine_weighted_same_process"] = m["pandas_weighted_seconds"] / m["engine_weighted_seconds"]
    rerenders = {f"{page}.{k}": v for page in ("page_overview", "page_compare") if page in med
                 for k, v in med[page].items() if k.startswith("rerender_") and "no_change" not in k}
    if rerenders:
        targets["rerender_after_filter_change_at_most_1s"] = max(rerenders.values()) <= 1.0
        targets["slowest_rerender"] = max(rerenders, key=rerenders.__getitem__)
    # The memory target is Jingmin's own: the baselines (DuckDB's bare read, the pandas frame) are not held to it.
    peaks = {name: m["peak_rss_mb"] for name, m in med.items()
             if "peak_rss_mb" in m and name not in ("floor", "floor_cases", "pandas")}
    if peaks:
        targets["peak_rss_mb_max"] = max(peaks.values())
        targets["peak_rss_max_task"] = max(peaks, key=peaks.__getitem__)
        targets["peak_rss_at_most_4gb"] = max(peaks.values()) <= 4096
    return {"ratios": ratios, "targets": targets}


def main(argv: list[str] | None = None) -> int:
    """Command line: run every task ``--repeat`` times (interleaved) and write medians and ratios to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, help="survey respondents (the inputs are generated if missing)")
    parser.add_argument("--out", type=Path, help="results JSON file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per task; medians are reported (default 3)")
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT, help="folder of the generated inputs")
    parser.add_argument("--work", type=Path, default=DEFAULT_OUT / "work", help="folder for the benchmark databases")
    parser.add_argument("--tasks", nargs="+", choices=ALL_TASKS, default=None, help="run only these tasks")
    parser.add_argument("--samplics-stations", type=int, default=50,
                        help="stations whose cells samplics estimates (all district and city cells too)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](json.loads(args.params)), default=str))
        return 0
    if not args.rows or not args.out:
        parser.error("--rows and --out are required")
    tasks = list(args.tasks or ALL_TASKS)
    if args.rows > PAGE_ROW_LIMIT and args.tasks is None:
        tasks = [t for t in tasks if not t.startswith("page_")]
    args.work.mkdir(parents=True, exist_ok=True)
    paths = generate(args.rows, args.data, gbk="ingest_gbk" in tasks, cases="ingest_cases" in tasks)
    plan = _plan(args.rows, paths, args.work, tasks, args.samplics_stations)
    log = args.work / f"run_{args.rows}.log"
    results: dict[str, Any] = {
        "rows": args.rows, "repeat": args.repeat, "started": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(), "files_mb": {k: round(v.stat().st_size / 1_048_576, 1) for k, v in paths.items()},
        "tasks": {},
    }
    bench_db = args.work / f"bench_{args.rows}.duckdb"
    needs_db = any(t in tasks for t in ("indicators", "pandas", "compare", "samplics", "page_overview",
                                        "page_compare"))
    if needs_db and not bench_db.exists() and "ingest" in plan:
        plan["ingest"][1]["keep_as"] = str(bench_db)
    elif needs_db and not bench_db.exists():
        print(f"building {bench_db} (one untimed ingest)", flush=True)
        run_worker("ingest", {"db": str(bench_db), "file": str(paths["survey"]), "kind": "survey",
                              "jurisdictions": str(paths["jurisdictions"]), "keep": True}, log)
    for rep in range(args.repeat):
        for name, (worker, params) in plan.items():
            figures = run_worker(worker, params, log)
            results["tasks"].setdefault(name, {"runs": []})["runs"].append(figures)
            shown = {k: round(v, 3) for k, v in figures.items() if isinstance(v, float)}
            print(f"[{rep + 1}/{args.repeat}] {name}: {shown} load {figures['loadavg_before']}", flush=True)
            args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    for task in results["tasks"].values():
        task["median"] = _median(task["runs"])
    results.update(summarise(results))
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(json.dumps({"ratios": results["ratios"], "targets": results["targets"]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
