"""Compare: funnel plot, sorted interval chart, shrunken estimates and rank intervals; peer groups."""

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import compare, integrity, peers
from analytics.auth import User
from analytics.errors import JingminError
from analytics.periods import period_kind
from analytics.presentation import change_cell, interval_text, jurisdiction_name, pct, signed
from analytics.result import Result
from analytics.selection import Selection
from app_pages import common

tr = common.tr
CLASS_COLOURS = {"above": "#00798c", "within": "#8d96a3", "below": "#d1495b", "na": "#c9ced6"}
LIMIT_COLOUR = "#2e4057"


@st.cache_data(show_spinner=False, hash_funcs={Selection: repr})
def comparison(version: str, sel: Selection, indicator: str, peer_group: str | None,
               overdispersion: bool) -> Result:
    """The comparison table and its summary for the selection's latest period (cached per data version and
    selection)."""
    return compare.compare_table(common.cursor(), sel, indicator=indicator, peer_group=peer_group,
                                 overdispersion=overdispersion)


@st.cache_data(show_spinner=False)
def peer_groups(version: str, _user: User, user_key: str) -> pd.DataFrame:
    """Every peer group member the user may see (cached per data version and user)."""
    return peers.list_peer_groups(common.cursor(), _user)


def _columns(*columns: Any) -> np.ndarray:
    """Chart ``customdata`` (one row per point) as one object array: plotly copies it at once instead of
    walking (and deep-copying) a list of tuples point by point. Same values, same chart."""
    out = np.empty((len(columns[0]), len(columns)), dtype=object)
    for i, column in enumerate(columns):
        out[:, i] = column.tolist() if hasattr(column, "tolist") else list(column)
    return out


def funnel_figure(table: pd.DataFrame, meta: Mapping[str, Any], names: dict[str, str],
                  class_names: dict[str, str]) -> go.Figure:
    """Rates against their base with the 95% and 99.8% limits drawn as lines over a grid of bases."""
    shown = table[table["funnel_class"] != "suppressed"]
    fig = go.Figure()
    curve = compare.funnel_curve(meta["overall"], 0.8 * shown["base"].min(), 1.2 * shown["base"].max(),
                                 phi=meta["phi_applied"])
    for level, dash, label in (("95", "dash", tr("compare.limit95")), ("998", "dot", tr("compare.limit998"))):
        for side in ("low", "high"):
            fig.add_trace(go.Scatter(x=curve["base"].to_numpy(), y=100 * curve[f"limit{level}_{side}"].to_numpy(),
                                     mode="lines",
                                     line={"color": LIMIT_COLOUR, "dash": dash, "width": 1}, name=label,
                                     legendgroup=level, showlegend=side == "low", hoverinfo="skip"))
    if not curve.empty:
        fig.add_trace(go.Scatter(x=curve["base"].to_numpy(), y=[100 * meta["overall"]] * len(curve), mode="lines",
                                 line={"color": LIMIT_COLOUR, "width": 1.5}, name=tr("compare.overall_line"),
                                 hoverinfo="skip"))
    for cls, colour in CLASS_COLOURS.items():
        points = shown[shown["funnel_class"] == cls]
        if points.empty:
            continue
        fig.add_trace(go.Scatter(
            x=points["base"].to_numpy(), y=100 * points["estimate"].to_numpy(), mode="markers", name=class_names[cls],
            marker={"color": colour, "size": 10, "line": {"color": "white", "width": 1}},
            customdata=_columns([names[c] for c in points["jurisdiction"]], points["n"], 100 * points["ci_low"],
                                100 * points["ci_high"], points["z"]),
            hovertemplate="<b>%{customdata[0]}</b><br>" + tr("compare.hover_rate")
                          + " %{y:.1f}% (%{customdata[2]:.1f}–%{customdata[3]:.1f})<br>n=%{customdata[1]}, "
                          + tr("compare.col.base") + " %{x:.0f}, z=%{customdata[4]:.2f}<extra></extra>"))
    x_title = tr("compare.funnel_x_neff") if meta["weighted"] else tr("compare.funnel_x_n")
    fig.update_layout(title=tr("compare.funnel_title"), xaxis_title=x_title, yaxis_title=tr("compare.rate_axis"),
                      height=460, legend={"orientation": "h", "y": -0.2})
    return fig


