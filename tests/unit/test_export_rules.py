"""Code rules for exports and HTML: every download goes through the CSV writer or the report builders,
CSV is only written by analytics/output.py, and raw HTML on pages is constant text only."""

from __future__ import annotations

import ast
import functools
import tomllib
from pathlib import Path

import pandas as pd

from analytics.output import neutralise_formula, to_csv_bytes, to_csv_text

REPO = Path(__file__).resolve().parents[2]
UI_FILES = sorted((REPO / "app_pages").glob("*.py")) + [REPO / "dashboard.py"]
# The builders a download may hand over: CSV bytes/text with formulas neutralised, the forum reports, or the
# assessment workbook (its text cells go through output.neutralise_formula).
SAFE_WRITERS = {"to_csv_text", "to_csv_bytes", "build_pptx", "build_html", "render", "workbook_bytes"}
# Files that write CSV themselves: the CSV writer; the demo generator (the demo *input* files). The upload
# reader no longer stages workbooks as CSV (issue 21: they stream into DuckDB), so it is not here.
CSV_WRITERS = {"analytics/output.py", "tools/demo_data.py"}


@functools.cache
def nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of a file's syntax tree, parsed once for all the rules below."""
    return tuple(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


def calls(path: Path, name: str):
    for node in nodes(path):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == name:
                yield node


def names_used(node: ast.AST) -> set[str]:
    """Function and attribute names a data expression refers to."""
    out = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            out.add(sub.attr)
        elif isinstance(sub, ast.Name):
            out.add(sub.id)
    return out


def test_every_download_button_gets_its_data_from_a_safe_writer():
    offenders, seen = [], 0
    for path in UI_FILES:
        for call in calls(path, "download_button"):
            seen += 1
            data = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "data"),
                                                                 None)
            if data is None or not names_used(data) & SAFE_WRITERS:
                offenders.append(f"{path.relative_to(REPO)}:{call.lineno}")
    assert seen >= 3  # common.download_csv (every CSV), forum PPTX and HTML
    assert offenders == [], "download data must come from to_csv_bytes or the report builders"


def _keyword(call: ast.Call, name: str, position: int | None = None) -> ast.AST | None:
    if position is not None and len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_csv_download(call: ast.Call) -> bool:
    """A download_button that hands over CSV: mime text/csv (or none: Streamlit guesses from the data), a .csv
    file name, or data from a CSV writer."""
    mime = _keyword(call, "mime")
    file_name = _keyword(call, "file_name")
    data = _keyword(call, "data", 1)
    return (mime is None or (isinstance(mime, ast.Constant) and "csv" in str(mime.value))
            or any(isinstance(n, ast.Constant) and str(n.value).endswith(".csv") for n in ast.walk(file_name or
                                                                                              ast.Constant(None)))
            or bool(data is not None and names_used(data) & {"to_csv_text", "to_csv_bytes", "render"}))


def download_buttons_outside_the_helper() -> list[tuple[str, ast.Call]]:
    out = []
    for path in UI_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helper = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "download_csv"), None)
        inside = {id(n) for n in ast.walk(helper)} if helper else set()
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)
                     and getattr(n.func, "attr", getattr(n.func, "id", None)) == "download_button"):
            if id(call) not in inside:
                out.append((f"{path.relative_to(REPO)}:{call.lineno}", call))
    return out


def test_every_csv_download_goes_through_common_download_csv():
    """One helper writes every CSV download (UTF-8 with BOM, through analytics.output) and audits the click; a
    page calling st.download_button for CSV itself would bypass both. The forum's PPTX/HTML keep their own."""
    direct = [where for where, call in download_buttons_outside_the_helper() if _is_csv_download(call)]
    assert direct == [], "use common.download_csv(label, frame, file_name, key) for CSV downloads"
    helper_calls = sum(len(list(calls(path, "download_csv"))) for path in UI_FILES)
    assert helper_calls >= 6  # overview, compare, cases x2, upload problems, data respondents


def test_the_rule_recognises_a_direct_csv_button():
    call = ast.parse('st.download_button("x", to_csv_text(t), file_name="a.csv")').body[0].value
    pptx = ast.parse('st.download_button("x", build, file_name=f"{n}.pptx", mime=PPTX_MIME)').body[0].value
    assert _is_csv_download(call) and not _is_csv_download(pptx)


def test_csv_downloads_carry_the_bom_and_the_same_text():
    frame = pd.DataFrame({"派出所": ["甲", "=1+1"], "n": [3, 4]})
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf") and data[3:].decode("utf-8") == to_csv_text(frame)


