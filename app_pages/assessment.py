"""Assessment (考核): stations ranked by a composite score with intervals, target statuses, the formula,
component contributions, officers, the workbook; analysts set targets and edit schemes here."""

import functools
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import assessment, integrity
from analytics.errors import JingminError
from analytics.presentation import jurisdiction_name, signed
from analytics.result import Result
from analytics.selection import Selection
from app_pages import common

tr = common.tr



@st.cache_data(show_spinner=False)
def assessed(version: str, scheme_name: str | None, _sel: Selection, sel_key: str) -> assessment.Assessment:
    """The assessment of a saved scheme (cached per data version, scheme and selection, user included)."""
    return assessment.assess(common.cursor(), _sel, scheme_name)


@st.cache_data(show_spinner=False)
def officers(version: str, _sel: Selection, sel_key: str) -> pd.DataFrame:
    """Internal measures per officer of the stations the user may see (cached)."""
    return assessment.officer_table(common.cursor(), _sel)


@st.cache_data(show_spinner=False)
def sensitivity(version: str, scheme_name: str, _sel: Selection, sel_key: str,
                _every: assessment.Assessment) -> Result:
    """The ranking with every respondent and without those excluded after integrity alerts (cached per data
    version, scheme and selection, user included: a station user gets its own rows only). ``_every`` is the page's
    assessment of the same scheme and selection (not part of the key: the key determines it), reused."""
    return integrity.assessment_sensitivity(common.cursor(), _sel, scheme_name, every=_every)


def _rank_text(rank: Any, low: Any, high: Any) -> str:
    return "" if pd.isna(rank) else f"{int(rank)} ({int(low)}–{int(high)})"


def sensitivity_section(version: str, scheme_name: str, sel: Selection, names: dict[str, str],
                        every: assessment.Assessment) -> None:
    """Issue 18: the ranking with and without the respondents excluded after integrity alerts, side by side. Never
    silent: how many are excluded and at which jurisdictions is stated; analysts are sent to the Integrity page,
    where the rows are listed and restored (leaders and station users see the figures and flags, never rows)."""
    try:
        sens = sensitivity(version, scheme_name, sel, repr(sel), every)
    except JingminError as exc:
        common.show_error(exc)
        return
    table, excluded = sens.frame, int(sens.meta["n_excluded"])
    with st.expander(tr("assess.sens.title"), expanded=excluded > 0):
        if not excluded:
            st.caption(tr("integrity.sens.none"))
        else:
            where = table[table["n_excluded"] > 0]
            separator = "、" if common.lang() == "zh" else ", "
            st.markdown(tr("assess.sens.count", n=excluded, where=separator.join(
                f"{common.plain(names.get(c, c))} ({k})" for c, k in zip(where["jurisdiction"], where["n_excluded"],
                                                                        strict=True))))
        st.caption(tr("assess.sens.caption"))
        yes, no, none = tr("assess.sens.yes"), tr("assess.sens.no"), tr("assess.not_assessable")
        st.dataframe(pd.DataFrame({
            tr("col.jurisdiction"): [names.get(c, c) for c in table["jurisdiction"]],
            tr("integrity.sens.col.n_excluded"): table["n_excluded"],
            tr("assess.sens.col.score"): [score_text(*v) or none for v in zip(table["score"], table["ci_low"],
                                                                               table["ci_high"], strict=True)],
            tr("assess.sens.col.rank"): [_rank_text(*v) for v in zip(table["rank"], table["rank_low"],
                                                                      table["rank_high"], strict=True)],
            tr("assess.sens.col.score_kept"): [score_text(*v) or none for v in zip(
                table["score_kept"], table["ci_low_kept"], table["ci_high_kept"], strict=True)],
            tr("assess.sens.col.rank_kept"): [_rank_text(*v) for v in zip(table["rank_kept"], table["rank_low_kept"],
                                                                           table["rank_high_kept"], strict=True)],
            tr("integrity.sens.col.rank_change"): [
                signed(v, 0) for v in table["rank_change"]],
            tr("assess.sens.col.outside"): [
                "" if pd.isna(v) else (yes if v else no) for v in table["rank_kept_outside_interval"]],
        }), width="stretch", hide_index=True)
        if common.user().can("integrity"):
            st.page_link("app_pages/integrity.py", label=tr("assess.sens.link"), icon=":material/fact_check:")
        else:
            st.caption(tr("assess.sens.rows_for_analysts"))


