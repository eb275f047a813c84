"""Upload: propose a mapping for a file, let the analyst confirm or edit it, check, load; list and remove batches.

Everything is done by ``analytics.ingest``; this page reads the inputs, calls it and draws. Text that
comes from a file (headers, values, sheet names) is only drawn in tables, never as markdown.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd
import streamlit as st

from analytics import engine, ingest, published
from analytics import vocabulary as F
from analytics.definitions import list_items
from analytics.errors import JingminError
from analytics.i18n import has
from analytics.ingest.problems import field_label, note_text, rows_accounted
from analytics.roles import User
from app_pages import common

tr = common.tr
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]
EDITOR_COLUMNS = ["column", "target", "confidence", "reason", "personal_data", "sample"]
# The date-order choice -> the ingest's dayfirst (None: decide from the file's dates).
DATE_ORDERS = {"auto": None, "dayfirst": True, "monthfirst": False}
REASONS = ("synonym", "contains", "tokens", "similar", "mapping", "personal data")


def read_options(data: bytes, name: str) -> dict[str, Any]:
    """Encoding, sheet and header-row overrides (empty = detect)."""
    options: dict[str, Any] = {}
    with st.expander(tr("upload.read_options")):
        auto = tr("upload.auto")
        encoding = st.selectbox(tr("upload.encoding"), [auto, *ENCODINGS], key=common.carried("up_encoding"))
        if encoding != auto:
            options["encoding"] = encoding
        delimiter_names = {auto: None, ",": ",", ";": ";", "Tab": "\t", "|": "|"}
        delimiter = st.selectbox(tr("upload.delimiter"), list(delimiter_names), key=common.carried("up_delimiter"))
        if delimiter_names[delimiter]:
            options["delimiter"] = delimiter_names[delimiter]
        header_row = st.number_input(tr("upload.header_row"), min_value=0, max_value=1000, value=0, step=1,
                                     key="up_header_row")
        if header_row:
            options["header_row"] = int(header_row)
        if name.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
            options["sheet"] = st.session_state.get(f"up_sheet_{name}")
    return options


def mapping_choice(kind: str) -> str | None:
    """The saved mapping to start from (None = guess from headers)."""
    names = ingest.list_mappings(common.cursor(), kind)["name"].tolist()
    guess = tr("upload.no_saved_mapping")
    chosen = st.selectbox(tr("upload.saved_mapping"), [guess, *names], key=common.carried(f"up_mapping_{kind}"))
    return None if chosen == guess else chosen


def show_layout(proposal: ingest.MappingProposal, name: str) -> None:
    """What was detected, the sheet picker for workbooks, and the preview."""
    described = proposal.layout.describe()
    none = tr("upload.none")
    st.caption(tr("upload.detected", format=described["format"], encoding=described["encoding"] or none,
                  detected=described["encoding_detected"] or none, delimiter=described["delimiter"] or none,
                  header_row=described["header_row"]))
    if proposal.sheet_names:
        st.selectbox(tr("upload.sheet"), proposal.sheet_names, key=common.carried(f"up_sheet_{name}"))
    if proposal.suggested_mapping:
        st.info(tr("upload.suggested", name=common.plain(proposal.suggested_mapping)))
    st.caption(tr("upload.preview"))
    st.dataframe(proposal.preview_frame(), width="stretch", hide_index=True)


def edit_mapping(proposal: ingest.MappingProposal, editor_key: str) -> pd.DataFrame:
    """The proposed column mapping in an editable table; only the target column can change."""
    st.subheader(tr("upload.mapping"))
    st.caption(tr("upload.mapping_help"))
    frame = proposal.columns_frame()[EDITOR_COLUMNS]
    reasons = {r: tr(f"upload.reason.{r.replace(' ', '_')}") for r in REASONS}
    frame["reason"] = [reasons.get(r, r) for r in frame["reason"]]
    frame["personal_data"] = [tr(f"upload.pii.{k}") if k else "" for k in frame["personal_data"]]
    labels = {c: tr(f"upload.col.{c}") for c in EDITOR_COLUMNS}
    config = {c: st.column_config.Column(labels[c], disabled=True) for c in EDITOR_COLUMNS}
    # Targets by their label, with the code beside it (the code is what saved mappings and the CLI use).
    items = {i.item: i.label_zh if common.lang() == "zh" else i.label_en for i in list_items(common.cursor())}
    targets = {c: f"{items[c] if c in items else field_label(c, common.lang())} ({c})" for c in proposal.target_choices}
    config["target"] = st.column_config.SelectboxColumn(labels["target"], options=proposal.target_choices,
                                                        required=True, format_func=targets.__getitem__)
    return st.data_editor(frame, column_config=config, hide_index=True, width="stretch", key=editor_key,
                          num_rows="fixed")


def whole_file_values(proposal: ingest.MappingProposal, mapped: set[str]) -> dict[str, str]:
    """Inputs for fields the file lacks: one value for every row."""
    if proposal.missing_required:
        st.warning(tr("upload.missing_required", fields=", ".join(
            field_label(name, common.lang()) for name in proposal.missing_required)))
    values = {}
    with st.expander(tr("upload.constants"), expanded=bool(proposal.missing_required)):
        for name in F.FIELDS[proposal.kind]:
            if name in mapped:
                continue
            value = st.text_input(field_label(name, common.lang()), value=proposal.constants.get(name, ""),
                                  key=f"up_const_{proposal.kind}_{name}")
            if value.strip():
                values[name] = value.strip()
    return values


def value_map_overrides(proposal: ingest.MappingProposal) -> dict[str, Any] | None:
    """The mapping's own value maps as editable JSON; the defaults shown for reference."""
    with st.expander(tr("upload.value_maps")):
        st.caption(tr("upload.value_maps_help"))
        text = st.text_area(tr("upload.value_maps"), json.dumps(proposal.spec_value_maps, ensure_ascii=False,
                                                                indent=1), key=f"up_vmaps_{proposal.kind}",
                            label_visibility="collapsed")
        st.caption(tr("upload.default_maps"))
        st.json(proposal.value_maps, expanded=False)
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        st.error(tr("upload.bad_json", error=str(exc)))
        return None
    if not isinstance(parsed, dict):
        st.error(tr("upload.bad_json", error=type(parsed).__name__))
        return None
    return parsed


