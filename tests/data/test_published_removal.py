"""Removing a published load (issue 17): its figures go and an older load of the same figure shows again, the
areas it alone created go, the removal is audited, and the engine refuses a user without the upload permission
(whatever the page or the CLI does)."""

from __future__ import annotations

import json

import pytest

from analytics import published, store
from analytics.auth import LOCAL_USER, User
from analytics.cli import main as cli_main
from analytics.errors import AccessDenied, UnknownNameError
from analytics.published import ResultsSpec
from analytics.selection import Selection

OLD = "area;quarter;measure;value\nCamden;2025Q4;Trust;0,61\n"
NEW = "area;quarter;measure;value\nCamden;2025Q4;Trust;0,63\nHackney;2025Q4;Trust;0,55\n"
SPEC = ResultsSpec(root="London (MPS)", columns={"jurisdiction": "area", "period": "quarter", "measure": "measure",
                                                  "value": "value"}, measures={"Trust": "trust"})


@pytest.fixture
def loaded(tmp_path):
    path = tmp_path / "pub.duckdb"
    con = store.connect(path)
    ids = []
    for name, text in (("old.csv", OLD), ("new.csv", NEW)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        ids.append(published.load_results(con, tmp_path / name, SPEC, user=LOCAL_USER,
                                          create_jurisdictions=True).load_id)
    yield con, path, ids
    con.close()


def shown(con) -> dict[str, str]:
    table = published.published_table(con, Selection(period_kind="all"))
    return dict(zip(table["jurisdiction"], table["shown"], strict=True))


def test_removal_takes_the_figures_back_and_is_audited(loaded):
    con, _path, (old_id, new_id) = loaded
    assert shown(con) == {"Camden": "63%", "Hackney": "55%"}
    version = store.data_version(con)
    done = published.remove_load(con, new_id, user=LOCAL_USER)
    assert done == {"load_id": new_id, "source_name": "new.csv", "root": "London (MPS)", "figures": 2}
    # the older load's figure is the newest again; Hackney (created by the removed load only) is gone
    assert shown(con) == {"Camden": "61%"}
    assert set(published.roots(con)["code"]) == {"Camden"}
    assert con.execute("SELECT count(*) FROM external_jurisdictions WHERE code = 'Hackney'").fetchall() == [(0,)]
    assert store.data_version(con) == version + 1
    loads = published.loads(con).set_index("load_id")
    assert (loads.loc[new_id, "status"], loads.loc[old_id, "status"]) == ("removed", "loaded")
    action, detail = con.execute("SELECT action, detail FROM audit_log ORDER BY rowid DESC LIMIT 1").fetchall()[0]
    assert action == "published.remove"
    assert json.loads(detail) == {"load_id": new_id, "source": "new.csv", "root": "London (MPS)", "figures": 2}


def test_removing_twice_or_an_unknown_load_is_refused(loaded):
    con, _path, (_old_id, new_id) = loaded
    published.remove_load(con, new_id, user=LOCAL_USER)
    with pytest.raises(UnknownNameError, match="already removed"):
        published.remove_load(con, new_id, user=LOCAL_USER)
    with pytest.raises(UnknownNameError, match="no published-results load 999"):
        published.remove_load(con, 999, user=LOCAL_USER)


@pytest.mark.parametrize("role", ["leader", "station"])
def test_the_engine_refuses_roles_without_upload(loaded, role):
    con, _path, (_old_id, new_id) = loaded
    with pytest.raises(AccessDenied):
        published.remove_load(con, new_id, user=User("someone", role, "S1" if role == "station" else None))
    assert shown(con) == {"Camden": "63%", "Hackney": "55%"}


def test_cli_lists_loads_and_removes_one(loaded, capsys):
    con, path, (old_id, new_id) = loaded
    con.close()
    assert cli_main(["results", "loads", "--format", "json", "--db", str(path)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["load_id"], r["status"]) for r in listed] == [(new_id, "loaded"), (old_id, "loaded")]
    assert cli_main(["results", "remove", str(new_id), "--db", str(path)]) == 0
    assert f"Removed published load {new_id} (new.csv, London (MPS)): 2 figures." in capsys.readouterr().out
    # `results` without an action still lists the figures
    assert cli_main(["results", "--format", "json", "--db", str(path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["jurisdiction"], r["shown"]) for r in rows] == [("Camden", "61%")]
