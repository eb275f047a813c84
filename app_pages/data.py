"""Data: what is loaded (batches, coverage) and how each indicator is computed."""


from typing import Any

import pandas as pd
import streamlit as st

from analytics import define, definitions, engine, geo, ingest, published, store
from analytics.auth import User
from analytics.definitions import SCALES, list_indicators
from analytics.errors import JingminError
from analytics.i18n import has
from analytics.presentation import audit_action, audit_detail
from app_pages import common


# What this page reads that only a write bumping the data version changes (a load or removal, a definition,
# a published load or removal, boundaries, a setting): cached per data version, so a warm run of the page
# queries only the audit log (audit entries do not bump the version).
@st.cache_data(show_spinner=False)
def cached_batches(version: str) -> pd.DataFrame:
    """Every batch (cached per data version)."""
    return engine.batches(common.cursor())


@st.cache_data(show_spinner=False)
def cached_published_loads(version: str) -> pd.DataFrame:
    """Every published-results load (cached per data version)."""
    return published.loads(common.cursor())


@st.cache_data(show_spinner=False)
def cached_coverage(version: str, user_key: str, _user: User) -> pd.DataFrame:
    """Coverage per jurisdiction the user may see (cached per data version and user)."""
    return engine.coverage(common.cursor(), _user)


@st.cache_data(show_spinner=False)
def cached_boundary_count(version: str) -> int:
    """How many boundary shapes are stored (cached per data version)."""
    return len(geo.boundary_table(common.cursor()))


@st.cache_data(show_spinner=False)
def cached_items(version: str) -> list[definitions.Item]:
    """Every item definition (cached per data version)."""
    return definitions.list_items(common.cursor())


@st.cache_data(show_spinner=False)
def cached_indicators(version: str, enabled_only: bool) -> list[definitions.Indicator]:
    """Indicator definitions in display order (cached per data version)."""
    return list_indicators(common.cursor(), enabled_only=enabled_only)


@st.cache_data(show_spinner=False)
def cached_suppression(version: str) -> tuple[Any, Any]:
    """The suppression and caution thresholds (settings: cached per data version)."""
    return (store.get_setting(common.cursor(), "suppress_below_n_eff"),
            store.get_setting(common.cursor(), "caution_below_n_eff"))


def respondent_download(batches: pd.DataFrame, current: User) -> None:
    """Analysts and admins: one survey batch's respondents without personal data, prepared on request (audited)."""
    st.subheader(common.tr("data.respondents"))
    st.caption(common.tr("data.respondents_help"))
    surveys = batches[(batches["kind"] == "survey") & (batches["status"] == "loaded")]
    if surveys.empty:
        st.info(common.tr("data.respondents_none"))
        return
    labels = {int(r["batch_id"]): f"{r['batch_id']}: {r['source_name']} (n={r['row_count']})"
              for r in surveys.to_dict("records")}
    picked = st.selectbox(common.tr("data.respondents_batch"), list(labels), format_func=labels.__getitem__,
                          key=common.carried("data_resp_batch"))
    if st.button(common.tr("data.respondents_prepare"), key="data_resp_prepare"):
        try:
            with common.writer() as con:
                frame = ingest.respondent_export(con, picked, current)
        except JingminError as exc:
            common.show_error(exc)
            return
        st.session_state["data_resp_file"] = (picked, frame)
    prepared = st.session_state.get("data_resp_file")
    if prepared is not None and prepared[0] == picked:
        st.success(common.tr("data.respondents_ready", rows=len(prepared[1])))
        common.download_csv(common.tr("data.respondents_download"), prepared[1],
                            f"jingmin_respondents_batch{picked}.csv", key="data_resp_download")


def boundary_upload(current: User) -> None:
    """Upload GeoJSON boundaries for the map: matched by code, mismatches listed, stored on confirmation."""
    st.subheader(common.tr("geo.title"))
    st.caption(common.tr("geo.help"))
    st.caption(common.tr("geo.stored", count=cached_boundary_count(common.data_version())))
    if not current.can("upload"):
        return
    upload = st.file_uploader(common.tr("geo.upload"), type=["geojson", "json"], key="geo_file")
    if upload is None:
        return
    try:
        shapes = geo.read_geojson(upload.getvalue(), source_name=upload.name)
        match = geo.match_boundaries(common.cursor(), shapes)
    except JingminError as exc:
        common.show_error(exc)
        return
    st.write(common.tr("geo.matched", count=len(match.shapes)))
    if match.unmatched:
        st.warning(common.tr("geo.unmatched", codes=common.plain(", ".join(match.unmatched))))
    if match.missing:
        st.caption(common.tr("geo.missing", codes=common.plain(", ".join(match.missing))))
    if match.shapes and st.button(common.tr("geo.save", count=len(match.shapes)), key="geo_save"):
        try:
            with common.writer() as con:
                stored = geo.save_boundaries(con, match, source_name=upload.name, user=current)
        except JingminError as exc:
            common.show_error(exc)
            return
        st.success(common.tr("geo.saved", count=stored))


