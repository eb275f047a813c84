"""Forum: what a station reports to residents (警民恳谈会), ready to present, with PowerPoint and HTML downloads.

Everything shown comes from :func:`analytics.forum.forum_summary` (sentences included), so the page,
the downloads and ``python -m analytics report`` say the same thing. ``?clean=1`` (or the toggle)
hides the sidebar and toolbar for a projector.
"""

import dataclasses
import functools
import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import forum, report, report_common
from analytics.auth import User, visible_codes
from analytics.errors import JingminError
from analytics.forum import AssessmentFigures, ForumSummary
from analytics.periods import WAVE_KIND, available_periods
from analytics.selection import Selection
from app_pages import common

# Constant CSS only (no data): larger figures always; clean mode also hides the app's chrome.
BASE_CSS = """<style>
[data-testid="stMetricValue"] { font-size: 3.2rem; font-weight: 700; }
[data-testid="stMetricLabel"] p { font-size: 1.25rem; font-weight: 600; }
</style>"""
CLEAN_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
.block-container { padding-top: 1.2rem; max-width: 100%; }
[data-testid="stMetricValue"] { font-size: 4.2rem; }
</style>"""
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~$:=-])")
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# Three, not four: at 1280 px a tile a quarter of the page wide cut 100.0% to '100.…'.
TILES_PER_ROW = 3


def plain(text: str) -> str:
    """Text from the database shown by a Markdown-rendering element, with Markdown, LaTeX and directives escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


@st.cache_data(show_spinner=False, hash_funcs={Selection: repr})
def cached_summary(version: str, sel: Selection, jurisdiction: str, lang: str) -> ForumSummary:
    """The forum summary (cached per data version, selection, jurisdiction and language)."""
    return forum.forum_summary(common.cursor(), sel, jurisdiction, lang)


def pick_jurisdiction(registry: pd.DataFrame, visible: set[str] | None, default: str | None) -> str:
    """The jurisdiction picker: stations first, then districts and the city; default from the sidebar."""
    order = {"station": 0, "district": 1, "city": 2}
    # Communities (below a station) have no forum of their own: their residents are in their station's.
    rows = registry[registry["level"].isin(order)]
    rows = rows if visible is None else rows[rows["code"].isin(visible)]
    rows = rows.assign(_o=rows["level"].map(order)).sort_values(["_o", "code"])
    names = {r["code"]: f"{r['name_zh' if common.lang() == 'zh' else 'name_en']} ({r['code']})"
             for r in rows.to_dict("records")}
    codes = list(names)
    index = codes.index(default) if default in codes else 0
    return st.selectbox(tr("forum.page.jurisdiction"), codes, index=index, key=common.carried("forum_jurisdiction"),
                        format_func=names.__getitem__)


def show_tiles(s: ForumSummary) -> None:
    """One big tile per indicator: rate, change (arrow only when significant), interval in words."""
    for start in range(0, len(s.tiles), TILES_PER_ROW):
        columns = st.columns(TILES_PER_ROW)
        for column, tile in zip(columns, s.tiles[start:start + TILES_PER_ROW], strict=False):
            change = tile.headline_change
            delta = None
            if tile.rate.shown and change is not None and change.significant and change.change is not None:
                # percentage points for a rate, score points for a mean (never percent)
                delta = (f"{tile.rate.format_change(change.change)} "
                         f"{tr('forum.page.score_points' if tile.rate.is_mean else 'forum.page.points')}")
            with column.container(border=True):
                # a suppressed rate shows a dash and the words, never a number
                # the label as wrapping text: a metric's own label is cut to one line ('Satisfaction (3…')
                common.metric_tile(st, tile.label, tile.rate.text if tile.rate.shown else "—",
                                   plain(tile.description), delta=delta)
                if not tile.rate.shown:
                    st.markdown(f"**{plain(tile.rate.text)}**")
                elif change is not None:
                    st.markdown(f"**{plain(change.brief)}**" if change.significant else plain(change.brief))
                st.caption(plain(tile.interval_sentence))


