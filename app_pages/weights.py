"""Weights: rake the survey weights to uploaded population margins, reset them, and see their effect (Kish)."""

import pandas as pd
import streamlit as st

from analytics import weights
from analytics.auth import User
from analytics.errors import JingminError
from app_pages import common

tr = common.tr
MAX_MARGINS = 3


@st.cache_data(show_spinner=False)
def summary(version: str, _user: User, user_key: str) -> pd.DataFrame:
    """Kish n_eff and deff overall, per batch and per district the user may see (cached per data version and user)."""
    return weights.weights_summary(common.cursor(), user=_user)


def status_table(table: pd.DataFrame) -> pd.DataFrame:
    """The summary with localised labels."""
    lang = common.lang()
    scope = []
    for r in table.to_dict("records"):
        if r["scope"] == "all":
            scope.append(tr("weights.scope.all"))
        elif r["scope"] == "batch":
            scope.append(tr("weights.scope.batch", batch=r["batch_id"]))
        else:
            name = r["name_zh"] if lang == "zh" else r["name_en"]
            scope.append(name if isinstance(name, str) and name else str(r["district"]))
    return pd.DataFrame({
        tr("weights.col.scope"): scope,
        tr("weights.col.n"): table["n"],
        tr("weights.col.n_eff"): table["n_eff"].round(1),
        tr("weights.col.deff"): table["deff"].round(3),
        tr("weights.col.range"): [f"{lo:.4g}–{hi:.4g}" for lo, hi in zip(table["weight_min"], table["weight_max"],
                                                                          strict=True)],
        tr("weights.col.n_raked"): table["n_raked"],
    })


def label_check(frame: pd.DataFrame, dims: list[list[str]], picked: list[int]) -> dict[str, dict[str, str]]:
    """Show the labels that sample and margins do not share, with proposals; return the recodes to apply."""
    if not picked:
        return {}
    try:
        report = weights.margin_label_report(common.cursor(), frame, dims=dims, batch_ids=picked)
    except JingminError as exc:
        common.show_error(exc)
        return {}
    if report.empty:
        return {}
    st.warning(tr("weights.labels_unmatched"))
    shown = report.assign(
        side=[tr(f"weights.labels.side.{side}") for side in report["side"]],
        suggestion=[tr(key, **params) for key, params in zip(report["suggestion_key"], report["suggestion_params"],
                                                              strict=True)],
    ).drop(columns=["suggestion_key", "suggestion_params"])
    st.dataframe(shown.rename(columns={c: tr(f"weights.labels.col.{c}") for c in shown.columns}),
                 width="stretch", hide_index=True)
    proposals = weights.proposed_recodes(report)
    if proposals and st.checkbox(tr("weights.labels_apply"), key="w_apply_recodes"):
        return proposals
    return {}


def rake_form(frame: pd.DataFrame) -> None:
    """Choose margins, batches and trimming; rake."""
    columns = [c for c in frame.columns if c != "population"]
    st.caption(tr("weights.margin_help"))
    dims = []
    for number in range(1, MAX_MARGINS + 1):
        chosen = st.multiselect(tr("weights.margin", number=number), columns, key=common.carried(f"w_margin_{number}"),
                                default=columns if number == 1 else None)
        if chosen:
            dims.append(chosen)
    if not dims:
        return
    batches = weights.rakeable_batches(common.cursor(), dims)
    complete = batches[(batches["complete"] == batches["respondents"]) & (batches["respondents"] > 0)]
    labels = {int(r["batch_id"]): f"{r['batch_id']}: {r['source_name']} ({r['survey_mode'] or '?'}, "
                                  f"n={r['respondents']})" for r in batches.to_dict("records")}
    picked = st.multiselect(tr("weights.batches"), list(labels), default=[int(b) for b in complete["batch_id"]],
                            key=common.carried("w_batches"), format_func=labels.__getitem__)
    per_batch = st.checkbox(tr("weights.per_batch"), key="w_per_batch")
    trim = None
    if st.checkbox(tr("weights.trim"), key="w_trim"):
        low, high = st.columns(2)
        trim = (low.number_input(tr("weights.trim_lo"), min_value=0.01, max_value=1.0, value=0.3, step=0.05,
                                 key="w_trim_lo"),
                high.number_input(tr("weights.trim_hi"), min_value=1.0, max_value=100.0, value=3.0, step=0.5,
                                  key="w_trim_hi"))
    recodes = label_check(frame, dims, picked)
    if st.button(tr("weights.rake"), key="w_rake", type="primary", disabled=not picked):
        try:
            with st.spinner():
                with common.writer() as con:
                    runs = weights.rake_and_refresh(con, frame, dims=dims, batch_ids=picked, trim=trim,
                                                    per_batch=per_batch, user=common.user(),
                                                    recodes=recodes)
        except JingminError as exc:
            common.show_error(exc)
            return
        st.session_state["w_flash"] = " ".join(
            tr("weights.raked", batches=", ".join(map(str, ids)), iterations=result.iterations,
               low=f"{result.weight_min:.4g}", high=f"{result.weight_max:.4g}", deff=f"{result.deff_kish:.3f}")
            for ids, result in runs)
        st.rerun()


common.filters()
st.title(tr("weights.title"))
st.caption(tr("weights.caption"))
if "w_flash" in st.session_state:
    st.success(st.session_state.pop("w_flash"))

version = common.data_version()
table = summary(version, common.user(), repr(common.user()))
st.subheader(tr("weights.status"))
last = weights.last_weighting(common.cursor())
if last is None:
    st.markdown(tr("weights.never"))
else:
    actions = {"weights.rake": tr("weights.action.rake"), "weights.reset": tr("weights.action.reset")}
    st.markdown(tr("weights.last", action=actions[last["action"]], actor=common.plain(last["actor"]),
                   time=f"{last['logged_at']:%Y-%m-%d %H:%M}"))
if table.empty or int(table["n"].iloc[0]) == 0:
    st.info(tr("weights.no_respondents"))
    st.stop()
st.caption(tr("weights.status_caption"))
st.dataframe(status_table(table), width="stretch", hide_index=True)

if not common.user().can("weights"):
    st.caption(tr("weights.no_permission"))
    st.stop()

upload = st.file_uploader(tr("weights.upload"), type=["csv", "txt"], key="w_upload")
if upload is not None:
    try:
        margins = weights.read_margins(upload.getvalue())
    except JingminError as exc:
        common.show_error(exc)
    else:
        st.caption(tr("weights.preview"))
        st.dataframe(margins.head(10), width="stretch", hide_index=True)
        rake_form(margins)

st.divider()
if st.button(tr("weights.reset"), key="w_reset"):
    try:
        with common.writer() as con:
            count = weights.reset_and_refresh(con, user=common.user())
    except JingminError as exc:
        common.show_error(exc)
    else:
        st.session_state["w_flash"] = tr("weights.reset_done", count=count)
        st.rerun()