def published_loads(current: User) -> None:
    """Published-results loads; analysts and admins may remove one after confirming it by name (audited)."""
    st.subheader(common.tr("published.data.heading"))
    loads = cached_published_loads(common.data_version())
    if loads.empty:
        st.info(common.tr("published.data.none"))
        return
    st.dataframe(loads.rename(columns={c: common.tr(f"published.data.col.{c}") for c in loads.columns}),
                 width="stretch", hide_index=True)
    if not current.can("upload"):
        return
    loaded = loads[loads["status"] == "loaded"]
    if loaded.empty:
        return
    records = {int(r["load_id"]): r for r in loaded.to_dict("records")}
    picked = st.selectbox(common.tr("published.data.remove_pick"), list(records),
                          key=common.carried("data_pub_remove_id"),
                          format_func=lambda i: f"{i}: {records[i]['source_name']} ({records[i]['root']})")
    chosen = records[picked]
    confirmed = st.checkbox(common.tr("published.data.remove_confirm", load=picked, name=chosen["source_name"],
                                      root=chosen["root"], figures=chosen["row_count"]),
                            key=f"data_pub_confirm_{picked}")
    if st.button(common.tr("published.data.remove_button", load=picked), key="data_pub_remove",
                 disabled=not confirmed):
        try:
            with common.writer() as con:
                done = published.remove_load(con, picked, user=current)
        except JingminError as exc:
            common.show_error(exc)
            return
        st.session_state["data_pub_flash"] = common.tr("published.data.removed", load=done["load_id"],
                                                       name=done["source_name"], figures=done["figures"])
        st.rerun()


def scale_name(scale: str) -> str:
    """A scale by its description in the page's language (the catalog has one for every scale in SCALES)."""
    return common.tr(f"defs.scale.{scale}")


def item_editor(current: User) -> None:
    """Define (or redefine) an item, or remove a custom one; the engine checks the permission and audits."""
    left, middle, right = st.columns(3)
    name = left.text_input(common.tr("defs.item.name"), key="defs_item_name")
    label_zh = middle.text_input(common.tr("defs.item.label_zh"), key="defs_item_label_zh")
    label_en = right.text_input(common.tr("defs.item.label_en"), key="defs_item_label_en")
    scale_names = {s: scale_name(s) for s in SCALES}  # named now: the label must not depend on when it is asked
    scale = st.selectbox(common.tr("defs.item.scale"), list(SCALES), key=common.carried("defs_item_scale"),
                         format_func=scale_names.__getitem__)
    codes = st.text_area(common.tr("defs.item.codes"), key="defs_item_codes")
    dk = st.text_input(common.tr("defs.item.dk"), key="defs_item_dk")
    if st.button(common.tr("defs.item.save"), key="defs_item_save"):
        dk_codes = [c.strip() for c in dk.split(",") if c.strip()] or None
        try:
            item = define.make_item(name, label_zh, label_en, scale, dk_codes=dk_codes,
                                    code_labels=define.parse_code_labels(codes.splitlines()))
        except JingminError as exc:
            common.show_error(exc)
        else:
            # Rerun after the write, so that the tables above show the change, saying what was saved there.
            common.write_and_rerun(lambda con: define.define_item(con, item, user=current), "defs_saved",
                                   common.tr("defs.item.saved", name=common.plain(item.item),
                                             scale=common.tr(f"defs.scale_short.{item.scale}")))
    removable = [i.item for i in cached_items(common.data_version()) if i.item not in define.BUILT_IN_ITEMS]
    if not removable:
        return
    picked = st.selectbox(common.tr("defs.item.remove_pick"), removable, key=common.carried("defs_item_remove_pick"))
    if st.button(common.tr("defs.item.remove"), key="defs_item_remove"):
        common.write_and_rerun(lambda con: define.remove_item(con, picked, user=current), "defs_saved",
                               common.tr("defs.item.removed", name=common.plain(picked)))


