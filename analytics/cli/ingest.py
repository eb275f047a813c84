"""``python -m analytics ingest KIND FILE``: check and load a jurisdictions, survey or cases file.

Exit status 0 when loaded (or, with ``--dry-run``, when the file would load), 1 when the file is
rejected (every problem on stderr, nothing written), 2 for usage or configuration errors (and for a
missing or wrong credential, or an account whose role may not upload: once accounts exist a credential,
``--user NAME`` with its password or ``--token-file``, is needed). The summary goes to stdout.
``--propose`` prints the mapping the loader would use, as JSON that can be edited and passed back
with ``--mapping FILE``. ``--write-mapping FILE`` writes the mapping as used (after a load)
or as drafted for the analyst to edit (after a rejection: every distinct value the value maps lack,
prefilled with the best guess or left ``""``), to pass back with ``--mapping FILE``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from analytics import vocabulary as F
from analytics.choices import PUBLISHED_VALUE_FORMATS, PUBLISHED_WINDOWS
from analytics.cli import add_db_argument, add_user_argument, open_store, resolve_user
from analytics.errors import ConfigError, IngestError

if TYPE_CHECKING:
    from analytics.ingest.pipeline import IngestResult
    from analytics.published import ResultsSpec


def _constants(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set takes FIELD=VALUE, not {pair!r}.")
        out[name.strip()] = value.strip()
    return out


def summary_lines(result: IngestResult) -> list[str]:
    """The load summary as plain text lines."""
    from analytics.ingest.problems import note_text, rows_accounted

    s = result.summary
    if result.dry_run:
        lines = [f"Checked {s['source_name']} ({s['kind']}): {result.rows} rows would be loaded "
                 "(dry run; nothing was written)."]
    else:
        lines = [f"Loaded batch {result.batch_id}: {s['source_name']} ({s['kind']}), {result.rows} rows."]
    read = [s["format"]]
    if s.get("encoding"):
        read.append(f"encoding {s['encoding']}" + (f" (detected {s['encoding_detected']})"
                                                   if s["encoding_detected"] != s["encoding"] else ""))
    if s.get("delimiter"):
        read.append(f"{s['delimiter']}-delimited")
    if s.get("sheet"):
        read.append(f"sheet {s['sheet']}")
    read.append(f"header on row {s['header_row']}")
    lines.append("  read: " + ", ".join(read))
    lines.append("  " + rows_accounted(s, "en"))
    mapped = [f"{h} -> {t if isinstance(t, str) else '+'.join(t)}" for h, t in s["columns"].items() if t != F.IGNORE]
    lines.append("  columns: " + ("; ".join(mapped) or "none"))
    if s.get("mapping_name"):
        lines.append(f"  mapping: {s['mapping_name']}")
    if s.get("constants"):
        lines.append("  set for the whole file: " + ", ".join(f"{k}={v}" for k, v in s["constants"].items()))
    if s.get("ignored_columns"):
        lines.append("  not loaded: " + ", ".join(s["ignored_columns"]))
    for entry in s.get("personal_data", []):
        lines.append(f"  personal data: column {entry['column']} ({entry['kind']}) {entry['action']}; "
                     "never stored in clear")
    counts = []
    for key in ("respondents", "answers", "dont_know", "new_cases", "updated_cases", "added", "updated",
                "blank_rows", "rows_skipped"):
        if s.get(key):
            counts.append(f"{key.replace('_', ' ')} {s[key]}")
    if counts:
        lines.append("  counts: " + ", ".join(counts))
    for warning in s.get("warnings", []):
        lines.append(f"  warning: {note_text(warning, 'en')}")
    return lines


def _propose(con: Any, args: argparse.Namespace, constants: dict[str, str]) -> int:
    from analytics.ingest.pipeline import propose_mapping

    proposal = propose_mapping(con, args.kind, args.file, sheet=args.sheet, encoding=args.encoding,
                               mapping=args.mapping, delimiter=args.delimiter, header_row=args.header_row)
    layout = proposal.layout.describe()
    print(f"{proposal.source_name}: " + ", ".join(f"{k} {v}" for k, v in layout.items() if v is not None))
    if proposal.sheet_names:
        print("sheets: " + ", ".join(proposal.sheet_names))
    if proposal.suggested_mapping:
        print(f"saved mapping that fits: {proposal.suggested_mapping}")
    print(proposal.columns_frame().to_string(index=False))
    if proposal.missing_required:
        print("missing required fields (map a column or --set FIELD=VALUE): " + ", ".join(proposal.missing_required))
    spec = proposal.spec()
    spec.setdefault("constants", {}).update(constants)
    print(json.dumps(spec, ensure_ascii=False, indent=2))
    return 0


def _write_draft(con: Any, args: argparse.Namespace, constants: dict[str, str], exc: IngestError) -> None:
    """Write the mapping the loader proposed, with a value-map entry for each value the maps lacked."""
    from analytics.ingest.mapping import draft_value_maps
    from analytics.ingest.pipeline import propose_mapping

    proposal = propose_mapping(con, args.kind, args.file, sheet=args.sheet, encoding=args.encoding,
                               mapping=args.mapping, delimiter=args.delimiter, header_row=args.header_row)
    spec = proposal.spec()
    spec.setdefault("constants", {}).update(constants)
    options = spec.setdefault("options", {})
    if args.within:
        options["within"] = args.within
    if args.acknowledge:
        options["acknowledged"] = sorted({*(options.get("acknowledged") or []), *args.acknowledge})
    draft = draft_value_maps(exc.problems, proposal.value_maps)
    maps = spec.setdefault("value_maps", {})
    for target, entries in draft.items():
        maps.setdefault(target, {}).update(entries)
    _write_json(args.write_mapping, spec)
    blanks = sum(1 for entries in draft.values() for code in entries.values() if code == "")
    print(f"mapping draft written to {args.write_mapping}: {sum(len(e) for e in draft.values())} values to "
          f"check ({blanks} without a guess); edit it and load again with --mapping {args.write_mapping}",
          file=sys.stderr)
    if proposal.unmapped_items:
        print("columns that look like indicator questions but are not mapped: "
              + ", ".join(f"{h} ({item})" for h, item in proposal.unmapped_items.items())
              + "; map them under 'columns' or list them under options.acknowledged", file=sys.stderr)


def _write_json(path: str, spec: dict[str, Any]) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(spec, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
    except OSError as exc:
        raise ConfigError(f"Cannot write the mapping file {path}: {exc.strerror}.") from exc


def _results_spec(con: Any, args: argparse.Namespace) -> ResultsSpec:
    """The reading spec of a published-results file: --mapping FILE (JSON, as --propose prints), else proposed
    from the headers; the command-line options override it."""
    from analytics import published

    if not args.root:
        raise ConfigError("ingest results needs --root NAME: the publisher these areas belong to, "
                          "e.g. --root 'London (MPS)'.")
    if args.mapping:
        try:
            with open(args.mapping, encoding="utf-8") as fh:
                raw = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"--mapping {args.mapping}: not a readable JSON file ({exc}).") from exc
        spec = published.ResultsSpec.from_dict({**raw, "root": args.root})
    else:
        spec = published.propose(con, args.file, root=args.root)[0]
    changes: dict[str, Any] = {}
    if args.value_format:
        changes["value_format"] = args.value_format
    if args.scale:
        low, sep, high = args.scale.partition("-")
        try:
            changes["scale"] = (float(low), float(high)) if sep else None
        except ValueError:
            changes["scale"] = None
        if changes["scale"] is None:
            raise ConfigError(f"--scale takes LOW-HIGH such as 0-10, not {args.scale!r}.")
    if args.window:
        changes["window"] = args.window
    if args.source:
        changes["source"] = args.source
    if args.group:
        changes["groups"] = list(args.group)
    if args.dayfirst is not None:
        changes["dayfirst"] = args.dayfirst
    return published.ResultsSpec.from_dict({**spec.to_dict(), **changes})


def _run_results(args: argparse.Namespace) -> int:
    from analytics import published
    from analytics.db import execute
    from analytics.ingest.problems import note_text, report_lines

    con = open_store(args, write=True)
    execute(con, "store/progress_bar_off")
    user = resolve_user(con, args)
    user.require("upload")
    spec = _results_spec(con, args)
    if args.propose:
        print(json.dumps(spec.to_dict(), ensure_ascii=False, indent=2))
        return 0
    try:
        result = published.load_results(con, args.file, spec, user=user, sheet=args.sheet,
                                         create_jurisdictions=args.create_jurisdictions, dry_run=args.dry_run)
    except IngestError as exc:
        for line in report_lines(exc, first=args.show):
            print(line, file=sys.stderr)
        return exc.exit_code  # 2: a problem with the input (README, "Exit codes")
    s = result.summary
    if result.dry_run:
        print(f"Checked {s['source_name']} (published results): {result.rows} figures would be loaded "
              "(dry run; nothing was written).")
    else:
        print(f"Loaded published results {result.load_id}: {s['source_name']}, {result.rows} figures "
              f"under {s['root']}.")
    print(f"  read: {s['format']}, value format {s['value_format']}, {s['rows_read']} rows")
    print(f"  not published at source: {s['not_published']}; duplicates collapsed: {s['duplicates_collapsed']}")
    print("  measures: " + "; ".join(f"{m} -> {i or '(own measure)'}" for m, i in s["measures"].items()))
    if s["created_areas"]:
        print(f"  areas created under {s['root']}: " + ", ".join(s["created_areas"][:20]))
    for warning in s["warnings"]:
        print(f"  warning: {note_text(warning, 'en')}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Check (and unless --dry-run, load) one file; print the summary or the problem report."""
    if args.kind == "results":
        return _run_results(args)
    from analytics.db import execute
    from analytics.ingest.mapping import save_mapping
    from analytics.ingest.pipeline import ingest_file
    from analytics.ingest.problems import report_lines, rows_line

    constants = _constants(args.set)
    con = open_store(args, write=True)
    execute(con, "store/progress_bar_off")  # the progress bar would interleave with the report
    user = resolve_user(con, args)  # the audit actor is this account, never a name typed on the command line
    if args.propose:
        # propose_mapping only reads the file (it takes no user); the same permission as the load it prepares.
        user.require("upload")
        return _propose(con, args, constants)
    try:
        result = ingest_file(con, args.kind, args.file, mapping=args.mapping, sheet=args.sheet,
                             encoding=args.encoding, dayfirst=args.dayfirst, constants=constants,
                             create_jurisdictions=args.create_jurisdictions, dry_run=args.dry_run,
                             user=user, delimiter=args.delimiter, header_row=args.header_row,
                             within=args.within, acknowledged=args.acknowledge)
    except IngestError as exc:
        for line in report_lines(exc, first=args.show):
            print(line, file=sys.stderr)
        accounted = rows_line(exc)
        if accounted:
            print(accounted, file=sys.stderr)
        if args.write_mapping:
            try:
                _write_draft(con, args, constants, exc)
            except IngestError:  # the file itself cannot be read: there is no mapping to draft
                print(f"no mapping written to {args.write_mapping}: the file cannot be read", file=sys.stderr)
        return exc.exit_code  # 2: a problem with the input (README, "Exit codes")
    print("\n".join(summary_lines(result)))
    if args.write_mapping:
        _write_json(args.write_mapping, dict(result.summary.get("mapping_spec") or {}))
        print(f"  mapping written to {args.write_mapping}")
    if args.save_mapping:
        spec = dict(result.summary.get("mapping_spec") or {})
        save_mapping(con, args.save_mapping, spec, user=user)
        print(f"  mapping saved as {args.save_mapping}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``ingest`` command."""
    parser = subparsers.add_parser(
        "ingest", help="check and load a jurisdictions, survey or cases file (CSV or .xlsx)",
        description="Check a whole file and load it as one batch (all or nothing). Exit 0 loaded, 1 rejected "
                    "(problems on stderr, database unchanged), 2 usage or configuration error. "
                    "Fields, synonyms and value maps: docs/ingest.md.")
    parser.add_argument("kind", choices=(*F.KINDS, "results"),
                        help="results = published aggregated figures (see --root, docs/published.md)")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--mapping", metavar="NAME|FILE",
                        help="a saved mapping name, a shipped one (data/mappings/NAME.json) or a JSON file")
    parser.add_argument("--sheet", metavar="NAME", help="worksheet of an .xlsx file (default: the first)")
    parser.add_argument("--encoding", metavar="ENC", help="override the detected encoding (utf-8, gb18030, utf-16)")
    parser.add_argument("--delimiter", metavar="CHAR", help="override the detected delimiter")
    parser.add_argument("--header-row", type=int, metavar="N", help="the header's line (row) number in the file")
    order = parser.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_true", default=None,
                       help="dates like 05/03/2025 are day/month/year")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_false",
                       help="dates like 05/03/2025 are month/day/year")
    parser.add_argument("--set", action="append", metavar="FIELD=VALUE",
                        help="one value for the whole file, e.g. --set jurisdiction=S01 --set mode=phone")
    parser.add_argument("--within", metavar="CODE",
                        help="resolve the file's jurisdiction codes and names among this city or district's units only")
    parser.add_argument("--acknowledge", action="append", metavar="HEADER",
                        help="an unmapped column that looks like an indicator question is, as checked, not to be "
                             "loaded (repeat for several)")
    parser.add_argument("--create-jurisdictions", action="store_true",
                        help="add jurisdictions the registry lacks as stations instead of rejecting the file")
    parser.add_argument("--dry-run", action="store_true", help="check everything, load nothing")
    parser.add_argument("--propose", action="store_true",
                        help="print the detected layout and proposed mapping (JSON) and exit")
    parser.add_argument("--save-mapping", metavar="NAME", help="after a successful load, save the mapping used")
    parser.add_argument("--write-mapping", metavar="FILE",
                        help="write the mapping to a JSON file: as used after a load, or after a rejection as a "
                             "draft with every value the value maps lack (best guess prefilled) to edit and pass "
                             "back with --mapping FILE")
    parser.add_argument("--show", type=int, default=5, metavar="N", help="problems shown per kind (default 5)")
    results = parser.add_argument_group("published results (kind 'results')")
    results.add_argument("--root", metavar="NAME", help="the publisher the file's areas belong to")
    results.add_argument("--value-format", choices=PUBLISHED_VALUE_FORMATS,
                         help="proportion (0.63), percent (63 or 63%%), mean (with --scale); default: auto")
    results.add_argument("--scale", metavar="LOW-HIGH", help="the scale of mean scores, e.g. 0-10")
    results.add_argument("--window", choices=PUBLISHED_WINDOWS,
                         help="how long each period is (needed when periods are dates)")
    results.add_argument("--source", metavar="TEXT", help="the source of every figure (default: the file name)")
    results.add_argument("--group", action="append", metavar="COLUMN", help="a demographic-group column")
    add_db_argument(parser)
    add_user_argument(parser)
    parser.set_defaults(func=run)
