"""Items (what a questionnaire asks) and indicators (how an item is scored), stored with the data.

An indicator reads one item and maps each answer code to a score. It is one of two kinds:

* ``rate`` — a top-box rate: scores in [0, 1] (e.g. 5 and 4 score 1 on a 5-point scale), the
  estimate is a proportion and is shown as a percentage;
* ``mean`` — a mean score: each answer scores its value on the item's scale (e.g. 0..10), the
  estimate is a mean in [scale_min, scale_max] and is shown with its unit ("6.4 / 10"), never as a
  percentage.

Codes listed as "don't know / refused" are excluded from the base but counted. Codes that are
neither scored nor don't-know are invalid answers (rejected at upload). Any questionnaire can be
loaded and scored by adding items and indicators; nothing here is hard-wired into table columns.
The answer scales an item can declare are in :data:`SCALES` (documented in docs/ingest.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from analytics import db, store
from analytics.db import Connection
from analytics.errors import DefinitionError, UnknownNameError
from analytics.roles import User

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

YES_NO_CODES = {"1": {"zh": "是", "en": "Yes"}, "0": {"zh": "否", "en": "No"}}
LIKERT5_SATISFACTION = {
    "5": {"zh": "非常满意", "en": "Very satisfied"},
    "4": {"zh": "满意", "en": "Satisfied"},
    "3": {"zh": "一般", "en": "Neither"},
    "2": {"zh": "不满意", "en": "Dissatisfied"},
    "1": {"zh": "非常不满意", "en": "Very dissatisfied"},
}
LIKERT5_SAFETY = {
    "5": {"zh": "非常安全", "en": "Very safe"},
    "4": {"zh": "安全", "en": "Safe"},
    "3": {"zh": "一般", "en": "Neither"},
    "2": {"zh": "不安全", "en": "Unsafe"},
    "1": {"zh": "非常不安全", "en": "Very unsafe"},
}
LIKERT5_TRUST = {
    "5": {"zh": "非常信任", "en": "Trust completely"},
    "4": {"zh": "信任", "en": "Trust"},
    "3": {"zh": "一般", "en": "Neither"},
    "2": {"zh": "不信任", "en": "Distrust"},
    "1": {"zh": "非常不信任", "en": "Distrust completely"},
}
THREE_LEVEL = {
    "3": {"zh": "满意", "en": "Satisfied"},
    "2": {"zh": "基本满意", "en": "Basically satisfied"},
    "1": {"zh": "不满意", "en": "Dissatisfied"},
}
DK_CODE = "9"
# Scale of an item whose answers are labels kept as the file gives them (trimmed): sex, age band,
# education, interviewer... Never rejected for an unknown label; raking matches them case-folded.
OPEN_SCALE = "open"

INDICATOR_KINDS = ("rate", "mean")


@dataclass(frozen=True)
class Scale:
    """A named answer scale: its integer codes run from ``low`` to ``high`` (None: not numeric)."""

    name: str
    low: int | None
    high: int | None
    description: str

    def codes(self) -> list[str]:
        """The scale's answer codes as strings, lowest first (empty for a non-numeric scale)."""
        if self.low is None or self.high is None:
            return []
        return [str(v) for v in range(self.low, self.high + 1)]


# Every scale name an item may declare. A mean score reads the numeric code as the answer's value,
# so only numeric scales (low and high set) can carry a mean without an explicit scoring map.
SCALES: dict[str, Scale] = {s.name: s for s in (
    Scale("yesno", 0, 1, "binary: 1 = yes, 0 = no"),
    Scale("three_level", 1, 3, "3-level: 3 满意 satisfied, 2 基本满意 basically satisfied, 1 不满意 dissatisfied"),
    Scale("likert4", 1, 4, "4-point, 4 = best"),
    Scale("likert5", 1, 5, "5-point, 5 = best"),
    Scale("likert7", 1, 7, "7-point, 7 = best"),
    Scale("scale0_10", 0, 10, "11-point 0–10 score, 10 = best"),
    Scale("scale1_10", 1, 10, "10-point 1–10 score, 10 = best"),
    Scale("scale0_100", 0, 100, "0–100 score (whole numbers), 100 = best"),
    Scale("categorical", None, None, "unordered categories (no rate or mean without an explicit scoring map)"),
    Scale(OPEN_SCALE, None, None, "open labels kept as the file gives them (sex, age band, education, "
                                  "interviewer …): never rejected; raking matches them case-folded"),
)}


@dataclass(frozen=True)
class Item:
    """A question: its key, labels, scale and valid answer codes."""

    item: str
    label_zh: str
    label_en: str
    scale: str
    codes: dict[str, dict[str, str]]
    dk_codes: list[str] = field(default_factory=lambda: [DK_CODE])