@st.cache_data(show_spinner=False, max_entries=8)
def _answer_values(version: str, digest: str, name: str, spec_json: str, options_json: str,
                   dayfirst: bool | None, _data: bytes, _user: User, user_key: str) -> pd.DataFrame:
    # Keyed by the file's digest and the mapping (not by the bytes: hashing a large upload every rerun is slow).
    return ingest.answer_values(common.cursor(), "survey", _data, source_name=name, mapping=json.loads(spec_json),
                                dayfirst=dayfirst, user=_user, **json.loads(options_json))


CHOICE_SEPARATOR = " · "


def value_map_choices(data: bytes, name: str, spec: dict[str, Any], options: dict[str, Any],
                      dayfirst: bool | None) -> dict[str, dict[str, str]]:
    """For each mapped column with text or unknown answers: its distinct answers (whole file) with counts and a
    drop-down of the item's codes, prefilled with the current code or the best guess, unknowns marked. Returns
    the choices that differ from what the mapping does now, as value maps ({item: {answer: code}})."""
    digest = hashlib.sha256(data).hexdigest()
    table = _answer_values(common.data_version(), digest, name, json.dumps(spec, ensure_ascii=False, sort_keys=True),
                           json.dumps(options, sort_keys=True, default=str), dayfirst, data, common.user(),
                           repr(common.user()))
    if table.empty:
        return {}
    st.subheader(tr("waves.values.title"))
    st.caption(tr("waves.values.help"))
    chosen: dict[str, dict[str, str]] = {}
    guessed: dict[str, dict[str, str]] = {}  # unknown answers left at the proposed code: applied only when confirmed
    for column, rows in table.groupby("column", sort=False):
        item = str(rows["item"].iloc[0])
        labels = rows["choice_labels"].iloc[0]
        options_text = [code + CHOICE_SEPARATOR + labels[code][common.lang()] if code in labels
                        else code + CHOICE_SEPARATOR + tr("waves.values.dont_know") for code in rows["choices"].iloc[0]]
        by_code = {text.split(CHOICE_SEPARATOR)[0]: text for text in options_text}
        frame = pd.DataFrame({
            "status": [tr("waves.values.unknown") if u else "" for u in rows["unknown"]],
            "value": rows["value"].tolist(),
            "count": rows["count"].astype(int).tolist(),
            "code": [by_code.get(str(g)) if isinstance(g, str) else None for g in rows["guess"]],
        })
        unknown = int(rows["unknown"].sum())
        st.markdown(f"**{common.plain(str(column))}** → `{item}`"
                    + (" — " + tr("waves.values.n_unknown", n=unknown) if unknown else ""))
        config = {
            "status": st.column_config.TextColumn(tr("waves.values.status"), disabled=True),
            "value": st.column_config.TextColumn(tr("waves.values.value"), disabled=True),
            "count": st.column_config.NumberColumn(tr("waves.values.count"), disabled=True),
            "code": st.column_config.SelectboxColumn(tr("waves.values.code"), options=options_text),
        }
        key = f"up_vals_{digest[:16]}_{column}"
        edited = st.data_editor(frame, column_config=config, hide_index=True, width="stretch", num_rows="fixed",
                                key=key)
        touched = {int(i) for i in (st.session_state.get(key) or {}).get("edited_rows", {})}
        for position, (value, picked, now, unknown) in enumerate(
                zip(edited["value"], edited["code"], rows["code"], rows["unknown"], strict=True)):
            if isinstance(picked, str) and picked:
                code = picked.split(CHOICE_SEPARATOR)[0]
                if code != now:
                    # A code the analyst chose applies; a guess for an unknown answer only once confirmed.
                    target = guessed if unknown and position not in touched else chosen
                    target.setdefault(item, {})[str(value)] = code
    if guessed:
        n = sum(len(v) for v in guessed.values())
        if st.checkbox(tr("waves.values.confirm_guesses", n=n), key=f"up_vals_confirm_{digest[:16]}"):
            for item, entries in guessed.items():
                chosen.setdefault(item, {}).update(entries)
    return chosen


