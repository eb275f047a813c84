"""Prevention: disputes and 民转刑, hazards and their rectification, callbacks on unsolved cases."""

import pandas as pd
import streamlit as st

from analytics import prevention
from analytics.auth import User
from analytics.errors import JingminError
from analytics.presentation import jurisdiction_name, rate_cell
from analytics.selection import Selection
from analytics.store import get_setting
from app_pages import common


@st.cache_data(show_spinner=False)
def metric_table(version: str, sel_key: str, _sel: Selection) -> pd.DataFrame:
    """Prevention metrics for the selection (cached per data version and selection)."""
    return prevention.prevention_metrics(common.cursor(), _sel)


@st.cache_data(show_spinner=False)
def detail_tables(version: str, sel_key: str, _sel: Selection, _user: User) -> tuple[pd.DataFrame | None,
                                                                                      pd.DataFrame]:
    """The escalation list (None for roles without record detail) and the overdue hazards."""
    cur = common.cursor()
    rows = prevention.escalations(cur, _sel) if _user.can("record_detail") else None
    return rows, prevention.overdue_hazards(cur, _sel)


def cell(row: pd.Series, lang: str) -> str:
    """A metric value as shown: counts as integers, days with one decimal, rates with interval and base."""
    if row["unit"] == "count":
        return f"{int(row['n'])}"
    if row["unit"] == "days":
        return "—" if pd.isna(row["value"]) else f"{row['value']:.1f}"
    return rate_cell({**row.to_dict(), "estimate": row["value"]}, lang)


f = common.filters()
tr = common.tr
st.title(tr("prevention.title"))
st.caption(tr("prevention.intro"))
version = common.data_version()
user = common.user()
# Every period of the granularity: records need not lie within the survey months the sidebar's range is
# built from; the page shows the latest period of the range that has records, else the latest with records.
sel = Selection(period_kind=f.period_kind, level=f.level,
                jurisdiction_codes=f.jurisdiction_codes, user=user)
key = repr(sel)
try:
    table = metric_table(version, key, sel)
    escalation_rows, overdue = detail_tables(version, key, sel, user)
    window = int(get_setting(common.cursor(), "escalation_window_days"))
except JingminError as exc:
    common.show_error(exc)
    st.stop()
if table.empty:
    st.info(tr("prevention.no_data"))
    st.stop()


def latest_period(frame: pd.DataFrame) -> str:
    """The latest period of the sidebar's range with records, else the latest period with records."""
    in_range = frame[frame["period"].isin(f.periods)] if f.periods else frame
    return str((in_range if not in_range.empty else frame).sort_values("period_start")["period"].iloc[-1])


shown = table.assign(place=[jurisdiction_name(r, common.lang()) for _i, r in table.iterrows()],
                     text=[cell(r, common.lang()) for _i, r in table.iterrows()])
sections = {
    "disputes": ["disputes_found", "disputes_mediated", "mediation_rate", "escalations", "escalation_rate"],
    "hazards": ["hazards_found", "hazards_rectified", "rectified_on_time_rate", "hazards_overdue",
                "rectify_days_median"],
    "callbacks": ["unsolved_cases", "unsolved_callback_coverage", "unsolved_callback_on_time",
                  "unsolved_callback_days_median"],
}
for section, metrics in sections.items():
    st.header(tr(f"prevention.section.{section}"))
    part = shown[shown["metric"].isin(metrics)]
    if part.empty:
        st.info(tr("prevention.no_data"))
        continue
    latest = latest_period(part)
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
        elif escalation_rows.empty:
            st.info(tr("prevention.no_escalations"))
        else:
            view = pd.DataFrame({
                tr("prevention.col.jurisdiction"): [jurisdiction_name(r, common.lang())
                                                    for _i, r in escalation_rows.iterrows()],
                tr("prevention.col.dispute_id"): escalation_rows["dispute_id"],
                tr("prevention.col.dispute_type"): escalation_rows["dispute_type_label"],
                tr("prevention.col.found_at"): escalation_rows["found_at"].astype(str),
                tr("prevention.col.case_id"): escalation_rows["case_id"],
                tr("prevention.col.case_station"): escalation_rows["case_station"],
                tr("prevention.col.reported_at"): escalation_rows["reported_at"].astype(str),
                tr("prevention.col.days_after"): escalation_rows["days_after"],
                tr("prevention.col.link"): [tr(f"prevention.link.{v}") for v in escalation_rows["link"]],
            })
            st.dataframe(view, width="stretch", hide_index=True)
    if section == "hazards":
        as_of = prevention.as_of_date(common.cursor())
        st.subheader(tr("prevention.section.overdue", as_of=str(as_of)))
        if overdue.empty:
            st.info(tr("prevention.no_overdue"))
        else:
            view = pd.DataFrame({
                tr("prevention.col.jurisdiction"): [jurisdiction_name(r, common.lang())
                                                    for _i, r in overdue.iterrows()],
                tr("prevention.col.hazard_id"): overdue["hazard_id"],
                tr("prevention.col.place_category"): overdue["place_category_label"],
                tr("prevention.col.severity"): overdue["severity_label"],
                tr("prevention.col.found_at"): overdue["found_at"].astype(str),
                tr("prevention.col.deadline"): overdue["deadline"].astype(str),
                tr("prevention.col.days_overdue"): overdue["days_overdue"],
            })
            st.dataframe(view, width="stretch", hide_index=True)
