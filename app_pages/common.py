"""Shared page helpers: this run's DuckDB connection, language, sidebar filters, cached queries, charts.

Pages stay thin: read ``filters()`` (the sidebar's :class:`~analytics.selection.Selection`), call a cached
analytics function with it, draw. Query results are
cached with ``st.cache_data`` keyed on the database's data version, so any load, removal or
definition change invalidates them; the engine itself never caches.

The dashboard holds no lock on the database between runs (docs/store.md): a run reads through a
read-only connection opened on first use and closed by :func:`release` when the run ends, so the
CLI and other dashboards can read meanwhile, and a CLI load can start between runs. A write (upload,
removal, raking, settings, forum actions, sign-in audit...) goes through :func:`writer`, which holds a
read-write connection only while it runs.
"""

from __future__ import annotations

import html
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics import alerts, auth, demo, engine, scorecard, store, waves
from analytics.auth import User
from analytics.db import Connection
from analytics.errors import JingminError
from analytics.i18n import LANGUAGES, has, t
from analytics.output import to_csv_bytes
from analytics.periods import PERIOD_KINDS, WAVE_KIND, available_periods
from analytics.presentation import estimate_text, natural_text
from analytics.selection import COMPARISONS, Selection, comparison_words

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
CHART_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
PALETTE = ["#1f4e8c", "#d1495b", "#00798c", "#edae49", "#66a182", "#8d96a3", "#2e4057", "#a05195"]
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~$:=-])")
CHART_TEXT_FIELDS = ("name", "text", "hovertext", "x", "y", "customdata")
BUSY_RETRY_S = 5  # how often a page that met a data load tries again
# Reads and writes of this process's sessions (one thread each) take turns: see store.ProcessGate.
_GATE = store.ProcessGate()
_RUN = threading.local()  # this thread's (= this run's) read connection
_PREPARED: set[str] = set()  # files this process has created or migrated (done once, under the write gate)
_PREPARE_LOCK = threading.Lock()
HEATMAP_PAGE_ROWS = 50  # Overview heat-map rows drawn at once (the rest on further pages)
APART_PAIRS_SHOWN = 10  # Assessment: neighbours that cannot be told apart, named before "and N more"
# Finished figures kept per page in st.cache_resource (Overview's heat-map, Compare's charts): each is one
# selection's figure of at most a few thousand points; sessions with other choices share the rest.
FIGURE_CACHE_ENTRIES = 64


def plain(text: Any) -> str:
    """Text from the database or a file, escaped for an element that renders Markdown (caption, error, metric...).

    Markdown, LaTeX and directives are escaped, and raw HTML is shown as text, so a station named
    ``**x**`` or ``<script>`` appears literally.
    """
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def _chart_safe(value: Any) -> Any:
    """A chart value with text HTML-escaped (Plotly renders a subset of HTML in labels and decodes entities)."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, tuple | list):
        return [_chart_safe(v) for v in value]
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "O":
        return [_chart_safe(v) for v in value.tolist()]
    return value


def _needs_escaping(value: Any) -> bool:
    """Whether :func:`_chart_safe` would change ``value`` (some text in it holds &, < or >)."""
    if isinstance(value, str):
        return "&" in value or "<" in value or ">" in value
    if isinstance(value, tuple | list):
        return any(_needs_escaping(v) for v in value)
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "O":
        return any(_needs_escaping(v) for v in value.tolist())
    return False


class _WaitNotice:
    """While a run waits for the database, a notice on the page (removed once the wait is over)."""

    def __init__(self) -> None:
        self.slot: Any = None

    def __call__(self, waited: float, allowed: float, holder: int | None) -> None:
        if self.slot is None:
            self.slot = st.empty()
            self.slot.info(tr("store.waiting"), icon=":material/hourglass_top:")

    def clear(self) -> None:
        if self.slot is not None:
            self.slot.empty()


def _db_path() -> str:
    return str(store.resolve_db_path())


def _prepare(path: str) -> None:
    """Create (the default file: from the demo) or migrate the database once per process, as a write:
    a read-only connection can do neither, and no read of this process may be open meanwhile."""
    with _PREPARE_LOCK:
        if path in _PREPARED:
            return
        # A fresh clone: the default database is built from the demo city; otherwise a read-write open migrates.
        if not demo.ensure_default_database(path, open_write=writer):
            with writer():
                pass
        _PREPARED.add(path)


class _RunRead:
    """This run's read connection and its hold on the gate, both given back exactly once: by
    :func:`release`, or when the run's thread ends without it (a page script run on its own, as
    Streamlit's legacy multipage mode and page-level tests do) and its thread-local state is freed."""

    def __init__(self, con: Connection) -> None:
        self.con = con
        self.version: str | None = None  # the data version read through it (see data_version)
        self.close = weakref.finalize(self, _close_read, con)


