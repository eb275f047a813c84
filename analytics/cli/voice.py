"""``python -m analytics voice``: residents' demands and comments, their topics and the topic dictionary.

``voice topics`` prints topic counts per jurisdiction and period (every role); ``voice evidence`` the words
that caused each topic; ``voice answering`` demands received, answered and answered on time; ``voice texts``
and ``voice comments`` the redacted texts (analyst, admin); ``voice dictionary`` lists the keyword
dictionary, ``voice dictionary-set`` adds or changes a topic and ``voice retag`` derives every stored
text's topics again. Loading: ``ingest demands|comments FILE``.
"""

from __future__ import annotations

import argparse

from analytics.cli import add_db_argument, add_user_argument, open_store, print_table, resolve_user
from analytics.cli.prevention import add_selection_arguments, selection


def run(args: argparse.Namespace) -> int:
    """Print (or change) what was asked."""
    import pandas as pd

    from analytics import voice

    if args.action in ("dictionary-set", "retag"):
        con = open_store(args, write=True)
        user = resolve_user(con, args)
        if args.action == "dictionary-set":
            voice.save_topic(con, args.topic, args.label_zh, args.label_en, args.keywords, user)
            print(f"topic {args.topic} saved; run 'voice retag' to apply it to stored texts")
        else:
            print(f"{voice.retag(con, user)} derived topic rows written")
        return 0
    con = open_store(args)
    if args.action == "dictionary":
        user = resolve_user(con, args)
        table = pd.DataFrame([{"topic": t.topic, "label_zh": t.label_zh, "label_en": t.label_en,
                               "keywords": " ".join(t.keywords)} for t in voice.topics(con)])
    else:
        sel = selection(con, args)
        user = sel.user
        if args.action == "topics":
            table = voice.topic_counts(con, sel, args.kind)
        elif args.action == "evidence":
            table = voice.evidence(con, sel, args.kind)
        elif args.action == "answering":
            table = voice.answering(con, sel)
        elif args.action == "texts":
            table = voice.demand_texts(con, sel, topic=args.topic)
        else:
            table = voice.comments_feed(con, sel, topic=args.topic, tone=args.tone)
    print_table(args, con, user, table, args.format)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``voice`` command group."""
    parser = subparsers.add_parser(
        "voice", help="residents' demands and comments: topics, evidence words, answering, texts",
        description="Demands from every channel and comments from surveys and callbacks, tagged with topics by "
                    "an editable keyword dictionary. Texts are stored redacted. Definitions: docs/voice.md.")
    actions = parser.add_subparsers(dest="action", required=True)
    topics = actions.add_parser("topics", help="topic counts per jurisdiction and period")
    topics.add_argument("--kind", default="demand", choices=["demand", "comment"])
    evidence = actions.add_parser("evidence", help="the words that caused each topic")
    evidence.add_argument("--kind", default="demand", choices=["demand", "comment"])
    answering = actions.add_parser("answering", help="demands received, answered and answered on time")
    texts = actions.add_parser("texts", help="demand texts (redacted) with topics (analyst, admin)")
    texts.add_argument("--topic", metavar="KEY")
    comments = actions.add_parser("comments", help="comments feed (redacted) with tone (analyst, admin)")
    comments.add_argument("--topic", metavar="KEY")
    comments.add_argument("--tone", choices=["positive", "negative", "neutral"])
    for sub in (topics, evidence, answering, texts, comments):
        add_selection_arguments(sub)
        sub.set_defaults(func=run)
    dictionary = actions.add_parser("dictionary", help="the topic keyword dictionary")
    dictionary.add_argument("--format", default="csv", choices=["csv", "json"])
    dictionary_set = actions.add_parser("dictionary-set", help="add or change a topic (analyst, admin)")
    dictionary_set.add_argument("topic", metavar="KEY")
    dictionary_set.add_argument("--label-zh", default="")
    dictionary_set.add_argument("--label-en", default="")
    dictionary_set.add_argument("--keywords", nargs="+", required=True, metavar="WORD")
    retag = actions.add_parser("retag", help="derive every stored text's topics again (analyst, admin)")
    for sub in (dictionary, dictionary_set, retag):
        add_db_argument(sub)
        add_user_argument(sub)
        sub.set_defaults(func=run)
