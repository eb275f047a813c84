"""The baseline of benchmarks/cli.py: an analyst's pandas script for the monthly station indicator table.

It reads the respondents (one row each, answer codes as text columns) from Parquet, scores each
indicator's item, groups by station and month, computes n, estimate, se, the Wilson interval and the
small-base flag (suppressing below ``--suppress``), and writes the table as CSV — what
``python -m analytics indicators --by jurisdiction,month --level station --format csv`` prints, written
the way an analyst would write it with pandas and scipy. It imports nothing from Jingmin.

Usage::

    python benchmarks/analyst_indicators.py RESPONDENTS.parquet INDICATORS.json OUT.csv
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
from scipy.stats import norm


def main() -> None:
    """Read, compute and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("respondents")
    parser.add_argument("indicators", help="JSON list of {key, item, scoring: {code: score}}")
    parser.add_argument("out")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--suppress", type=float, default=30.0, help="suppress below this n")
    parser.add_argument("--caution", type=float, default=50.0, help="flag 'caution' below this n")
    args = parser.parse_args()
    with open(args.indicators, encoding="utf-8") as fh:
        indicators = json.load(fh)
    df = pd.read_parquet(args.respondents)
    df["month"] = df["interview_date"].dt.to_period("M")
    z = float(norm.ppf(0.5 + args.confidence / 2))
    pieces = []
    for ind in indicators:
        y = df[ind["item"]].map(ind["scoring"])  # don't-know and blank codes map to NaN: out of the base
        g = pd.DataFrame({"station": df["station"], "month": df["month"], "y": y}).dropna(subset=["y"]).groupby(
            ["station", "month"], observed=True)["y"].agg(["size", "sum"])
        n = g["size"].to_numpy(float)
        p = g["sum"].to_numpy() / n
        se = np.sqrt(p * (1 - p) / n)
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n + z2n / (4 * n))
        table = pd.DataFrame({"jurisdiction": g.index.get_level_values(0),
                              "period": g.index.get_level_values(1).strftime("%Y-%m"), "indicator": ind["key"],
                              "n": n.astype("int64"), "n_eff": n, "estimate": p, "se": se,
                              "ci_low": centre - half, "ci_high": centre + half})
        table["flag"] = np.where(n < args.suppress, "suppressed", np.where(n < args.caution, "caution", "ok"))
        table.loc[n < args.suppress, ["estimate", "se", "ci_low", "ci_high"]] = np.nan
        pieces.append(table)
    out = pd.concat(pieces, ignore_index=True).sort_values(["indicator", "jurisdiction", "period"])
    out.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