def caterpillar_figure(table: pd.DataFrame, meta: Mapping[str, Any], names: dict[str, str]) -> go.Figure:
    """Every unsuppressed jurisdiction's rate and interval, sorted (highest at the top)."""
    shown = table[table["funnel_class"] != "suppressed"].sort_values("estimate")
    labels = [names[c] for c in shown["jurisdiction"]]
    fig = go.Figure(go.Scatter(
        x=100 * shown["estimate"].to_numpy(), y=labels, mode="markers",
        marker={"color": [CLASS_COLOURS.get(c, CLASS_COLOURS["na"]) for c in shown["funnel_class"]], "size": 9},
        error_x={"type": "data", "symmetric": False, "array": 100 * (shown["ci_high"] - shown["estimate"]).to_numpy(),
                 "arrayminus": 100 * (shown["estimate"] - shown["ci_low"]).to_numpy(), "color": "#8d96a3"},
        customdata=_columns(shown["n"], 100 * shown["ci_low"], 100 * shown["ci_high"]),
        hovertemplate="<b>%{y}</b>: %{x:.1f}% (%{customdata[1]:.1f}–%{customdata[2]:.1f}), n=%{customdata[0]}"
                      "<extra></extra>", showlegend=False))
    fig.add_vline(x=100 * meta["overall"], line={"color": LIMIT_COLOUR, "width": 1.5},
                  annotation_text=tr("compare.overall_line"), annotation_position="top")
    fig.update_layout(title=tr("compare.caterpillar_title"), xaxis_title=tr("compare.rate_axis"),
                      yaxis={"type": "category"}, height=max(320, 28 * len(shown) + 120))
    return fig


def result_table(table: pd.DataFrame, names: dict[str, str], class_names: dict[str, str],
                 changes: dict[str, str], change_title: str, weighted: bool = False) -> pd.DataFrame:
    """Direct vs shrunken estimate, its change (``changes``: text per jurisdiction, under ``change_title``),
    rank interval and funnel class, as text (no number for suppressed rows).

    The base column is shown only for weighted figures (the effective base): unweighted, it is n again."""
    # Catalog texts looked up once, not per row (each lookup reads the session state).
    col = {key: tr(key) for key in ("col.jurisdiction", "col.n", "compare.col.base", "compare.col.direct",
                                    "compare.col.shrunken", "compare.col.rank", "compare.col.z", "compare.col.class")}
    suppressed_short = tr("flag.suppressed_short")
    rows = []
    for r in table.to_dict("records"):
        suppressed = r["funnel_class"] == "suppressed"
        rows.append({
            col["col.jurisdiction"]: names[r["jurisdiction"]],
            col["col.n"]: int(r["n"]),
            **({col["compare.col.base"]: f"{r['base']:.0f}"} if weighted else {}),
            col["compare.col.direct"]: (f"{suppressed_short} (n={int(r['n'])})" if suppressed
                                        else f"{pct(r['estimate'])} ({interval_text(r['ci_low'], r['ci_high'])})"),
            col["compare.col.shrunken"]: ("" if suppressed or pd.isna(r["shrunken"]) else f"{pct(r['shrunken'])} "
                                          f"({interval_text(r['shrunken_low'], r['shrunken_high'])})"),
            col["compare.col.rank"]: ("" if pd.isna(r["rank"]) else
                                      f"{int(r['rank'])} ({int(r['rank_low'])}–{int(r['rank_high'])})"),
            col["compare.col.z"]: signed(r["z"], 2),
            col["compare.col.class"]: class_names[r["funnel_class"]],
            change_title: "" if suppressed else changes.get(r["jurisdiction"], ""),
        })
    return pd.DataFrame(rows)


