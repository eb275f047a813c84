"""Scenarios 3 and 4: loading files through the Upload page of a real browser. Each has its own server on its
own copy of the demo database (they change data), and the CLI checks that database once the server is stopped.

3. A GBK-encoded survey file with Chinese headers (the demo phone survey's layout: Chinese station names,
   dates like 2026/8/5, text answers, a phone column) is uploaded; the proposed mapping is checked and
   confirmed; the new batch appears on the Data page and the Overview's figures change to exactly what the CLI
   computes for the same file loaded into another copy; removing the batch brings the figures back.
4. A broken file (an impossible date, an unknown station) is rejected with the problem report (counts, rows,
   CSV download); the Data page and the figures are unchanged, and so is the database.
"""

from __future__ import annotations

import re
from concurrent.futures import Future
from pathlib import Path

import duckdb
import pytest

from analytics.i18n import t
from analytics.ingest.problems import field_label
from analytics.presentation import pct
from tests.e2e import reference, ui
from tests.e2e.server import cli

pytestmark = pytest.mark.e2e

HEADER = ["问卷编号", "调查日期", "所属派出所", "是否见过民警巡逻", "是否认识社区民警", "是否知道报警求助方式",
          "总体满意度", "安全感", "信任度", "服务态度", "出警速度", "执法公正", "沟通解释", "办理结果", "性别",
          "年龄段", "联系电话"]
TARGETS = {"问卷编号": "respondent_id", "调查日期": "interview_date", "所属派出所": "jurisdiction",
           "是否见过民警巡逻": "seen_police", "是否认识社区民警": "knows_officer",
           "是否知道报警求助方式": "knows_contact",
           "总体满意度": "satisfaction", "安全感": "safety", "信任度": "trust", "服务态度": "attitude",
           "出警速度": "response_speed", "执法公正": "fairness", "沟通解释": "communication", "办理结果": "result",
           "性别": "sex", "年龄段": "age_band", "联系电话": "person_hash"}
CODE, CITY, PERIOD = "S03", "C01", "2026Q3"
ROWS = 150


def survey_lines(station: str, rows: int, prefix: str) -> list[list[str]]:
    """Interviews at ``station`` in August 2026, everyone very dissatisfied (so satisfaction must drop)."""
    lines = []
    for i in range(1, rows + 1):
        lines.append([f"{prefix}-{i:06d}", f"2026/8/{1 + i % 28}", station, "是" if i % 2 else "否", "否", "是",
                      "非常不满意", "一般", "不信任", "不满意", "一般", "一般", "一般", "不满意",
                      "男" if i % 3 else "女", ("18-29", "30-44", "45-59", "60+")[i % 4], f"1390{i:07d}"])
    return lines