def show_comparison(s: ForumSummary) -> None:
    """The jurisdiction next to its district and the city: grouped bars and the same figures as a table."""
    places = [p for p in (s.place, s.district, s.city) if p is not None]
    if len(places) < 2:
        return
    st.header(tr("forum.page.compare"))
    fig = go.Figure()
    table = {}
    bars = [tile for tile in s.tiles if not tile.rate.is_mean]  # one 0–100% axis: means are in the table only
    for index, place in enumerate(places):
        rates = [(tile.rate, tile.district, tile.city)[0 if index == 0 else (1 if place == s.district else 2)]
                 for tile in s.tiles]
        shown = [r for tile, r in zip(s.tiles, rates, strict=True) if not tile.rate.is_mean]
        fig.add_trace(go.Bar(
            x=[tile.label for tile in bars], y=[r.estimate if r is not None else None for r in shown],
            name=place.name, text=[r.text if r is not None and r.shown else "" for r in shown],
            textposition="outside", textfont={"size": 13},
            marker_color=report_common.PLACE_COLORS[index % len(report_common.PLACE_COLORS)]))
        table[place.name] = [r.text if r is not None else "—" for r in rates]
    fig.update_layout(barmode="group", yaxis={"tickformat": ".0%", "range": [0, 1.08]}, height=420,
                      legend={"orientation": "h", "y": 1.1}, font={"size": 16})
    common.show_fig(fig)
    frame = pd.DataFrame(table, index=[tile.label for tile in s.tiles]).T
    st.dataframe(frame, width="stretch")


def show_trend(s: ForumSummary) -> None:
    """The trend of one indicator: the jurisdiction (labelled), its district and the city."""
    st.header(tr("forum.page.trend"))
    labels = {tile.indicator: tile.label for tile in s.tiles}
    key = st.selectbox(tr("forum.page.trend_pick"), list(labels), format_func=labels.__getitem__,
                       key=common.carried("forum_trend_indicator"))
    tile = s.tile(key)
    fig = go.Figure()
    for index, series in enumerate(tile.trend):
        fig.add_trace(go.Scatter(
            x=list(s.trend_periods), y=list(series.values), name=series.place.name, connectgaps=False,
            mode="lines+markers+text" if index == 0 else "lines+markers",
            text=[tile.rate.format(v) if v is not None else "" for v in series.values] if index == 0 else None,
            textposition="top center",
            line={"color": report_common.PLACE_COLORS[index % len(report_common.PLACE_COLORS)],
                  "width": 4 if index == 0 else 2}))
    low, high = report_common.axis_range([v for series in tile.trend for v in series.values], tile.rate)
    step = (tile.rate.scale_max - tile.rate.scale_min) / 10 if tile.rate.is_mean else 0.1
    fig.update_layout(yaxis={"tickformat": "g" if tile.rate.is_mean else ".0%", "range": [low, high], "dtick": step},
                      xaxis={"type": "category"},
                      height=420,
                      legend={"orientation": "h", "y": -0.15}, font={"size": 16})
    common.show_fig(fig)


def show_cases(s: ForumSummary) -> None:
    """Case-work figures: callbacks, satisfaction at callback, small cases solved, disputes mediated."""
    st.header(tr("forum.page.cases"))
    if not s.cases:
        # case records are dated, not in survey waves: say so rather than "no cases"
        st.info(tr("forum.page.cases_by_period" if s.period_kind == WAVE_KIND else "forum.page.no_cases"))
        return
    for column, figure in zip(st.columns(len(s.cases)), s.cases, strict=True):
        with column.container(border=True):
            common.metric_tile(st, figure.label, figure.rate.text if figure.rate.shown else "—")
            if not figure.rate.shown:
                st.markdown(f"**{plain(figure.rate.text)}**")
            st.caption(plain(figure.sentence))
            parents = [r for r in (figure.district, figure.city) if r is not None]
            if parents:
                st.caption(plain(" · ".join(f"{r.name} {r.text}" for r in parents)))