@dataclass(frozen=True)
class Indicator:
    """An indicator: the item it reads and the score of each substantive answer code.

    ``kind`` 'rate': scores in [0, 1], a proportion. ``kind`` 'mean': scores in [scale_min, scale_max]
    (the answer's value on the scale), a mean shown with ``unit`` (default "/ scale_max").
    """

    key: str
    label_zh: str
    label_en: str
    description_zh: str
    description_en: str
    item: str
    scoring: dict[str, float]
    dk_codes: list[str] = field(default_factory=lambda: [DK_CODE])
    sort_order: int = 100
    enabled: bool = True
    kind: str = "rate"
    scale_min: float = 0.0
    scale_max: float = 1.0
    unit: str = ""

    @property
    def unit_label(self) -> str:
        """What follows a mean score when shown ("/ 10"); empty for a rate (shown as a percentage)."""
        if self.kind != "mean":
            return ""
        return self.unit or f"/ {self.scale_max:g}"

    def label(self, lang: str) -> str:
        """The label in ``lang`` ('zh' or 'en')."""
        return self.label_zh if lang == "zh" else self.label_en

    def description(self, lang: str) -> str:
        """The plain-language formula in ``lang``."""
        return self.description_zh if lang == "zh" else self.description_en


def _likert(item: str, zh: str, en: str, codes: dict[str, dict[str, str]]) -> Item:
    return Item(item, zh, en, "likert5", codes)


DEFAULT_ITEMS: list[Item] = [
    Item("seen_police", "是否见过民警巡逻", "Saw police patrolling nearby", "yesno", YES_NO_CODES),
    Item("knows_officer", "是否认识社区民警", "Knows the community officer", "yesno", YES_NO_CODES),
    Item("knows_contact", "是否知道报警求助方式", "Knows how to reach the police", "yesno", YES_NO_CODES),
    _likert("satisfaction", "总体满意度", "Overall satisfaction", LIKERT5_SATISFACTION),
    Item("satisfaction_3", "满意度（三级）", "Satisfaction (three-level)", "three_level", THREE_LEVEL),
    _likert("safety", "安全感", "Feeling of safety", LIKERT5_SAFETY),
    _likert("trust", "信任度", "Trust in the police", LIKERT5_TRUST),
    _likert("attitude", "服务态度", "Officers' attitude", LIKERT5_SATISFACTION),
    _likert("response_speed", "出警速度", "Speed of response", LIKERT5_SATISFACTION),
    _likert("fairness", "执法公正", "Fairness", LIKERT5_SATISFACTION),
    _likert("communication", "沟通解释", "Communication", LIKERT5_SATISFACTION),
    _likert("result", "办理结果", "Result of the case", LIKERT5_SATISFACTION),
    # Grouping items: open labels (the codes listed are only the usual ones, not a limit).
    Item("sex", "性别", "Sex", OPEN_SCALE, {"男": {"zh": "男", "en": "Male"}, "女": {"zh": "女", "en": "Female"}}),
    Item("age_band", "年龄段", "Age band", OPEN_SCALE,
         {b: {"zh": b, "en": b} for b in ("18-29", "30-44", "45-59", "60+")}),
    Item("age", "年龄（周岁）", "Age in years", OPEN_SCALE, {}, []),
    Item("education", "文化程度", "Education", OPEN_SCALE, {}, []),
    Item("income", "收入", "Income", OPEN_SCALE, {}, []),
    Item("area_type", "城乡类型", "Area type", OPEN_SCALE, {}, []),
    Item("interviewer", "访问员", "Interviewer", OPEN_SCALE, {}, []),
    Item("channel", "渠道", "Channel", OPEN_SCALE, {}, []),
]

_TOP2 = {"5": 1.0, "4": 1.0, "3": 0.0, "2": 0.0, "1": 0.0}
_YES = {"1": 1.0, "0": 0.0}


