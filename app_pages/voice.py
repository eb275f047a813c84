"""Voice: residents' demands and comments, the topics derived from them with their evidence words."""

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import voice
from analytics.auth import User
from analytics.errors import JingminError
from analytics.selection import Selection
from app_pages import common, record_views


@st.cache_data(show_spinner=False)
def summary_tables(version: str, sel_key: str, _sel: Selection) -> dict[str, pd.DataFrame]:
    """Topic counts, evidence words, answering and tone counts (every role; cached per version and selection)."""
    cur = common.cursor()
    return {"topics": voice.topic_counts(cur, _sel, "demand"),
            "evidence": voice.evidence(cur, _sel, "demand"), "answering": voice.answering(cur, _sel),
            "tones": voice.tone_counts(cur, _sel)}


@st.cache_data(show_spinner=False)
def labels(version: str, lang: str) -> dict[str, str]:
    """Topic key -> name."""
    return voice.topic_labels(common.cursor(), lang)


@st.cache_data(show_spinner=False)
def texts(version: str, sel_key: str, _sel: Selection, _user: User, topic: str | None,
          tone: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Redacted demand texts and comments (record_detail roles only)."""
    cur = common.cursor()
    return (voice.demand_texts(cur, _sel, topic=topic), voice.comments_feed(cur, _sel, topic=topic, tone=tone))


tr = common.tr
page = record_views.open_page(tr("voice.title"), tr("voice.intro"))
version, user, sel, key = page.version, page.user, page.sel, page.key
try:
    tables = summary_tables(version, key, sel)
    names = labels(version, common.lang())
except JingminError as exc:
    common.show_error(exc)
    st.stop()
topics = tables["topics"]
if topics.empty and tables["tones"].empty:
    st.info(tr("voice.no_data"))
    st.stop()
place_names = record_views.place_names(version)

st.header(tr("voice.section.topics"))
if not topics.empty:
    latest = page.latest_period(topics)
    part = topics[topics["period"] == latest].assign(
        topic_name=lambda d: d["topic"].map(lambda k: names.get(k, k)),
        place=lambda d: d["jurisdiction"].map(lambda c: place_names.get(c, c)))
    pivot = part.pivot_table(index="topic_name", columns="place", values="n", aggfunc="sum", fill_value=0)
    pivot = pivot.loc[pivot.sum(axis=1).sort_values(ascending=False).index]
    pivot.index.name = tr("voice.col.topic")
    st.caption(f"{tr('prevention.col.period')}: {latest}")
    # Bars across, most demands first (as the table below), drawn like every other chart (plotly): st.bar_chart
    # stood them upright in alphabetical order and cut their names ('Lighting and cam…'), across too.
    totals = pivot.sum(axis=1)
    fig = go.Figure(go.Bar(y=list(totals.index), x=list(totals.to_numpy()), orientation="h",
                           marker={"color": common.PALETTE[0]}, hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_layout(xaxis_title=tr("voice.col.count"), yaxis={"autorange": "reversed", "automargin": True},
                      height=max(220, 36 * len(totals) + 80))
    common.show_fig(fig)
    st.dataframe(pivot, width="stretch")

st.header(tr("voice.section.evidence"))
ev = tables["evidence"]
if not ev.empty:
    grouped = (ev.dropna(subset=["word"]).assign(item=lambda d: d["word"] + " (" + d["n"].astype(str) + ")")
               .groupby("topic")["item"].agg("、".join))
    # Each word with the number of records it marked (a record may hold several words of one topic, so the
    # topic's own count is in the table above, not the sum of these).
    view = pd.DataFrame({tr("voice.col.topic"): [names.get(k, k) for k in grouped.index],
                         tr("voice.col.evidence"): grouped.to_numpy()})
    st.dataframe(view, width="stretch", hide_index=True)

st.header(tr("voice.section.dictionary"))
st.caption(tr("voice.dictionary_note"))
dictionary = voice.topics(common.cursor())
st.dataframe(pd.DataFrame({
    tr("voice.col.topic"): [t.label(common.lang()) for t in dictionary],
    tr("voice.col.keywords"): ["、".join(t.keywords) for t in dictionary],
}), width="stretch", hide_index=True)
if user.can("definitions"):
    with st.expander(tr("voice.edit.title")):
        by_key = {t.topic: t for t in dictionary}
        choice = st.selectbox(tr("voice.edit.topic"), [None, *by_key], key=common.carried("voice_edit_topic"),
                              format_func=lambda k: tr("voice.edit.new") if k is None
                              else by_key[k].label(common.lang()))
        current = by_key.get(choice) if choice is not None else None
        with st.form(f"voice_edit_{choice or 'new'}"):
            new_key = st.text_input(tr("voice.edit.key"), key="voice_edit_key") if current is None else current.topic
            label_zh = st.text_input(tr("voice.edit.label_zh"), value=current.label_zh if current else "",
                                     key=f"voice_edit_zh_{choice}")
            label_en = st.text_input(tr("voice.edit.label_en"), value=current.label_en if current else "",
                                     key=f"voice_edit_en_{choice}")
            words = st.text_area(tr("voice.edit.keywords"), value="\n".join(current.keywords) if current else "",
                                 key=f"voice_edit_words_{choice}")
            submitted = st.form_submit_button(tr("voice.edit.save"), key="voice_edit_save")
        if submitted:
            # The engine checks the role, validates, saves and audits; the re-tagging is audited too.
            keywords = [w for w in re.split(r"[\n,，、;；]+", words) if w.strip()]
            try:
                with common.writer() as con:
                    voice.save_topic(con, new_key, label_zh, label_en, keywords, user)
                    written = voice.retag(con, user)
            except JingminError as exc:
                common.show_error(exc)
            else:
                st.session_state["voice_edit_done"] = (new_key.strip().lower(), written)
                st.rerun()
    # Shown outside the expander, which is closed again after the rerun that shows the new dictionary.
    done = st.session_state.pop("voice_edit_done", None)
    if done is not None:
        topic_key, written = done
        st.success(tr("voice.edit.saved", topic=by_key[topic_key].label(common.lang())
                      if topic_key in by_key else topic_key, rows=written))
        # The evidence of the edited topic across demands and comments, read after the re-tagging.
        found = pd.concat([voice.evidence(common.cursor(), sel, kind) for kind in voice.RECORD_KINDS])
        found = found[(found["topic"] == topic_key) & found["word"].notna()]
        if found.empty:
            st.info(tr("voice.edit.none_marked"))
        else:
            words_n = found.groupby("word", as_index=False)["n"].sum().sort_values("n", ascending=False)
            st.dataframe(pd.DataFrame({tr("voice.col.evidence"): words_n["word"],
                                       tr("voice.col.count"): words_n["n"]}),
                         width="stretch", hide_index=True)

st.header(tr("voice.section.demands"))
ans = tables["answering"]
if not ans.empty:
    ans = ans[(ans["channel"] == "all")]
    latest_ans = page.latest_period(ans)
    ans = ans[ans["period"] == latest_ans]

    def on_time(row: pd.Series) -> str:
        if row["flag"] == "suppressed" or pd.isna(row["on_time_rate"]):
            return f"{tr('flag.suppressed_short')} (n={int(row['due'])})"
        return f"{row['on_time_rate']:.0%} ({row['ci_low']:.0%}–{row['ci_high']:.0%}) n={int(row['due'])}"

    view = pd.DataFrame({
        tr("prevention.col.jurisdiction"): [place_names.get(c, c) for c in ans["jurisdiction"]],
        tr("voice.col.received"): ans["received"].to_numpy(),
        tr("voice.col.answered"): ans["answered"].to_numpy(),
        tr("voice.col.on_time"): [on_time(r) for _i, r in ans.iterrows()],
        # no demand answered yet: a dash, not the word None
        tr("voice.col.answer_days_median"): ["—" if pd.isna(v) else f"{v:.1f}" for v in ans["answer_days_median"]],
    })
    st.caption(f"{tr('prevention.col.period')}: {latest_ans}")
    st.dataframe(view, width="stretch", hide_index=True)

st.header(tr("voice.section.feed"))
st.caption(tr("voice.tone_note"))
if not user.can("record_detail"):
    st.info(tr("voice.text_hidden"))
    tones = tables["tones"]
    if not tones.empty:
        view = tones.assign(place=tones["jurisdiction"].map(lambda c: place_names.get(c, c)),
                            tone_name=tones["tone"].map(lambda v: tr(f"voice.tone.{v}")))
        st.dataframe(view.pivot_table(index="place", columns="tone_name", values="n", fill_value=0),
                     width="stretch")
    st.stop()
left, right = st.columns(2)
topic_keys = [None, *sorted(names)]
chosen_topic = left.selectbox(tr("voice.filter.topic"), topic_keys,
                              format_func=lambda k: "—" if k is None else names.get(k, k),
                              key=common.carried("voice_filter_topic"))
chosen_tone = right.selectbox(tr("voice.filter.tone"), [None, "positive", "negative", "neutral"],
                              format_func=lambda v: "—" if v is None else tr(f"voice.tone.{v}"),
                      key=common.carried("voice_filter_tone"))
try:
    demand_rows, comment_rows = texts(version, key, sel, user, chosen_topic, chosen_tone)
except JingminError as exc:
    common.show_error(exc)
    st.stop()

if not comment_rows.empty:
    st.dataframe(pd.DataFrame({
        tr("voice.col.date"): comment_rows["commented_at"].astype(str),
        **record_views.places(comment_rows),
        tr("voice.col.text"): comment_rows["text"],
        tr("voice.col.tone"): [tr(f"voice.tone.{v}") for v in comment_rows["tone"]],
        tr("voice.col.topic"): [record_views.listed(v, names) for v in comment_rows["topics"]],
        tr("voice.col.evidence"): [record_views.topic_words(topics, words, names) for topics, words
                                   in zip(comment_rows["topics"], comment_rows["evidence_words"], strict=True)],
    }), width="stretch", hide_index=True)
st.subheader(tr("voice.section.demand_list"))
if not demand_rows.empty:
    st.dataframe(pd.DataFrame({
        tr("voice.col.date"): demand_rows["received_at"].astype(str),
        **record_views.places(demand_rows),
        tr("voice.col.channel"): [tr(f"voice.channel.{c}") for c in demand_rows["channel"]],
        tr("voice.col.text"): demand_rows["text"],
        tr("voice.col.topic"): [record_views.listed(v, names) for v in demand_rows["topics"]],
        tr("voice.col.evidence"): [record_views.topic_words(topics, words, names) for topics, words
                                   in zip(demand_rows["topics"], demand_rows["evidence_words"], strict=True)],
    }), width="stretch", hide_index=True)