def score_text(score: Any, low: Any, high: Any) -> str:
    """'72.4 (68.1–76.7)' in points, or empty."""
    if pd.isna(score):
        return ""
    return f"{score:.1f} ({low:.1f}–{high:.1f})"


def value_text(row: dict[str, Any]) -> str:
    """A component value on its own scale: a rate as a percentage, a mean with its unit."""
    if pd.isna(row["value"]):
        return ""
    if row["kind"] == "rate":
        return f"{100 * row['value']:.1f}% ({100 * row['ci_low']:.1f}–{100 * row['ci_high']:.1f})"
    return f"{row['value']:.1f}{row['unit'] or ''} ({row['ci_low']:.1f}–{row['ci_high']:.1f})"


def ranked_table(result: assessment.Assessment, names: dict[str, str], labels: dict[str, str]) -> pd.DataFrame:
    """One row per jurisdiction: rank (interval), score (interval), change, target status per component."""
    statuses = {s: tr(f"assess.status.{s}") for s in assessment.STATUSES}
    headers = {key: tr(key) for key in ("assess.col.rank", "col.jurisdiction", "assess.col.score", "assess.col.change",
                                        "assess.col.missing")}
    not_assessable = tr("assess.not_assessable")
    comp = result.components
    # Each unit's statuses gathered in one pass (in the components' order), not by a mask over every component per
    # jurisdiction: at 500 stations those masks were most of a re-run of this page.
    by_unit: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for c in comp[comp["status"].notna()].to_dict("records"):
        by_unit.setdefault((c["jurisdiction"], c["period"]), []).append(c)
    rows = []
    for r in result.scores.to_dict("records"):
        row = {
            headers["assess.col.rank"]: "" if pd.isna(r["rank"]) else
            f"{int(r['rank'])} ({int(r['rank_low'])}–{int(r['rank_high'])})",
            headers["col.jurisdiction"]: names.get(r["jurisdiction"], r["jurisdiction"]),
            headers["assess.col.score"]: score_text(r["score"], r["ci_low"], r["ci_high"]) or not_assessable,
            headers["assess.col.change"]: "" if pd.isna(r["change"]) else
            signed(r["change"]) + (" *" if r["change_significant"] else ""),
            headers["assess.col.missing"]: int(r["components_missing"]),
        }
        for c in by_unit.get((r["jurisdiction"], r["period"]), []):
            row[labels.get(f"{c['source']}:{c['component']}", c["component"])] = statuses[c["status"]]
        rows.append(row)
    return pd.DataFrame(rows)


def contributions_order(result: assessment.Assessment) -> list[str]:
    """The scored jurisdictions, highest score first (the ranking's order; ties keep the scores' order)."""
    scored = result.scores[result.scores["score"].notna()]
    return scored.sort_values("score", ascending=False, kind="stable")["jurisdiction"].tolist()


def contributions_figure(result: assessment.Assessment, names: dict[str, str], labels: dict[str, str],
                         shown: list[str]) -> go.Figure:
    """A stacked bar per jurisdiction of ``shown`` (highest score at the top): the points each component
    contributes to the score."""
    order = shown[::-1]  # a category axis draws its first category at the bottom
    comp = result.components[result.components["jurisdiction"].isin(order)]
    fig = go.Figure()
    for c in result.scheme.components:
        part = comp[(comp["source"] == c.source) & (comp["component"] == c.component)].set_index("jurisdiction")
        points = part["points"].reindex(order).fillna(0.0)
        fig.add_trace(go.Bar(y=[names.get(j, j) for j in order], x=points.to_numpy(), orientation="h",
                             name=labels.get(c.key, c.key),
                             hovertemplate="%{y}: %{x:.1f} " + tr("assess.points") + "<extra></extra>"))
    height = max(320, 30 * len(order) + 140)
    # The legend a fixed 70 px under the plot (below the axis title): a share of the plot's height, as plotly
    # places it, put it hundreds of pixels down on a chart of 50 rows.
    fig.update_layout(barmode="stack", title=tr("assess.contrib_title"), xaxis_title=tr("assess.points_axis"),
                      yaxis={"type": "category"}, height=height,
                      legend={"orientation": "h", "yanchor": "top", "y": -70 / (height - 180)})
    return fig


