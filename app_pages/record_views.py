"""What the record pages (Prevention, Voice) share: their selection, the period they show, place names and
list cells. Not a page of its own (dashboard.py registers the pages)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics.auth import User
from analytics.presentation import community_names, jurisdiction_name, station_names
from analytics.selection import Selection
from app_pages import common


@dataclass(frozen=True)
class RecordPage:
    """The sidebar's choice (``sidebar``), the data version, the user and the selection the page reads records
    with (``sel``, cached under ``key``)."""

    sidebar: Selection
    version: str
    user: User
    sel: Selection
    key: str

    def latest_period(self, frame: pd.DataFrame) -> str:
        """The latest period of the sidebar's range with records in ``frame``, else its latest with records."""
        periods = self.sidebar.periods
        in_range = frame[frame["period"].isin(periods)] if periods else frame
        return str((in_range if not in_range.empty else frame).sort_values("period_start")["period"].iloc[-1])


def open_page(title: str, intro: str) -> RecordPage:
    """Draw the page's title and intro; the selection of every period of the sidebar's granularity.

    Records need not lie within the survey months the sidebar's range is built from, so the selection holds no
    periods: the page shows the latest period of the range that has records, else the latest with records
    (:meth:`RecordPage.latest_period`).
    """
    f = common.filters()
    st.title(title)
    st.caption(intro)
    user = common.user()
    sel = Selection(period_kind=f.period_kind, level=f.level, jurisdiction_codes=f.jurisdiction_codes, user=user)
    return RecordPage(sidebar=f, version=common.data_version(), user=user, sel=sel, key=repr(sel))


def place_names(version: str) -> dict[str, str]:
    """Jurisdiction code -> its name in the page's language."""
    lang = common.lang()
    return {r["code"]: jurisdiction_name({**r, "jurisdiction": r["code"]}, lang)
            for r in common.cached_jurisdictions(version).to_dict("records")}


def places(rows: pd.DataFrame, level: str | None = None, prefix: str = "") -> dict[str, list[str]]:
    """The columns that say where each record is: its jurisdiction at ``level`` (left out at the station level or
    without one, where the station column says it), its station and its village or community (blank for a
    station's own records), by name in the page's language. ``prefix`` names another place of the row (``case_``)."""
    lang = common.lang()
    label = "case_" if prefix else ""
    out = {}
    if level is not None and level != "station":
        out[common.tr("prevention.col.jurisdiction")] = [jurisdiction_name(r, lang) for r in rows.to_dict("records")]
    out[common.tr(f"prevention.col.{label}station")] = station_names(rows, lang, prefix)
    out[common.tr(f"prevention.col.{label}community")] = community_names(rows, lang, prefix)
    return out


def listed(values: object, names: Mapping[str, str] | None = None, separator: str = "、") -> str:
    """A list cell as text, each value by its name where ``names`` has one (DuckDB lists arrive as arrays; an
    empty list as NaN, shown as nothing)."""
    if not hasattr(values, "__len__") or isinstance(values, str):
        return ""
    return separator.join(names.get(v, v) if names else str(v) for v in values)


def topic_words(topics: object, words: object, names: Mapping[str, str]) -> str:
    """Each topic of a record by its name with the words that caused it ('Service: 态度；Fraud: 诈骗'): the lists
    come from one query in the same (topic) order; a record without topics shows nothing."""
    if not hasattr(topics, "__len__") or isinstance(topics, str):
        return ""
    return "；".join(f"{names.get(topic, topic)}: {found}" for topic, found in zip(topics, words, strict=True))


def record_list(rows: pd.DataFrame, empty_text: str, columns: Callable[[pd.DataFrame], dict[str, object]]) -> None:
    """A list of records: ``empty_text`` when there is none, else the columns ``columns(rows)`` gives
    (heading -> values), without the frame's index."""
    if rows.empty:
        st.info(empty_text)
    else:
        st.dataframe(pd.DataFrame(columns(rows)), width="stretch", hide_index=True)