def _close_read(con: Connection) -> None:
    try:
        con.close()
    finally:
        _GATE.release_read()


def cursor() -> Connection:
    """This run's read-only connection, opened on first use (about 16 ms on the demo database,
    docs/store.md) and closed by :func:`release` when the run ends. Waits while a write of this or
    another process runs, with a notice on the page; past ``JINGMIN_LOCK_TIMEOUT`` raises
    :class:`StoreBusyError`, which dashboard.py shows as "data is being loaded"."""
    held = getattr(_RUN, "read", None)
    if held is not None:
        return held.con
    path = _db_path()
    _prepare(path)
    notice = _WaitNotice()
    _GATE.acquire_read(store.lock_timeout(), notice)
    opened = False
    try:
        con = store.connect(path, read_only=True, on_wait=notice)
        opened = True
    finally:
        notice.clear()
        if not opened:
            _GATE.release_read()
    _RUN.read = _RunRead(con)
    return con


def release() -> None:
    """Close this run's read connection (if any): called by dashboard.py when every run ends."""
    held = getattr(_RUN, "read", None)
    _RUN.read = None
    if held is not None:
        held.close()


@contextmanager
def writer() -> Iterator[Connection]:
    """A read-write connection for one write, closed when the block ends.

    This run's read connection is closed first (DuckDB cannot hold one file read-only and read-write in
    one process); the next :func:`cursor` call opens a fresh one that sees the write. Waits for other
    sessions' runs to finish reading and for other processes' locks, bounded like :func:`cursor`.
    """
    release()
    notice = _WaitNotice()
    _GATE.acquire_write(store.lock_timeout(), notice)
    try:
        con = store.connect(_db_path(), on_wait=notice)
        notice.clear()
        try:
            yield con
        finally:
            con.close()
    finally:
        notice.clear()
        _GATE.release_write()


def write_and_rerun(write: Callable[[Connection], object], flash_key: str, message: str) -> None:
    """Run ``write`` on a read-write connection (:func:`writer`). Done: the page reruns (showing the change) with
    ``message`` left under ``flash_key`` for the page to show (:func:`page_start` does); refused (a JingminError):
    the reason is shown here."""
    try:
        with writer() as con:
            write(con)
    except JingminError as exc:
        show_error(exc)
    else:
        st.session_state[flash_key] = message
        st.rerun()


def show_busy() -> None:
    """Instead of an error page while another process loads data: a notice, and a fresh try every few seconds."""
    st.info(tr("error.store_busy"), icon=":material/hourglass_top:")
    st.caption(tr("store.retry_in", seconds=BUSY_RETRY_S))

    first = [True]  # the fragment runs once now, then every BUSY_RETRY_S seconds on its own

    @st.fragment(run_every=BUSY_RETRY_S)
    def retry() -> None:
        if not first[0]:
            st.rerun(scope="app")
        first[0] = False

    retry()


def lang() -> str:
    """The chosen language code ('zh' or 'en')."""
    value = st.session_state.get("lang", "zh")
    return value if value in LANGUAGES else "zh"


def tr(key: str, **params: Any) -> str:
    """The catalog message ``key`` in the chosen language."""
    return t(key, lang(), **params)


# Keys of select widgets (select box, multiselect, radio) whose option labels are in the chosen language.
CARRIED_KEYS = "_carried_keys"


def carried(key: str) -> str:
    """``key``, registered so that its widget keeps its value over a language switch; use it as the widget's key.

    Streamlit keeps a select widget's value as the labels it shows, and a keyed widget outlives a change of its
    labels: after a switch of language none of the old labels is an option any more, so Streamlit drops the value
    (a multiselect empties, a select box falls back to its default). :func:`carry_choices`, run when the language
    changes, sets each registered widget's value again as its options (codes), which no label change affects.
    """
    st.session_state.setdefault(CARRIED_KEYS, set()).add(key)
    return key


