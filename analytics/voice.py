"""Residents' voice: demands from every channel, comments from surveys and callbacks, and their topics.

Texts are stored only as redacted at load (:mod:`analytics.textprivacy`, :mod:`analytics.ingest.records`);
topics are the file's own (``given``) or derived from the text by the editable keyword dictionary
(``voice_topics``), each derived topic stored with the words that caused it (``text_topics.evidence``).

Who sees what: every role sees topic counts, answering figures and the evidence words (dictionary
keywords, not personal) for the jurisdictions it may see; record texts (:func:`demand_texts`,
:func:`comments_feed`) need ``record_detail`` (analyst, admin). Station users see their own subtree's
records only.

Definitions: ``received`` demands by received date; ``answered`` = with an answer time by the as-of
time (the latest received or answered time in the data); ``on_time_rate`` = answered within
``demand_answer_days`` (setting, default 15) days / demands answered or past that deadline, with a
Wilson interval; ``answer_days_median`` over answered demands. Tone is a lexicon count, shown as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from analytics import stats, store, textprivacy
from analytics.auth import User, visible_codes
from analytics.db import Connection, execute, fetch_one, query_df
from analytics.engine import scope_codes
from analytics.errors import ConfigError, UnknownNameError
from analytics.periods import parse_period
from analytics.selection import Selection

RECORD_KINDS = ("demand", "comment")
MAX_ROWS = 500


def _scope(con: Connection, sel: Selection) -> dict:
    visible = visible_codes(con, sel.user)
    return {"level": sel.level, "jurisdictions": scope_codes(con, sel.user, sel.jurisdiction_codes),
            "stations": sorted(visible) if visible is not None else None,
            "date_from": sel.date_from, "date_to": sel.date_to}


def topics(con: Connection) -> list[textprivacy.Topic]:
    """The keyword dictionary, in key order."""
    return textprivacy.topics_from_rows(query_df(con, "voice/topics_list").to_dict("records"))


def topic_labels(con: Connection, lang: str) -> dict[str, str]:
    """Topic key -> its name in ``lang`` (a given topic outside the dictionary is shown as its key)."""
    return {t.topic: t.label(lang) for t in topics(con)}


def topic_counts(con: Connection, sel: Selection, record_kind: str = "demand") -> pd.DataFrame:
    """Records per jurisdiction x period x topic (``jurisdiction, period, period_start, topic, n``)."""
    if record_kind not in RECORD_KINDS:
        raise UnknownNameError(f"Unknown record kind {record_kind!r}; use demand or comment.")
    return query_df(con, "voice/topic_counts", {**_scope(con, sel), "period_kind": sel.period_kind,
                                                 "record_kind": record_kind})


def evidence(con: Connection, sel: Selection, record_kind: str = "demand") -> pd.DataFrame:
    """Each topic with the words that caused it and how many records each word marked
    (``topic, origin, word, n``; a given topic has no word)."""
    if record_kind not in RECORD_KINDS:
        raise UnknownNameError(f"Unknown record kind {record_kind!r}; use demand or comment.")
    return query_df(con, "voice/evidence", {**_scope(con, sel), "record_kind": record_kind})


def _as_of(con: Connection) -> datetime:
    as_of = fetch_one(con, "voice/data_time").get("as_of")
    return as_of if as_of is not None else datetime.now()


def answering(con: Connection, sel: Selection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Demands received and answered per jurisdiction x period x channel ('all' = every channel).

    Columns: ``jurisdiction, period, period_start, channel, received, answered, due, on_time,
    on_time_rate, ci_low, ci_high, flag, answer_days_median`` (days). The on-time rate follows the
    small-base rule (suppressed below ``suppress_below_n_eff`` due demands).
    """
    days = int(store.get_setting(con, "demand_answer_days"))
    frame = query_df(con, "voice/answering", {**_scope(con, sel), "period_kind": sel.period_kind,
                                               "as_of": as_of or _as_of(con), "answer_days": days})
    if frame.empty:
        return frame.assign(on_time_rate=[], ci_low=[], ci_high=[], flag=[])
    due = frame["due"].to_numpy(dtype=float)
    on_time = frame["on_time"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(due > 0, on_time / due, np.nan)
    low, high = stats.wilson_interval(on_time, due, float(store.get_setting(con, "confidence_level")))
    flag = stats.small_base_flag(due, float(store.get_setting(con, "suppress_below_n_eff")),
                                 float(store.get_setting(con, "caution_below_n_eff")))
    frame["on_time_rate"], frame["ci_low"], frame["ci_high"], frame["flag"] = rate, low, high, flag
    frame.loc[frame["flag"] == "suppressed", ["on_time_rate", "ci_low", "ci_high"]] = np.nan
    return frame


def demand_texts(con: Connection, sel: Selection, *, topic: str | None = None,
                 limit: int = MAX_ROWS) -> pd.DataFrame:
    """Demand records with their redacted text, reply and topics with evidence, newest first (``evidence``:
    "topic: words" per topic; ``evidence_words``: the words alone, in the order of ``topics``).

    AccessDenied unless ``sel.user`` has ``record_detail``; a station analyst does not exist (station
    users have no such right), so the records are always within what the user may see.
    """
    sel.user.require("record_detail")
    return query_df(con, "voice/demand_texts", {**_scope(con, sel), "topic": topic, "limit": int(limit)})


def comments_feed(con: Connection, sel: Selection, *, topic: str | None = None, tone: str | None = None,
                  limit: int = MAX_ROWS) -> pd.DataFrame:
    """Comments with redacted text, lexicon tone and topics, newest first, filtered by topic and tone.

    AccessDenied unless ``sel.user`` has ``record_detail``; others use :func:`tone_counts` and
    :func:`topic_counts`.
    """
    sel.user.require("record_detail")
    if tone is not None and tone not in textprivacy.TONES:
        raise UnknownNameError(f"Unknown tone {tone!r}; use one of {', '.join(textprivacy.TONES)}.")
    return query_df(con, "voice/comments_feed", {**_scope(con, sel), "topic": topic, "tone": tone,
                                                  "limit": int(limit)})


def tone_counts(con: Connection, sel: Selection) -> pd.DataFrame:
    """Comments per jurisdiction x lexicon tone (``jurisdiction, tone, n``): counts only, every role."""
    return query_df(con, "voice/tone_counts", _scope(con, sel))


def save_topic(con: Connection, topic: str, label_zh: str, label_en: str, keywords: Sequence[str],
               user: User) -> None:
    """Add or change a dictionary topic (needs ``definitions``). Run :func:`retag` to apply it to stored texts."""
    user.require("definitions")
    key = topic.strip().lower()
    words = sorted({w.strip() for w in keywords if w and w.strip()})
    if not key or not key.replace("_", "").isalnum() or not key.isascii():
        raise ConfigError(f"A topic key is a short ASCII name such as 'parking', not {topic!r}.")
    if not words:
        raise ConfigError(f"Topic {key!r} needs at least one keyword.")
    with store.transaction(con):
        execute(con, "voice/topic_upsert", {"topic": key, "label_zh": label_zh.strip() or key,
                                            "label_en": label_en.strip() or key, "keywords": words,
                                            "actor": user.username})
        store.audit(con, user.username, "voice.topic.save", {"topic": key, "keywords": words})


def retag(con: Connection, user: User) -> int:
    """Derive every stored text's topics again with the current dictionary (given topics stay).

    Works on the stored, already redacted texts: jieba segments each distinct text once in Python (the
    segmenter has no SQL form), and DuckDB joins the (text, topic, evidence) rows back to every record
    carrying that text. Returns the number of derived (record, topic) rows written. Needs ``definitions``;
    audited as ``voice.retag``.
    """
    user.require("definitions")
    dictionary = topics(con)
    texts = query_df(con, "voice/distinct_texts")["text"]
    rows = [(text, topic, list(words)) for text in texts
            for topic, words in textprivacy.tag(text, dictionary).items()]
    frame = pd.DataFrame(rows, columns=["text", "topic", "evidence"])
    con.register("jm_retag_texts", frame)
    try:
        with store.transaction(con):
            execute(con, "voice/retag")
            written = int(fetch_one(con, "voice/derived_topic_count")["n"])
            store.audit(con, user.username, "voice.retag", {"rows": written})
            store.bump_data_version(con)
    finally:
        con.unregister("jm_retag_texts")
    return written


def tone_shares(con: Connection, sel: Selection) -> pd.DataFrame:
    """Share of comments the lexicon counted negative per jurisdiction x period (by comment date).

    Columns ``jurisdiction, period, period_start, comments, negative, negative_share, ci_low, ci_high,
    flag``: the share is negative / comments (a proportion) with a Wilson interval at the
    ``confidence_level`` setting and the small-base rule on the number of comments (suppressed shares carry
    no value). The tone is a lexicon count, not a measured opinion: the share describes the wording of the
    comments received, and comments are not a sample of residents. Counts only: every role.
    """
    frame = query_df(con, "voice/tone_periods", {**_scope(con, sel), "period_kind": sel.period_kind})
    if frame.empty:
        return frame.assign(negative_share=[], ci_low=[], ci_high=[], flag=[])
    n = frame["comments"].to_numpy(dtype=float)
    x = frame["negative"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, x / n, np.nan)
    low, high = stats.wilson_interval(x, n, float(store.get_setting(con, "confidence_level")))
    flag = stats.small_base_flag(n, float(store.get_setting(con, "suppress_below_n_eff")),
                                 float(store.get_setting(con, "caution_below_n_eff")))
    frame["negative_share"], frame["ci_low"], frame["ci_high"], frame["flag"] = share, low, high, flag
    frame.loc[frame["flag"] == "suppressed", ["negative_share", "ci_low", "ci_high"]] = np.nan
    return frame


@dataclass(frozen=True)
class TopicCount:
    """One topic residents raised in a jurisdiction and period, with how many demands carried it."""

    topic: str
    label: str
    n: int


def forum_topics(con: Connection, jurisdiction: str, period: str, lang: str) -> list[TopicCount]:
    """The demand topics of ``jurisdiction``'s subtree in ``period``, most frequent first (the forum's
    "you said"). The caller has checked that the user may see the jurisdiction."""
    _kind, start, end = parse_period(period)
    frame = query_df(con, "voice/forum_topics", {"jurisdiction": jurisdiction, "date_from": start,
                                                  "date_to": end})
    column = "label_zh" if lang == "zh" else "label_en"
    return [TopicCount(str(r["topic"]), str(r[column]) if isinstance(r[column], str) else str(r["topic"]),
                       int(r["n"])) for r in frame.to_dict("records")]


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period label (re-exported for pages that filter feeds by period)."""
    _kind, start, end = parse_period(period)
    return start, end