def peer_group_editor(version: str, level: str, groups: pd.DataFrame) -> None:
    """List the peer groups; admins and analysts can save and delete them."""
    with st.expander(tr("compare.peers.title")):
        if groups.empty:
            st.caption(tr("compare.peers.none"))
        else:
            listing = groups.assign(member=[
                (r["name_zh"] if common.lang() == "zh" else r["name_en"]) or r["jurisdiction_code"]
                for r in groups.to_dict("records")])
            summary = listing.groupby("group_name").agg(level=("level", "first"), members=("member", "、".join))
            summary["level"] = [tr(f"level.{lv}") if isinstance(lv, str) else "" for lv in summary["level"]]
            st.dataframe(summary.rename(columns={"level": tr("sidebar.level"),
                                                 "members": tr("compare.peers.members")}), width="stretch")
        if not common.user().can("definitions"):
            st.caption(tr("compare.peers.readonly"))
            return
        registry = common.cached_jurisdictions(version)
        at_level = registry[registry["level"] == level]
        name_column = "name_zh" if common.lang() == "zh" else "name_en"
        member_names = dict(zip(at_level["code"], at_level[name_column], strict=True))
        member_labels = {code: f"{name} ({code})" for code, name in member_names.items()}
        with st.form("cmp_peer_form", clear_on_submit=True):
            name = st.text_input(tr("compare.peers.name"), key="cmp_peer_name")
            members = st.multiselect(tr("compare.peers.members"), list(member_names),
                                     key=common.carried("cmp_peer_members"), format_func=member_labels.__getitem__)
            if st.form_submit_button(tr("compare.peers.save")):
                common.write_and_rerun(lambda con: peers.save_peer_group(con, name, members, user=common.user()),
                                       "cmp_flash", tr("compare.peers.saved", name=common.plain(name.strip())))
        existing = sorted(groups["group_name"].unique())
        if existing:
            doomed = st.selectbox(tr("compare.peers.existing"), existing, key=common.carried("cmp_peer_delete_pick"))
            if st.button(tr("compare.peers.delete"), key="cmp_peer_delete"):
                common.write_and_rerun(lambda con: peers.delete_peer_group(con, doomed, user=common.user()),
                                       "cmp_flash", tr("compare.peers.deleted", name=common.plain(doomed)))


def pick_benchmark(indicator: str, period: str) -> dict[str, Any] | None:
    """A published figure of the same indicator and period to draw as a benchmark (None: none chosen)."""
    figures = common.published_figures(f, periods=(period,))
    figures = figures[figures["indicator"].eq(indicator) & figures["period"].eq(period) & figures["value"].notna()
                      & figures["value_kind"].eq("proportion")]
    options = common.published_area_options(figures)
    if not options:
        return None
    none = tr("published.benchmark_none")
    pick = st.selectbox(tr("published.benchmark_pick"), [none, *options], key=common.carried("cmp_benchmark"),
                        format_func=lambda k: k if k == none else options[k])
    if pick == none:
        return None
    row = common.published_series(figures, pick).iloc[0].to_dict()
    row["area"] = options[pick]
    row["pick"] = pick  # which series: with the data version, it decides the line (a cache key of the charts)
    st.caption(tr("published.compare_line", area=common.plain(row["area"]), value=row["shown"],
                  source=common.plain(row["source"]))
               + ("" if row["interval"] != "none" else f" — {tr('published.no_interval')}"))
    return row


def draw_benchmark(fig: go.Figure, row: dict[str, Any]) -> None:
    """A dashed benchmark line at the published value (percent), with its interval as a band only when it has
    one; labelled as published with its source."""
    if row["interval"] != "none":
        fig.add_vrect(x0=100 * row["ci_low"], x1=100 * row["ci_high"], fillcolor="#8d96a3", opacity=0.15,
                      line_width=0)
    fig.add_vline(x=100 * row["value"], line={"color": "#444", "dash": "dash", "width": 1.5},
                  annotation_text=html.escape(f"{row['area']} {row['shown']} ({tr('published.label')})"),
                  annotation_position="top")


