"""Scope matrix for the command line: who may run each command, proved by a credential.

Every command of ``python -m analytics`` that takes ``--user`` is run for a station account (S1, in
district D1) with its password on standard input, and its output — standard output, standard error
and any file written — must not name another station or district: no code, no Chinese or English name.
Commands whose role the station lacks must refuse (exit 2) without printing data. Accounts exist in
this database, so every command must also refuse without a credential and with a wrong password (the
failure audited), and accept a token file. The list of commands is read from the CLI parser, so a new
command (or sub-command) without a case here fails ``test_every_cli_command_is_covered``.
"""

from __future__ import annotations
from analytics.selection import Selection
from analytics.periods import period_kind as _period_kind

import argparse
import io
import json
import re
import sys
import zipfile
from html import unescape
from pathlib import Path

import pytest

from analytics import auth, define, forum, peers, report, store, trends, weights
from analytics.cli import build_parser
from analytics.cli import main as cli_main
from analytics.errors import AccessDenied
from analytics.ingest import ingest_file
from tests.conftest import build_synthetic_city
from analytics.roles import LOCAL_USER, User
from analytics.roles import User
from analytics.roles import User

STATION = "s1chief"
PASSWORD = "a long password"
PERIOD = "2025Q4"
# Everything that identifies a jurisdiction the S1 user may not see (S1's siblings, the other district).
FORBIDDEN_CODES = ("S2", "S3", "S4", "S5", "D2")
FORBIDDEN_NAMES = ("乙派出所", "丙派出所", "丁派出所", "戊派出所", "二区", "Station B", "Station C", "Station D",
                   "Station E", "District Two")
_CODE = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(FORBIDDEN_CODES) + r")(?![A-Za-z0-9])")


def leaks(text: str) -> list[str]:
    """Every forbidden code or name found in ``text``."""
    return sorted(set(_CODE.findall(text)) | {name for name in FORBIDDEN_NAMES if name in text})


def add_prevention_and_voice(con, folder: Path) -> None:
    """Disputes, hazards, demands and comments in S1, S2 and S3 (issue 19), loaded through the pipeline."""
    from analytics.ingest.pipeline import ingest_file
    from tests.data.test_prevention_voice import COMMENTS, DEMANDS, DISPUTES, HAZARDS

    # The synthetic city writes its batches with fixed ids, past the id sequence: move the sequence beyond them.
    con.execute("SELECT max(nextval('batch_id_seq')) FROM range((SELECT max(batch_id) FROM batches))")
    for kind, text in (("disputes", DISPUTES), ("hazards", HAZARDS), ("demands", DEMANDS), ("comments", COMMENTS)):
        (folder / f"{kind}.csv").write_text(text, encoding="utf-8")
        ingest_file(con, kind, folder / f"{kind}.csv", user=User('test', "admin"))


def build_scope_city(path: Path) -> Path:
    """The synthetic city plus cases, driver items, a peer group across districts and a station account."""
    from tests.app.test_case_pages import add_cases_and_drivers

    con = store.connect(path)
    build_synthetic_city(con)
    add_cases_and_drivers(con)
    peers.save_peer_group(con, "mixed", ["S1", "S2", "S3"], user=User('test', "admin"))
    forum.save_actions(con, "S2", PERIOD, [{"concern": "乙派出所 concern", "action": "S2 action",
                                            "status": "planned"}], user=User('test', "admin"))
    add_internal_evaluation(con, path.parent)
    add_prevention_and_voice(con, path.parent)
    for name, role, code in ((STATION, "station", "S1"), ("boss", "leader", None), ("ana", "analyst", None),
                             ("root", "admin", None)):
        auth.add_user(con, name, PASSWORD, role, jurisdiction_code=code, user=LOCAL_USER)
    con.close()
    return path


def add_internal_evaluation(con, folder: Path) -> None:
    """Internal evaluation of every station for PERIOD through the pipeline, with officers (issue 16)."""
    con.execute("SELECT setval('batch_id_seq', (SELECT max(batch_id) FROM batches))")
    lines = ["派出所,考核期,考核项目,警号,分子,分母,得分,标准差,参考人数"]
    for code in ("S1", "S2", "S3", "S4", "S5"):
        lines.append(f"{code},{PERIOD},clue_detection,,40,70,,,")
        lines.append(f"{code},{PERIOD},law_knowledge,,,,81,9,40")
        lines += [f"{code},{PERIOD},two_way_familiarity,{code}-J{k},25,35,,," for k in (1, 2)]
    path = folder / "internal_scope.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_file(con, "internal", path, user=User('test', "admin"))
    path.unlink()