def carry_choices() -> None:
    """``on_change`` of the language: every :func:`carried` widget still on the page keeps what was chosen.

    Runs before the script, while the values still read as options through the previous run's labels; a value set
    through the Session State API is taken as options by the widget of the next run, not as labels.
    """
    for key in st.session_state.get(CARRIED_KEYS, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def picker(label: str, options: list[Any], name: str, *, format_func: Any, default: Any = None,
           container: Any = None, radio: bool = False) -> Any:
    """A selectbox (or horizontal radio) whose shown labels follow a language switch; returns the choice.

    Streamlit keeps a widget's option labels from the run that created it, so the key carries the language
    (as the sidebar's do): a switch makes a new widget. The choice is kept under ``_<name>`` and carried over
    to it; ``default`` (else the first option) when nothing valid is remembered.
    """
    remembered = st.session_state.get(f"_{name}", default)
    index = options.index(remembered) if remembered in options else (
        options.index(default) if default in options else 0)
    box = container if container is not None else st
    if radio:
        value = box.radio(label, options, index=index, key=f"{name}_{lang()}", format_func=format_func,
                          horizontal=True)
    else:
        value = box.selectbox(label, options, index=index, key=f"{name}_{lang()}", format_func=format_func)
    st.session_state[f"_{name}"] = value
    return value


def chart_text(value: Any) -> Any:
    """Text for a chart's layout (tick labels, titles), HTML-escaped like the data :func:`prepare_fig` escapes."""
    return _chart_safe(value)


def show_error(exc: JingminError) -> None:
    """Show an error a user caused, in their language when the catalog has its message."""
    # Messages quote values from files (names, cells, headers): shown as text, never as Markdown.
    params = {k: plain(v) if isinstance(v, str) else v for k, v in exc.params.items()}
    if exc.message_key != "error.generic" and has(exc.message_key):
        st.error(t(exc.message_key, lang(), message=plain(exc.message), **params))
    else:
        st.error(t("error.generic", lang(), message=plain(exc.message)))


def current_user() -> User | None:
    """The signed-in user; the local admin while no account exists; None when sign-in is needed.

    A session idle for longer than the timeout is signed out.
    """
    cur = cursor()
    if not auth.any_users(cur):
        return auth.LOCAL_USER
    user = st.session_state.get("user")
    last = st.session_state.get("last_active")
    now = time.monotonic()
    if user is not None and last is not None and now - last > auth.SESSION_TIMEOUT_MINUTES * 60:
        st.session_state.pop("user", None)
        st.session_state["timed_out"] = True
        return None
    if user is not None:
        st.session_state["last_active"] = now
    return user


def sign_in(user: User) -> None:
    """Remember a successful sign-in for this browser session."""
    st.session_state["user"] = user
    st.session_state["last_active"] = time.monotonic()
    st.session_state.pop("timed_out", None)


def sign_out() -> None:
    """Forget the signed-in user (audited)."""
    user = st.session_state.pop("user", None)
    if user is not None:
        with writer() as con:
            store.audit(con, user.username, "logout", {})


def user() -> User:
    """The user of this run (set by dashboard.py; pages only run once someone is signed in)."""
    return st.session_state["_user"]


def audit_download(file_name: str, rows: int | None = None) -> None:
    """``on_click`` of a download button: the export goes to the audit log (who, which file, how many rows)."""
    detail: dict[str, Any] = {"file": file_name}
    if rows is not None:
        detail["rows"] = rows
    with writer() as con:
        store.audit(con, user().username, "export.download", detail)


def download_csv(label: str, frame: pd.DataFrame, file_name: str, key: str,
                 cache_key: tuple[Any, ...] | None = None) -> None:
    """The one CSV download of every page: the file is written by analytics.output (formulas neutralised,
    suppressed numbers empty, UTF-8 with BOM so Excel shows Chinese) and the click is audited
    (``export.download``: who, file, rows). Pages never call ``st.download_button`` for CSV themselves
    (tests/unit/test_export_rules.py).

    ``cache_key``: everything ``frame`` follows from (the data version and the selection with its user, at
    least); given, the file is written once per key and shared (bytes: nobody can change them) instead of
    on every run of the page.
    """
    # Both ways the bytes are to_csv_bytes' (tests/unit/test_export_rules.py reads this call).
    st.download_button(label, to_csv_bytes(frame) if cache_key is None else _csv_bytes(cache_key, frame),
                       file_name=file_name, mime="text/csv", key=key, on_click=audit_download,
                       args=(file_name, len(frame)))


@st.cache_resource(show_spinner=False, max_entries=FIGURE_CACHE_ENTRIES)
def _csv_bytes(cache_key: tuple[Any, ...], _frame: pd.DataFrame) -> bytes:
    """``to_csv_bytes(_frame)``, once per ``cache_key`` (see :func:`download_csv`)."""
    return to_csv_bytes(_frame)


def data_version() -> str:
    """The cache key for query results: database file and its data version (changes on every load).

    Read once per read connection: while this run holds it no other process can write the file, and a write
    of this process goes through :func:`writer`, which closes it first (the next call reads the new version).
    """
    cur = cursor()
    held: _RunRead = _RUN.read
    if held.version is None:
        held.version = f"{store.resolve_db_path()}#{store.data_version(cur)}"
    return held.version


@st.cache_data(show_spinner=False)
def cached_months(version: str) -> list[date]:
    """Months with data (cached per data version)."""
    return engine.data_months(cursor())


@st.cache_data(show_spinner=False)
def cached_waves(version: str) -> list[str]:
    """Survey wave labels in wave order (cached per data version); empty when the data has no waves."""
    return waves.wave_labels(cursor())


@st.cache_data(show_spinner=False)
def cached_previous_waves(version: str) -> dict[str, str | None]:
    """Each wave -> the wave before it (cached per data version)."""
    return waves.previous_waves(cursor())


@st.cache_data(show_spinner=False)
def cached_jurisdictions(version: str) -> pd.DataFrame:
    """The jurisdiction registry (cached per data version)."""
    return engine.jurisdictions(cursor())


def sidebar() -> Selection:
    """Draw the shared sidebar (language and filters) and return the :class:`Selection` every page uses.

    The language is a UI choice kept apart (:func:`lang`); the selection carries the periods, level,
    jurisdictions, weighting, comparison rule and this run's user.
    """
    st.sidebar.radio(tr("sidebar.language"), LANGUAGES, key="lang", horizontal=True,
                     format_func=LANGUAGE_NAMES.__getitem__, on_change=carry_choices)
    version = data_version()
    months = cached_months(version)
    st.sidebar.subheader(tr("sidebar.filters"))
    wave_labels = cached_waves(version)
    # Waves are offered only when some loaded survey has them.
    kinds = [k for k in PERIOD_KINDS if k != "all" and (k != WAVE_KIND or wave_labels)]
    if st.session_state.get("_granularity") not in kinds:
        st.session_state["_granularity"] = "quarter"
    # format functions look labels up in dicts built now: Streamlit may call them after the run
    kind_names = {k: tr(f"period.{k}") for k in kinds}
    # Keys carry the language so the shown labels follow a language switch; the choice is carried over.
    kind = st.sidebar.selectbox(tr("sidebar.granularity"), kinds,
                                index=kinds.index(st.session_state.get("_granularity", "quarter")),
                                key=f"granularity_{lang()}", format_func=kind_names.__getitem__)
    st.session_state["_granularity"] = kind
    labels = wave_labels if kind == WAVE_KIND else available_periods(months, kind)
    chosen: tuple[str, ...] = ()
    if not labels:
        st.sidebar.info(tr("sidebar.no_data"))
    elif len(labels) == 1:
        chosen = (labels[0],)
    else:
        start, end = st.sidebar.select_slider(tr("sidebar.period_range"), options=labels,
                                              value=(labels[0], labels[-1]), key=f"range_{kind}")
        chosen = tuple(labels[labels.index(start): labels.index(end) + 1])
    level_names = {lv: tr(f"level.{lv}") for lv in engine.LEVELS}
    level = st.sidebar.selectbox(tr("sidebar.level"), engine.LEVELS,
                                 index=engine.LEVELS.index(st.session_state.get("_level", "station")),
                                 key=f"level_{lang()}", format_func=level_names.__getitem__)
    st.session_state["_level"] = level
    registry = cached_jurisdictions(version)
    at_level = registry[registry["level"] == level]
    visible = auth.visible_codes(cursor(), user())
    if visible is not None:
        at_level = at_level[at_level["code"].isin(visible)]
    names = dict(zip(at_level["code"], at_level["name_zh" if lang() == "zh" else "name_en"], strict=True))
    labels_by_code = {code: f"{name} ({code})" for code, name in names.items()}
    picked = st.sidebar.multiselect(tr("sidebar.jurisdictions"), list(names), key=carried(f"jur_{level}"),
                                    format_func=labels_by_code.__getitem__, placeholder=tr("sidebar.all"))
    weighted = st.sidebar.toggle(tr("sidebar.weighted"), key="weighted", help=tr("sidebar.weighted_help"))
    comparison_names = {c: tr(f"selection.compared_with.{c}") for c in COMPARISONS}
    comparison = st.sidebar.radio(tr("selection.compared_with_label"), COMPARISONS,
                                  index=COMPARISONS.index(st.session_state.get("_comparison", "previous")),
                                  key=f"comparison_{lang()}", format_func=comparison_names.__getitem__,
                                  help=tr("selection.compared_with_help"))
    st.session_state["_comparison"] = comparison
    _account_box()
    return Selection(period_kind=kind, periods=chosen, level=level, jurisdiction_codes=tuple(picked),
                     weighted=bool(weighted), comparison=comparison, user=user())


def _account_box() -> None:
    """Who is signed in (with a sign-out button), or the local-mode notice."""
    st.sidebar.divider()
    current = user()
    if current is auth.LOCAL_USER:
        st.sidebar.caption(tr("app.local_notice") + " " + tr("login.local_help"))
        return
    st.sidebar.caption(tr("login.signed_in_as", user=current.username, role=tr(f"role.{current.role}")))
    if st.sidebar.button(tr("login.logout"), key="logout"):
        sign_out()
        st.rerun()


def filters() -> Selection:
    """The selection made in the sidebar on this run (set by dashboard.py before the page runs)."""
    return st.session_state["_filters"]


def page_start(title: str, caption: str | None = None, flash_key: str | None = None) -> Selection:
    """The sidebar's selection, after the page's title, its caption and the message a save left for this run
    (under ``flash_key`` in the session: shown once); the page stops here while there is no survey data."""
    f = filters()
    st.title(title)
    if caption is not None:
        st.caption(caption)
    if flash_key is not None and flash_key in st.session_state:
        st.success(st.session_state.pop(flash_key))
    if f.latest is None:
        st.info(tr("sidebar.no_data"))
        st.stop()
    return f


def compared_with(sel: Selection, period: str | None = None) -> str:
    """The comparison of ``period`` (default: the latest chosen) in words: '较上一期（2026Q2）' / 'vs the
    previous period (2026Q2)'; '' when there is nothing to compare with (no period, or 'all')."""
    previous = cached_previous_waves(data_version()) if sel.period_kind == WAVE_KIND else None
    return comparison_words(sel.comparison, period or sel.latest, lang(), previous=previous)


# A selection is frozen and hashable; its repr (every field, the user's name and role included) is its key.
@st.cache_data(show_spinner=False, hash_funcs={Selection: repr})
def _indicator_table(version: str, sel: Selection, changes: bool) -> pd.DataFrame:
    # Only the periods shown are cached, and only they (plus the periods their changes compare with) are
    # queried: every rerun gets a pickled copy of the cached frame, and the engine's time grows with the
    # periods read. Measured in benchmarks/README.md (re-render after a filter change).
    return engine.indicator_table(cursor(), sel, changes=changes)


def indicator_table(sel: Selection, *, changes: bool = True, level: str | None = None,
                    jurisdiction_codes: tuple[str, ...] | None = None,
                    periods: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The indicator table for the sidebar's selection, with change columns (by ``sel.comparison``), cached.

    ``level``, ``jurisdiction_codes`` and ``periods`` override the selection's (the Overview's city
    tiles; only its latest period).
    """
    changed: dict[str, Any] = {}
    if level is not None:
        changed["level"] = level
    if jurisdiction_codes is not None:
        changed["jurisdiction_codes"] = jurisdiction_codes
    if periods is not None:
        changed["periods"] = periods
    return _indicator_table(data_version(), sel.with_(**changed) if changed else sel, changes)


def show_fig(fig: Any) -> None:
    """Draw a plotly figure with the app's common chart settings; text from the data is HTML-escaped."""
    draw_fig(prepare_fig(fig))


def draw_fig(fig: Any) -> None:
    """Draw a figure :func:`prepare_fig` has prepared (Streamlit only reads it: a cached figure may be drawn)."""
    st.plotly_chart(fig, width="stretch", config=CHART_CONFIG)


def period_axis(periods: list[str], width_px: int = 360) -> dict[str, Any]:
    """A category x axis of period labels, in order, whose tick labels stay level under a legend.

    Plotly turns tick labels that collide (36 months in a half-width chart) on end, and a horizontal legend under
    the plot then covers their lower half ('2024-' for '2024-06'): the margin is sized for the larger of the two,
    not both. With more labels than fit across ``width_px`` (about 7 px a character at the app's 13 px font), every
    n-th label is shown, level; each point still names its period on hover.
    """
    axis: dict[str, Any] = {"type": "category", "categoryorder": "array", "categoryarray": list(periods)}
    longest = max((len(str(p)) for p in periods), default=0)
    fit = max(2, width_px // (7 * longest + 16)) if longest else len(periods)
    if len(periods) > fit:
        axis.update(tickangle=0, nticks=fit)
    return axis


def prepare_fig(fig: Any) -> Any:
    """``fig`` with data text HTML-escaped and the app's common layout, changed in place and returned."""
    for trace in fig.data:
        for field in CHART_TEXT_FIELDS:
            # Assigned back only when escaping changes something: plotly validates (and copies) every
            # assignment, which for a chart of 500 points was a noticeable part of a re-render.
            if field in trace and trace[field] is not None and _needs_escaping(trace[field]):
                trace[field] = _chart_safe(trace[field])
    if fig.layout.title.text:
        fig.layout.title.text = html.escape(fig.layout.title.text, quote=False)
    fig.update_layout(font={"family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif", "size": 13},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, colorway=PALETTE)
    return fig


def indicator_labels() -> dict[str, str]:
    """Indicator key -> label in the chosen language, in display order (cached per data version: a definition
    change bumps it)."""
    return _indicator_labels(data_version(), lang())


@st.cache_data(show_spinner=False)
def _indicator_labels(version: str, language: str) -> dict[str, str]:
    from analytics.definitions import list_indicators

    return {ind.key: ind.label(language) for ind in list_indicators(cursor())}


@st.cache_data(show_spinner=False)
def _published_figures(version: str, period_kind: str, periods: tuple[str, ...]) -> pd.DataFrame:
    from analytics import published

    # Published figures are public and name no local jurisdiction: no user scope applies (analytics.published).
    return published.published_table(cursor(), Selection(period_kind=period_kind, periods=periods))


def published_figures(f: Selection, periods: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Published figures (other agencies', earlier results) for the sidebar's period kind and range, cached."""
    chosen = tuple(f.periods if periods is None else periods)
    return _published_figures(data_version(), f.period_kind, chosen)


def published_area_options(figures: pd.DataFrame) -> dict[str, str]:
    """'root\\x1fcode\\x1fgroup' -> display name of every published series in ``figures`` (for pickers)."""
    out: dict[str, str] = {}
    # The first row of each series names it (as drop_duplicates would keep it), read from plain lists:
    # DataFrame.drop_duplicates + to_dict was a visible part of a warm Trends or Overview run.
    columns = [figures[c].tolist() for c in ("root", "jurisdiction", "grp", "jurisdiction_name")]
    for root, code, grp, name in zip(*columns, strict=True):
        key = "\x1f".join((root, code, grp))
        if key not in out:
            out[key] = name + (f" · {grp}" if grp else "")
    return out


def published_series(figures: pd.DataFrame, key: str) -> pd.DataFrame:
    """The rows of one series picked by :func:`published_area_options`."""
    root, code, grp = key.split("\x1f")
    return figures[(figures["root"] == root) & (figures["jurisdiction"] == code) & (figures["grp"] == grp)]


# ---------------------------------------------------------------- leaders' screen (issue 15)
@st.cache_data(show_spinner=False)
def _scorecard(version: str, sel_key: str, _sel: Selection) -> pd.DataFrame:
    return scorecard.scorecard(cursor(), _sel)


def cached_scorecard(sel: Selection) -> pd.DataFrame:
    """:func:`analytics.scorecard.scorecard` of ``sel``, cached per data version and selection."""
    return _scorecard(data_version(), repr(sel), sel)


@st.cache_data(show_spinner=False)
def _attention(version: str, sel_key: str, _sel: Selection) -> pd.DataFrame:
    return scorecard.needs_attention(cached_scorecard(_sel))


def cached_attention(sel: Selection) -> pd.DataFrame:
    """:func:`analytics.scorecard.needs_attention` of ``sel``'s scorecard, cached per data version and selection."""
    return _attention(data_version(), repr(sel), sel)


@st.cache_data(show_spinner=False)
def _history(version: str, sel_key: str, indicator: str, _sel: Selection) -> pd.DataFrame:
    return scorecard.history(cursor(), _sel, indicator)


def cached_history(sel: Selection, indicator: str) -> pd.DataFrame:
    """The last periods of one indicator per jurisdiction (sparklines), cached."""
    return _history(data_version(), repr(sel), indicator, sel)


@st.cache_data(show_spinner=False)
def _alerts(version: str, sel_key: str, _sel: Selection) -> pd.DataFrame:
    return alerts.alerts(cursor(), _sel)


def cached_alerts(sel: Selection) -> pd.DataFrame:
    """The alerts digest of ``sel`` (the same table as ``python -m analytics alerts``), cached."""
    return _alerts(data_version(), repr(sel), sel)


# The glyph of each colour class of the heat-map and the map (analytics.scorecard colour_class), so the class
# reads without colour: ▲ ● ▼ against the level average; ✔ ✔? ✘? ✘ against a target ('?': the interval still
# holds the target); ▨ (hatched grey) when there is no figure to judge.
CLASS_GLYPHS = {"above": "▲", "within": "●", "below": "▼", "suppressed": "▨", "no_data": "▨", "no_reference": "",
                "met": "✔", "likely_met": "✔?", "likely_missed": "✘?", "missed": "✘", "not_assessable": "▨"}


def target_words(row: dict[str, Any]) -> str:
    """A target as '≥ 70.0%' (higher is better) or '≤ 2.0 / 5' (lower is better), in the row's units
    (``row`` has ``target``, ``target_direction`` and the indicator's ``kind``/scale columns)."""
    side = "lower" if row.get("target_direction") == "lower" else "higher"
    return tr(f"leaders.target.{side}", target=estimate_text({**row, "estimate": row["target"]}))


def target_rules_text(card: pd.DataFrame, indicator: str, names: dict[str, str],
                      rules: pd.DataFrame | None = None) -> tuple[str, bool] | None:
    """The targets that colour ``indicator``'s cells, in words ('≥ 70.0%; Station B: ≥ 75.0%': the target most
    cells have, then the others by jurisdiction; every one by jurisdiction when some cells have none), and
    whether some cells have none and keep the level-average rule; from
    :func:`analytics.scorecard.target_rules` (``rules``: its result for ``card``, when the caller has it).
    None when no cell of it has a target."""
    rules = scorecard.target_rules(card) if rules is None else rules
    rules = rules[rules["indicator"] == indicator]
    if rules.empty:
        return None
    sample = card[card["indicator"] == indicator].iloc[0].to_dict()  # kind and scale of the indicator
    join = ("、" if lang() == "zh" else ", ").join
    partly = bool(rules["partly"].iloc[0])
    # When some jurisdictions have no target, every target is said with whose it is, the main one too.
    parts = [target_words({**sample, **rule}) if rule["main"] and not partly else tr(
        "leaders.target.for_some", names=join(names.get(c, c) for c in rule["jurisdictions"]),
        target=target_words({**sample, **rule})) for rule in rules.to_dict("records")]
    return tr("leaders.attention.join").join(parts), partly


def target_rule_text(card: pd.DataFrame, indicator: str, label: str, names: dict[str, str],
                     rules: pd.DataFrame | None = None) -> str | None:
    """A heat-map column's rule when targets colour it: 'Visibility (target ≥ 70.0%; Station B: ≥ 75.0%)', or
    None when the level average colours it all (``rules``: as :func:`target_rules_text`)."""
    found = target_rules_text(card, indicator, names, rules)
    if found is None:
        return None
    targets, partly = found
    return tr("leaders.target.column_partly" if partly else "leaders.target.column", indicator=label,
              targets=targets)


def batch_labels(batches: pd.DataFrame) -> pd.DataFrame:
    """The batch list as a person reads it: kinds, statuses and survey modes in the chosen language, no "None"."""
    kinds = {k: tr(f"upload.kind.{k}") for k in batches["kind"].dropna().unique() if has(f"upload.kind.{k}")}
    modes = {m: tr(f"compare.mode.{m}") for m in batches["survey_mode"].dropna().unique() if has(f"compare.mode.{m}")}
    statuses = {s: tr(f"batch.status_value.{s}") for s in batches["status"].dropna().unique()
                if has(f"batch.status_value.{s}")}
    shown = batches.copy()
    # A label a file gave itself (a survey mode outside the catalog) is kept as the file wrote it.
    shown["kind"] = [kinds.get(k, k) for k in shown["kind"]]
    shown["status"] = [statuses.get(s, s) for s in shown["status"]]
    shown["survey_mode"] = ["" if pd.isna(m) else modes.get(m, m) for m in shown["survey_mode"]]
    if "mapping_name" in shown:
        shown["mapping_name"] = ["" if pd.isna(m) else m for m in shown["mapping_name"]]
    return shown


def natural_key(code: Any) -> str:
    """Sort key putting S2 before S10 (numbers inside codes compared as numbers; any mix of codes compares)."""
    return natural_text(code)


def visible_codes() -> set[str] | None:
    """The jurisdiction codes this run's user may see (None: all)."""
    visible = auth.visible_codes(cursor(), user())
    return None if visible is None else set(visible)


def metric_tile(container: Any, label: str, value: str, help_text: str | None = None, delta: str | None = None) -> None:
    """A headline figure whose label wraps instead of being cut ('90th pct. time to first response' at
    1280 px): the label as text with the help icon, the value (and ``delta``) as a metric without its own label."""
    container.markdown(f"**{plain(label)}**", help=help_text)
    container.metric(label, value, delta=delta, label_visibility="collapsed")


# ---------------------------------------------------------------- labelled scatter charts (issue 15 item 7)
# Where a point's label may go, in order of preference: (plotly textposition, dx, dy) with the label box's
# anchor offset from the point in pixels (dx: -1 box left of the point, 0 centred, +1 right; dy likewise up).
LABEL_POSITIONS = (("top center", 0, 1), ("bottom center", 0, -1), ("middle right", 1, 0), ("middle left", -1, 0),
                   ("top right", 1, 1), ("top left", -1, 1), ("bottom right", 1, -1), ("bottom left", -1, -1))
LABEL_FONT_PX = 12
LABEL_GAP_PX = 8  # from the point's centre to the label's nearest edge (the marker's radius and a little air)


def label_width(text: str) -> float:
    """The width in pixels of a chart label at ``LABEL_FONT_PX`` (a CJK character is about one em, Latin 0.6)."""
    return sum(LABEL_FONT_PX if ord(ch) > 0x2E80 else 0.6 * LABEL_FONT_PX for ch in str(text))


def padded_range(values: Any, pad: float = 0.08) -> list[float]:
    """An axis range around ``values`` with ``pad`` of their span (at least 1 unit) on each side."""
    low, high = float(min(values)), float(max(values))
    span = max(high - low, 1.0)
    return [low - pad * span, high + pad * span]


def label_positions(xs: Any, ys: Any, texts: Any, *, x_range: list[float], y_range: list[float],
                    width_px: float, height_px: float) -> tuple[list[str], list[str]]:
    """Places for scatter labels so that none overlaps another label or a point, or crosses the plot's edge.

    Points are placed greedily (the most crowded first); each label takes the first of ``LABEL_POSITIONS``
    that fits. A label that fits nowhere is left out (its name stays in the hover). Returns (textposition,
    text) per point. ``width_px``/``height_px``: the plot area's size (an estimate is enough).
    """
    xs, ys, texts = [float(v) for v in xs], [float(v) for v in ys], [str(v) for v in texts]
    sx = width_px / (x_range[1] - x_range[0])
    sy = height_px / (y_range[1] - y_range[0])
    px = [(x - x_range[0]) * sx for x in xs]
    py = [(y - y_range[0]) * sy for y in ys]  # upwards
    height = LABEL_FONT_PX + 4
    points = [(x - 5, y - 5, x + 5, y + 5) for x, y in zip(px, py, strict=True)]
    placed: list[tuple[float, float, float, float]] = []
    positions, shown = ["top center"] * len(xs), [""] * len(xs)

    def crowding(i: int) -> int:
        return sum(abs(px[i] - px[j]) < 80 and abs(py[i] - py[j]) < 30 for j in range(len(xs)))

    for i in sorted(range(len(xs)), key=crowding, reverse=True):
        width = label_width(texts[i])
        for name, dx, dy in LABEL_POSITIONS:
            left = px[i] - width / 2 if dx == 0 else (px[i] + LABEL_GAP_PX if dx > 0 else px[i] - LABEL_GAP_PX - width)
            bottom = py[i] - height / 2 if dy == 0 else (py[i] + LABEL_GAP_PX if dy > 0
                                                        else py[i] - LABEL_GAP_PX - height)
            box = (left, bottom, left + width, bottom + height)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width_px and box[3] <= height_px
            clear = not any(_overlap(box, other) for other in placed) and not any(
                _overlap(box, p) for j, p in enumerate(points) if j != i)
            if inside and clear:
                placed.append(box)
                positions[i], shown[i] = name, texts[i]
                break
    return positions, shown


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