@st.cache_resource(show_spinner=False, max_entries=common.FIGURE_CACHE_ENTRIES)
def charts(version: str, sel_key: str, language: str, indicator: str, period: str, group: str,
           overdispersion: bool, benchmark_key: str | None, _table: pd.DataFrame, _meta: Mapping[str, Any],
           _names: dict[str, str], _benchmark: dict[str, Any] | None) -> tuple[go.Figure, go.Figure]:
    """The funnel plot and the caterpillar chart (with the published benchmark line, if one is picked),
    prepared by ``common.prepare_fig``; built once per data version and choices.

    The arguments named are everything the charts are drawn from (the comparison table and its summary
    follow from the data version, the selection with its user, the indicator, period, peer group and
    over-dispersion choice; the names and the class words from those and the language; the benchmark line
    from the data version and the picked series). Shared by every session without a copy: only read
    afterwards (``common.draw_fig``).
    """
    class_words = {c: tr(f"compare.class.{c}") for c in ("above", "within", "below", "suppressed", "na")}
    funnel = common.prepare_fig(funnel_figure(_table, _meta, _names, class_words))
    caterpillar = caterpillar_figure(_table, _meta, _names)
    if _benchmark is not None:
        draw_benchmark(caterpillar, _benchmark)
    return funnel, common.prepare_fig(caterpillar)


@st.cache_data(show_spinner=False)
def sensitivity(version: str, indicator: str, period: str, level: str, codes: tuple[str, ...], _user: User,
                user_key: str) -> Result:
    """The ranking with and without the respondents excluded after integrity alerts (cached per data version)."""
    sel = Selection(period_kind=period_kind(period), periods=(period,), level=level, jurisdiction_codes=codes,
                    user=_user)
    return integrity.sensitivity_table(common.cursor(), sel, indicator=indicator)


def sensitivity_view(version: str, indicator: str, period: str, level: str, codes: tuple[str, ...]) -> None:
    """Side by side: the ranking from every answer and without the excluded ones (issue 18). Never silent: the
    number excluded is stated, and the rows are listed (and restorable) on the Integrity page."""
    try:
        sens = sensitivity(version, indicator, period, level, codes, common.user(), repr(common.user()))
    except JingminError as exc:
        common.show_error(exc)
        return
    table, meta = sens.frame, sens.meta
    excluded = int(meta.get("n_excluded", 0))
    shown = pct if meta.get("kind", "rate") == "rate" else (lambda v: "" if v != v else f"{v:.2f}")
    with st.expander(tr("integrity.sens.title"), expanded=excluded > 0):
        if not excluded:
            st.caption(tr("integrity.sens.none"))
        st.caption(tr("integrity.sens.caption", n=excluded))
        st.dataframe(pd.DataFrame({
            tr("integrity.col.jurisdiction"): [jurisdiction_name(r, common.lang()) for r in table.to_dict("records")],
            tr("integrity.sens.col.n"): table["n"],
            tr("integrity.sens.col.estimate"): [shown(v) for v in table["estimate"]],
            tr("integrity.sens.col.rank"): table["rank"].astype("Int64"),
            tr("integrity.sens.col.n_excluded"): table["n_excluded"],
            tr("integrity.sens.col.estimate_kept"): [shown(v) for v in table["estimate_kept"]],
            tr("integrity.sens.col.rank_kept"): table["rank_kept"].astype("Int64"),
            tr("integrity.sens.col.rank_change"): table["rank_change"].astype("Int64"),
        }), width="stretch", hide_index=True)


f = common.page_start(tr("compare.title"), tr("compare.caption"), "cmp_flash")
lang = common.lang()

version = common.data_version()
labels = common.indicator_labels()
groups = peer_groups(version, common.user(), repr(common.user()))
level_groups = sorted(groups.loc[groups["level"] == f.level, "group_name"].unique())
group_labels = {"": tr("compare.peer_all"), **{g: g for g in level_groups}}
class_names = {c: tr(f"compare.class.{c}") for c in ("above", "within", "below", "suppressed", "na")}

for widget_key, allowed in ((f"cmp_period_{f.period_kind}", f.periods), (f"cmp_group_{f.level}", group_labels),
                            ("cmp_indicator", labels)):
    if widget_key in st.session_state and st.session_state[widget_key] not in allowed:
        del st.session_state[widget_key]  # a period out of range, or a deleted group: back to the default

left, middle, right = st.columns(3)
# Open on an indicator that has figures in the latest period at this level, not on the first one defined.
latest = common.indicator_table(f, changes=False, periods=(f.latest,))
with_data = set(latest.loc[latest["estimate"].notna(), "indicator"]) if not latest.empty else set()
first = next((i for i, key in enumerate(labels) if key in with_data), 0)
indicator = left.selectbox(tr("compare.indicator"), list(labels), index=first, key=common.carried("cmp_indicator"),
                           format_func=labels.__getitem__)
