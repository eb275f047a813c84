"""Integrity: flags per jurisdiction from the eight checks, the evidence in words, and (analysts) the
respondents behind the alerts, which can be excluded from the sensitivity view and restored."""

import pandas as pd
import streamlit as st

from analytics import integrity
from analytics.auth import User
from analytics.errors import JingminError
from analytics.periods import period_kind
from analytics.presentation import jurisdiction_name
from analytics.selection import Selection
from app_pages import common

tr = common.tr
FLAG_KEYS = {"ok": "integrity.flag.ok", "watch": "integrity.flag.watch", "alert": "integrity.flag.alert",
             "": "integrity.flag.none"}
# Column labels of the respondent and exclusion tables (catalog keys spelled out for the catalog check).
MINUTES = st.column_config.NumberColumn(format="%.1f")  # interview minutes, one decimal in every row
ROW_LABELS = {c: f"integrity.row.{c}" for c in (
    "respondent_id", "batch_id", "station", "community", "interviewer", "channel", "interview_date",
    "interview_start", "duration_min", "n_items", "n_top", "straight", "sat_top", "too_fast", "is_repeat",
    "f_straight", "f_duration", "f_repeat", "f_burst", "excluded", "exclusion_id", "period", "reason", "excluded_by",
    "excluded_at", "restored_by", "restored_at", "active")}


@st.cache_data(show_spinner=False)
def flags_table(version: str, period: str, level: str, codes: tuple[str, ...], _user: User,
                user_key: str) -> pd.DataFrame:
    """Every check's rows for the period (cached per data version and user)."""
    sel = Selection(period_kind=period_kind(period), periods=(period,), level=level, jurisdiction_codes=codes,
                    user=_user)
    return integrity.integrity_flags(common.cursor(), sel)


def flag_text(flag: str) -> str:
    """A flag in words, in the page's language ('' = the check had no data). Words, not coloured emoji: an
    offline workstation may have no emoji font."""
    return tr(FLAG_KEYS[flag])


def q_text(q: float) -> str:
    """An adjusted p-value as shown: four decimals, '<0.0001' below that, '–' when there is none."""
    return "–" if q != q else ("<0.0001" if q < 1e-4 else f"{q:.4f}")


f = common.filters()
st.title(tr("integrity.title"))
st.caption(tr("integrity.caption"))
if not f.periods:
    st.info(tr("sidebar.no_data"))
    st.stop()
version = common.data_version()
user = common.user()
periods = list(f.periods)
period = st.selectbox(tr("integrity.period"), list(reversed(periods)),
                      key=common.carried(f"int_period_{f.period_kind}"))
sel = f.with_(periods=(period,), weighted=False)  # the sidebar's selection; the checks read respondents unweighted
try:
    flags = flags_table(version, period, f.level, f.jurisdiction_codes, user, repr(user))
except JingminError as exc:
    common.show_error(exc)
    st.stop()
if flags.empty:
    st.info(tr("integrity.no_rows"))
    st.stop()

names = {row["jurisdiction"]: jurisdiction_name(row, common.lang()) for row in flags.to_dict("records")}
summary = integrity.summary(flags)
st.subheader(tr("integrity.summary"))
# Table cells are not markdown: names and labels go in as they are (plain() would show its backslashes).
shown = pd.DataFrame({tr("integrity.col.jurisdiction"): [names[c] for c in summary["jurisdiction"]],
                      tr("integrity.col.flag"): [flag_text(v) for v in summary["flag"]]})
for check in integrity.CHECKS:
    shown[tr(f"integrity.check.{check}")] = [flag_text(v) for v in summary[check]]
st.dataframe(shown, width="stretch", hide_index=True)

st.subheader(tr("integrity.details"))
only_flagged = st.toggle(tr("integrity.only_flagged"), value=True, key="int_only_flagged")
detail = integrity.with_evidence(flags, common.lang())
if only_flagged:
    detail = detail[detail["flag"] != "ok"]
