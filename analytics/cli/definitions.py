"""``python -m analytics definitions``: list, add (or replace) and remove items and indicators.

Adding and removing need the analyst or admin role (checked by the engine, :mod:`analytics.define`) and
are audited; listing is open to every user (definitions name no jurisdiction). Scale names are those of
``analytics.definitions.SCALES`` (docs/ingest.md lists them).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from analytics.cli import add_db_argument, add_user_argument, open_store, resolve_user
from analytics.definitions import INDICATOR_KINDS, SCALES


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``CODE=TEXT`` arguments as a dict (the text may contain '=')."""
    from analytics.errors import DefinitionError

    out: dict[str, str] = {}
    for value in values or []:
        code, sep, text = value.partition("=")
        if not sep or not code.strip():
            raise DefinitionError(f"{option} {value!r}: write CODE=VALUE, e.g. {option} 5=1.")
        out[code.strip()] = text.strip()
    return out


def _items_frame(con):  # noqa: ANN001, ANN202 (pandas imported lazily)
    import pandas as pd

    from analytics import definitions

    rows = [{"item": i.item, "label_zh": i.label_zh, "label_en": i.label_en, "scale": i.scale,
             "codes": "; ".join(f"{c}={v.get('zh', c)}|{v.get('en', c)}" for c, v in i.codes.items()),
             "dk_codes": ", ".join(i.dk_codes)} for i in definitions.list_items(con)]
    return pd.DataFrame(rows, columns=["item", "label_zh", "label_en", "scale", "codes", "dk_codes"])


def _indicators_frame(con):  # noqa: ANN001, ANN202
    import pandas as pd

    from analytics import definitions

    rows = [{"key": i.key, "label_zh": i.label_zh, "label_en": i.label_en, "item": i.item, "kind": i.kind,
             "scoring": ", ".join(f"{c}={s:g}" for c, s in i.scoring.items()), "dk_codes": ", ".join(i.dk_codes),
             "unit": i.unit_label, "sort_order": i.sort_order, "enabled": i.enabled}
            for i in definitions.list_indicators(con, enabled_only=False)]
    return pd.DataFrame(rows, columns=["key", "label_zh", "label_en", "item", "kind", "scoring", "dk_codes", "unit",
                                       "sort_order", "enabled"])


def run(args: argparse.Namespace) -> int:
    """List, add or remove an item or an indicator."""
    # The engine is imported here, not at the top: --help builds every parser and must stay light.
    from analytics import define
    from analytics.errors import DefinitionError
    from analytics.output import render

    con = open_store(args, write=args.action != "list")
    try:
        user = resolve_user(con, args)
        if args.action == "list":
            frame = _items_frame(con) if args.kind == "items" else _indicators_frame(con)
            sys.stdout.write(render(frame, args.format))
            return 0
        if args.kind == "items":
            if args.action == "add":
                item = define.make_item(args.name, args.label_zh or "", args.label_en or "", args.scale,
                                        code_labels=define.parse_code_labels(args.code or []), dk_codes=args.dk)
                define.define_item(con, item, user=user)
                print(f"Saved item {item.item!r} ({item.scale}, codes {', '.join(item.codes) or '—'}; "
                      f"don't know {', '.join(item.dk_codes) or '—'}).")
            else:
                define.remove_item(con, args.name, user=user)
                print(f"Removed item {args.name!r}.")
            return 0
        if args.action == "remove":
            define.remove_indicator(con, args.key, user=user)
            print(f"Removed indicator {args.key!r}.")
            return 0
        user.require("definitions")  # before reading the item, so a refusal says nothing about it
        item = define.item_or_error(con, args.item)
        labels = {"label_zh": args.label_zh or "", "label_en": args.label_en or "",
                  "description_zh": args.description_zh, "description_en": args.description_en,
                  "sort_order": args.sort_order}
        scores = {c: float(v) for c, v in _scores(args.score).items()}
        if scores and args.top:
            raise DefinitionError("Give either --top CODE... or --score CODE=VALUE..., not both.")
        if args.kind_ == "mean":
            if args.top:
                raise DefinitionError("--top is for a rate; a mean score scores each answer by its value.")
            ind = define.mean_score_indicator(args.key, item, unit=args.unit or "", **labels)
        else:
            ind = define.rate_indicator(args.key, item, args.top or list(scores), **labels)
        if scores:  # explicit scores replace the ones built from --top or the scale
            ind = replace(ind, scoring=scores)
        define.define_indicator(con, ind, user=user)
        what = f"mean score {ind.unit_label}" if ind.kind == "mean" else "rate"
        print(f"Saved indicator {ind.key!r}: {what} of item {ind.item!r}; scoring "
              f"{', '.join(f'{c}={s:g}' for c, s in ind.scoring.items())}.")
        return 0
    finally:
        con.close()


