"""presentation.natural_order keys each distinct jurisdiction code once; the keys (and so every sort) are the same as
keying row by row with natural_text, the computation it replaced, written out here."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.presentation import natural_order, natural_text

CODES = st.lists(st.one_of(st.sampled_from(["S1", "S2", "S10", "s02", "D1", "D01", "C", "S2a10", "甲1", "9"]),
                           st.text(alphabet="Sab0129", min_size=0, max_size=5)), min_size=0, max_size=40)


def test_hand_worked_order():
    frame = pd.DataFrame({"jurisdiction": ["S10", "S2", "D1", "S02x", "C"], "period": ["b", "a", "c", "d", "e"]})
    ordered = frame.sort_values(["jurisdiction", "period"], key=natural_order)
    # zero-padded digit runs: C < D1 < S2 < S02x ('s000…2x' after 's000…2') < S10
    assert list(ordered["jurisdiction"]) == ["C", "D1", "S2", "S02x", "S10"]
    assert list(natural_order(frame["period"])) == list(frame["period"])  # other columns as they are


@settings(max_examples=200, deadline=None)
@given(codes=CODES, missing=st.lists(st.integers(0, 39), max_size=4), dtype=st.sampled_from(["str", "object"]))
def test_keys_equal_the_row_by_row_keys(codes, missing, dtype):
    values = np.array(codes, dtype=object)
    for i in missing:
        if i < len(values):
            values[i] = np.nan
    column = pd.Series(values, name="jurisdiction", index=np.arange(len(values))[::-1], dtype=dtype)
    expected = column.map(natural_text)
    got = natural_order(column)
    assert got.index.equals(column.index) and got.name == "jurisdiction"
    assert got.tolist() == expected.tolist()
    frame = pd.DataFrame({"jurisdiction": column, "n": np.arange(len(column))})
    by_rows = frame.sort_values(["jurisdiction", "n"], key=lambda c: c.map(natural_text) if c.name == "jurisdiction"
                                else c)
    assert frame.sort_values(["jurisdiction", "n"], key=natural_order).index.tolist() == by_rows.index.tolist()