if detail.empty:
    st.success(tr("integrity.no_flags"))
else:
    st.dataframe(pd.DataFrame({
        tr("integrity.col.jurisdiction"): [names[c] for c in detail["jurisdiction"]],
        tr("integrity.col.check"): [tr(f"integrity.check.{c}") for c in detail["check"]],
        tr("integrity.col.unit_kind"): [tr(f"integrity.kind.{k}") for k in detail["unit_kind"]],
        tr("integrity.col.unit"): list(detail["unit"]),
        tr("integrity.col.flag"): [flag_text(v) for v in detail["flag"]],
        tr("integrity.col.q_value"): [q_text(q) for q in detail["q_value"]],
        tr("integrity.col.evidence"): list(detail["evidence"]),
    }), width="stretch", hide_index=True)
csv_name = f"jingmin_integrity_{period}_{f.level}.csv"
common.download_csv(tr("integrity.csv"), integrity.with_evidence(flags, common.lang()).drop(
    columns=["evidence_key", "evidence_params"]), csv_name, key="int_csv")

with st.expander(tr("integrity.methods")):
    st.markdown(tr("integrity.methods_text", window=integrity.WINDOW_MIN, hours=int(integrity.WORKDAY_HOURS),
                   sec=int(integrity.SEC_PER_ITEM), periods=integrity.HISTORY_PERIODS))

st.subheader(tr("integrity.rows_title"))
if not user.can("integrity"):
    st.caption(tr("integrity.rows_hidden"))
    st.stop()
if "int_flash" in st.session_state:
    st.success(st.session_state.pop("int_flash"))
units = sorted(set(flags.loc[flags["flag"] == "alert", "jurisdiction"]))
unit = st.selectbox(tr("integrity.rows_unit"), [None, *units], key=common.carried(f"int_unit_{period}"),
                    format_func=lambda c: tr("integrity.rows_all_units") if c is None else names[c])
try:
    rows = integrity.flagged_rows(common.cursor(), sel, unit=unit, flags=flags)
except JingminError as exc:
    common.show_error(exc)
    st.stop()
if rows.empty:
    st.caption(tr("integrity.rows_none"))
else:
    # Above station level the unit is the district (or city) a respondent was tested in: headed by the level's name.
    labels = {**{c: tr(k) for c, k in ROW_LABELS.items()}, "unit": tr(f"level.{f.level}")}
    # Minutes with one decimal in every row ('0.6', '20.0'), not '0.5833' above '20'.
    st.dataframe(integrity.rows_shown(rows, f.level, common.lang()).rename(columns=labels), width="stretch",
                 hide_index=True, column_config={labels["duration_min"]: MINUTES})
    waiting = int((~rows["excluded"]).sum())
    if waiting and st.button(tr("integrity.exclude", n=waiting), key="int_exclude"):
        try:
            with common.writer() as con:
                done = integrity.exclude_flagged(con, sel, unit=unit)
            st.session_state["int_flash"] = tr("integrity.excluded_done", n=done)
            st.rerun()
        except JingminError as exc:
            common.show_error(exc)

st.subheader(tr("integrity.exclusions_title"))
listed = integrity.exclusions(common.cursor(), sel)
active = int(listed["active"].sum()) if not listed.empty else 0
st.caption(tr("integrity.exclusions_count", active=active, restored=len(listed) - active))
if not listed.empty:
    st.dataframe(integrity.exclusions_shown(listed, common.lang()).rename(columns=lambda c: tr(ROW_LABELS[c])),
                 width="stretch", hide_index=True)
if active and st.button(tr("integrity.restore_all"), key="int_restore"):
    try:
        with common.writer() as con:
            done = integrity.restore(con, sel)
        st.session_state["int_flash"] = tr("integrity.restored_done", n=done)
        st.rerun()
    except JingminError as exc:
        common.show_error(exc)
