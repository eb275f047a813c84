"""Read the committed R `survey` figures (tests/reference/survey_reference.csv) for the tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def design() -> pd.DataFrame:
    """design.csv with numeric weight and score; ``psu`` is the cluster or, without one, the respondent."""
    d = pd.read_csv(HERE / "design.csv", dtype=str, keep_default_na=False)
    d["design_weight"] = d["design_weight"].astype(float)
    d["seen"] = d["seen"].astype(float)
    d["psu"] = d["cluster"].where(d["cluster"] != "", d["respondent_id"])
    return d


def figures() -> pd.Series:
    """R's figures indexed by (case, domain, quantity)."""
    ref = pd.read_csv(HERE / "survey_reference.csv", comment="#", dtype={"value": float},
                      keep_default_na=False)
    return ref.set_index(["case", "domain", "quantity"])["value"]


def rake_weights() -> pd.Series:
    """R's raked weight per respondent_id."""
    return pd.read_csv(HERE / "rake_weights.csv", dtype={"respondent_id": str}).set_index("respondent_id")["weight"]


DOMAINS = {"city": None, "D1": ("district", "D1"), "D2": ("district", "D2"),
           "S1": ("station", "S1"), "S2": ("station", "S2"), "S3": ("station", "S3")}
