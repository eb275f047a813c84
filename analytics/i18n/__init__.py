"""The zh-CN / en message catalog.

Messages live in TOML files in this folder (one per area, so features do not collide):

    [overview.title]
    zh = "总览"
    en = "Overview"

Placeholders use ``str.format`` names: ``t("upload.loaded", "en", rows=5)``. A key defined in
two files, or missing a language, is an error caught by the tests.

English counts agree with their noun: a placeholder without a format spec (or with ``:,`` / ``:d``) followed by
a plural noun of :data:`SINGULAR_OF` ("{rows} rows") reads "1 row" when its value is 1, and a verb of
:data:`VERB_AFTER_ONE` right after it agrees ("1 row has"). Chinese has no plural.
"""

from __future__ import annotations

import numbers
import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


# The plural nouns the English catalog puts after a count, and their singular.
SINGULAR_OF = {
    "answers": "answer", "boundaries": "boundary", "cells": "cell", "characters": "character",
    "columns": "column", "days": "day", "demands": "demand", "fields": "field", "figures": "figure",
    "files": "file", "hours": "hour", "interviewers": "interviewer", "interviews": "interview",
    "iterations": "iteration", "jurisdictions": "jurisdiction", "minutes": "minute", "months": "month",
    "periods": "period", "records": "record", "residents": "resident", "respondents": "respondent", "rows": "row",
    "runs": "run", "scores": "score", "seconds": "second", "simulations": "simulation", "years": "year",
}
# "{name} nouns" (not "{{name}}", an escaped brace); a spec other than thousands separators or d keeps the plural
# ("1.0 minutes").
# A verb right after the noun agrees too ("1 row has", not "1 row have").
VERB_AFTER_ONE = {"are": "is", "have": "has", "were": "was", "repeat": "repeats"}
_COUNTED_NOUN = re.compile(r"(?<!\{)\{(\w+)(?::,?d?)?\} (" + "|".join(SINGULAR_OF) + r")\b"
                           r"(?: (" + "|".join(VERB_AFTER_ONE) + r")\b)?")


def _is_one(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Number):
        return value == 1
    return isinstance(value, str) and value.strip() == "1"


def _agree_counts(text: str, params: dict[str, Any]) -> str:
    """``text`` with each counted plural noun made singular where its count is 1 (English only)."""
    def agree(match: re.Match[str]) -> str:
        name, noun, verb = match.group(1), match.group(2), match.group(3)
        if not _is_one(params.get(name)):
            return match.group(0)
        counted = match.group(0)[: match.start(2) - match.start(0)] + SINGULAR_OF[noun]
        return f"{counted} {VERB_AFTER_ONE[verb]}" if verb else counted
    return _COUNTED_NOUN.sub(agree, text)


def _flatten(prefix: str, node: dict[str, Any], out: dict[str, dict[str, str]], source: str) -> None:
    if set(node) & set(LANGUAGES) and all(isinstance(v, str) for v in node.values()):
        if prefix in out:
            raise ValueError(f"i18n key {prefix!r} is defined twice (again in {source})")
        out[prefix] = node
        return
    for key, value in node.items():
        if not isinstance(value, dict):
            raise ValueError(f"i18n entry {prefix}.{key} in {source} must be a table with zh and en")
        _flatten(f"{prefix}.{key}" if prefix else key, value, out, source)


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every message, keyed by dotted name, each a dict of language -> text."""
    out: dict[str, dict[str, str]] = {}
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), out, entry.name)
    return out


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The message ``key`` in ``lang``, with placeholders filled. Unknown keys raise KeyError."""
    entry = catalog()[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    if not params:
        return text
    if lang == "en":
        text = _agree_counts(text, params)
    return text.format(**params)


def has(key: str) -> bool:
    """Whether the catalog defines ``key``."""
    return key in catalog()