def target_editor(version: str, labels: dict[str, str], level: str) -> None:
    """The targets in force; analysts and admins set or remove them."""
    with st.expander(tr("assess.targets.title")):
        targets = assessment.list_targets(common.cursor())
        if targets.empty:
            st.caption(tr("assess.targets.none"))
        else:
            shown = targets.assign(component=(targets["source"] + ":" + targets["component"]).map(labels),
                                   direction=targets["direction"].map(lambda d: tr(f"assess.direction.{d}")))
            st.dataframe(shown[["component", "scope", "effective_from", "target", "direction", "updated_by"]].rename(
                columns={"component": tr("assess.col.component"), "scope": tr("assess.targets.scope"),
                         "effective_from": tr("assess.targets.from"), "target": tr("assess.targets.value"),
                         "direction": tr("assess.targets.direction"), "updated_by": tr("assess.targets.by")}),
                width="stretch", hide_index=True)
        if not common.user().can("definitions"):
            st.caption(tr("assess.readonly"))
            return
        with st.form("as_target_form"):
            key = st.selectbox(tr("assess.col.component"), list(labels), format_func=labels.__getitem__,
                               key=common.carried("as_target_component"))
            value = st.number_input(tr("assess.targets.value_help"), value=0.8, step=0.01, format="%.3f",
                                    key="as_target_value")
            # Labels looked up now, not in format functions: Streamlit may call those after the run.
            direction_names = {d: tr(f"assess.direction.{d}") for d in assessment.DIRECTIONS}
            direction = st.radio(tr("assess.targets.direction"), assessment.DIRECTIONS, horizontal=True,
                                 format_func=direction_names.__getitem__, key=common.carried("as_target_direction"))
            scope = st.text_input(tr("assess.targets.scope_help"), value="*", key="as_target_scope")
            start = st.text_input(tr("assess.targets.from_help"), value="2000-01", key="as_target_from")
            if st.form_submit_button(tr("assess.targets.save")):
                source, component = key.split(":", 1)
                common.write_and_rerun(lambda con: assessment.set_target(
                    con, source, component, float(value), user=common.user(), direction=direction, scope=scope,
                    effective_from=start), "as_flash", tr("assess.targets.saved"))


def scheme_editor(current: assessment.Scheme, labels: dict[str, str], sel: Selection, names: dict[str, str],
                  saved: assessment.Assessment) -> None:
    """Edit a scheme: the draft's ranking is shown beside the saved one before it is saved (audited)."""
    with st.expander(tr("assess.scheme.title")):
        if not common.user().can("definitions"):
            st.caption(tr("assess.readonly"))
            return
        spec = {c.key: c for c in current.components}
        grid = pd.DataFrame([{
            "key": key, "label": label, "weight": spec[key].weight if key in spec else 0.0,
            "normalisation": spec[key].normalisation if key in spec else "as_is",
            "floor": spec[key].floor_value if key in spec else None,
            "ceiling": spec[key].ceiling_value if key in spec else None} for key, label in labels.items()])
        name = st.text_input(tr("assess.scheme.name"), value=current.name, key="as_scheme_name")
        rule_names = {r: tr(f"assess.missing.{r}") for r in assessment.MISSING_RULES}
        rule = st.selectbox(tr("assess.scheme.missing"), assessment.MISSING_RULES,
                            index=assessment.MISSING_RULES.index(current.missing_rule),
                            format_func=rule_names.__getitem__, key=common.carried("as_scheme_rule"))
        edited = st.data_editor(grid, hide_index=True, disabled=["key", "label"], key="as_scheme_grid",
                                column_config={
                                    "key": None, "label": tr("assess.col.component"),
                                    "weight": st.column_config.NumberColumn(tr("assess.scheme.weight"), min_value=0.0),
                                    "normalisation": st.column_config.SelectboxColumn(
                                        tr("assess.scheme.normalisation"), options=list(assessment.NORMALISATIONS)),
                                    "floor": st.column_config.NumberColumn(tr("assess.scheme.floor")),
                                    "ceiling": st.column_config.NumberColumn(tr("assess.scheme.ceiling"))})
        chosen = edited[edited["weight"].fillna(0) > 0]
        draft = assessment.Scheme(name.strip(), tuple(
            assessment.Component(r["key"].split(":", 1)[0], r["key"].split(":", 1)[1], float(r["weight"]),
                                 r["normalisation"] or "as_is",
                                 None if pd.isna(r["floor"]) else float(r["floor"]),
                                 None if pd.isna(r["ceiling"]) else float(r["ceiling"]))
            for r in chosen.to_dict("records")), rule, current.is_default)
        # The grid as it opens is the saved scheme (its description is not edited here and scores nothing): its
        # ranking is the one above. Only an edited draft is assessed, which saves a whole assessment on every run.
        unchanged = (draft.components, draft.missing_rule) == (current.components, current.missing_rule)
        try:
            preview = saved if unchanged else assessment.assess(common.cursor(), sel, draft)
        except JingminError as exc:
            common.show_error(exc)
            return
        st.caption(tr("assess.scheme.beside"))
        st.dataframe(side_by_side(saved, preview, names, tr("assess.scheme.current"), tr("assess.scheme.draft")),
                     width="stretch", hide_index=True)
        if st.button(tr("assess.scheme.save"), key="as_scheme_save"):
            common.write_and_rerun(lambda con: assessment.save_scheme(con, draft, user=common.user()), "as_flash",
                                   tr("assess.scheme.saved", name=common.plain(draft.name)))