def show_actions(s: ForumSummary, editable: bool, clean: bool, version: str) -> None:
    """You said, we did: read-only when presenting, an editor with a save button otherwise."""
    st.header(tr("forum.page.actions"))
    notice = st.session_state.pop("forum_notice", None)
    if notice:
        st.success(notice)
    status_names = {code: tr(f"forum.status.{code}") for code in forum.STATUSES}
    columns = {"concern": tr("forum.col.concern"), "action": tr("forum.col.action"), "status": tr("forum.col.status")}
    if clean or not editable:
        if not s.actions:
            st.info(tr("forum.page.no_actions"))
            return
        frame = pd.DataFrame([{"concern": a.concern_text, "action": a.action, "status": a.status_label}
                              for a in s.actions]).rename(columns=columns)
        st.dataframe(frame, width="stretch", hide_index=True)
        return
    st.caption(tr("forum.page.actions_help"))
    # Demand topics are counted per calendar period; a survey wave has no demand counts to start rows from.
    if s.period_kind != WAVE_KIND and st.button(tr("forum.page.from_topics"), help=tr("forum.page.from_topics_help"),
                                                key="forum_from_topics"):
        try:
            with common.writer() as con:
                added = forum.add_topic_actions(con, s.place.code, s.period, user=common.user(),
                                                lang=common.lang())
        except JingminError as exc:
            common.show_error(exc)
            return
        st.session_state["forum_notice"] = tr("forum.page.from_topics_done", n=added)
        st.rerun()
    frame = pd.DataFrame({
        "action_id": pd.array([a.action_id for a in s.actions], dtype="Int64"),
        "concern": pd.array([a.concern for a in s.actions], dtype="string"),
        "said": pd.array([a.said for a in s.actions], dtype="string"),
        "action": pd.array([a.action for a in s.actions], dtype="string"),
        "status": pd.array([a.status for a in s.actions], dtype="string"),
    })
    edited = st.data_editor(
        frame, num_rows="dynamic", hide_index=True, width="stretch",
        # a wave may share its label with a calendar period: the kind keeps their editors apart
        key=f"forum_editor_{s.place.code}_{s.period_kind}_{s.period}_{version}",
        column_config={
            "action_id": None,
            "concern": st.column_config.TextColumn(columns["concern"], required=True, width="large",
                                                   max_chars=forum.MAX_CONCERN_CHARS),
            "said": st.column_config.TextColumn(tr("forum.col.said"), disabled=True),
            "action": st.column_config.TextColumn(columns["action"], width="large", max_chars=forum.MAX_ACTION_CHARS),
            "status": st.column_config.SelectboxColumn(columns["status"], options=list(forum.STATUSES),
                                                       default="planned", required=True,
                                                       format_func=status_names.__getitem__),
        })
    if st.button(tr("forum.page.save"), type="primary", key="forum_save"):
        try:
            with common.writer() as con:
                result = forum.save_actions(con, s.place.code, s.period, edited.to_dict("records"),
                                            user=common.user(), period_kind=s.period_kind)
        except JingminError as exc:
            common.show_error(exc)
            return
        st.session_state["forum_notice"] = (
            tr("forum.page.saved", inserted=result.inserted, updated=result.updated, deleted=result.deleted)
            if result.changed else tr("forum.page.unchanged"))
        st.rerun()


def show_downloads(s: ForumSummary) -> None:
    """PowerPoint and HTML, built from the same summary when the button is pressed."""
    st.header(tr("forum.page.downloads"))
    name = s.file_stem()
    left, right = st.columns(2)
    left.download_button(tr("forum.page.download_pptx"), functools.partial(report.build_pptx, s),
                         file_name=f"{name}.pptx", mime=PPTX_MIME, key="forum_pptx", icon=":material/slideshow:",
                         on_click=common.audit_download, args=(f"{name}.pptx",))
    right.download_button(tr("forum.page.download_html"), functools.partial(report.build_html, s),
                          file_name=f"{name}.html", mime="text/html", key="forum_html", icon=":material/html:",
                          on_click=common.audit_download, args=(f"{name}.html",))


def pick_benchmark(s: ForumSummary) -> ForumSummary:
    """"London 63%, our city 58%": a chosen external area's published figures beside our city's own, for the
    forum's period, each with its source and labelled as published (no significance test, no arrow). The chosen
    benchmark goes into the downloads too (:func:`analytics.forum.with_benchmark`). Published figures are per
    calendar period: none is offered for a survey wave."""
    if s.period_kind == WAVE_KIND:
        return s
    figures = common.published_figures(f, periods=(s.period,))
    figures = figures[figures["indicator"].notna() & figures["period"].eq(s.period)]
    options = common.published_area_options(figures)
    if not options:
        return s
    st.header(tr("published.forum_heading"))
    none = ""
    options[none] = tr("published.forum_pick_none")
    pick = st.selectbox(tr("published.benchmark_pick"), list(options), format_func=options.__getitem__,
                        key=common.carried("forum_published"))
    if pick == none:
        return s
    root, code, grp = pick.split("\x1f")
    try:
        s = forum.with_benchmark(common.cursor(), s, root, code, grp)
    except JingminError as exc:
        common.show_error(exc)
        return s
    assert s.benchmark is not None
    for line in s.benchmark.lines:
        st.markdown(f"**{plain(line.label)}**: " + plain(line.sentence))
        st.caption(plain(line.interval))
    st.caption(plain(s.benchmark.note) + " " + tr("published.forum_in_reports"))
    return s


