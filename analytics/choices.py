"""Fixed vocabularies shared by the engine and the command line: jurisdiction levels, case metrics,
key-driver methods and defaults.

They live here, in a module that imports nothing but the standard library, because every command's
parser offers them as ``choices`` and defaults: ``python -m analytics --help`` builds every parser, and
importing :mod:`analytics.engine`, :mod:`analytics.cases` or :mod:`analytics.drivers` for them would load
pandas and numpy first (issue 14.6: ``--help`` in under a second). Those modules re-export the names, so
``engine.LEVELS``, ``cases.METRICS`` and ``drivers.METHODS`` keep working.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("station", "district", "city")


@dataclass(frozen=True)
class Metric:
    """A case metric: its key, unit ('rate', 'hours' or 'days') and which direction is better."""

    key: str
    unit: str
    higher_is_better: bool


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("solved_rate", "rate", True),
    Metric("small_solved_rate", "rate", True),
    Metric("response_hours_median", "hours", False),
    Metric("response_hours_p90", "hours", False),
    Metric("close_days_median", "days", False),
    Metric("close_days_p90", "days", False),
    Metric("mediation_rate", "rate", True),
    Metric("callback_coverage", "rate", True),
    Metric("callback_satisfaction", "rate", True),
    Metric("petition_on_time", "rate", True),
    Metric("rectification_rate", "rate", True),
    Metric("rectify_days_median", "days", False),
)}

# Key-driver analysis (analytics.drivers): items, methods, grouping and resampling defaults.
DEFAULT_DRIVER_ITEMS: tuple[str, ...] = ("attitude", "response_speed", "fairness", "communication", "result")
# The prevention and voice metrics the Link page relates to survey indicators (issue 19): how well work is
# done, not how much of it (counts grow with a station's size and would correlate with anything that does).
PREVENTION_LINKABLE = ("mediation_rate", "escalation_rate", "rectified_on_time_rate", "rectify_days_median",
                       "unsolved_callback_coverage", "unsolved_callback_on_time", "unsolved_callback_days_median",
                       "unsolved_opinion_coverage")
VOICE_LINKABLE = (("demand_on_time_rate", "rate"), ("demand_answer_days_median", "days"),
                  ("negative_comment_share", "rate"))
# Every Link x-metric key: a case metric's own key, prevention.<name>, voice.<name>.
LINK_METRICS = (*METRICS, *(f"prevention.{name}" for name in PREVENTION_LINKABLE),
                *(f"voice.{name}" for name, _unit in VOICE_LINKABLE))

METHODS = ("lmg", "relative_weights")
GROUP_LEVELS = ("district", "station")
DEFAULT_SEED = 20240501
DEFAULT_BOOT = 200  # bootstrap replicates
DEFAULT_MAX_SAMPLE = 20_000  # respondents per group the bootstrap resamples

# Published results (analytics.published): how values are written and how long each period is.
PUBLISHED_VALUE_FORMATS = ("auto", "proportion", "percent", "mean")
PUBLISHED_WINDOWS = ("auto", "month", "quarter", "rolling12", "year")

# Comparison rules (analytics.selection) and the alerts digest's callback deadline (analytics.alerts).
COMPARISONS = ("previous", "year")
ALERT_CALLBACK_DAYS = 15

# Assessment (analytics.assessment): where a component's value comes from, and which direction is better.
ASSESSMENT_SOURCES = ("indicator", "internal", "case")
TARGET_DIRECTIONS = ("higher", "lower")