def side_by_side(old: assessment.Assessment, new: assessment.Assessment, names: dict[str, str],
                 old_label: str, new_label: str) -> pd.DataFrame:
    """The ranking of two schemes side by side, one row per jurisdiction (columns tagged with the labels)."""
    def part(result: assessment.Assessment, suffix: str) -> pd.DataFrame:
        s = result.scores.set_index("jurisdiction")
        return pd.DataFrame({
            # the rank with its interval, as the ranking above and as the header says ('Rank (interval)')
            f"{tr('assess.col.rank')} ({suffix})": [_rank_text(*v) for v in zip(s["rank"], s["rank_low"],
                                                                                 s["rank_high"], strict=True)],
            f"{tr('assess.col.score')} ({suffix})": [score_text(a, b, c) for a, b, c in
                                                    zip(s["score"], s["ci_low"], s["ci_high"], strict=True)]})
    both = part(old, old_label).join(part(new, new_label), how="outer")
    both.insert(0, tr("col.jurisdiction"), [names.get(c, c) for c in both.index])
    return both.reset_index(drop=True)


f = common.page_start(tr("assess.title"), tr("assess.caption"), "as_flash")

version = common.data_version()
con = common.cursor()
schemes = assessment.list_schemes(con)
labels = assessment.component_labels(con, common.lang())
if not schemes:
    st.info(tr("assess.no_scheme"))
    st.stop()
scheme_names = [s.name for s in schemes]
left, middle, right = st.columns(3)
for widget_key, allowed in (("as_scheme", scheme_names), (f"as_period_{f.period_kind}", f.periods)):
    if widget_key in st.session_state and st.session_state[widget_key] not in allowed:
        del st.session_state[widget_key]
scheme_shown = {s.name: s.name + (" ★" if s.is_default else "") for s in schemes}
scheme_name = left.selectbox(tr("assess.scheme_pick"), scheme_names, key=common.carried("as_scheme"),
                             format_func=scheme_shown.__getitem__)
period = middle.selectbox(tr("assess.period"), list(f.periods), index=len(f.periods) - 1,
                          key=common.carried(f"as_period_{f.period_kind}"))
others = [n for n in scheme_names if n != scheme_name]
other_labels = {"": tr("assess.compare_none"), **{n: n for n in others}}
compare_with = right.selectbox(tr("assess.compare_with"), list(other_labels), format_func=other_labels.__getitem__,
                               key=common.carried("as_compare"))
sel = f.with_(periods=(period,))  # the sidebar's selection, narrowed to the period assessed

result = None
try:
    result = assessed(version, scheme_name, sel, repr(sel))
except JingminError as exc:
    common.show_error(exc)
if result is None:
    st.stop()

names = {r["jurisdiction"]: jurisdiction_name(r, common.lang())
         for r in result.scores[["jurisdiction", "name_zh", "name_en"]].to_dict("records")}
st.subheader(tr("assess.formula_title"))
st.text(assessment.formula_text(result.scheme, labels, common.lang()) + "\n" + tr("assess.formula.uncertainty"))

if result.scores["score"].notna().sum() == 0:
    st.info(tr("assess.no_scores"))