def indicator_editor(current: User) -> None:
    """Define (or redefine) a top-box rate or a mean score over an item, or remove a custom indicator."""
    items = {i.item: i for i in cached_items(common.data_version())}
    left, middle, right = st.columns(3)
    key = left.text_input(common.tr("defs.ind.key"), key="defs_ind_key")
    label_zh = middle.text_input(common.tr("defs.item.label_zh"), key="defs_ind_label_zh")
    label_en = right.text_input(common.tr("defs.item.label_en"), key="defs_ind_label_en")
    item_names = {n: f"{n} — {i.label_zh if lang == 'zh' else i.label_en} ({common.tr(f'defs.scale_short.{i.scale}')})"
                  for n, i in items.items()}
    item_name = st.selectbox(common.tr("defs.ind.item"), list(items), key=common.carried("defs_ind_item"),
                             format_func=item_names.__getitem__)
    kinds = {k: common.tr(f"defs.ind.kind.{k}") for k in definitions.INDICATOR_KINDS}
    kind = st.radio(common.tr("defs.ind.kind_label"), list(kinds), key=common.carried("defs_ind_kind"),
                    format_func=kinds.__getitem__, horizontal=True)
    item = items[item_name]
    top: list[str] = []
    unit = ""
    if kind == "rate":
        top = st.multiselect(common.tr("defs.ind.top"), list(item.codes), key=common.carried("defs_ind_top"),
                             format_func=lambda c: f"{c} {item.codes[c].get(lang, c)}")
    else:
        unit = st.text_input(common.tr("defs.ind.unit"), key="defs_ind_unit")
    if st.button(common.tr("defs.ind.save"), key="defs_ind_save"):
        try:
            if kind == "rate":
                ind = define.rate_indicator(key, item, top, label_zh=label_zh, label_en=label_en)
            else:
                ind = define.mean_score_indicator(key, item, label_zh=label_zh, label_en=label_en, unit=unit)
        except JingminError as exc:
            common.show_error(exc)
        else:
            common.write_and_rerun(lambda con: define.define_indicator(con, ind, user=current), "defs_saved",
                                   common.tr("defs.ind.saved", name=common.plain(ind.key)))
    removable = [i.key for i in cached_indicators(common.data_version(), False)
                 if i.key not in define.BUILT_IN_INDICATORS]
    if not removable:
        st.caption(common.tr("defs.none_removable"))
        return
    picked = st.selectbox(common.tr("defs.ind.remove_pick"), removable, key=common.carried("defs_ind_remove_pick"))
    if st.button(common.tr("defs.ind.remove"), key="defs_ind_remove"):
        common.write_and_rerun(lambda con: define.remove_indicator(con, picked, user=current), "defs_saved",
                               common.tr("defs.ind.removed", name=common.plain(picked)))


st.title(common.tr("data.title"))
lang = common.lang()

user = common.user()
if user.can("view_all"):
    st.subheader(common.tr("data.batches"))
    batches = cached_batches(common.data_version())
    if batches.empty:
        st.info(common.tr("data.no_batches"))
    else:
        shown = common.batch_labels(batches)[["batch_id", "kind", "source_name", "row_count", "loaded_at", "status",
                                              "survey_mode"]]
        st.dataframe(shown.rename(columns={c: common.tr(f"batch.{c}") for c in shown.columns}),
                     width="stretch", hide_index=True)
        if user.can("respondent_download"):
            respondent_download(batches, user)
    if "data_pub_flash" in st.session_state:
        st.success(st.session_state.pop("data_pub_flash"))
    published_loads(user)

st.subheader(common.tr("data.coverage"))
coverage = cached_coverage(common.data_version(), repr(user), user)
coverage["name"] = coverage["name_zh" if lang == "zh" else "name_en"]
coverage = coverage[["code", "name", "respondents", "first_date", "last_date", "cases"]]
for column in ("first_date", "last_date"):  # interview dates: the time of day means nothing here
    coverage[column] = pd.to_datetime(coverage[column]).dt.date
st.dataframe(coverage.rename(columns={
    "code": common.tr("data.col.code"), "name": common.tr("col.jurisdiction"),
    "respondents": common.tr("coverage.respondents"), "first_date": common.tr("coverage.first_date"),
    "last_date": common.tr("coverage.last_date"), "cases": common.tr("coverage.cases")}),
    width="stretch", hide_index=True)

st.subheader(common.tr("data.definitions"))
rows = []
for ind in cached_indicators(common.data_version(), True):
    scoring = ", ".join(f"{code}→{score:g}" for code, score in ind.scoring.items())
    rows.append({
        common.tr("def.key"): ind.key,
        common.tr("def.label"): ind.label(lang),
        common.tr("def.item"): ind.item,
        common.tr("def.formula"): ind.description(lang) + " " + common.tr(
            "data.formula", scoring=scoring, dk=", ".join(ind.dk_codes) or "—"),
    })
st.dataframe(pd.DataFrame(rows), width="stretch", hide_index=True)

if user.can("definitions"):
    st.subheader(common.tr("defs.editor.title"))
    st.caption(common.tr("defs.editor.help"))
    if "defs_saved" in st.session_state:
        st.success(st.session_state.pop("defs_saved"))
    items_tab, indicators_tab = st.tabs([common.tr("defs.items.title"), common.tr("defs.indicators.title")])
    with items_tab:
        item_editor(user)
    with indicators_tab:
        indicator_editor(user)

boundary_upload(user)

st.subheader(common.tr("data.settings"))
suppress, caution = cached_suppression(common.data_version())
st.write(common.tr("data.suppress_rule", suppress=suppress, caution=caution))
st.caption(common.tr("data.version", version=store.data_version(common.cursor())))

if user.can("audit"):
    st.subheader(common.tr("data.audit"))
    audit = engine.audit_log(common.cursor())
    # The detail is stored as JSON for machines; a person reads the action and a sentence in their language.
    audit["detail"] = [audit_detail(a, d, lang) for a, d in zip(audit["action"], audit["detail"], strict=True)]
    audit["action"] = [audit_action(a, lang) for a in audit["action"]]
    st.dataframe(audit.rename(columns={c: common.tr(f"data.audit_col.{c}") for c in audit.columns
                                       if has(f"data.audit_col.{c}")}), width="stretch", hide_index=True)