def _scores(values: list[str] | None) -> dict[str, str]:
    from analytics.errors import DefinitionError

    scores = _pairs(values, "--score")
    for code, text in scores.items():
        try:
            float(text)
        except ValueError:
            raise DefinitionError(f"--score {code}={text}: the score must be a number.") from None
    return scores


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``definitions`` command group."""
    parser = subparsers.add_parser(
        "definitions", help="items and indicators: items|indicators list | add | remove",
        description="Items are questions (a scale and answer codes); indicators score one item as a top-box rate "
                    "or a mean score. Adding and removing need the analyst or admin role and are audited. "
                    f"Scales: {', '.join(SCALES)}.")
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    subs = []
    items = kinds.add_parser("items", help="questions: list | add | remove")
    item_actions = items.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = item_actions.add_parser("list", help="every item")
    add = item_actions.add_parser("add", help="define (or redefine) an item")
    add.add_argument("name", metavar="NAME", help="lower-case name, e.g. trust_0_10 (the mapping's target)")
    add.add_argument("--scale", required=True, choices=list(SCALES))
    add.add_argument("--label-zh", metavar="TEXT")
    add.add_argument("--label-en", metavar="TEXT")
    add.add_argument("--code", action="append", metavar="CODE=中文|English",
                     help="label an answer code (repeat); a categorical item lists every code this way; numeric "
                          "scales have every value already")
    add.add_argument("--dk", nargs="+", metavar="CODE", help="don't-know / refused codes (default 9, or 88 where "
                                                             "9 is on the scale)")
    remove = item_actions.add_parser("remove", help="remove an item no indicator reads and no answer carries")
    remove.add_argument("name", metavar="NAME")
    subs += [listing, add, remove]
    listing.add_argument("--format", default="csv", choices=["csv", "json"])

    inds = kinds.add_parser("indicators", help="indicators: list | add | remove")
    ind_actions = inds.add_subparsers(dest="action", required=True, metavar="ACTION")
    ind_list = ind_actions.add_parser("list", help="every indicator (enabled or not)")
    ind_list.add_argument("--format", default="csv", choices=["csv", "json"])
    ind_add = ind_actions.add_parser("add", help="define (or redefine) an indicator")
    ind_add.add_argument("key", metavar="KEY", help="lower-case key, e.g. trust_top2")
    ind_add.add_argument("--item", required=True, metavar="ITEM")
    ind_add.add_argument("--kind", dest="kind_", default="rate", choices=list(INDICATOR_KINDS),
                         help="rate: the share of --top answers; mean: the mean of the answers' values")
    ind_add.add_argument("--top", nargs="+", metavar="CODE", help="rate: the answer codes that count (top box)")
    ind_add.add_argument("--score", action="append", metavar="CODE=VALUE",
                         help="an explicit score per code instead of --top (repeat; rate: 0..1)")
    ind_add.add_argument("--label-zh", metavar="TEXT")
    ind_add.add_argument("--label-en", metavar="TEXT")
    ind_add.add_argument("--description-zh", default="", metavar="TEXT")
    ind_add.add_argument("--description-en", default="", metavar="TEXT")
    ind_add.add_argument("--unit", metavar="TEXT", help="mean: the unit shown after it (default / scale maximum)")
    ind_add.add_argument("--sort-order", type=int, default=100, metavar="N")
    ind_remove = ind_actions.add_parser("remove", help="remove an indicator and its figures")
    ind_remove.add_argument("key", metavar="KEY")
    subs += [ind_list, ind_add, ind_remove]
    for sub in subs:
        add_db_argument(sub)
        add_user_argument(sub)
        sub.set_defaults(func=run)