EXPORT_OPTION = "client.disableDataExport"
TABLES = {"dataframe", "data_editor"}


def test_table_toolbar_download_is_off_for_every_table():
    """st.dataframe / st.data_editor offer "Download as CSV" in their toolbar, an export that never reaches the
    audit log. Streamlit 1.67 has no per-table switch, only the client option client.disableDataExport: it must be
    on in the server config and set by dashboard.py, and no UI file may turn it off."""
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    tables, offenders = 0, []
    for path in UI_FILES:
        for call in calls(path, "set_option"):
            key = call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else None
            value = call.args[1] if len(call.args) > 1 else None
            if key == EXPORT_OPTION and not (isinstance(value, ast.Constant) and value.value is True):
                offenders.append(f"{path.relative_to(REPO)}:{call.lineno}")
        tables += sum(len(list(calls(path, name))) for name in TABLES)
    assert tables >= 20 and offenders == []
    dashboard = ast.parse((REPO / "dashboard.py").read_text(encoding="utf-8"))
    first_st_call = next(node.value for node in dashboard.body if isinstance(node, ast.Expr)
                         and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute))
    assert first_st_call.func.attr == "set_option" and [a.value for a in first_st_call.args] == [EXPORT_OPTION, True]


def test_csv_is_written_only_by_the_output_module():
    offenders = []
    for path in sorted((REPO / "analytics").rglob("*.py")) + UI_FILES:
        rel = str(path.relative_to(REPO))
        if rel not in CSV_WRITERS:
            offenders += [f"{rel}:{c.lineno}" for c in calls(path, "to_csv")]
            # csv.writer / csv.DictWriter (common.writer(), the store's write connection, is not a CSV writer)
            offenders += [f"{rel}:{c.lineno}" for name in ("writer", "DictWriter") for c in calls(path, name)
                          if isinstance(c.func, ast.Attribute) and getattr(c.func.value, "id", None) == "csv"]
    assert offenders == []


def test_cli_tables_are_printed_through_render():
    """Every CLI command that writes to stdout writes rendered text (render -> to_csv_text / to_json_text)."""
    offenders = []
    for path in sorted((REPO / "analytics" / "cli").glob("*.py")):
        for call in calls(path, "write"):
            func = call.func
            target = func.value if isinstance(func, ast.Attribute) else None
            if isinstance(target, ast.Attribute) and target.attr == "stdout":
                if not (call.args and names_used(call.args[0]) & {"render", "text"}):
                    offenders.append(f"{path.relative_to(REPO)}:{call.lineno}")
    assert offenders == []


def _constant_only(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name):
        return node.id.isupper()  # a module constant such as BASE_CSS
    if isinstance(node, ast.BinOp):
        return _constant_only(node.left) and _constant_only(node.right)
    if isinstance(node, ast.IfExp):
        return _constant_only(node.body) and _constant_only(node.orelse)
    return False


def test_raw_html_on_pages_is_constant_text_only():
    offenders = []
    for path in UI_FILES:
        for node in nodes(path):
            if not isinstance(node, ast.Call):
                continue
            if any(k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                   for k in node.keywords):
                if not all(_constant_only(a) for a in node.args):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
            func = node.func
            if getattr(func, "attr", None) == "html" or getattr(func, "id", None) == "html":  # st.html
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno} st.html")
    assert offenders == []


def test_formula_cells_neutralised_and_numbers_stay_numbers():
    frame = pd.DataFrame({
        "name": ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2+cmd|' /C calc'!A0", "ok"],
        "category": pd.Categorical(["=1+1", "a", "b", "c", "d"]),
        "change": [-0.05, 0.1, -1.0, 0.0, 2.5],
        "n": [-3, 4, 5, 6, 7],
        "mixed": [-1, "=x", 2.5, None, "-"],
    })
    frame["=HEADER()"] = 1
    text = to_csv_text(frame)
    lines = text.splitlines()
    assert lines[0] == "name,category,change,n,mixed,'=HEADER()"
    assert lines[1].startswith("\"'=HYPERLINK(\"\"http://x\"\")\",'=1+1,-0.05,-3,-1,")
    assert lines[2] == "'+1,a,0.1,4,'=x,1"
    assert lines[3] == "'@SUM(A1),b,-1.0,5,2.5,1"
    assert lines[4] == "'-2+cmd|' /C calc'!A0,c,0.0,6,,1"
    assert lines[5] == "ok,d,2.5,7,'-,1"
    assert neutralise_formula(-2) == -2 and neutralise_formula(-0.5) == -0.5