@st.cache_data(show_spinner=False)
def cached_assessment(version: str, _summary: ForumSummary, summary_key: tuple[str, str, str, bool], _user: User,
                      user_key: str) -> AssessmentFigures | None:
    """The place's assessment figures (cached per data version, forum selection and user: the rank interval
    is simulated)."""
    return forum.with_assessment(common.cursor(), _summary, user=_user).assessment


def show_assessment(s: ForumSummary) -> None:
    """The place's score and rank with their intervals, each component's target status, the formula."""
    a = s.assessment
    if a is None:
        return
    st.header(tr("assess.forum.title", scheme=plain(a.scheme)))
    st.markdown(f"**{plain(a.sentence)}**")
    st.dataframe(pd.DataFrame([{
        tr("assess.col.component"): c.label, tr("assess.col.value"): c.value or tr("assess.not_assessable"),
        tr("assess.forum.target"): c.target, tr("assess.col.status"): c.status, tr("assess.col.points"): c.points,
    } for c in a.components]), width="stretch", hide_index=True)
    with st.expander(tr("assess.forum.formula")):
        st.text(a.formula)


# ------------------------------------------------------------------------------------------------- page

tr = common.tr
f = common.filters()
user = common.user()
version = common.data_version()

clean = st.toggle(tr("forum.page.clean"), value=st.query_params.get("clean") == "1", key="forum_clean",
                  help=tr("forum.page.clean_help"))
if clean:
    st.query_params["clean"] = "1"
elif "clean" in st.query_params:
    del st.query_params["clean"]
st.markdown(BASE_CSS + (CLEAN_CSS if clean else ""), unsafe_allow_html=True)

registry = common.cached_jurisdictions(version)
visible = visible_codes(common.cursor(), user)
# Survey waves are offered in wave order (latest first), like calendar periods; a wave is compared with the wave
# before it (analytics.forum.forum_summary).
periods = list(reversed(common.cached_waves(version) if f.period_kind == WAVE_KIND
                        else available_periods(common.cached_months(version), f.period_kind)))
if not periods:
    st.info(tr("sidebar.no_data"))
    st.stop()
default_code = f.jurisdiction_codes[0] if f.jurisdiction_codes else user.jurisdiction_code
with st.expander(tr("forum.page.settings"), expanded=not clean):
    left, right = st.columns(2)
    with left:
        code = pick_jurisdiction(registry, visible, default_code)
    with right:
        period = st.selectbox(tr("forum.page.period"), periods,
                              index=periods.index(f.latest) if f.latest in periods else 0,
                              key=common.carried(f"forum_period_{f.period_kind}"))
    # the assessment's targets are per calendar period: not offered for a survey wave
    with_assessment = f.period_kind != WAVE_KIND and st.checkbox(tr("assess.forum.option"), key="forum_assessment")

try:
    summary = cached_summary(version, f.with_(periods=(period,)), code, common.lang())
except JingminError as exc:
    common.show_error(exc)
    st.stop()

st.title(plain(summary.title))
st.subheader(plain(summary.subtitle))
st.caption(plain(summary.compared))  # the sidebar's comparison rule (for a wave: the wave before), as on every page
show_tiles(summary)
if not clean:
    st.caption(plain(" ".join(report_common.method_lines(summary))))
show_comparison(summary)
summary = pick_benchmark(summary)
if with_assessment:
    try:
        summary = dataclasses.replace(summary, assessment=cached_assessment(
            version, summary, (code, period, common.lang(), f.weighted), user, repr(user)))
    except JingminError as exc:
        common.show_error(exc)
show_assessment(summary)
show_trend(summary)
show_cases(summary)
show_actions(summary, forum.can_edit(common.cursor(), user, summary.place.code), clean, version)
if not clean:
    show_downloads(summary)
