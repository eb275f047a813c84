"""Prevention: disputes and 民转刑, hazards and their rectification, callbacks on unsolved cases."""

import pandas as pd
import streamlit as st

from analytics import prevention, voice
from analytics.auth import User
from analytics.errors import JingminError
from analytics.presentation import family_name, jurisdiction_name, rate_cell
from analytics.selection import Selection
from analytics.store import get_setting
from app_pages import common, record_views


@st.cache_data(show_spinner=False)
def metric_table(version: str, sel_key: str, _sel: Selection) -> pd.DataFrame:
    """Prevention metrics for the selection (cached per data version and selection)."""
    return prevention.prevention_metrics(common.cursor(), _sel)


@st.cache_data(show_spinner=False)
def record_tables(version: str, sel_key: str, _sel: Selection, _user: User) -> tuple[
        pd.DataFrame | None, pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    """The escalation list, the overdue hazards, the opinions collected on unsolved cases and their topic
    counts; the escalations and opinions are None for roles without record detail."""
    cur = common.cursor()
    detail = _user.can("record_detail")
    return (prevention.escalations(cur, _sel) if detail else None, prevention.overdue_hazards(cur, _sel),
            prevention.unsolved_opinions(cur, _sel) if detail else None, prevention.opinion_topics(cur, _sel))


def cell(row: pd.Series, lang: str) -> str:
    """A metric value as shown: counts as integers, days with one decimal, rates with interval and base."""
    if row["unit"] == "count":
        return f"{int(row['n'])}"
    if row["unit"] == "days":
        return "—" if pd.isna(row["value"]) else f"{row['value']:.1f}"
    return rate_cell({**row.to_dict(), "estimate": row["value"]}, lang)


def families(rows: pd.DataFrame, field: str) -> list[str]:
    """The category ``field`` of each record by its name in the page's language (the file's label for 'other')."""
    return [family_name(field, code, label, common.lang()) for code, label in zip(rows[field], rows[f"{field}_label"],
                                                                                    strict=True)]


tr = common.tr
page = record_views.open_page(tr("prevention.title"), tr("prevention.intro"))
version, user, sel, key = page.version, page.user, page.sel, page.key
try:
    table = metric_table(version, key, sel)
    escalation_rows, overdue, opinion_rows, opinion_counts = record_tables(version, key, sel, user)
    topic_names = voice.topic_labels(common.cursor(), common.lang())
    window = int(get_setting(common.cursor(), "escalation_window_days"))
except JingminError as exc:
    common.show_error(exc)
    st.stop()
if table.empty:
    st.info(tr("prevention.no_data"))
    st.stop()

place_names = record_views.place_names(version)
shown = table.assign(place=[jurisdiction_name(r, common.lang()) for _i, r in table.iterrows()],
                     text=[cell(r, common.lang()) for _i, r in table.iterrows()])
sections = {
    "disputes": ["disputes_found", "disputes_mediated", "mediation_rate", "escalations", "escalation_rate"],
    "hazards": ["hazards_found", "hazards_rectified", "rectified_on_time_rate", "hazards_overdue",
                "rectify_days_median"],
    "callbacks": ["unsolved_cases", "unsolved_callback_coverage", "unsolved_callback_on_time",
                  "unsolved_callback_days_median", "unsolved_opinion_coverage"],
}
for section, metrics in sections.items():
    st.header(tr(f"prevention.section.{section}"))
    part = shown[shown["metric"].isin(metrics)]
    if part.empty:
        st.info(tr("prevention.no_data"))
        continue
    latest = page.latest_period(part)
    part = part[part["period"] == latest]
    # A count with no record is 0; a rate or median without a base is "—" (no data, not 0%).
    pivot = part.pivot_table(index="place", columns="metric", values="text", aggfunc="first").reindex(columns=metrics)
    for metric in metrics:
        pivot[metric] = pivot[metric].astype(object).fillna("0" if metric in prevention.COUNT_METRICS else "—")
    pivot.columns = [tr(f"prevention.metric.{m}") for m in metrics]
    pivot.index.name = tr("prevention.col.jurisdiction")
    st.caption(f"{tr('prevention.col.period')}: {latest}")
    st.dataframe(pivot, width="stretch")
    if section == "disputes":
        st.caption(tr("prevention.window", days=window))
        st.subheader(tr("prevention.section.escalations"))
        if escalation_rows is None:
            st.info(tr("prevention.escalations_hidden"))
        else:
            record_views.record_list(escalation_rows, tr("prevention.no_escalations"), lambda rows: {
                **record_views.places(rows, sel.level),
                tr("prevention.col.dispute_id"): rows["dispute_id"],
                tr("prevention.col.dispute_type"): families(rows, "dispute_type"),
                tr("prevention.col.found_at"): rows["found_at"].astype(str),
                tr("prevention.col.case_id"): rows["case_id"],
                **record_views.places(rows, prefix="case_"),
                # to the minute: seconds only widened the column past the page's width
                tr("prevention.col.reported_at"): pd.to_datetime(rows["reported_at"]).dt.strftime("%Y-%m-%d %H:%M"),
                tr("prevention.col.days_after"): rows["days_after"],
                tr("prevention.col.link"): [tr(f"prevention.link.{v}") for v in rows["link"]],
            })
    if section == "hazards":
        as_of = prevention.as_of_date(common.cursor())
        st.subheader(tr("prevention.section.overdue", as_of=str(as_of)))
        record_views.record_list(overdue, tr("prevention.no_overdue"), lambda rows: {
            **record_views.places(rows, sel.level),
            tr("prevention.col.hazard_id"): rows["hazard_id"],
            tr("prevention.col.place_category"): families(rows, "place_category"),
            tr("prevention.col.severity"): families(rows, "severity"),
            tr("prevention.col.found_at"): rows["found_at"].astype(str),
            tr("prevention.col.deadline"): rows["deadline"].astype(str),
            tr("prevention.col.days_overdue"): rows["days_overdue"],
        })
    if section == "callbacks":
        st.subheader(tr("prevention.section.opinions"))
        st.caption(tr("prevention.opinions_note"))
        if opinion_rows is None:
            st.info(tr("prevention.opinions_hidden"))
            if not opinion_counts.empty:
                counts = opinion_counts.assign(
                    place=[place_names.get(c, c) for c in opinion_counts["jurisdiction"]],
                    topic_name=[topic_names.get(k, k) for k in opinion_counts["topic"]])
                table = counts.pivot_table(index="topic_name", columns="place", values="n", fill_value=0)
                table.index.name = tr("voice.col.topic")
                st.dataframe(table, width="stretch")
        else:
            record_views.record_list(opinion_rows, tr("prevention.no_opinions"), lambda rows: {
                tr("prevention.col.case_id"): rows["case_id"],
                **record_views.places(rows),
                tr("voice.col.date"): rows["commented_at"].astype(str),
                tr("voice.col.text"): rows["text"],
                tr("voice.col.tone"): [tr(f"voice.tone.{v}") for v in rows["tone"]],
                tr("voice.col.topic"): [record_views.listed(v, topic_names) for v in rows["topics"]],
                tr("voice.col.evidence"): [record_views.listed(v) for v in rows["evidence"]],
            })