def default_indicators(basic_satisfied_weight: float = 1.0) -> list[Indicator]:
    """The default indicator set; ``basic_satisfied_weight`` scores 基本满意 in satisfaction_3."""
    return [
        Indicator("visibility", "见警率", "Visibility",
                  "见过民警巡逻的受访者占比（“是”计1；“说不清”不计入分母）。",
                  "Share of respondents who saw police patrolling nearby (yes = 1; don't know excluded).",
                  "seen_police", dict(_YES), sort_order=10),
        Indicator("familiarity", "识警率", "Familiarity",
                  "认识社区民警（知道姓名或见过面）的受访者占比。",
                  "Share who know their community officer by name or face.",
                  "knows_officer", dict(_YES), sort_order=20),
        Indicator("awareness", "知警率", "Awareness",
                  "知道如何联系当地民警、报警求助的受访者占比。",
                  "Share who know how to reach the local police.",
                  "knows_contact", dict(_YES), sort_order=30),
        Indicator("satisfaction", "满意率", "Satisfaction",
                  "五级量表中“非常满意”和“满意”的占比（前两项）。",
                  "Top-2-box share on the 5-point scale (very satisfied or satisfied).",
                  "satisfaction", dict(_TOP2), sort_order=40),
        Indicator("satisfaction_3", "满意率（三级）", "Satisfaction (3-level)",
                  f"三级量表：满意计1，基本满意计{basic_satisfied_weight:g}，不满意计0。",
                  f"Three-level scale: satisfied = 1, basically satisfied = {basic_satisfied_weight:g}, "
                  "dissatisfied = 0.",
                  "satisfaction_3", {"3": 1.0, "2": float(basic_satisfied_weight), "1": 0.0}, sort_order=45),
        Indicator("safety", "安全感", "Safety",
                  "五级量表中“非常安全”和“安全”的占比。",
                  "Top-2-box share: feels very safe or safe.",
                  "safety", dict(_TOP2), sort_order=50),
        Indicator("trust", "信任度", "Trust",
                  "五级量表中“非常信任”和“信任”的占比。",
                  "Top-2-box share: trusts the police completely or trusts them.",
                  "trust", dict(_TOP2), sort_order=60),
    ]


def mean_indicator(key: str, item: Item, *, label_zh: str | None = None, label_en: str | None = None,
                   description_zh: str = "", description_en: str = "", unit: str = "",
                   sort_order: int = 100) -> Indicator:
    """A mean-score indicator over a numeric-scale item: each code scores its own value.

    The scale's range comes from :data:`SCALES` (``item.scale``); the item's don't-know codes are
    excluded. Raises DefinitionError for a non-numeric scale (define the scoring map explicitly).
    """
    scale = SCALES.get(item.scale)
    if scale is None or scale.low is None or scale.high is None:
        raise DefinitionError(
            f"Item {item.item!r} has scale {item.scale!r}, which has no numeric values; a mean score needs one "
            f"of: {', '.join(n for n, s in SCALES.items() if s.low is not None)}.", key="error.defs.mean_not_numeric",
            name=key, item=item.item, scale=item.scale,
            known=", ".join(n for n, s in SCALES.items() if s.low is not None))
    scoring = {code: float(code) for code in scale.codes() if code in item.codes}
    if not scoring:
        raise DefinitionError(f"Item {item.item!r} has none of the codes {scale.low}..{scale.high} of its scale.",
                              key="error.defs.no_codes", name=item.item)
    return Indicator(key, label_zh or item.label_zh, label_en or item.label_en, description_zh, description_en,
                     item.item, scoring, list(item.dk_codes), sort_order, True, "mean",
                     float(scale.low), float(scale.high), unit)


def validate_indicator(ind: Indicator, known_items: set[str]) -> None:
    """Raise DefinitionError when an indicator cannot be computed as defined."""
    if not KEY_PATTERN.match(ind.key):
        raise DefinitionError(
            f"Indicator key {ind.key!r} must be lower-case letters, digits and '_' (start with a letter, ≤ 40).",
            key="error.defs.bad_name", name=ind.key)
    if ind.item not in known_items:
        raise DefinitionError(f"Indicator {ind.key!r} reads item {ind.item!r}, which is not defined. "
                              f"Known items: {', '.join(sorted(known_items))}", key="error.defs.unknown_item",
                              name=ind.item, known=", ".join(sorted(known_items)))
    if not ind.scoring:
        raise DefinitionError(f"Indicator {ind.key!r} has an empty scoring map.", key="error.defs.no_scoring",
                              name=ind.key)
    if ind.kind not in INDICATOR_KINDS:
        raise DefinitionError(f"Indicator {ind.key!r} has kind {ind.kind!r}; use one of: {', '.join(INDICATOR_KINDS)}.")
    low, high = (0.0, 1.0) if ind.kind == "rate" else (float(ind.scale_min), float(ind.scale_max))
    if not low < high:
        raise DefinitionError(
            f"Indicator {ind.key!r}: the scale runs from {low:g} to {high:g}; its minimum must be below its maximum.")
    for code, score in ind.scoring.items():
        if not isinstance(score, int | float) or not low <= float(score) <= high:
            raise DefinitionError(
                f"Indicator {ind.key!r}: score of code {code!r} is {score!r}; scores must be in "
                f"[{low:g}, {high:g}]" + (" (a rate; define kind 'mean' for a mean score)." if ind.kind == "rate"
                                          else " (the scale's range)."),
                key="error.defs.score_range", name=ind.key, code=code, score=score, low=f"{low:g}", high=f"{high:g}")
    overlap = set(ind.scoring) & set(ind.dk_codes)
    if overlap:
        raise DefinitionError(f"Indicator {ind.key!r}: codes {sorted(overlap)} are both scored and don't-know.",
                              key="error.defs.code_both", name=ind.key, codes=", ".join(sorted(overlap)))