def parent_choice(kind: str) -> str | None:
    """The city or district whose units the file's jurisdiction values are resolved among (None = all)."""
    if kind == "jurisdictions":
        return None
    registry = engine.jurisdictions(common.cursor())
    parents = registry[registry["level"].isin(["city", "district"])]
    name_col = "name_zh" if common.lang() == "zh" else "name_en"
    labels = {None: tr("upload.within_all")}
    labels.update({r["code"]: f"{r[name_col]} ({r['code']})" for r in parents.to_dict("records")})
    return st.selectbox(tr("upload.within"), list(labels), format_func=labels.__getitem__,
                        key=common.carried("up_within"), help=tr("upload.within_help"))


def acknowledge_unmapped(proposal: ingest.MappingProposal, edited: pd.DataFrame) -> list[str] | None:
    """Unmapped columns that look like indicator questions: the analyst must map them or confirm (None = not yet)."""
    still = {h: item for h, item in proposal.unmapped_items.items()
             if h in set(edited.loc[edited["target"] == F.IGNORE, "column"])}
    if not still:
        return []
    st.warning(tr("upload.unmapped_items"))
    frame = pd.DataFrame({tr("upload.col.column"): list(still), tr("upload.col.looks_like"): list(still.values())})
    st.dataframe(frame, hide_index=True, width="stretch")
    if st.checkbox(tr("upload.acknowledge"), key="up_acknowledge"):
        return sorted(still)
    return None


