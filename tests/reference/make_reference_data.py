"""Write the input CSVs that survey_reference.R reads (fixed seed; re-running gives identical files).

design.csv: one row per respondent of a small stratified cluster sample over three stations (one
month). Stations S1 and S2 (district D1) are sampled in clusters within two strata each; S3 (district D2)
has strata but no clusters, so each of its respondents is its own PSU — the engine's two cases. Strata
are named per station because the engine's strata are (jurisdiction, month, stratum). ``seen`` is the
0/1 answer to seen_police; ``sex`` and ``age_band`` are the raking dimensions.

margin_district_sex.csv and margin_age.csv: population margins for raking (same total).

Run from the repository root: ``python tests/reference/make_reference_data.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DISTRICT = {"S1": "D1", "S2": "D1", "S3": "D2"}


def design(seed: int = 20240314) -> pd.DataFrame:
    """The respondents: clusters of 4-9 people, 3-4 clusters per stratum, weights 0.5-3."""
    rng = np.random.default_rng(seed)
    rows = []
    rate = {"S1": 0.55, "S2": 0.8, "S3": 0.35}
    for station in ("S1", "S2", "S3"):
        for stratum in ("a", "b"):
            clustered = station != "S3"
            n_clusters = int(rng.integers(3, 5)) if clustered else 1
            for c in range(n_clusters):
                size = int(rng.integers(4, 10)) if clustered else int(rng.integers(15, 25))
                # a cluster effect, so clustering matters for the standard error
                p = float(np.clip(rate[station] + rng.normal(0, 0.15), 0.05, 0.95))
                for _ in range(size):
                    rows.append({
                        "station": station, "district": DISTRICT[station],
                        "stratum": f"{station}-{stratum}",
                        "cluster": f"{station}-{stratum}-{c}" if clustered else "",
                        "design_weight": round(float(rng.uniform(0.5, 3.0)), 4),
                        "seen": int(rng.random() < p),
                        "sex": str(rng.choice(["1", "2"], p=[0.4, 0.6])),
                        "age_band": str(rng.choice(["1", "2", "3"], p=[0.2, 0.35, 0.45])),
                    })
    frame = pd.DataFrame(rows)
    frame.insert(0, "respondent_id", [f"R{i:03d}" for i in range(1, len(frame) + 1)])
    return frame


def margins(total: float = 50_000.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """District x sex and age-band population margins with the same total."""
    ds = pd.DataFrame({"district": ["D1", "D1", "D2", "D2"], "sex": ["1", "2", "1", "2"],
                       "population": np.array([0.34, 0.33, 0.17, 0.16]) * total})
    age = pd.DataFrame({"age_band": ["1", "2", "3"], "population": np.array([0.3, 0.4, 0.3]) * total})
    return ds, age


def main() -> None:
    design().to_csv(HERE / "design.csv", index=False)
    ds, age = margins()
    ds.to_csv(HERE / "margin_district_sex.csv", index=False)
    age.to_csv(HERE / "margin_age.csv", index=False)


if __name__ == "__main__":
    main()
