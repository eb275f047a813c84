"""Defining items and indicators by hand (Data page, ``python -m analytics definitions``).

Each change needs the ``definitions`` permission (analyst or admin), checked here rather than in a page
or the CLI, runs in one transaction with its audit entry (the definition before and after) and, for an
indicator, the rebuild of its cells, so that the figures of every page and command agree with the saved
definition at once. A definition that could not be computed as given is refused with a message naming
what is wrong, and nothing is saved:

* an item with an unknown scale, a code outside its numeric scale, a don't-know code that is an answer
  on the scale, or (when answers are loaded) a definition under which a loaded answer is no longer valid;
* an indicator on an unknown item, scoring a code the item does not have, a score outside [0, 1] for a
  rate or outside the item's scale for a mean, or a mean on a scale without numeric values.

Built-in items and indicators (:data:`analytics.definitions.DEFAULT_ITEMS`, ``default_indicators``) may be
edited but not removed: the store puts missing ones back on every start.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from analytics import definitions
from analytics.auth import User
from analytics.db import Connection, execute, query_df
from analytics.definitions import SCALES, Indicator, Item
from analytics.engine import refresh_cells
from analytics.errors import DefinitionError, UnknownNameError
from analytics.store import audit, bump_data_version, transaction

# Names the store puts back on every start (store.seed_defaults), hence never removed.
BUILT_IN_ITEMS = frozenset(i.item for i in definitions.DEFAULT_ITEMS)
BUILT_IN_INDICATORS = frozenset(i.key for i in definitions.default_indicators())


def numeric_scales() -> list[str]:
    """Names of the scales whose codes are whole numbers (the ones a mean score can be computed on)."""
    return [name for name, scale in SCALES.items() if scale.low is not None]


def make_item(name: str, label_zh: str, label_en: str, scale: str, *,
              code_labels: dict[str, dict[str, str]] | None = None, dk_codes: list[str] | None = None) -> Item:
    """An item from what a person types: on a numeric scale the codes default to every value of the scale
    (labelled by the number), and ``code_labels`` may label some of them; a categorical item lists its codes.

    ``dk_codes`` default to ``9`` unless 9 is an answer on the scale (0–10, 1–10, 0–100), then ``88``.
    Raises DefinitionError for an unknown scale.
    """
    if scale not in SCALES:
        raise DefinitionError(f"Item {name!r}: unknown scale {scale!r}; known scales: {', '.join(SCALES)}.",
                              key="error.defs.unknown_scale", name=name, scale=scale, known=", ".join(SCALES))
    labels = {str(k).strip(): v for k, v in (code_labels or {}).items()}
    numeric = SCALES[scale].codes()
    codes = {c: labels.get(c, {"zh": c, "en": c}) for c in numeric} if numeric else {}
    codes.update(labels)  # a label outside the scale stays, so that check_item names it
    if dk_codes is None:
        dk_codes = ["88"] if definitions.DK_CODE in numeric else [definitions.DK_CODE]
    return Item(name.strip(), label_zh.strip() or name.strip(), label_en.strip() or name.strip(), scale, codes,
                [str(c).strip() for c in dk_codes if str(c).strip()])


def parse_code_labels(lines: list[str]) -> dict[str, dict[str, str]]:
    """Answer-code labels from lines ``CODE=中文|English`` (one label serves both languages when there is no
    ``|``; blank lines are skipped). Raises DefinitionError for a line without ``CODE=``."""
    labels: dict[str, dict[str, str]] = {}
    for line in (raw.strip() for raw in lines):
        if not line:
            continue
        code, sep, text = line.partition("=")
        if not sep or not code.strip():
            raise DefinitionError(f"Code label {line!r}: write CODE=中文|English, e.g. 5=非常满意|Very satisfied.",
                                  key="error.defs.bad_code_line", line=line)
        zh, _bar, en = text.partition("|")
        labels[code.strip()] = {"zh": zh.strip() or code.strip(), "en": en.strip() or zh.strip() or code.strip()}
    return labels


def rate_indicator(key: str, item: Item, top_codes: list[str], *, label_zh: str = "", label_en: str = "",
                   description_zh: str = "", description_en: str = "", sort_order: int = 100) -> Indicator:
    """A top-box rate: the answers in ``top_codes`` score 1, every other substantive code of the item 0."""
    top = {str(c).strip() for c in top_codes if str(c).strip()}
    if not top:
        raise DefinitionError(f"Indicator {key!r}: choose at least one answer code that counts (the top box).",
                              key="error.defs.no_top_codes", name=key)
    scoring = {code: 1.0 if code in top else 0.0 for code in item.codes}
    scoring.update({code: 1.0 for code in top - set(item.codes)})  # unknown codes: named by check_indicator
    # Without a description, the formula in words (the Data page and exports show it beside the scoring).
    names_zh = "、".join(f"“{item.codes.get(c, {}).get('zh', c)}”" for c in scoring if c in top)
    names_en = ", ".join(f"'{item.codes.get(c, {}).get('en', c)}'" for c in scoring if c in top)
    return Indicator(key.strip(), label_zh.strip() or item.label_zh, label_en.strip() or item.label_en,
                     description_zh.strip() or f"“{item.label_zh}”回答{names_zh}的占比（“说不清”不计入分母）。",
                     description_en.strip() or f"Share answering {names_en} to '{item.label_en}' "
                                               "(don't know excluded).",
                     item.item, scoring, list(item.dk_codes), sort_order)


def mean_score_indicator(key: str, item: Item, *, label_zh: str = "", label_en: str = "", description_zh: str = "",
                         description_en: str = "", unit: str = "", sort_order: int = 100) -> Indicator:
    """A mean score over a numeric-scale item (see :func:`analytics.definitions.mean_indicator`), described in
    words when no description is given. Raises DefinitionError for a non-numeric scale."""
    ind = definitions.mean_indicator(key.strip(), item, label_zh=label_zh.strip() or None,
                                     label_en=label_en.strip() or None, unit=unit.strip(), sort_order=sort_order,
                                     description_zh=description_zh.strip(), description_en=description_en.strip())
    scale = SCALES[item.scale]
    return replace(ind, description_zh=ind.description_zh or
                   f"“{item.label_zh}”的平均分（{scale.low}–{scale.high} 分；“说不清”不计入）。",
                   description_en=ind.description_en or
                   f"Mean score of '{item.label_en}' ({scale.low}–{scale.high}; don't know excluded).")


def check_item(con: Connection, item: Item) -> None:
    """Raise DefinitionError unless ``item`` can be saved: see the module docstring for the rules."""
    if not definitions.KEY_PATTERN.match(item.item):
        raise DefinitionError(f"Item name {item.item!r} must be lower-case letters, digits and '_' "
                              "(start with a letter, at most 40).", key="error.defs.bad_name", name=item.item)
    scale = SCALES.get(item.scale)
    if scale is None:
        raise DefinitionError(f"Item {item.item!r}: unknown scale {item.scale!r}; known scales: {', '.join(SCALES)}.",
                              key="error.defs.unknown_scale", name=item.item, scale=item.scale,
                              known=", ".join(SCALES))
    on_scale = scale.codes()
    if on_scale:
        outside = sorted(set(item.codes) - set(on_scale))
        if outside:
            raise DefinitionError(f"Item {item.item!r}: codes {', '.join(outside)} are outside the scale "
                                  f"{item.scale} ({scale.low}–{scale.high}).", key="error.defs.code_off_scale",
                                  name=item.item, codes=", ".join(outside), scale=item.scale,
                                  low=scale.low, high=scale.high)
        answers = sorted(set(item.dk_codes) & set(on_scale), key=int)
        if answers:
            raise DefinitionError(f"Item {item.item!r}: don't-know code {', '.join(answers)} is an answer on the "
                                  f"scale {item.scale} ({scale.low}–{scale.high}); use a code outside it, e.g. 88.",
                                  key="error.defs.dk_on_scale", name=item.item, codes=", ".join(answers),
                                  scale=item.scale, low=scale.low, high=scale.high)
    elif item.scale == "categorical" and not item.codes:
        raise DefinitionError(f"Item {item.item!r}: a categorical item needs its answer codes listed.",
                              key="error.defs.no_codes", name=item.item)
    both = sorted(set(item.codes) & set(item.dk_codes))
    if both:
        raise DefinitionError(f"Item {item.item!r}: codes {', '.join(both)} are both answers and don't-know.",
                              key="error.defs.code_both", name=item.item, codes=", ".join(both))
    if item.scale != definitions.OPEN_SCALE:
        loaded = query_df(con, "definitions/item_answer_codes", {"item": item.item})
        lost = loaded[~loaded["code"].isin([*item.codes, *item.dk_codes])]
        if not lost.empty:
            listed = ", ".join(f"{c} ({n})" for c, n in zip(lost["code"], lost["answers"], strict=True))
            raise DefinitionError(f"Item {item.item!r}: loaded answers have codes this definition does not allow: "
                                  f"{listed}. Keep them as answers or don't-know codes.",
                                  key="error.defs.loaded_codes_lost", name=item.item, codes=listed)


def check_indicator(con: Connection, ind: Indicator, item: Item | None = None) -> None:
    """Raise DefinitionError unless ``ind`` can be computed from its item (``item``: that item's new definition,
    when checking the indicators of an item about to change)."""
    items = {i.item: i for i in definitions.list_items(con)}
    if item is not None:
        items[item.item] = item
    definitions.validate_indicator(ind, set(items))
    source = items[ind.item]
    unknown = sorted(set(ind.scoring) - set(source.codes))
    if unknown:
        raise DefinitionError(f"Indicator {ind.key!r} scores codes {', '.join(unknown)}, which item {source.item!r} "
                              f"does not have (its codes: {', '.join(source.codes) or 'none listed'}).",
                              key="error.defs.code_not_in_item", name=ind.key, codes=", ".join(unknown),
                              item=source.item, known=", ".join(source.codes) or "—")
    if ind.kind == "mean":
        scale = SCALES[source.scale]
        if scale.low is None or scale.high is None:
            raise DefinitionError(
                f"Indicator {ind.key!r}: a mean score needs a numeric scale, and item {source.item!r} has scale "
                f"{source.scale!r}; use one of {', '.join(numeric_scales())}, or a rate.",
                key="error.defs.mean_not_numeric", name=ind.key, item=source.item, scale=source.scale,
                known=", ".join(numeric_scales()))
        if (float(ind.scale_min), float(ind.scale_max)) != (float(scale.low), float(scale.high)):
            raise DefinitionError(f"Indicator {ind.key!r}: a mean on {source.scale} runs from {scale.low} to "
                                  f"{scale.high}, not from {ind.scale_min:g} to {ind.scale_max:g}.",
                                  key="error.defs.mean_range", name=ind.key, scale=source.scale, low=scale.low,
                                  high=scale.high)


def _snapshot(value: Item | Indicator | None) -> dict[str, Any] | None:
    return None if value is None else asdict(value)


def define_item(con: Connection, item: Item, *, user: User) -> None:
    """Create or replace an item (``definitions`` permission; audited with the old and new definition).

    Replacing an item that indicators read checks those indicators against the new definition first.
    """
    user.require("definitions")
    check_item(con, item)
    old = {i.item: i for i in definitions.list_items(con)}.get(item.item)
    readers = [i for i in definitions.list_indicators(con, enabled_only=False) if i.item == item.item]
    for ind in readers:
        check_indicator(con, ind, item)
    with transaction(con):
        # The permission is checked above and this module writes the audit entry with the definition before
        # and after, so the write itself goes through the unaudited store step (one entry per change).
        definitions._store_item(con, item, None)
        audit(con, user.username, "definition.item_save",
              {"name": item.item, "before": _snapshot(old), "after": _snapshot(item)})
        bump_data_version(con)


def remove_item(con: Connection, name: str, *, user: User) -> None:
    """Remove an item no indicator reads and no loaded answer carries (``definitions``; audited)."""
    user.require("definitions")
    old = definitions.get_item(con, name)
    if name in BUILT_IN_ITEMS:
        raise DefinitionError(f"Item {name!r} is built in and cannot be removed (it may be edited).",
                              key="error.defs.built_in", name=name)
    readers = sorted(i.key for i in definitions.list_indicators(con, enabled_only=False) if i.item == name)
    if readers:
        raise DefinitionError(f"Item {name!r} is read by indicators {', '.join(readers)}: remove them first.",
                              key="error.defs.item_in_use", name=name, indicators=", ".join(readers))
    loaded = int(query_df(con, "definitions/item_answer_codes", {"item": name})["answers"].sum())
    if loaded:
        raise DefinitionError(f"Item {name!r} has {loaded} loaded answers: remove the batches that hold them first.",
                              key="error.defs.item_has_answers", name=name, n=loaded)
    with transaction(con):
        execute(con, "definitions/item_delete", {"item": name})
        audit(con, user.username, "definition.item_remove", {"name": name, "before": _snapshot(old), "after": None})
        bump_data_version(con)


def define_indicator(con: Connection, ind: Indicator, *, user: User) -> None:
    """Create or replace an indicator and rebuild the cells (``definitions`` permission; audited).

    The cells are rebuilt in the same transaction, so the new figures appear everywhere at once or not at all.
    """
    user.require("definitions")
    check_indicator(con, ind)
    old = next((i for i in definitions.list_indicators(con, enabled_only=False) if i.key == ind.key), None)
    with transaction(con):
        definitions._store_indicator(con, ind, None)  # audited below with before and after (see define_item)
        refresh_cells(con)
        audit(con, user.username, "definition.indicator_save",
              {"name": ind.key, "before": _snapshot(old), "after": _snapshot(ind)})
        bump_data_version(con)


def remove_indicator(con: Connection, key: str, *, user: User) -> None:
    """Remove an indicator and its cells (``definitions``; audited). Built-in indicators and those that an
    assessment target, scheme or published result uses are refused, naming the uses."""
    user.require("definitions")
    old = definitions.get_indicator(con, key)
    if key in BUILT_IN_INDICATORS:
        raise DefinitionError(f"Indicator {key!r} is built in and cannot be removed (it may be edited).",
                              key="error.defs.built_in", name=key)
    uses = query_df(con, "definitions/indicator_uses", {"key": key})
    uses = uses[uses["n"] > 0]
    if not uses.empty:
        listed = ", ".join(f"{u} ({n})" for u, n in zip(uses["used_by"], uses["n"], strict=True))
        raise DefinitionError(f"Indicator {key!r} is used by: {listed}; remove those first.",
                              key="error.defs.indicator_in_use", name=key, uses=listed)
    with transaction(con):
        execute(con, "definitions/indicator_delete", {"key": key})
        audit(con, user.username, "definition.indicator_remove", {"name": key, "before": _snapshot(old),
                                                                  "after": None})
        bump_data_version(con)


def item_or_error(con: Connection, name: str) -> Item:
    """The item ``name``, or DefinitionError listing the items defined (for a definition that names it)."""
    try:
        return definitions.get_item(con, name)
    except UnknownNameError:
        known = ", ".join(i.item for i in definitions.list_items(con))
        raise DefinitionError(f"No item named {name!r}. Defined items: {known}.", key="error.defs.unknown_item",
                              name=name, known=known) from None