else:
    st.subheader(tr("assess.ranked_title", period=period))
    st.caption(tr("assess.ranked_caption"))
    st.dataframe(ranked_table(result, names, labels), width="stretch", hide_index=True)
    pairs = assessment.indistinguishable_pairs(result.scores)
    if pairs:
        # At hundreds of stations most neighbours overlap: the first few pairs and how many more, not a wall of names
        # (the table's rank intervals give every station's range).
        listed = ("；" if common.lang() == "zh" else "; ").join(
            f"{common.plain(names.get(a, a))} / {common.plain(names.get(b, b))}"
            for _p, a, b in pairs[:common.APART_PAIRS_SHOWN])
        if len(pairs) > common.APART_PAIRS_SHOWN:
            listed += tr("assess.apart_more", n=len(pairs) - common.APART_PAIRS_SHOWN)
        st.caption(tr("assess.apart_note", pairs=listed))
    ranked = contributions_order(result)
    shown = ranked
    # A bar per station at 30 px each: hundreds of stations make a chart thousands of pixels tall that the browser
    # redraws on every run (500 stations at the 1M benchmark), so, as the Overview heat-map, rows come in pages.
    if len(ranked) > common.HEATMAP_PAGE_ROWS:
        bounds = [(first, min(first + common.HEATMAP_PAGE_ROWS, len(ranked)))
                  for first in range(0, len(ranked), common.HEATMAP_PAGE_ROWS)]
        page_names = {i: tr("leaders.heatmap.rows_page", first=a + 1, last=b, total=len(ranked))
                      for i, (a, b) in enumerate(bounds)}
        page_index = common.picker(tr("leaders.heatmap.rows"), list(page_names), f"as_rows_{len(ranked)}",
                                   format_func=page_names.__getitem__)
        shown = ranked[bounds[page_index][0]:bounds[page_index][1]]
    common.show_fig(contributions_figure(result, names, labels, shown))

with st.expander(tr("assess.components_title")):
    flags = {k: tr(f"flag.{k}") for k in ("ok", "caution", "suppressed", "no_data")}
    # Headers and words looked up once, not per row (a lookup reads the session's language: thousands of rows).
    head = {key: tr(key) for key in ("col.jurisdiction", "assess.col.component", "assess.col.value", "col.n",
                                     "col.flag", "assess.col.points", "assess.col.status")}
    status_words = {s: tr(f"assess.status.{s}") for s in result.components["status"].dropna().unique()}
    detail = pd.DataFrame([{
        head["col.jurisdiction"]: names.get(r["jurisdiction"], r["jurisdiction"]),
        head["assess.col.component"]: labels.get(f"{r['source']}:{r['component']}", r["component"]),
        head["assess.col.value"]: value_text(r),
        head["col.n"]: "" if pd.isna(r["n"]) else f"{r['n']:.0f}",
        head["col.flag"]: flags.get(r["flag"], r["flag"]),
        head["assess.col.points"]: "" if pd.isna(r["points"]) else f"{r['points']:.1f}",
        head["assess.col.status"]: status_words[r["status"]] if isinstance(r["status"], str) else "",
    } for r in result.components.to_dict("records")])
    st.dataframe(detail, width="stretch", hide_index=True)

if result.scores["score"].notna().any():
    sensitivity_section(version, scheme_name, sel, names, result)

if compare_with:
    try:
        other = assessed(version, compare_with, sel, repr(sel))
    except JingminError as exc:
        common.show_error(exc)
    else:
        st.subheader(tr("assess.beside_title", old=common.plain(scheme_name), new=common.plain(compare_with)))
        st.dataframe(side_by_side(result, other, names, scheme_name, compare_with), width="stretch", hide_index=True)

officer_rows = officers(version, sel, repr(sel))
if not officer_rows.empty:
    with st.expander(tr("assess.officers_title")):
        st.caption(tr("assess.officers_caption"))
        head = {key: tr(key) for key in ("col.jurisdiction", "assess.col.officer", "assess.col.component",
                                         "assess.col.value", "col.n", "flag.suppressed_short")}
        st.dataframe(pd.DataFrame([{
            head["col.jurisdiction"]: names.get(r["jurisdiction"], r["jurisdiction"]),
            head["assess.col.officer"]: r["officer_id"],
            head["assess.col.component"]: labels.get(f"internal:{r['component']}", r["component"]),
            head["assess.col.value"]: value_text(r) or head["flag.suppressed_short"],
            head["col.n"]: f"{r['n']:.0f}",
        } for r in officer_rows.to_dict("records")]), width="stretch", hide_index=True)

file_name = f"jingmin_assessment_{result.scheme.name}_{period}_{f.level}.xlsx"
# Built when the button is pressed (about a second at 500 stations, and most of a re-run when built on every run).
st.download_button(tr("assess.download"), functools.partial(assessment.workbook_bytes, result, labels, common.lang()),
                   file_name=file_name,
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   on_click=common.audit_download, args=(file_name,))

target_editor(version, labels, f.level)
scheme_editor(result.scheme, labels, sel, names, result)
