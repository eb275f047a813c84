"""The zh-CN / en message catalog.

Messages live in TOML files in this folder (one per area, so features do not collide):

    [overview.title]
    zh = "总览"
    en = "Overview"

Placeholders use ``str.format`` names: ``t("upload.loaded", "en", rows=5)``. A key defined in
two files, or missing a language, is an error caught by the tests.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


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
    return text.format(**params) if params else text


def has(key: str) -> bool:
    """Whether the catalog defines ``key``."""
    return key in catalog()
