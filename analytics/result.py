"""One engine result: a table and what describes it as a whole.

Engine functions that return a table plus summary figures (the overall rate a comparison is made against,
the over-dispersion φ, notes, the kind of base...) return a :class:`Result` instead of hanging those figures
on ``DataFrame.attrs``: pandas documents ``attrs`` as experimental, copies them into every slice and column
taken from the frame, and drops them in some operations. Here the summary travels next to the frame, read
by name (``result.meta["overall"]``), and cannot be changed after the engine made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Result:
    """``frame``: the rows (one per jurisdiction, period...); ``meta``: read-only facts about the whole
    table (each engine function documents its keys and their units)."""

    frame: pd.DataFrame
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A read-only view of a private copy: the caller's dict may change later, this result may not.
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    def __reduce__(self) -> tuple[type[Result], tuple[pd.DataFrame, dict[str, Any]]]:
        # A mapping proxy cannot be pickled; the page cache (st.cache_data) pickles every result it keeps.
        return (Result, (self.frame, dict(self.meta)))

    @property
    def empty(self) -> bool:
        """Whether the frame has no rows (e.g. no data for the period asked)."""
        return self.frame.empty