def build_spec(proposal: ingest.MappingProposal, edited: pd.DataFrame, constants: dict[str, str],
               value_maps: dict[str, Any]) -> dict[str, Any]:
    """The confirmed mapping: the edited targets over the proposal's spec."""
    spec = proposal.spec()
    columns: dict[str, Any] = {}
    for header, target in zip(edited["column"], edited["target"], strict=True):
        current = spec["columns"][header]
        # A column a saved mapping sends to several fields keeps them while its first target is unchanged.
        columns[header] = current if isinstance(current, list) and current[0] == target else target
    spec["columns"] = columns
    spec["constants"] = constants
    spec["value_maps"] = value_maps
    return spec


def show_summary(result: ingest.IngestResult) -> None:
    """The load summary: counts, personal-data handling, notes."""
    summary = result.summary
    st.subheader(tr("upload.summary"))
    for entry in summary.get("personal_data", []):
        action = tr("upload.pii.hashed") if entry["action"].startswith("hashed") else tr("upload.pii.dropped")
        st.text(tr("upload.personal_data", column=entry["column"], kind=tr(f"upload.pii.{entry['kind']}"),
                   action=action))
    for warning in result.warning_texts(common.lang(), surface="page"):
        st.text(warning)
    if "rows_in_file" in summary:  # batches loaded before issue 21 did not count them
        st.text(rows_accounted(summary, common.lang()))
    facts = [(tr(f"upload.fact.{key}"), _fact_text(_labelled(key, summary[key]))) for key in SUMMARY_FACTS
             if summary.get(key) not in (None, "", [], {})]
    st.dataframe(pd.DataFrame(facts, columns=[tr("upload.fact.what"), tr("upload.fact.value")]),
                 hide_index=True, width="stretch")


# The load summary's facts worth showing, in this order; the rest (mapping spec, columns) is shown elsewhere.
SUMMARY_FACTS = ["batch_id", "source_name", "format", "sheet", "encoding", "delimiter", "header_row", "rows_in_file",
                 "rows_read", "blank_rows", "rows_skipped", "rows_loaded", "rows_rejected", "respondents", "answers",
                 "dont_know", "items",
                 "interview_dates", "survey_mode", "new_cases", "updated_cases", "superseded_in_file", "reported",
                 "added", "updated", "created_jurisdictions", "mapping_name", "constants", "ignored_columns",
                 "sha256"]


def _labelled(key: str, value: Any) -> Any:
    """A summary value with codes shown by their labels: the fields of the whole-file values, the survey mode."""
    if key == "constants" and isinstance(value, dict):
        return {field_label(k, common.lang()): v for k, v in value.items()}
    if key == "survey_mode" and isinstance(value, str) and has(f"compare.mode.{value}"):
        return tr(f"compare.mode.{value}")
    return value


