"""The one selection every engine function takes: which periods, level, jurisdictions, weighting,
comparison rule and user a figure is for.

Pages build it from the sidebar and use it as their cache key (it is frozen and hashable); the CLI
builds it from its options; engine functions read what they need from it instead of taking a dozen
keyword arguments each. ``periods`` are labels of ``period_kind`` (see :mod:`analytics.periods`) in
time order, or empty for "every period with data"; ``jurisdiction_codes`` empty means every jurisdiction
at ``level`` that ``user`` may see. The comparison rule (``previous`` period or a ``year`` earlier) is the
same everywhere a change is shown: Overview, Trends, Compare, Forum, exports and the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from analytics.auth import LOCAL_USER, User
from analytics.choices import COMPARISONS, LEVELS
from analytics.errors import UnknownNameError
from analytics.i18n import t
from analytics.periods import (
    PERIOD_KINDS,
    WAVE_KIND,
    parse_period,
    period_kind,
    previous_period,
    with_comparison_periods,
)


@dataclass(frozen=True)
class Selection:
    """What a figure is for. Validated on creation; ``with_(...)`` returns a changed copy."""

    period_kind: str = "quarter"
    periods: tuple[str, ...] = ()
    level: str = "station"
    jurisdiction_codes: tuple[str, ...] = ()
    weighted: bool = False
    comparison: str = "previous"
    user: User = field(default=LOCAL_USER)

    def __post_init__(self) -> None:
        if self.period_kind not in PERIOD_KINDS:
            raise UnknownNameError(f"Unknown period kind {self.period_kind!r}; use one of {', '.join(PERIOD_KINDS)}.")
        if self.level not in LEVELS:
            raise UnknownNameError(f"Unknown level {self.level!r}; use one of {', '.join(LEVELS)}.")
        if self.comparison not in COMPARISONS:
            raise UnknownNameError(f"Unknown comparison {self.comparison!r}; use 'previous' or 'year'.")
        # Tuples, so that a selection built from lists is still hashable (a cache key).
        object.__setattr__(self, "periods", tuple(self.periods))
        object.__setattr__(self, "jurisdiction_codes", tuple(self.jurisdiction_codes))
        if self.period_kind == WAVE_KIND:  # wave labels are free text (FY22Q1, 2021年第二轮), ordered by the data
            if any(not isinstance(label, str) or not label.strip() for label in self.periods):
                raise UnknownNameError("A wave label must be a non-blank text such as FY22Q1.")
            return
        for label in self.periods:
            if period_kind(label) != self.period_kind:
                raise UnknownNameError(f"Period {label!r} is not a {self.period_kind} period.")

    def with_(self, **changes: Any) -> Selection:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    @property
    def latest(self) -> str | None:
        """The last period chosen (the one a scorecard shows), or None when every period is meant."""
        return self.periods[-1] if self.periods else None

    @property
    def date_from(self) -> dt.date | None:
        """First day of the first period chosen (None: from the first month with data)."""
        if self.period_kind == WAVE_KIND:
            return None
        return parse_period(self.periods[0])[1] if self.periods and self.periods[0] != "all" else None

    @property
    def date_to(self) -> dt.date | None:
        """Last day of the last period chosen (None: to the last month with data)."""
        if self.period_kind == WAVE_KIND:
            return None
        return parse_period(self.periods[-1])[2] if self.periods and self.periods[-1] != "all" else None

    def periods_with_comparisons(self) -> tuple[str, ...]:
        """The chosen periods and the period each is compared with under the comparison rule, in time order.

        Waves are ordered by the data, not by their labels: for them this is the chosen waves only, and
        :func:`analytics.waves.with_previous_waves` adds the wave before each.
        """
        if self.period_kind == WAVE_KIND:
            return self.periods
        return tuple(with_comparison_periods(self.periods, lag=self.comparison)) if self.periods else ()


def comparison_words(comparison: str, period: str | None, lang: str, *,
                     previous: Mapping[str, str | None] | None = None) -> str:
    """Which period a change of ``period`` is against, in words: '与上一期（2026Q2）比较' / 'compared with
    the previous period (2026Q2)', or the same period a year earlier; '' when there is none (no period, or 'all')."""
    if period is None or period == "all":
        return ""
    if previous is not None:  # survey waves: the wave before, whatever the rule (analytics.waves.previous_waves)
        return t("leaders.compared_with.previous", lang, prev=previous.get(period) or "—")
    return t(f"leaders.compared_with.{comparison}", lang, prev=previous_period(period, lag=comparison))
