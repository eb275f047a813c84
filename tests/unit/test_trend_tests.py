"""trends.trend_tests computes every (indicator, jurisdiction) at once (issue 20.2): it must equal the
straightforward per-group computation (a loop calling stats.cochran_armitage_trend, as the function did
before) on arbitrary tables with missing, suppressed and unusable periods, and a hand-computed case."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from analytics import stats, trends

MONTHS = [f"2025-{m:02d}" for m in range(1, 9)]
FLOATS = ["slope", "z", "p_value", "p_adjusted"]


def month_start(label: str) -> date:
    return date(2025, int(label[5:]), 1)


def month_end(label: str) -> date:
    return (pd.Timestamp(month_start(label)) + pd.offsets.MonthEnd(0)).date()


def per_group(table: pd.DataFrame, breaks: pd.DataFrame | None, alpha: float = 0.05) -> pd.DataFrame:
    """The reference: one group at a time with pandas masks, stats.cochran_armitage_trend and stats'
    Benjamini–Hochberg per indicator (the documented definitions, written without any vectorisation)."""
    table = table[table["kind"] != "mean"]
    labels = list(table[["period", "period_start"]].drop_duplicates().sort_values("period_start")["period"])
    score_of = {label: float(i) for i, label in enumerate(labels)}
    weighted = bool(table["weighted"].iloc[0])
    rows = []
    for (indicator, code), group in table.groupby(["indicator", "jurisdiction"], sort=True):
        group = group.assign(_t=group["period"].map(score_of)).sort_values("_t", kind="stable")
        used = group[group["estimate"].notna() & (group["flag"] != "suppressed")]
        n = (used["n_eff"] if weighted else used["n"]).to_numpy(float)
        x = used["estimate"].to_numpy(float) * n
        t = used["_t"].to_numpy(float)
        z, p = stats.cochran_armitage_trend(x, n, t)
        slope = np.nan
        if np.isfinite(z):
            # least-squares slope of the proportions on t weighted by n: Σn(t-t̄)(p-p̄) / Σn(t-t̄)², over
            # every used period (a period with n = 0 weighs nothing; a nan base leaves the slope undefined)
            tbar = np.sum(n * t) / np.sum(n)
            share = np.divide(x, n, out=np.zeros_like(x), where=n != 0)
            slope = np.sum(n * (t - tbar) * (share - x.sum() / n.sum())) / np.sum(n * (t - tbar) ** 2)
        spans = False
        if breaks is not None and len(used):
            start, end = pd.Timestamp(used["period_start"].iloc[0]), pd.Timestamp(used["period_end"].iloc[-1])
            for b in breaks.itertuples():
                if b.indicator == indicator and (pd.isna(b.jurisdiction) or b.jurisdiction == code):
                    spans |= pd.Timestamp(b.month_before) >= start and pd.Timestamp(b.month_after) <= end
        rows.append({"indicator": indicator, "jurisdiction": code, "name_zh": group["name_zh"].iloc[0],
                     "name_en": group["name_en"].iloc[0], "periods": len(used),
                     "first_period": used["period"].iloc[0] if len(used) else None,
                     "last_period": used["period"].iloc[-1] if len(used) else None,
                     "slope": slope, "z": z, "p_value": p, "mode_break": spans})
    out = pd.DataFrame(rows)
    out["p_adjusted"] = np.nan
    for _key, index in out.groupby("indicator").groups.items():
        out.loc[index, "p_adjusted"] = stats.benjamini_hochberg(out.loc[index, "p_value"].to_numpy(float))
    out["significant"] = out["p_adjusted"] < alpha
    out["direction"] = [("up" if s > 0 else "down") if sig else "" for s, sig in zip(out["slope"],
                                                                                      out["significant"], strict=True)]
    return out[trends.TREND_COLUMNS]


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == trends.TREND_COLUMNS
    got, want = got.reset_index(drop=True), want.reset_index(drop=True)
    assert len(got) == len(want)
    for column in trends.TREND_COLUMNS:
        if column in FLOATS:
            # the sums run in another order than np.sum's pairwise one: equal up to rounding
            np.testing.assert_allclose(got[column].to_numpy(float), want[column].to_numpy(float),
                                       rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=column)
        else:
            assert [None if pd.isna(v) else v for v in got[column]] == \
                   [None if pd.isna(v) else v for v in want[column]], column


@st.composite
def tables(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weighted = draw(st.booleans())
    rows = []
    for indicator in ("trust", "safety", "visibility", "score"):
        for code in [f"S{i}" for i in range(1, 7) if rng.random() < 0.8]:
            for label in MONTHS:
                if rng.random() < 0.2:
                    continue  # no row for this period: it keeps its place in the scores
                n = int(rng.choice([0, 1, 5, 40, 300]))
                estimate = np.nan if rng.random() < 0.1 else float(rng.choice([0.0, 1.0, rng.random()]))
                rows.append({
                    "indicator": indicator, "jurisdiction": code, "name_zh": f"{code}所", "name_en": f"Station {code}",
                    "period": label, "period_start": month_start(label), "period_end": month_end(label),
                    "kind": "mean" if indicator == "score" else "proportion", "weighted": weighted,
                    "estimate": estimate, "n": n,
                    "n_eff": np.nan if rng.random() < 0.05 else n * float(rng.uniform(0.3, 1.0)),
                    "flag": rng.choice(["ok", "ok", "caution", "suppressed"]),
                })
    table = pd.DataFrame(rows).sample(frac=1.0, random_state=int(rng.integers(1 << 30))).reset_index(drop=True)
    breaks = pd.DataFrame([{
        "indicator": rng.choice(["trust", "safety", "visibility"]),
        "jurisdiction": None if rng.random() < 0.3 else f"S{rng.integers(1, 7)}",
        "month_before": month_start(MONTHS[i]), "month_after": month_start(MONTHS[min(i + int(rng.integers(1, 3)), 7)]),
    } for i in rng.integers(0, 8, size=int(rng.integers(0, 6)))],
        columns=["indicator", "jurisdiction", "month_before", "month_after"])
    return table, breaks


@settings(max_examples=40, deadline=None)
@given(tables())
def test_all_groups_at_once_equal_the_per_group_computation(case):
    table, breaks = case
    if table[table["kind"] != "mean"].empty:
        return
    assert_same(trends.trend_tests(table, breaks=breaks), per_group(table, breaks))
    assert_same(trends.trend_tests(table), per_group(table, None))


def test_a_hand_computed_series_with_a_suppressed_and_a_missing_period():
    # One station, n = 100 a month, January–June; March suppressed and June absent, so the scores are
    # t = 0, 1, 3, 4 (they keep their places) with x = 40, 45, 50, 55:
    #   N = 400, p̄ = 190/400 = 0.475, T = Σ t (x - 100 p̄) = 0 - 2.5 + 3·2.5 + 4·7.5 = 35
    #   Σ n t² - (Σ n t)²/N = 100·26 - 800²/400 = 1000, Var T = 0.475·0.525·1000 = 249.375
    #   z = 35 / √249.375 = 2.21637, p = 2·(1 - Φ(z)) = 0.02667, slope = T / 1000 = 0.035 per month
    # A second station, flat at 0.5, gives z = 0 and p = 1; BH over the two: p_adj = (2·0.02667, 1).
    rows = []
    for code, estimates in (("S1", [0.40, 0.45, 0.99, 0.50, 0.55]), ("S2", [0.5] * 5)):
        for label, estimate in zip(MONTHS[:5], estimates, strict=True):
            rows.append({"indicator": "trust", "jurisdiction": code, "name_zh": code, "name_en": code,
                         "period": label, "period_start": month_start(label), "period_end": month_end(label),
                         "kind": "proportion", "weighted": False, "estimate": estimate, "n": 100, "n_eff": 100.0,
                         "flag": "suppressed" if (code, label) == ("S1", "2025-03") else "ok"})
    rows.append({**rows[-1], "period": "2025-06", "period_start": month_start("2025-06"),
                 "period_end": month_end("2025-06")})  # S2 has June, so June is a period of the table
    breaks = pd.DataFrame([{"indicator": "trust", "jurisdiction": None, "month_before": date(2025, 2, 1),
                            "month_after": date(2025, 5, 1)}])
    got = trends.trend_tests(pd.DataFrame(rows), breaks=breaks).set_index("jurisdiction")
    assert got.loc["S1", "z"] == pytest.approx(2.21637, abs=1e-5)
    assert got.loc["S1", "z"] == pytest.approx(35 / np.sqrt(249.375), rel=1e-12)
    assert got.loc["S1", "p_value"] == pytest.approx(2 * norm.sf(35 / np.sqrt(249.375)), rel=1e-12)
    assert got.loc["S1", "slope"] == pytest.approx(0.035, rel=1e-12)
    assert got.loc["S1", "periods"] == 4
    assert (got.loc["S1", "first_period"], got.loc["S1", "last_period"]) == ("2025-01", "2025-05")
    assert got.loc["S1", "p_adjusted"] == pytest.approx(2 * got.loc["S1", "p_value"], rel=1e-12)
    # p_adj = 0.0533: not significant at 0.05, rising at 0.10
    assert got.loc["S1", "direction"] == "" and got.loc["S1", "mode_break"]
    assert trends.trend_tests(pd.DataFrame(rows), alpha=0.10).set_index("jurisdiction").loc["S1", "direction"] == "up"
    assert got.loc["S2", "z"] == 0 and got.loc["S2", "p_adjusted"] == 1 and got.loc["S2", "direction"] == ""
    assert got.loc["S2", "periods"] == 6 and got.loc["S2", "mode_break"]  # Feb–May inside Jan–Jun