# The query for the stored row of one definition, to tell whether a save changed it.
_STORED = {"items": "definitions/item_stored", "indicators": "definitions/indicator_stored"}


def _audit_change(con: Connection, table: str, key: str, before: list[tuple[Any, ...]],
                  actor: str | None) -> None:
    """Audit a definition that the save changed (``table`` is 'items' or 'indicators', from this module)."""
    if actor is None:
        return
    after = db.fetch_all(con, _STORED[table], {"key": key})
    if after != before:
        store.audit(con, actor, f"definition.{table}", {"name": key, "new": not before})


def save_item(con: Connection, item: Item, *, user: User) -> None:
    """Insert or replace an item definition; ``user`` needs the ``definitions`` permission and a change is
    written to the audit log under their name."""
    user.require("definitions")
    _store_item(con, item, user.username)


def _store_item(con: Connection, item: Item, actor: str | None) -> None:
    """The write behind :func:`save_item`; ``actor=None`` (seeding a new store's defaults) is not audited."""
    if not KEY_PATTERN.match(item.item):
        raise DefinitionError(f"Item name {item.item!r} must be lower-case letters, digits and '_' (≤ 40).")
    if item.scale not in SCALES:
        raise DefinitionError(f"Item {item.item!r} has scale {item.scale!r}; known scales: {', '.join(SCALES)}.")
    before = db.fetch_all(con, _STORED["items"], {"key": item.item})
    db.execute(con, "definitions/item_save",
               {"item": item.item, "label_zh": item.label_zh, "label_en": item.label_en, "scale": item.scale,
                "codes": json.dumps(item.codes, ensure_ascii=False),
                "dk_codes": json.dumps(item.dk_codes, ensure_ascii=False)})
    _audit_change(con, "items", item.item, before, actor)


def save_indicator(con: Connection, ind: Indicator, *, user: User) -> None:
    """Validate and insert or replace an indicator definition; ``user`` needs the ``definitions`` permission
    and a change is audited under their name."""
    user.require("definitions")
    _store_indicator(con, ind, user.username)


def _store_indicator(con: Connection, ind: Indicator, actor: str | None) -> None:
    """The write behind :func:`save_indicator`; ``actor=None`` (seeding defaults) is not audited."""
    validate_indicator(ind, {i.item for i in list_items(con)})
    before = db.fetch_all(con, _STORED["indicators"], {"key": ind.key})
    db.execute(con, "definitions/indicator_save",
               {"key": ind.key, "label_zh": ind.label_zh, "label_en": ind.label_en,
                "description_zh": ind.description_zh, "description_en": ind.description_en, "item": ind.item,
                "scoring": json.dumps(ind.scoring), "dk_codes": json.dumps(ind.dk_codes, ensure_ascii=False),
                "sort_order": ind.sort_order, "enabled": ind.enabled, "kind": ind.kind,
                "scale_min": 0.0 if ind.kind == "rate" else float(ind.scale_min),
                "scale_max": 1.0 if ind.kind == "rate" else float(ind.scale_max), "unit": ind.unit})
    _audit_change(con, "indicators", ind.key, before, actor)


def _item_from_row(row: tuple[Any, ...]) -> Item:
    return Item(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]))


def list_items(con: Connection) -> list[Item]:
    """All item definitions, by name."""
    rows = db.fetch_all(con, "definitions/items_list")
    return [_item_from_row(r) for r in rows]


def get_item(con: Connection, item: str) -> Item:
    """One item definition; UnknownNameError if absent."""
    rows = db.fetch_all(con, "definitions/item_get", {"item": item})
    if not rows:
        raise UnknownNameError(f"No item named {item!r}.")
    return _item_from_row(rows[0])


def list_indicators(con: Connection, *, enabled_only: bool = True) -> list[Indicator]:
    """Indicator definitions in display order."""
    rows = db.fetch_all(con, "definitions/indicators_list", {"enabled_only": enabled_only})
    return [Indicator(r[0], r[1], r[2], r[3], r[4], r[5], {k: float(v) for k, v in json.loads(r[6]).items()},
                      json.loads(r[7]), r[8], r[9], r[10], float(r[11]), float(r[12]), r[13]) for r in rows]


def get_indicator(con: Connection, key: str) -> Indicator:
    """One indicator definition; UnknownNameError listing the known keys if absent."""
    for ind in list_indicators(con, enabled_only=False):
        if ind.key == key:
            return ind
    known = ", ".join(i.key for i in list_indicators(con, enabled_only=False))
    raise UnknownNameError(f"No indicator named {key!r}. Known indicators: {known}")
