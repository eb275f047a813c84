"""Survey waves: labelled rounds of fieldwork (``FY22Q1``, ``2021年第二轮``) compared one with the next.

A file gives the wave per row (a column such as 轮次 / 批次 / wave / round) or for the whole file (a
whole-file value ``wave``: ``--set wave=FY22Q1``, the Upload page's field, or the mapping's constants). The
label is kept as written (trimmed) in ``respondents.wave``; the indicator cells are kept per wave as well
(``indicator_cells.wave``, ``''`` for no wave), so a wave's figure is a GROUP BY over cells like any other
period's and month, quarter and year figures, which sum over waves, are unchanged by them.

Waves are ordered by their first interview date unless a mapping gives an order (option ``wave_order``:
labels first to last; waves it does not name come after, by first date). Each wave is compared with the wave
before it in that order, whatever the number of months between them; a wave has no "year earlier", so the
comparison rule 'year' also means the previous wave for waves.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analytics.db import Connection, execute, query_df
from analytics.errors import ConfigError
from analytics.periods import WAVE_KIND
from analytics.roles import User

__all__ = ["WAVE_KIND", "previous_waves", "save_wave_order", "wave_labels", "wave_list", "with_previous_waves"]


def wave_list(con: Connection) -> pd.DataFrame:
    """Every wave of the loaded batches in wave order: label, first_date, last_date (interview dates),
    respondents, given_order (the mapping's place, or NA) and sort_order (1 = first wave)."""
    return query_df(con, "waves/wave_list")


def wave_labels(con: Connection) -> list[str]:
    """The wave labels in wave order (empty when no loaded batch has waves)."""
    return [str(label) for label in wave_list(con)["label"]]


def previous_waves(con: Connection) -> dict[str, str | None]:
    """Each wave label -> the label of the wave before it in wave order (None for the first wave)."""
    labels = wave_labels(con)
    return {label: (labels[i - 1] if i else None) for i, label in enumerate(labels)}


def with_previous_waves(con: Connection, labels: Sequence[str]) -> list[str]:
    """``labels`` and the wave before each, in wave order (what a table needs to add change columns)."""
    previous = previous_waves(con)
    wanted = set(labels) | {previous[label] for label in labels if previous.get(label)}
    return [label for label in previous if label in wanted]


def save_wave_order(con: Connection, labels: Sequence[str], *, user: User) -> None:
    """Record a mapping's wave order (labels first to last; call inside the load transaction).

    ``user`` needs ``upload``, as the load the order belongs to. Raises :class:`ConfigError` when the list is
    not a list of distinct, non-blank labels.
    """
    user.require("upload")
    if isinstance(labels, str) or not all(isinstance(label, str | int) for label in labels):
        raise ConfigError("The mapping option wave_order must be a list of wave labels, first to last, "
                          'e.g. ["FY22Q1", "FY22Q3"].')
    cleaned = [str(label).strip() for label in labels]
    if any(not label for label in cleaned) or len(set(cleaned)) != len(cleaned):
        raise ConfigError("The mapping option wave_order must list each wave label once, none blank; got "
                          + ", ".join(repr(label) for label in cleaned) + ".")
    if cleaned:
        execute(con, "waves/wave_order_save", {"labels": cleaned})