@pytest.fixture(scope="module")
def scope_db(tmp_path_factory) -> Path:
    path = build_scope_city(tmp_path_factory.mktemp("scope") / "scope.duckdb")
    # A removable item and indicator, so that a refused removal proves the refusal, not a missing name.
    con = store.connect(path)
    item = define.make_item("q_station", "派出所题", "Station question", "likert5")
    define.define_item(con, item, user=auth.LOCAL_USER)
    define.define_indicator(con, define.rate_indicator("q_station_top", item, ["5"]), user=auth.LOCAL_USER)
    con.close()
    return path


def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], bool]:
    """Every runnable command path (e.g. ('peers', 'list')) and whether it takes --user."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {prefix: any("--user" in a.option_strings for a in parser._actions)}
    out: dict[tuple[str, ...], bool] = {}
    for name, sub in subs[0].choices.items():
        out.update(command_paths(sub, (*prefix, name)))
    return out


# Each command path -> argument lists to run as the station user, and whether it must be refused.
# {db} and {out} are filled in per run.
ALLOWED: dict[tuple[str, ...], list[list[str]]] = {
    ("indicators",): [
        ["indicators", "--by", "jurisdiction,quarter", "--format", "json"],
        ["indicators", "--level", "district", "--changes", "previous", "--by", "jurisdiction,quarter"],
        ["indicators", "--level", "city", "--weighted"],
        ["indicators", "--jurisdiction", "S2", "S3", "D2", "--format", "json"],
    ],
    ("compare",): [
        ["compare", "--indicator", "satisfaction", "--period", PERIOD],
        ["compare", "--indicator", "trust", "--period", PERIOD, "--level", "district", "--format", "json"],
        ["compare", "--indicator", "satisfaction", "--period", PERIOD, "--peer-group", "mixed"],
        ["compare", "--indicator", "satisfaction", "--period", "all", "--jurisdiction", "S2", "S5"],
    ],
    ("cases",): [
        ["cases", "--by", "jurisdiction,quarter"],
        ["cases", "--level", "district", "--format", "json"],
        ["cases", "--open-loop"],
        ["cases", "--open-loop", "--level", "district"],
        ["cases", "--gap"],
        ["cases", "--jurisdiction", "S2", "D2"],
    ],
    ("link",): [
        ["link"],
        ["link", "--correlation"],
        ["link", "--metric", "voice.negative_comment_share", "--jurisdiction", "S1", "S2"],
    ],
    ("drivers",): [
        ["drivers", "--bootstrap", "0"],
        ["drivers", "--by", "district", "--bootstrap", "0"],
        ["drivers", "--by", "station", "--bootstrap", "0", "--jurisdiction", "S2", "S1"],
    ],
    ("alerts",): [
        ["alerts", "--period", PERIOD, "--lang", "en"],
        ["alerts", "--period", PERIOD, "--level", "district", "--format", "json"],
        ["alerts", "--period", PERIOD, "--jurisdiction", "S2", "D2", "--format", "csv"],
    ],
    ("integrity", "flags"): [
        ["integrity", "--period", PERIOD],
        ["integrity", "flags", "--period", PERIOD, "--lang", "zh"],
        ["integrity", "--period", PERIOD, "--level", "district", "--format", "json"],
        ["integrity", "--period", "all", "--jurisdiction", "S2", "S3", "--lang", "zh"],
    ],
    ("peers", "list"): [["peers", "list"], ["peers", "list", "--format", "json"]],
    ("prevention", "metrics"): [["prevention", "metrics", "--period-kind", "all"],
                                ["prevention", "metrics", "--level", "district", "--jurisdiction", "D1", "D2"]],
    ("prevention", "overdue"): [["prevention", "overdue"], ["prevention", "overdue", "--jurisdiction", "S3"]],
    ("voice", "topics"): [["voice", "topics", "--period-kind", "all"], ["voice", "topics", "--kind", "comment"]],
    ("voice", "evidence"): [["voice", "evidence"]],
    ("voice", "answering"): [["voice", "answering", "--period-kind", "month"]],
    ("voice", "dictionary"): [["voice", "dictionary"]],
    ("results", "list"): [["results", "--by", "jurisdiction,period", "--format", "json"],
                          ["results", "list", "--format", "csv"]],
    ("results", "loads"): [["results", "loads", "--format", "json"]],
    ("assess",): [
        ["assess", "--period", PERIOD],
        ["assess", "--period", PERIOD, "--level", "district", "--format", "json"],
        ["assess", "--period", PERIOD, "--components", "--jurisdiction", "S2", "S3", "S1"],
        ["assess", "--period", PERIOD, "--officers"],
        ["assess", "--period", PERIOD, "--sensitivity", "--format", "json"],
        ["assess", "--period", PERIOD, "--format", "xlsx", "--out", "{out}.xlsx"],
    ],
    ("targets", "list"): [["targets", "list"]],
    ("definitions", "items", "list"): [["definitions", "items", "list"], ["definitions", "items", "list", "--format",
                                                                         "json"]],
    ("definitions", "indicators", "list"): [["definitions", "indicators", "list"]],
    ("weights", "show"): [["weights", "show"], ["weights", "show", "--format", "csv"]],
    ("users", "token", "create"): [["users", "token", "create", "--out", "{out}.token", "--days", "1"]],
    ("users", "token", "revoke"): [["users", "token", "revoke"]],
    ("report",): [
        ["report", "--jurisdiction", "S1", "--period", PERIOD, "--format", "pptx", "--out", "{out}.pptx"],
        ["report", "--jurisdiction", "S1", "--period", PERIOD, "--format", "html", "--lang", "en",
         "--out", "{out}.html"],
        ["report", "--jurisdiction", "D1", "--period", PERIOD, "--format", "html", "--out", "{out}.html"],
    ],
}
REFUSED: dict[tuple[str, ...], list[list[str]]] = {
    ("batches",): [["batches", "list"], ["batches", "export", "1"], ["batches", "remove", "1"]],
    ("ingest",): [["ingest", "survey", "{fixture}"], ["ingest", "results", "{fixture}", "--root", "Elsewhere"]],
    ("peers", "add"): [["peers", "add", "mine", "S1", "S2"]],
    ("integrity", "rows"): [["integrity", "rows", "--period", PERIOD],
                            ["integrity", "rows", "--period", PERIOD, "--unit", "S2", "--level", "district"]],
    ("integrity", "exclusions"): [["integrity", "exclusions"], ["integrity", "exclusions", "--format", "json"]],
    ("prevention", "escalations"): [["prevention", "escalations"]],
    ("prevention", "opinions"): [["prevention", "opinions"]],
    ("voice", "texts"): [["voice", "texts"]],
    ("voice", "comments"): [["voice", "comments", "--tone", "negative"]],
    ("voice", "dictionary-set"): [["voice", "dictionary-set", "parking", "--keywords", "停车"]],
    ("voice", "retag"): [["voice", "retag"]],
    ("peers", "remove"): [["peers", "remove", "mixed"]],
    ("results", "remove"): [["results", "remove", "1"]],
    ("targets", "set"): [["targets", "set", "indicator", "satisfaction", "0.8"]],
    ("targets", "remove"): [["targets", "remove", "indicator", "satisfaction"]],
    ("definitions", "items", "add"): [["definitions", "items", "add", "q_new", "--scale", "likert5"]],
    ("definitions", "items", "remove"): [["definitions", "items", "remove", "q_station"]],
    ("definitions", "indicators", "add"): [["definitions", "indicators", "add", "sat_top1", "--item", "satisfaction",
                                            "--top", "5"]],
    ("definitions", "indicators", "remove"): [["definitions", "indicators", "remove", "q_station_top"]],
    ("weights", "rake"): [["weights", "rake", "--margins", "{fixture}"]],
    ("weights", "reset"): [["weights", "reset"]],
    ("report",): [["report", "--jurisdiction", "S2", "--period", PERIOD, "--format", "html", "--out", "{out}.html"]],
    ("users", "add"): [["users", "add", "mallory", "--role", "admin"]],
    ("users", "remove"): [["users", "remove", "root"]],
    ("users", "reset-password"): [["users", "reset-password", "root"]],
    ("users", "list"): [["users", "list"]],
    ("users", "token", "revoke"): [["users", "token", "revoke", "root"]],
}
# Outputs that name no station even for a leader (the city, one pooled analysis, district-level case metrics).
# Token commands print no figures at all.
NO_CONTRAST = {"indicators --level city --weighted", "drivers --bootstrap 0", "cases --gap",
               "users token create --out {out}.token --days 1", "users token revoke",
               # published figures are public and name no local jurisdiction
               "results --by jurisdiction,period --format json", "results list --format csv",
               "results loads --format json", "targets list",
               # one correlation over the jurisdictions the user may see: no jurisdiction named
               "link --correlation",
               # a handful of comments per station: suppressed at the default base, so nothing is named
               "link --metric voice.negative_comment_share --jurisdiction S1 S2",
               # the topic dictionary is the same for everyone and names no jurisdiction
               "voice dictionary",
               # the station's evidence words: the scope city's other stations have other words, not names
               "voice evidence",
               # definitions name no jurisdiction
               "definitions items list", "definitions items list --format json", "definitions indicators list"}
# Commands without --user: administration of the database file itself, no figures printed.
EXEMPT = {
    ("demo",): "builds a new database; refuses one that holds data",
}
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "survey_gbk_chinese.csv"


def test_every_cli_command_is_covered():
    paths = command_paths(build_parser())
    with_user = {p for p, has_user in paths.items() if has_user}
    without_user = {p for p, has_user in paths.items() if not has_user}
    assert without_user == set(EXEMPT), "a command without --user must be listed in EXEMPT with a reason"
    assert with_user == set(ALLOWED) | set(REFUSED), "every command with --user needs a scope case here"


def cases_of(table):
    return [(path, argv) for path, argvs in table.items() for argv in argvs]


def run_as(capsys, scope_db, tmp_path, argv, user=STATION, *, password=PASSWORD, credential=True,
           monkeypatch=None, token=None):
    """Run ``argv`` as ``user`` with ``password`` on standard input (then a new password, which ``users add``
    and ``reset-password`` read), or with a token file, or (``credential=False``) with neither."""
    out = tmp_path / "report"
    args = [a.format(out=out, fixture=FIXTURE) for a in argv] + ["--db", str(scope_db)]
    if token is not None:
        args += ["--token-file", str(token)]
    elif credential:
        args += ["--user", user, "--password-stdin"]
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(f"{password}\nnew password 12345\n"))
    code = cli_main(args)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    for written in tmp_path.glob("report*"):
        text += file_text(written)
    return code, captured, text


def file_text(path: Path) -> str:
    """All text of a written file: the XML of every part of a PowerPoint, a workbook's cell values, or the file."""
    if path.suffix == ".xlsx":  # cell values, not the sheet XML (whose cell references A1, S2, D2 look like codes)
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        return " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
                        if v is not None)
    if path.suffix == ".pptx":
        with zipfile.ZipFile(path) as archive:
            return unescape(" ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                                     if n.endswith(".xml") or n.endswith(".rels")))
    return unescape(path.read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize(("path", "argv"), cases_of(ALLOWED), ids=lambda v: " ".join(v) if isinstance(v, list)
                         else None)
def test_station_user_sees_only_its_subtree(capsys, monkeypatch, scope_db, tmp_path, path, argv):
    code, captured, text = run_as(capsys, scope_db, tmp_path, argv, monkeypatch=monkeypatch)
    assert code == 0, captured.err
    assert leaks(text) == []
    # the same command for a leader names other jurisdictions, so the check above can see a leak
    if " ".join(argv) not in NO_CONTRAST and not argv[0] == "report":
        _code, _captured, leader_text = run_as(capsys, scope_db, tmp_path, argv, user="boss",
                                               monkeypatch=monkeypatch)
        assert leaks(leader_text), "the leader's output should name other jurisdictions"


@pytest.mark.parametrize(("path", "argv"), cases_of(REFUSED), ids=lambda v: " ".join(v) if isinstance(v, list)
                         else None)
def test_station_user_is_refused(capsys, monkeypatch, scope_db, tmp_path, path, argv):
    before = store.connect(scope_db)
    counts = before.execute(COUNTS).fetchall()
    before.close()
    code, captured, text = run_as(capsys, scope_db, tmp_path, argv, monkeypatch=monkeypatch)
    assert code == 2 and "error:" in captured.err
    asked = {a for a in argv if a in FORBIDDEN_CODES}  # the refusal may repeat what was asked for, nothing more
    assert captured.out == "" and set(leaks(text)) <= asked
    after = store.connect(scope_db)
    assert after.execute(COUNTS).fetchall() == counts
    after.close()


COUNTS = ("SELECT (SELECT count(*) FROM batches), (SELECT count(*) FROM peer_groups), "
          "(SELECT sum(weight) FROM respondents), (SELECT string_agg(username || password_hash, ',' ORDER BY username) "
          "FROM users), (SELECT count(*) FROM cli_tokens), (SELECT count(*) FROM assessment_targets), "
          "(SELECT string_agg(item || scale || codes, ',' ORDER BY item) FROM items), "
          "(SELECT string_agg(key || scoring, ',' ORDER BY key) FROM indicators)")
# One invocation per command path: the first case of the path in ALLOWED, else in REFUSED.
FIRST_CASE = {path: (ALLOWED.get(path) or REFUSED[path])[0] for path in set(ALLOWED) | set(REFUSED)}


def failed_logins(db: Path, username: str) -> int:
    con = store.connect(db)
    count = con.execute("SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND actor = $u",
                        {"u": username}).fetchall()[0][0]
    con.close()
    return count


@pytest.mark.parametrize("path", sorted(FIRST_CASE), ids=" ".join)
def test_every_command_refuses_without_a_credential(capsys, monkeypatch, scope_db, tmp_path, path):
    before = store.connect(scope_db)
    counts = before.execute(COUNTS).fetchall()
    before.close()
    code, captured, _text = run_as(capsys, scope_db, tmp_path, FIRST_CASE[path], credential=False,
                                   monkeypatch=monkeypatch)
    assert code == 2 and captured.out == "" and "--user NAME" in captured.err
    assert not list(tmp_path.glob("report*"))
    after = store.connect(scope_db)
    assert after.execute(COUNTS).fetchall() == counts
    after.close()


@pytest.mark.parametrize("path", sorted(FIRST_CASE), ids=" ".join)
def test_every_command_refuses_a_wrong_password_and_audits_it(capsys, monkeypatch, scope_db, tmp_path, path):
    failed = failed_logins(scope_db, "boss")
    code, captured, _text = run_as(capsys, scope_db, tmp_path, FIRST_CASE[path], user="boss",
                                   password="not the password", monkeypatch=monkeypatch)
    assert code == 2 and captured.out == "" and "Wrong user name or password" in captured.err
    assert not list(tmp_path.glob("report*"))
    assert failed_logins(scope_db, "boss") == failed + 1
    con = store.connect(scope_db)  # keep the shared account below the lockout for the other cases
    con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = 'boss'")
    con.close()


@pytest.fixture(scope="module")
def station_token(scope_db, tmp_path_factory) -> Path:
    con = store.connect(scope_db)
    text, _expires = auth.create_token(con, auth.get_user(con, STATION), days=1)
    con.close()
    path = tmp_path_factory.mktemp("token") / "s1.token"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("path", sorted(set(ALLOWED) - {("users", "token", "create"), ("users", "token", "revoke")}),
                         ids=" ".join)
def test_every_allowed_command_works_with_a_token_file(capsys, monkeypatch, scope_db, tmp_path, station_token,
                                                        path):
    code, captured, text = run_as(capsys, scope_db, tmp_path, FIRST_CASE[path], token=station_token,
                                  monkeypatch=monkeypatch)
    assert code == 0, captured.err
    assert leaks(text) == []
    con = store.connect(scope_db)
    last = con.execute("SELECT actor, detail FROM audit_log WHERE action LIKE 'login.%' ORDER BY audit_id DESC "
                       "LIMIT 1").fetchall()[0]
    con.close()
    assert last[0] == STATION and json.loads(last[1]) == {"via": "token"}


def test_peer_group_listing_is_scoped(scope_db):
    con = store.connect(scope_db)
    station = auth.get_user(con, STATION)
    assert set(peers.list_peer_groups(con, station)["jurisdiction_code"]) == {"S1"}
    assert set(peers.list_peer_groups(con)["jurisdiction_code"]) == {"S1", "S2", "S3"}
    summary = weights.weights_summary(con, user=station)
    assert list(summary["scope"]) == ["all", "district"] and summary["district"].iloc[1] == "D1"
    assert set(trends.mode_breaks(con, Selection(level='station', user=station))["jurisdiction"].dropna()) <= {"S1"}
    con.close()


def test_forum_exports_of_a_station_user(scope_db):
    """The Forum page's PowerPoint and HTML come from the same scoped summary: own station fine, sibling refused."""
    con = store.connect(scope_db)
    station = auth.get_user(con, STATION)
    for lang in ("zh", "en"):
        summary = forum.forum_summary(con, Selection(period_kind=_period_kind(PERIOD), periods=(PERIOD,), user=station), 'S1', lang)
        html_text = unescape(report.build_html(summary))
        assert "S1" in html_text and leaks(html_text) == []
        with zipfile.ZipFile(io.BytesIO(report.build_pptx(summary))) as archive:
            slides = unescape(" ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                                       if n.endswith(".xml")))
        assert leaks(slides) == []
        with pytest.raises(AccessDenied):
            forum.forum_summary(con, Selection(period_kind=_period_kind(PERIOD), periods=(PERIOD,), user=station), 'S2', lang)
    con.close()