def write_csv(path: Path, lines: list[list[str]], encoding: str) -> Path:
    text = "\r\n".join(",".join(row) for row in [HEADER, *lines]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def station_and_city(db: Path) -> dict[str, Future]:
    """The CLI's rows for the station and the city, computed in the background (each on its own copy)."""
    return {"station": reference.later(cli_row, db, CODE, "station"),
            "city": reference.later(cli_row, reference.copy_of(db, "city"), CITY, "city")}


def results(jobs: dict[str, Future]) -> dict:
    return {key: job.result() for key, job in jobs.items()}


def cli_row(db: Path, code: str, level: str) -> dict:
    """The CLI's satisfaction row for ``code`` in PERIOD (selected from the quarterly table)."""
    rows = [r for r in reference.indicators(db, by="quarter", period=None, codes=[code], level=level)
            if r["period"] == PERIOD]
    assert len(rows) == 1, rows
    return rows[0]


def data_state(db: Path) -> dict:
    """What 'the data is unchanged' compares: data version, batches, row counts of the data tables."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        state = {"data_version": con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0]}
        for table in ("batches", "jurisdictions", "respondents", "answers", "case_events"):
            state[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
        state["batch_rows"] = con.execute("SELECT batch_id, status FROM batches ORDER BY batch_id").fetchall()
    finally:
        con.close()
    return state


def show_station(page, server, code: str, name: str) -> None:
    ui.open_app(page, server.url)
    ui.multiselect_add(page, t("sidebar.jurisdictions", "zh"), code, f"{name} ({code})")


def overview_figures(page, label: str) -> tuple[str, float | None]:
    """(the city tile's satisfaction, the number the one heat-map row's satisfaction cell holds)."""
    ui.goto(page, "")
    assert ui.main(page).get_by_role("heading", name=t("overview.headline", "zh", period=PERIOD)).is_visible()
    grid = ui.heatmap(page)
    assert len(grid.rows) == 1, grid.rows
    return ui.metrics(page)[label], grid.cell(grid.rows[0], label, "numbers")


def heat(row: dict) -> float | None:
    """What the heat-map holds for a CLI row: the rate in percent, or None when suppressed."""
    return None if row["flag"] == "suppressed" else pytest.approx(100 * row["estimate"], abs=1e-9)


def open_upload(page) -> None:
    assert "upload" in ui.nav_paths(page), "the Upload page is not in the navigation (dashboard.py PAGES)"
    ui.goto(page, "upload")
    assert ui.main(page).get_by_role("heading", name=t("upload.title", "zh")).is_visible()


def choose_file(page, path: Path) -> None:
    uploader = ui.main(page).locator('[data-testid="stFileUploaderDropzoneInput"]')
    ui.rerun(page, lambda: uploader.set_input_files(str(path)))
    ui.main(page).get_by_role("heading", name=t("upload.mapping", "zh")).wait_for()


def batch_rows(page) -> list[dict[str, str]]:
    return ui.grid_with_column(page, t("batch.batch_id", "zh"))


def test_upload_gbk_survey_changes_the_figures_and_removal_restores_them(
        page, server_factory, db_copy, demo_db, tmp_path, output_dir):
    shots = output_dir / "scenarios"
    registry = reference.registry(demo_db)
    name = registry[CODE]["name_zh"]
    label = reference.indicator_labels(demo_db, "zh")["satisfaction"]
    upload = write_csv(tmp_path / "survey_phone_2026q3_extra_gbk.csv", survey_lines(name, ROWS, "E2E2026Q3"), "gbk")
    with pytest.raises(UnicodeDecodeError):
        upload.read_bytes().decode("utf-8")

    # Expected figures, computed by the CLI in the background while the server starts: on an untouched copy, and
    # on a copy where the CLI loads the same file. (The served copy itself is locked while the server runs.)
    served, untouched, loaded = db_copy("served.duckdb"), db_copy("untouched.duckdb"), db_copy("loaded_by_cli.duckdb")
    state_before = data_state(served)
    before_jobs = station_and_city(untouched)
    loading = reference.later(cli, loaded, "ingest", "survey", str(upload), "--set", "mode=phone")

    server = server_factory(served)
    show_station(page, server, CODE, name)
    before = results(before_jobs)
    out = loading.result().stdout
    batch_id = int(re.search(r"Loaded batch (\d+)", out).group(1))
    answers = int(re.search(r"answers (\d+)", out).group(1))
    after_jobs = station_and_city(loaded)
    city_tile, cell = overview_figures(page, label)
    assert (city_tile, cell) == (pct(before["city"]["estimate"]), heat(before["station"]))

    after = results(after_jobs)
    assert after["station"]["n"] == before["station"]["n"] + ROWS
    assert after["station"]["estimate"] < before["station"]["estimate"]

    # Upload: the GBK file is read, its Chinese headers mapped; confirm the mapping and load.
    open_upload(page)
    choose_file(page, upload)
    detected = " ".join(ui.texts(ui.main(page).locator('[data-testid="stCaptionContainer"]')))
    assert re.search(r"GB18030|GBK", detected, re.IGNORECASE), detected
    # The editable mapping (st.data_editor), read as shown: its column headers are the labels in the user's language.
    column, target = t("upload.col.column", "zh"), t("upload.col.target", "zh")
    mapping = ui.grid_with_column(page, target)
    assert {r[column]: r[target] for r in mapping} == TARGETS
    mode = ui.main(page).get_by_role("textbox", name=field_label("mode", "zh"), exact=True)
    if not mode.is_visible():
        ui.main(page).get_by_text(t("upload.constants", "zh")).click()
    ui.rerun(page, lambda: (mode.fill("phone"), mode.press("Enter")))
    ui.rerun(page, lambda: ui.main(page).get_by_role("button", name=t("upload.load", "zh")).click())
    loaded_text = t("upload.loaded", "zh", batch_id=batch_id, source=upload.name, rows=ROWS)
    ui.main(page).get_by_text(loaded_text).wait_for()
    assert ui.exceptions(page) == []
    ui.full_screenshot(page, shots / "3_upload_loaded.png")

    # The Data page lists the new batch.
    ui.goto(page, "data")
    new = [r for r in batch_rows(page) if r[t("batch.batch_id", "zh")] == str(batch_id)]
    assert len(new) == 1, new
    assert (new[0][t("batch.source_name", "zh")], new[0][t("batch.row_count", "zh")], new[0][t("batch.status", "zh")],
            new[0][t("batch.survey_mode", "zh")]) == (
        upload.name, str(ROWS), t("batch.status_value.loaded", "zh"), t("compare.mode.phone", "zh"))

    # The figures are now those of the CLI on the database where the CLI loaded the same file.
    city_tile, cell = overview_figures(page, label)
    assert (city_tile, cell) == (pct(after["city"]["estimate"]), heat(after["station"]))
    ui.full_screenshot(page, shots / "3_overview_after_upload.png")

    # Remove the batch on the Upload page; the figures come back.
    open_upload(page)
    ui.choose(page, t("upload.remove_pick", "zh"), t("upload.remove_label", "zh", batch_id=batch_id, source=upload.name,
                                                   kind=t("upload.kind.survey", "zh"), rows=ROWS),
              scope=ui.main(page))
    # the button works only once the box naming the batch and its rows is ticked
    ui.rerun(page, lambda: ui.main(page).get_by_text(
        t("upload.remove_confirm", "zh", batch_id=batch_id, rows=ROWS), exact=True).click())
    ui.rerun(page, lambda: ui.main(page).get_by_role("button", name=t("upload.remove_button", "zh")).click())
    removed_text = t("upload.removed", "zh", batch_id=batch_id, respondents=ROWS, answers=answers, case_events=0)
    ui.main(page).get_by_text(removed_text).wait_for()
    ui.goto(page, "data")
    gone = [r for r in batch_rows(page) if r[t("batch.batch_id", "zh")] == str(batch_id)]
    assert [r[t("batch.status", "zh")] for r in gone] in ([], [t("batch.status_value.removed", "zh")]), gone
    city_tile, cell = overview_figures(page, label)
    assert (city_tile, cell) == (pct(before["city"]["estimate"]), heat(before["station"]))
    ui.full_screenshot(page, shots / "3_overview_after_removal.png")

    # The served database: figures as before, the batch recorded as removed.
    server.stop()
    assert results(station_and_city(served)) == before
    state = data_state(served)
    assert [row for row in state["batch_rows"] if row[0] == batch_id] == [(batch_id, "removed")]
    assert {k: state[k] for k in ("respondents", "answers", "case_events")} == {
        k: state_before[k] for k in ("respondents", "answers", "case_events")}


def test_broken_file_is_rejected_with_a_report_and_nothing_changes(
        page, server_factory, db_copy, demo_db, tmp_path, output_dir):
    shots = output_dir / "scenarios"
    name = reference.registry(demo_db)[CODE]["name_zh"]
    label = reference.indicator_labels(demo_db, "zh")["satisfaction"]
    lines = survey_lines(name, 6, "BAD2026Q3")
    lines[1][1] = "2026/2/30"         # row 3 of the file: no such date
    lines[3][2] = "不存在派出所"        # row 5: a station the registry does not know
    broken = write_csv(tmp_path / "survey_broken.csv", lines, "utf-8")

    served, untouched = db_copy("served.duckdb"), db_copy("untouched.duckdb")
    state_before = data_state(served)
    jobs = (reference.later(cli_row, untouched, CODE, "station"),
            reference.later(reference.batches, reference.copy_of(untouched, "batches")))

    server = server_factory(served)
    show_station(page, server, CODE, name)
    before, batches_before = (job.result() for job in jobs)
    _city, cell = overview_figures(page, label)
    assert cell == heat(before)
    open_upload(page)
    choose_file(page, broken)
    ui.rerun(page, lambda: ui.main(page).get_by_role("button", name=t("upload.load", "zh")).click())
    errors = ui.alerts(page, "error")
    assert any(broken.name in e and "数据库未作任何改动" in e for e in errors), errors
    assert ui.exceptions(page) == []
    counts = ui.grid_with_column(page, t("upload.col.count", "zh"))
    by_problem = {r[t("upload.col.problem", "zh")]: int(r[t("upload.col.count", "zh")]) for r in counts}
    assert by_problem.get(t("ingest.problem.impossible_date", "zh")) == 1, by_problem
    assert by_problem.get(t("ingest.problem.unknown_jurisdiction", "zh")) == 1, by_problem
    ui.full_screenshot(page, shots / "4_upload_rejected.png")
    _name, data = ui.download(page, lambda: ui.main(page).get_by_role(
        "button", name=t("upload.download_report", "zh")).click())
    report = ui.parse_csv(data)
    found = {(r["row"], r["code"]) for r in report}
    assert {("3", "impossible_date"), ("5", "unknown_jurisdiction")} <= found, report

    ui.goto(page, "data")
    shown = [r[t("batch.batch_id", "zh")] for r in batch_rows(page)]
    assert shown == [str(b["batch_id"]) for b in batches_before]
    _city, cell = overview_figures(page, label)
    assert cell == heat(before)

    server.stop()
    assert data_state(served) == state_before
    jobs = (reference.later(reference.batches, reference.copy_of(served, "batches")),
            reference.later(cli_row, served, CODE, "station"))
    assert [job.result() for job in jobs] == [batches_before, before]
