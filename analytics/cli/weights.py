"""``python -m analytics weights``: rake survey weights to population margins, undo it, or show their effect.

``rake`` reads a margins CSV (UTF-8 or GBK; one column per dimension plus ``population``), builds one
margin per ``--dims`` list (default: every dimension column together, i.e. post-stratification), rakes
with :func:`analytics.weighting.rake_weights` and rebuilds the indicator cells in a transaction.
``show`` prints the Kish (1965) effective sample size and design effect overall and per district.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from analytics.cli import add_db_argument, add_user_argument, audit_export, open_store, print_table, resolve_user
from analytics.db import Connection
from analytics.errors import WeightingError

if TYPE_CHECKING:
    import pandas as pd

    from analytics.auth import User
    from analytics.db import Connection


def parse_dims(values: list[str] | None) -> list[list[str]] | None:
    """``["district,sex", "age_band"]`` -> ``[["district", "sex"], ["age_band"]]``; None when not given."""
    if not values:
        return None
    groups = [[part.strip() for part in value.split(",") if part.strip()] for value in values]
    if any(not group for group in groups):
        raise WeightingError("--dims needs comma-separated column names, e.g. --dims district,sex.",
                             key="error.compare.margins_dims", dims="", columns="")
    return groups


def parse_recodes(values: list[str] | None, dims: list[list[str]] | None) -> dict[str, dict[str, str]]:
    """``["age_band:16-24=16-34", "55+=60+"]`` -> ``{dimension: {sample label: margin label}}``.

    ``DIM:FROM=TO`` recodes in one dimension; ``FROM=TO`` in every item dimension of ``--dims`` (or, without
    ``--dims``, under the key ``"*"``, which :func:`run` expands to the margins' columns).
    """
    recodes: dict[str, dict[str, str]] = {}
    for value in values or []:
        head, sep, new = value.partition("=")
        dim, colon, old = head.partition(":")
        if not colon:
            dim, old = "*", head
        if not sep or not old.strip() or not new.strip() or not dim.strip():
            raise WeightingError(f"--recode {value!r}: write FROM=TO or DIMENSION:FROM=TO, e.g. "
                                 "--recode age_band:35-54=30-44.", key="error.weighting.bad_recode", value=value)
        targets = ([d for group in dims for d in group] if dim == "*" and dims else [dim.strip()])
        for target in targets:
            recodes.setdefault(target, {})[old.strip()] = new.strip()
    return recodes


def show_table(con: Connection, batch_ids: list[int] | None = None,
               user: User | None = None) -> pd.DataFrame:
    """The summary printed by ``weights show`` (scoped to ``user``), rounded for reading."""
    from analytics import weights

    table = weights.weights_summary(con, batch_ids=batch_ids, user=user)
    return table.round({"n_eff": 1, "deff": 3, "weight_min": 4, "weight_max": 4})


def _print_show(args: argparse.Namespace, con: Connection, fmt: str, user: User,
                batch_ids: list[int] | None = None, *, read_only: bool) -> None:
    """The weights table, printed as an audited export (:func:`analytics.cli.audit_export` closes a
    read-only ``con``)."""
    from analytics import weights

    table = show_table(con, batch_ids, user)
    if fmt != "text":
        print_table(args, con, user, table, fmt, read_only=read_only)
        return
    last = weights.last_weighting(con)
    if last is None:
        print("Weights in use: design weights (never raked).")
    else:
        print(f"Last change: {last['action']} by {last['actor']} at {last['logged_at']:%Y-%m-%d %H:%M}.")
    print("Kish effective n = (sum w)^2 / sum w^2; design effect deff = n / n_eff (respondents of loaded batches).")
    print("Batches raked separately, or not raked, carry weights on different scales: read the overall and "
          "district rows for one raked population (--batch).")
    print(table.to_string(index=False, na_rep=""), flush=True)
    audit_export(args, con, user, len(table), read_only=read_only)


def run(args: argparse.Namespace) -> int:
    """Run ``weights rake``, ``weights reset`` or ``weights show``."""
    from analytics import weights

    con = open_store(args, write=args.action != "show")
    user = resolve_user(con, args)
    if args.action == "show":
        _print_show(args, con, args.format, user, args.batch, read_only=True)
        return 0
    if args.action == "reset":
        count = weights.reset_and_refresh(con, batch_ids=args.batch, user=user)
        print(f"Reset {count} respondents to their design weights; indicator cells rebuilt.")
    else:
        frame = weights.read_margins(args.margins)
        trim = tuple(args.trim) if args.trim else None
        dims = parse_dims(args.dims)
        recodes = parse_recodes(args.recode, dims)
        if "*" in recodes:  # FROM=TO without --dims: every dimension column of the margins file
            every = recodes.pop("*")
            for column in frame.columns:
                if column != "population":
                    recodes.setdefault(str(column), {}).update(every)
        results = weights.rake_and_refresh(con, frame, dims=dims, batch_ids=args.batch, trim=trim,
                                           per_batch=args.per_batch, user=user, recodes=recodes)
        for batch_ids, result in results:
            print(f"Raked batch(es) {', '.join(map(str, batch_ids))}: {result.iterations} iterations, largest margin "
                  f"error {result.max_margin_error:.2e}, weights {result.weight_min:.4g}–{result.weight_max:.4g}, "
                  f"Kish deff {result.deff_kish:.3f}.")
        print("Indicator cells rebuilt; use --weighted (or the sidebar toggle) for weighted estimates.")
    shown = args.batch if args.action == "reset" else [b for ids, _r in results for b in ids]
    _print_show(args, con, "text", user, shown, read_only=False)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``weights`` command group."""
    parser = subparsers.add_parser(
        "weights", help="rake weights to population margins | reset | show Kish deff and n_eff",
        description="Survey weights: rake to population margins (iterative proportional fitting), reset to the "
                    "design weights, or show the Kish effective n and design effect overall and per district.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    rake = actions.add_parser(
        "rake", help="rake to the margins in a CSV file",
        description="Rake to the margins of FILE (UTF-8 or GBK CSV; columns = dimensions + population). A dimension "
                    "is district or station (from the jurisdiction tree) or a survey item such as sex or age_band "
                    "(the answer code is the category). Without --batch, every loaded survey batch whose "
                    "respondents all answered the item dimensions is raked, together as one population.")
    rake.add_argument("--margins", required=True, metavar="FILE")
    rake.add_argument("--dims", action="append", metavar="COL,COL",
                      help="one margin per --dims (repeatable), summed from the file over the other columns; "
                           "default: all dimension columns together (post-stratification)")
    rake.add_argument("--trim", nargs=2, type=float, metavar=("LO", "HI"),
                      help="bound weights to [LO, HI] x mean weight (e.g. 0.3 3), trimming and re-raking")
    rake.add_argument("--batch", nargs="+", type=int, metavar="ID", help="rake only these batches")
    rake.add_argument("--recode", action="append", metavar="[DIM:]FROM=TO",
                      help="count the sample label FROM as the margin label TO (repeatable; e.g. "
                           "age_band:16-24=16-34; without DIM: in every dimension)")
    rake.add_argument("--per-batch", action="store_true",
                      help="rake each batch to the full margins separately (one transaction each)")
    reset = actions.add_parser("reset", help="set the weights back to the design weights")
    reset.add_argument("--batch", nargs="+", type=int, metavar="ID", help="reset only these batches")
    show = actions.add_parser("show", help="Kish effective n and design effect, overall and per district")
    show.add_argument("--batch", nargs="+", type=int, metavar="ID", help="only these batches' respondents")
    show.add_argument("--format", default="text", choices=["text", "csv", "json"])
    for sub in (rake, reset, show):
        add_db_argument(sub)
        add_user_argument(sub)
        sub.set_defaults(func=run)
