"""What the pages should show, from the engine's side: the CLI's JSON, the catalog, the registry.

The CLI is run on a database that no server has open (DuckDB allows one writer process per file).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from tests.e2e.server import cli

T = TypeVar("T")
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="e2e-cli")


def later(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
    """Run a CLI check in the background (each is a separate process) while the browser or a server starts;
    ``.result()`` waits for it and re-raises its failure. DuckDB lets one process open a file, so checks that
    run at the same time must each have their own file (``copy_of``)."""
    return _POOL.submit(fn, *args, **kwargs)


def copy_of(db: Path, suffix: str) -> Path:
    """A copy of a database file nobody has open, beside it (``NAME-SUFFIX.duckdb``)."""
    target = db.with_name(f"{db.stem}-{suffix}{db.suffix}")
    shutil.copyfile(db, target)
    return target


def indicators(db: Path, *, by: str, period: str | None, codes: list[str], indicator: str = "satisfaction",
               level: str | None = None) -> list[dict[str, Any]]:
    """``python -m analytics indicators --by jurisdiction,BY --period P --jurisdiction CODES --indicator I
    --format json`` (the rows it prints)."""
    args = ["indicators", "--by", f"jurisdiction,{by}", "--jurisdiction", *codes, "--indicator", indicator,
            "--format", "json"]
    if period is not None:
        args += ["--period", period]
    if level is not None:
        args += ["--level", level]
    return json.loads(cli(db, *args).stdout or "[]")


def one_row(db: Path, *, by: str, period: str, code: str, indicator: str = "satisfaction",
            level: str | None = None) -> dict[str, Any]:
    """The CLI's single row for one jurisdiction, period and indicator (with a clear message if there is none)."""
    rows = indicators(db, by=by, period=period, codes=[code], indicator=indicator, level=level)
    if len(rows) != 1:
        every = indicators(db, by=by, period=None, codes=[code], indicator=indicator, level=level)
        same = [r for r in every if r["period"] == period]
        raise AssertionError(
            f"`python -m analytics indicators --by jurisdiction,{by} --period {period} --jurisdiction {code} "
            f"--indicator {indicator} --format json` printed {len(rows)} rows, expected 1. Without --period it "
            f"prints {len(same)} row(s) for {period}: {same}")
    return rows[0]


def batches(db: Path) -> list[dict[str, Any]]:
    """``python -m analytics batches list --format json``."""
    return json.loads(cli(db, "batches", "list", "--format", "json").stdout or "[]")


@cache
def registry(db: Path) -> dict[str, dict[str, Any]]:
    """Jurisdiction code -> its registry row (names, level)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT code, name_zh, name_en, level FROM jurisdictions ORDER BY code").fetchall()
    finally:
        con.close()
    return {code: {"name_zh": zh, "name_en": en, "level": level} for code, zh, en, level in rows}


@cache
def indicator_labels(db: Path, lang: str) -> dict[str, str]:
    """Indicator key -> label in ``lang``, in display order (as the pages label columns and tiles)."""
    from analytics.definitions import list_indicators

    con = duckdb.connect(str(db), read_only=True)
    try:
        return {ind.key: ind.label(lang) for ind in list_indicators(con)}
    finally:
        con.close()