def _fact_text(value: Any) -> str:
    """One summary value as plain text (lists joined, date ranges with an en dash)."""
    if isinstance(value, dict):
        return ", ".join(f"{k} = {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(v, str) and v[:4].isdigit() for v in value):
            return f"{value[0]} – {value[1]}"
        return ", ".join(str(v) for v in value)
    return str(value)


def show_problems(exc: JingminError) -> None:
    """A refused file: the error and, when it lists problems, their counts, the first rows and the full report
    as a CSV download."""
    common.show_error(exc)
    if not exc.problems:
        return
    if exc.params.get("rows_in_file") is not None:
        st.text(tr("ingest.rows_rejected", rows=exc.params["rows_in_file"],
                   with_problems=exc.params.get("rows_with_problems", 0)))
    counts = exc.params.get("counts") or {}
    st.subheader(tr("upload.problems"))
    st.dataframe(pd.DataFrame({tr("upload.col.problem"): [tr(f"ingest.problem.{c}") if has(f"ingest.problem.{c}")
                                                          else c for c in counts],
                               tr("upload.col.count"): list(counts.values())}),
                 width="stretch", hide_index=True)
    report = ingest.problems_frame(exc, common.lang(), surface="page")
    st.caption(tr("upload.problem_rows"))
    shown = report.head(200).assign(code=lambda d: [tr(f"ingest.problem.{c}") if has(f"ingest.problem.{c}") else c
                                                   for c in d["code"]])
    st.dataframe(shown.rename(columns={
        "row": tr("upload.col.row"), "column": tr("upload.col.column"), "value": tr("upload.col.value"),
        "code": tr("upload.col.problem"), "message": tr("upload.col.message")}), width="stretch", hide_index=True)
    common.download_csv(tr("upload.download_report"), report, "problems.csv", key="up_report")


def run_ingest(data: bytes, name: str, kind: str, spec: dict[str, Any], options: dict[str, Any],
               dayfirst: bool | None, create: bool, save_as: str, dry_run: bool) -> None:
    """Check (and load) the file with the confirmed mapping; show the outcome."""
    try:
        with st.spinner(), common.writer() as con:
            result = ingest.ingest_file(con, kind, data, source_name=name, mapping=spec,
                                        dayfirst=dayfirst, create_jurisdictions=create, dry_run=dry_run,
                                        user=common.user(), **options)
            if not dry_run and save_as.strip():
                ingest.save_mapping(con, save_as.strip(), result.summary["mapping_spec"],
                                    user=common.user())
    except JingminError as exc:
        show_problems(exc)
        return
    if dry_run:
        st.success(tr("upload.checked", rows=result.rows))
        show_summary(result)
        return
    flash = [tr("upload.loaded", batch_id=result.batch_id, source=common.plain(name), rows=result.rows)]
    if save_as.strip():
        flash.append(tr("upload.mapping_saved", name=common.plain(save_as.strip())))
    st.session_state["up_flash"] = (" ".join(flash), result)
    st.rerun()


def upload_section() -> None:
    """File, kind, proposed mapping, whole-file values, check and load."""
    kinds = [*F.KINDS, RESULTS_KIND]
    kind_names = {k: tr(f"upload.kind.{k}") for k in F.KINDS}
    kind_names[RESULTS_KIND] = tr("published.upload.kind")
    data_file = st.file_uploader(tr("upload.file"), type=["csv", "txt", "tsv", "xlsx"], key="up_file",
                                 help=tr("upload.limit", mb=f"{ingest.upload_limit_mb(common.cursor()):g}"))
    kind = st.radio(tr("upload.kind_label"), kinds, index=kinds.index("survey"), horizontal=True,
                    key=common.carried("up_kind"), format_func=kind_names.__getitem__)
    if data_file is None:
        return
    data, name = data_file.getvalue(), data_file.name
    if kind == RESULTS_KIND:
        results_section(data, name)
        return
    options = read_options(data, name)
    chosen = mapping_choice(kind)
    try:
        proposal = ingest.propose_mapping(common.cursor(), kind, data, source_name=name, mapping=chosen, **options)
    except JingminError as exc:
        show_problems(exc)
        return
    show_layout(proposal, name)
    edited = edit_mapping(proposal, f"up_map_{kind}_{name}_{chosen or proposal.mapping_name}")
    mapped = {t for t in edited["target"] if t != F.IGNORE}
    constants = whole_file_values(proposal, mapped)
    value_maps = value_map_overrides(proposal)
    within = parent_choice(kind)
    acknowledged = acknowledge_unmapped(proposal, edited)
    date_order_names = {name: tr(f"upload.dates.{name}") for name in DATE_ORDERS}
    dayfirst = DATE_ORDERS[st.radio(tr("upload.dates_label"), list(DATE_ORDERS), horizontal=True,
                                       format_func=date_order_names.__getitem__, key=common.carried("up_dayfirst"))]
    create = False
    if kind != "jurisdictions":
        create = st.checkbox(tr("upload.create_jurisdictions"), key="up_create")
    save_as = st.text_input(tr("upload.save_as"), value=proposal.mapping_name or "", key=f"up_save_{kind}")
    if value_maps is None or acknowledged is None:
        return
    spec = build_spec(proposal, edited, constants, value_maps)
    spec.setdefault("options", {}).pop("acknowledged", None)
    if acknowledged:
        spec["options"]["acknowledged"] = acknowledged
    if within:
        spec["options"]["within"] = within
    if kind == "survey":
        # The table is computed without its own choices (so its rows stay put while the analyst edits them);
        # the choices are then added over the JSON value maps.
        for item, entries in value_map_choices(data, name, spec, options, dayfirst).items():
            spec["value_maps"].setdefault(item, {}).update(entries)
    check_col, load_col = st.columns(2)
    if check_col.button(tr("upload.validate"), key="up_validate"):
        run_ingest(data, name, kind, spec, options, dayfirst, create, save_as, dry_run=True)
    if load_col.button(tr("upload.load"), key="up_load", type="primary"):
        run_ingest(data, name, kind, spec, options, dayfirst, create, save_as, dry_run=False)


# ------------------------------------------------------------------ published results (issue 17)
RESULTS_KIND = "results"
IGNORE_ROLE = "ignore"
MEASURE_COLUMN = "measure_column"
GROUP_ROLE = "group"
# A measure kept as its own (no indicator): a visible choice, since the editor shows an empty cell as "None".
OWN_MEASURE = "__own__"


def results_roles(spec: published.ResultsSpec, headers: list[str], preview: list[list[str]]) -> pd.DataFrame:
    """The proposed role of each column in an editable table (like survey columns): a role of
    :data:`analytics.published.ROLES`, a measure column (wide files), a demographic group, or ignored."""
    role_of = {header: role for role, header in spec.columns.items()}
    role_of.update({h: MEASURE_COLUMN for h in spec.measure_columns})
    role_of.update({h: GROUP_ROLE for h in spec.groups})
    frame = pd.DataFrame({
        "column": headers,
        "role": [role_of.get(h, IGNORE_ROLE) for h in headers],
        "sample": [", ".join(dict.fromkeys(r[i] for r in preview[:5] if i < len(r) and r[i].strip())) for i, _h in
                   enumerate(headers)],
    })
    choices = [IGNORE_ROLE, *published.ROLES, MEASURE_COLUMN, GROUP_ROLE]
    role_names = {role: tr(f"published.upload.role.{role}") for role in choices}
    st.caption(tr("published.upload.roles_help"))
    return st.data_editor(frame, hide_index=True, width="stretch", num_rows="fixed", key="up_pub_roles", column_config={
        "column": st.column_config.TextColumn(tr("upload.col.column"), disabled=True),
        "role": st.column_config.SelectboxColumn(tr("published.upload.col.role"), options=choices, required=True,
                                                 format_func=role_names.__getitem__),
        "sample": st.column_config.TextColumn(tr("upload.col.sample"), disabled=True),
    })


def results_measures(spec: published.ResultsSpec, names: list[str]) -> pd.DataFrame:
    """Each published measure and the Jingmin indicator it means the same as ('' = its own measure), with its
    wording; proposed from synonyms, confirmed or edited by the analyst."""
    labels = common.indicator_labels()
    names_shown = {OWN_MEASURE: tr("published.upload.own_measure"), **labels}
    frame = pd.DataFrame({"measure": names, "indicator": [spec.measures.get(m, OWN_MEASURE) or OWN_MEASURE
                                                          for m in names],
                          "label": [spec.measure_labels.get(m, m) for m in names]})
    return st.data_editor(frame, hide_index=True, width="stretch", num_rows="fixed", key="up_pub_measures",
                          column_config={
        "measure": st.column_config.TextColumn(tr("published.upload.col.measure"), disabled=True),
        "indicator": st.column_config.SelectboxColumn(
            tr("published.upload.col.indicator"), options=[OWN_MEASURE, *labels], required=True,
            format_func=names_shown.__getitem__),
        "label": st.column_config.TextColumn(tr("published.upload.col.label")),
    })


def results_spec(spec: published.ResultsSpec, roles: pd.DataFrame, measures: pd.DataFrame | None, root: str
                 ) -> published.ResultsSpec:
    """The confirmed reading spec: the edited roles, format, scale, window, dates, source and measure mapping."""
    columns: dict[str, str] = {}
    for header, role in zip(roles["column"], roles["role"], strict=True):
        if role in published.ROLES and role not in columns:
            columns[role] = header
    measure_columns = [h for h, r in zip(roles["column"], roles["role"], strict=True) if r == MEASURE_COLUMN]
    groups = [h for h, r in zip(roles["column"], roles["role"], strict=True) if r == GROUP_ROLE]
    mapped, wording = {}, {}
    if measures is not None:
        for m, ind, label in zip(measures["measure"], measures["indicator"], measures["label"], strict=True):
            mapped[m] = "" if ind in (None, OWN_MEASURE) else ind
            if isinstance(label, str) and label.strip() and label.strip() != m:
                wording[m] = label.strip()
    left, middle, right = st.columns(3)
    formats = list(published.VALUE_FORMATS)
    # Labels computed here, not in a lambda: a format function must not read the session (language) later.
    format_names = {v: tr(f"published.upload.format.{v}") for v in formats}
    value_format = left.selectbox(tr("published.upload.value_format"), formats,
                                  index=formats.index(spec.value_format), key=common.carried("up_pub_format"),
                                  format_func=format_names.__getitem__)
    windows = list(published.WINDOWS)
    window_names = {v: tr(f"published.upload.window_kind.{v}") for v in windows}
    window = middle.selectbox(tr("published.upload.window"), windows, index=windows.index(spec.window),
                              key=common.carried("up_pub_window"), format_func=window_names.__getitem__)
    scale = None
    if value_format == "mean":
        low = right.number_input(tr("published.upload.scale_min"), value=0.0, key="up_pub_scale_min")
        high = right.number_input(tr("published.upload.scale_max"), value=10.0, key="up_pub_scale_max")
        scale = (low, high)
    date_order_names = {name: tr(f"upload.dates.{name}") for name in DATE_ORDERS}
    dayfirst = DATE_ORDERS[st.radio(tr("upload.dates_label"), list(DATE_ORDERS), horizontal=True,
                                       format_func=date_order_names.__getitem__, key=common.carried("up_pub_dayfirst"))]
    source = st.text_input(tr("published.upload.source"), key="up_pub_source").strip() or None
    return published.ResultsSpec(
        root=root, shape="long" if "value" in columns else "wide", columns=columns, measure_columns=measure_columns,
        groups=groups, value_format=value_format, scale=scale, window=window, dayfirst=dayfirst, source=source,
        measures=mapped, measure_labels=wording)


def results_section(data: bytes, name: str) -> None:
    """Published results: the proposed reading spec shown for confirmation and editing, then checked and loaded
    all-or-nothing; problems are reported row by row in the user's language."""
    root = st.text_input(tr("published.upload.root"), key="up_pub_root").strip()
    if not root:
        st.info(tr("published.upload.need_root"))
        return
    try:
        proposed, headers, preview = published.propose(common.cursor(), data, root=root, source_name=name)
    except JingminError as exc:
        show_problems(exc)
        return
    st.caption(tr("upload.preview"))
    st.dataframe(pd.DataFrame(preview, columns=headers[:max((len(r) for r in preview), default=0)]),
                 width="stretch", hide_index=True)
    st.subheader(tr("published.upload.spec"))
    roles = results_roles(proposed, headers, preview)
    if (roles["role"] == MEASURE_COLUMN).any():
        names = [h for h, r in zip(roles["column"], roles["role"], strict=True) if r == MEASURE_COLUMN]
    elif (roles["role"] == "measure").any():
        index = headers.index(roles.loc[roles["role"] == "measure", "column"].iloc[0])
        names = sorted({r[index].strip() for r in preview if index < len(r) and r[index].strip()})
        st.caption(tr("published.upload.measures_preview"))
    else:
        names = []
    measures = results_measures(proposed, names) if names else None
    try:
        spec = results_spec(proposed, roles, measures, root)
    except JingminError as exc:
        common.show_error(exc)
        return
    create = st.checkbox(tr("published.upload.create"), key="up_pub_create")
    check_col, load_col = st.columns(2)
    if check_col.button(tr("published.upload.check"), key="up_pub_check"):
        run_results(data, name, spec, create, dry_run=True)
    if load_col.button(tr("published.upload.load"), key="up_pub_load", type="primary"):
        run_results(data, name, spec, create, dry_run=False)


def run_results(data: bytes, name: str, spec: published.ResultsSpec, create: bool, *, dry_run: bool) -> None:
    """Check (and load) a published-results file with the confirmed spec; show the outcome."""
    try:
        with st.spinner(), common.writer() as con:
            result = published.load_results(con, data, spec, user=common.user(), source_name=name,
                                            create_jurisdictions=create, dry_run=dry_run)
    except JingminError as exc:
        show_problems(exc)
        return
    summary = result.summary
    if dry_run:
        st.success(tr("published.upload.checked", figures=result.rows, not_published=summary["not_published"]))
        for warning in summary["warnings"]:
            st.text(note_text(warning, common.lang(), surface="page"))
        return
    st.session_state["up_flash"] = (tr("published.upload.loaded", load=result.load_id, figures=result.rows), None)
    st.rerun()


def batches_section() -> None:
    """Loaded batches (for roles that see every jurisdiction), and removal for those allowed to remove them."""
    if not common.user().can("view_all"):
        return  # a batch's file name and row count can describe another station's own survey
    st.divider()
    st.subheader(tr("upload.batches"))
    batches = engine.batches(common.cursor())
    if batches.empty:
        st.info(tr("data.no_batches"))
        return
    shown = common.batch_labels(batches)[["batch_id", "kind", "source_name", "row_count", "loaded_at", "status",
                                          "survey_mode", "mapping_name"]]
    st.dataframe(shown.rename(columns={c: tr(f"batch.{c}") for c in shown.columns}), width="stretch",
                 hide_index=True)
    if not common.user().can("remove_batch"):
        return
    remove_section(batches[batches["status"] == "loaded"])


def remove_section(loaded: pd.DataFrame) -> None:
    """Removal of one batch: nothing is preselected, and the button works only once the user has ticked a box
    that names the batch and its row count (a removal cannot be undone)."""
    if loaded.empty:
        return
    kinds = {k: tr(f"upload.kind.{k}") if has(f"upload.kind.{k}") else k for k in loaded["kind"].unique()}
    facts = {int(r["batch_id"]): {"batch_id": int(r["batch_id"]), "source": r["source_name"],
                                  "kind": kinds[r["kind"]], "rows": int(r["row_count"])}
             for r in loaded.to_dict("records")}
    labels = {b: tr("upload.remove_label", **v) for b, v in facts.items()}
    st.subheader(tr("upload.remove"))
    picked = st.selectbox(tr("upload.remove_pick"), list(labels), index=None, format_func=labels.__getitem__,
                          placeholder=tr("upload.remove_pick"), key=common.carried("up_remove_id"))
    if picked is None:
        return
    chosen = facts[picked]
    st.warning(tr("upload.remove_warning", **{k: common.plain(v) for k, v in chosen.items()}))
    # The box's key names the batch, so ticking it for one batch never carries over to another.
    confirmed = st.checkbox(tr("upload.remove_confirm", batch_id=picked, rows=chosen["rows"]),
                            key=f"up_remove_confirm_{picked}")
    if st.button(tr("upload.remove_button"), key="up_remove", disabled=not confirmed, type="primary"):
        try:
            with common.writer() as con:
                counts = ingest.remove_batch(con, picked, user=common.user())
        except JingminError as exc:
            common.show_error(exc)
            return
        st.session_state["up_flash"] = (tr("upload.removed", batch_id=picked, **counts), None)
        st.rerun()


common.filters()
st.title(tr("upload.title"))
st.caption(tr("upload.caption"))
if "up_flash" in st.session_state:
    message, loaded_result = st.session_state.pop("up_flash")
    st.success(message)
    if loaded_result is not None:
        show_summary(loaded_result)
if common.user().can("upload"):
    upload_section()
else:
    st.info(tr("upload.no_permission"))
batches_section()