periods = list(f.periods)
period = middle.selectbox(tr("compare.period"), periods, index=len(periods) - 1,
                          key=common.carried(f"cmp_period_{f.period_kind}"))
group = right.selectbox(tr("compare.peer_group"), list(group_labels), key=common.carried(f"cmp_group_{f.level}"),
                        format_func=group_labels.__getitem__)

result = None
overdispersion = False
try:
    result = comparison(version, f.with_(periods=(period,)), indicator, group or None, False)
    # Significant over-dispersion: the adjusted limits are the default (the unadjusted ones would flag
    # jurisdictions for differences that are not theirs); the user may switch back, per selection.
    significant = bool(result.meta.get("phi_significant", False))
    overdispersion = st.toggle(tr("compare.overdispersion"), value=significant,
                               key=f"cmp_overdispersion_{indicator}_{period}_{f.level}_{group}_{f.weighted}",
                               help=tr("compare.overdispersion_help"))
    if overdispersion:
        result = comparison(version, f.with_(periods=(period,)), indicator, group or None, True)
except JingminError as exc:
    common.show_error(exc)

if result is not None and result.empty:
    st.info(tr("compare.no_data"))
elif result is not None:
    table, meta = result.frame, result.meta
    names = {r["jurisdiction"]: jurisdiction_name(r, lang)
             for r in table[["jurisdiction", "name_zh", "name_en"]].to_dict("records")}
    base_text = tr("compare.base_neff") if meta["weighted"] else tr("compare.base_n")
    if meta["units"]:
        st.markdown(tr("compare.summary", overall=pct(meta["overall"]), units=meta["units"], base=base_text))
        counts = table["funnel_class"].value_counts()
        st.caption(tr("compare.counts", above=int(counts.get("above", 0)), below=int(counts.get("below", 0))))
    if meta["phi"] == meta["phi"]:  # not nan
        key = ("compare.phi_default_adjusted" if meta["phi_applied"] != 1.0 else
               "compare.phi_unadjusted_by_choice" if meta["phi_significant"] else "compare.phi_not_significant")
        st.caption(tr(key, phi=f"{meta['phi']:.2f}"))
    if meta["suppressed"]:
        st.caption(tr("compare.suppressed_list", names="、".join(common.plain(names[c]) for c in meta["suppressed"])))
    benchmark = pick_benchmark(indicator, period)
    if meta["units"]:
        funnel, caterpillar = charts(version, repr(f), lang, indicator, period, group, overdispersion,
                                     None if benchmark is None else benchmark["pick"], table, meta, names,
                                     benchmark)
        plots = st.columns(2)
        with plots[0]:
            common.draw_fig(funnel)
        with plots[1]:
            common.draw_fig(caterpillar)
    st.subheader(tr("compare.table_title"))
    vs = common.compared_with(f, period)
    # The comparison in the caption and the column's help: as the header it made the column too wide to be seen.
    st.caption(tr("compare.table_caption", sims=compare.RANK_SIMULATIONS)
               + (" " + tr("selection.changes_vs", words=vs) if vs else ""))
    if not meta["shrinkage"]:
        st.caption(tr("compare.no_shrinkage"))
    # The change of each jurisdiction by the sidebar's comparison rule, as on the Overview (same table, same test).
    changed = common.indicator_table(f, periods=(period,))
    changed = changed[changed["indicator"] == indicator]
    change_text = dict(zip(changed["jurisdiction"], [change_cell(r) for r in changed.to_dict("records")],
                           strict=True))
    change_title = tr("compare.col.change")
    st.dataframe(result_table(table, names, class_names, change_text, change_title,
                              weighted=bool(meta["weighted"])), width="stretch",
                 hide_index=True, column_config={change_title: st.column_config.TextColumn(help=vs or None)})
    csv_name = f"jingmin_compare_{indicator}_{period}_{f.level}.csv"
    common.download_csv(tr("compare.download"), table, csv_name, key="cmp_download",
                        cache_key=("compare", version, repr(f), indicator, period, group, overdispersion))

peer_group_editor(version, f.level, groups)
if result is not None and not result.empty:
    sensitivity_view(version, indicator, period, f.level, f.jurisdiction_codes)
