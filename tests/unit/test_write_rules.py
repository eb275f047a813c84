"""Code rule (issue 14 item 3): every public function in analytics/ that writes to the store takes a ``user``
without a default (or a ``sel: Selection``, which carries the user), so the permission is checked in the engine
and never only in a page or the CLI.

A function writes when its body holds SQL that inserts into, updates or deletes from a table created by a
migration (scratch TEMP tables do not count), runs a named SQL file that does, opens a transaction or bumps
the data version, or calls (by name) another function of analytics/ that writes. The check is static: it reads
the source, it runs nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ANALYTICS = REPO / "analytics"
SQL_DIR = ANALYTICS / "sql"
# The CLI is a caller (it passes the user it authenticated), not the engine; its `run` functions would also
# shadow analytics.ingest.sqlrun.run in the by-name call graph below.
ENGINE_FILES = [p for p in sorted(ANALYTICS.rglob("*.py")) if "cli" not in p.relative_to(ANALYTICS).parts]
# Public writers that take no user, and why. Anything added here needs a reason a reviewer accepts.
EXEMPT = {
    "store.migrate": "schema changes when a file is opened, before anyone can sign in",
    "store.connect": "opens (and for a new file creates and migrates) the store",
    "db.connect": "opens (and for a new path creates) a DuckDB file; store.connect is its caller",
    "demo.ensure_default_database": "fills a new default file, before any account exists, as the local admin",
    "store.bump_data_version": "called inside a checked write's transaction",
    "store.audit": "records what a checked write (or a sign-in, or an export) did",
    "engine.refresh_cells": "rebuilds the derived indicator cells from data already loaded; changes no fact",
    "store._seed_defaults": "install-time defaults written by migrate, never over an edit",
    "auth.authenticate": "the sign-in itself: there is no user yet (failures and lockout are written)",
    "auth.authenticate_token": "the sign-in itself, with a command-line token",
}
WRITE_SQL = re.compile(r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+(?:main\.)?([A-Za-z_]\w*)",
                       re.IGNORECASE)


def persistent_tables() -> set[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ANALYTICS / "migrations").glob("*.sql"))
    return {m.lower() for m in re.findall(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", text, re.I)}


def writes_sql(text: str, tables: set[str]) -> bool:
    return any(m.lower() in tables for m in WRITE_SQL.findall(text))


def writing_sql_files(tables: set[str]) -> set[str]:
    """Names (as loaded: 'topic/name' or 'name') of the named SQL files that write a persistent table."""
    return {str(p.relative_to(SQL_DIR).with_suffix("")) for p in SQL_DIR.rglob("*.sql")
            if writes_sql(p.read_text(encoding="utf-8"), tables)}


def _called_names(node: ast.AST) -> set[str]:
    out = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name:
                out.add(name)
    return out


def _strings(node: ast.AST) -> Iterable[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value


def write_functions(sources: dict[str, str], tables: set[str], sql_files: set[str]) -> dict[str, ast.FunctionDef]:
    """{module.function: def} of every top-level function in ``sources`` ({module: code}) that writes."""
    defs: dict[str, ast.FunctionDef] = {}
    for module, code in sources.items():
        for node in ast.parse(code).body:
            if isinstance(node, ast.FunctionDef):
                defs[f"{module}.{node.name}"] = node
    writing = {q for q, node in defs.items()
               if any(writes_sql(s, tables) or s in sql_files for s in _strings(node))
               or _called_names(node) & {"transaction", "bump_data_version"}}
    changed = True
    while changed:  # by-name call graph, to a fixed point
        names = {q.rsplit(".", 1)[1] for q in writing}
        new = {q for q, node in defs.items() if q not in writing and _called_names(node) & names}
        writing |= new
        changed = bool(new)
    return {q: defs[q] for q in writing}


def offenders(found: dict[str, ast.FunctionDef]) -> list[str]:
    """Public writers without a ``user`` (or ``sel``) parameter, or whose ``user``/``sel`` has a default (a
    silent admin)."""
    out = []
    for qualified, node in sorted(found.items()):
        if node.name.startswith("_") or qualified in EXEMPT:
            continue
        args = node.args
        positional = args.posonlyargs + args.args
        defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]], args.defaults,
                            strict=True))
        defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}
        names = [a.arg for a in positional + args.kwonlyargs]
        who = "user" if "user" in names else "sel" if "sel" in names else None
        if who is None:
            out.append(f"{qualified}: no user parameter")
        elif who in defaults:
            out.append(f"{qualified}: {who} has a default")
    return out


def engine_sources() -> dict[str, str]:
    return {".".join(p.relative_to(ANALYTICS).with_suffix("").parts): p.read_text(encoding="utf-8")
            for p in ENGINE_FILES}


def test_every_public_write_function_in_the_engine_takes_a_user():
    tables = persistent_tables()
    found = write_functions(engine_sources(), tables, writing_sql_files(tables))
    # The detector sees the writes it must see (else the rule below would pass by seeing nothing).
    assert {"ingest.batches.remove_batch", "ingest.pipeline.ingest_file", "ingest.mapping.save_mapping",
            "store.set_setting", "forum.save_actions", "peers.save_peer_group", "weights.rake_and_refresh",
            "weighting.rake_weights", "weighting.reset_weights", "definitions.save_item", "auth.add_user",
            "auth.remove_user", "demo.build_demo_database"} <= set(found)
    assert offenders(found) == []
    stale = set(EXEMPT) - set(found)
    assert stale == set(), "exemptions for functions that no longer write: remove them"


def test_the_rule_flags_a_writer_without_a_user_or_with_a_default():
    tables = {"settings", "peer_groups"}
    code = '''
def _put(con, v):
    con.execute("UPDATE settings SET value = $v", {"v": v})

def change(con, v):
    _put(con, v)

def change_as(con, v, *, user=None):
    user.require("settings")
    _put(con, v)

def scratch(con):
    con.execute("INSERT INTO _jm_temp VALUES (1)")

def named(con):
    execute(con, "peers/peer_delete")
'''
    found = write_functions({"m": code}, tables, {"peers/peer_delete"})
    assert set(found) == {"m._put", "m.change", "m.change_as", "m.named"}
    assert offenders(found) == ["m.change: no user parameter", "m.change_as: user has a default",
                                "m.named: no user parameter"]
