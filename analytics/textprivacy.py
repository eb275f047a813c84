"""Residents' free text: redaction before storage, topic tagging with evidence words, and a lexicon tone.

Everything here works on one text at a time and is applied to the *distinct* texts of an upload
(:mod:`analytics.ingest.records`), so a file of a few thousand demands costs a few thousand calls; the
segmenter has no vectorised form, which is why this is the one place Python walks through values.

Redaction (:func:`redact`), applied before any table sees the text -- the original is never stored:

* ID-card numbers (18 characters of the national pattern, checksum not required: a near miss is
  personal too) -> ``[身份证号]``;
* phone numbers: mainland mobiles (optionally +86) and landlines with an area code -> ``[电话]``;
* licence plates (province character, letter, 5-6 letters/digits, an optional separator) -> ``[车牌]``;
* house numbers: runs such as ``12号楼3单元502室``, ``8栋``, ``2号院`` (Arabic or Chinese numerals) and
  English ``No. 12`` / ``12 Baker Street`` -> ``[门牌号]``; the street or estate name stays;
* person names: words the segmenter (``jieba`` 0.42.1, part-of-speech mode) tags ``nr`` -> ``[姓名]``.
  Police and place terms are added to its dictionary (:data:`USER_WORDS`, with the topic keywords) so
  that they are not mistaken for names. English names are not recognised (documented limit).

Topics (:func:`tag`): the text is cut into words (jieba for Chinese, lower-case tokens for English);
a topic applies when any of its dictionary keywords is one of the words, and the words that matched
are returned with it as evidence. Keywords are added to the segmenter's dictionary so a keyword is
cut as one word where it can be; a Chinese keyword of two or more characters also matches inside a longer
word the segmenter kept whole (停车 in 停车难); a one-character keyword only matches a word of its own.

Tone (:func:`tone`): positive minus negative lexicon hits (a negation right before a positive word
counts it negative). It is a word count, labelled as such everywhere it is shown -- not a model of
sentiment.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PLACEHOLDERS = {"id_card": "[身份证号]", "phone": "[电话]", "plate": "[车牌]", "house": "[门牌号]",
                "name": "[姓名]"}
PLACEHOLDER_TEXTS = frozenset(PLACEHOLDERS.values())

_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                 r"(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)")
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][\s·•.-]?"
                    r"[A-HJ-NP-Z0-9]{5,6}(?![A-Za-z0-9])")
_NUM = r"(?:\d+|[零一二三四五六七八九十百]+)"
_HOUSE_ZH = re.compile(r"(?:" + _NUM + r"(?:[-－]\d+)?\s*(?:号楼|号院|栋|幢|单元|号|室|层|楼)\s*)+")
_HOUSE_EN = re.compile(r"\b(?:No\.?\s*\d+[A-Za-z]?|\d+[A-Za-z]?(?=\s+[A-Z][a-z]+\s+(?:Street|St|Road|Rd|Lane|Ln|"
                       r"Avenue|Ave|Drive|Dr|Close|Way)\b)|(?:Flat|Apt\.?|Apartment|Unit)\s*\d+[A-Za-z]?)")
_EN_WORD = re.compile(r"[a-z][a-z']+")
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))

# Police and local terms cut as one word and never taken for a name (jieba tags e.g. 王 or 秀英 'nr').
USER_WORDS = ("派出所", "社区民警", "民警", "辅警", "警务室", "见警率", "大走访", "警民恳谈会", "恳谈会", "110",
              "12345", "反诈", "电动车", "电瓶车", "广场舞", "停车难", "消防通道", "网格员", "物业", "居委会",
              "城关", "城南", "城北", "开发区", "滨江", "幸福小区", "和平里", "东街", "西街", "南门", "北门",
              "接警", "出警", "回访", "调解", "民转刑")

POSITIVE = frozenset(("满意", "感谢", "谢谢", "及时", "负责", "耐心", "热情", "很好", "不错", "点赞", "辛苦",
                      "安全", "放心", "改善", "好转", "专业", "thank", "thanks", "helpful", "quick", "good", "great",
                      "satisfied", "safe", "improved", "kind"))
NEGATIVE = frozenset(("不满意", "太慢", "没人管", "推诿", "态度差", "扰民", "害怕", "担心", "被盗", "诈骗", "投诉",
                      "失望", "差", "慢", "乱", "危险", "不安全", "没用", "slow", "rude", "bad", "unsafe", "afraid",
                      "worried", "ignored", "dangerous", "poor", "never"))
NEGATIONS = frozenset(("不", "没", "没有", "不太", "不够", "未", "not", "no", "never"))
TONES = ("positive", "negative", "neutral")

_lock = threading.Lock()
_added: set[str] = set()


@dataclass(frozen=True)
class Topic:
    """One dictionary entry: key, labels and the keywords that mark it."""

    topic: str
    label_zh: str
    label_en: str
    keywords: tuple[str, ...]

    def label(self, lang: str) -> str:
        """The topic's name in ``lang``."""
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class Tagged:
    """A text's derived topics (key -> the words that caused it) and tone with its words."""

    topics: dict[str, tuple[str, ...]]
    tone: str
    tone_words: tuple[str, ...]


def _segmenter(extra_words: Iterable[str] = ()) -> Any:
    """jieba's part-of-speech cutter with the user words added (imported here: loading its dictionary
    takes about a second, which ``--help`` and pages without text must not pay)."""
    import jieba
    import jieba.posseg as posseg

    with _lock:
        if not _added:
            jieba.setLogLevel(60)  # its "Building prefix dict" chatter would land in CLI output
        for word in (*USER_WORDS, *POSITIVE, *NEGATIVE, *extra_words):
            if word and word not in _added and re.search(r"[\u4e00-\u9fff0-9]", word):
                # Tagged as nouns with a high frequency, so the word is cut whole and never read as a name.
                jieba.add_word(word, freq=200000, tag="n")
                _added.add(word)
    return posseg


# Full-width forms (U+FF01-U+FF5E) and the ideographic space folded to ASCII, one character for one, so that
# a number typed on a Chinese keyboard (１３８００１３８０００, 京Ａ１２３４５) matches the patterns and a match's
# position in the folded text is its position in the original.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _replace(pattern: re.Pattern[str], placeholder: str, text: str) -> str:
    """``text`` with every match of ``pattern`` in its folded form replaced by ``placeholder``; the rest of the
    text keeps its own characters (full-width punctuation stays full-width)."""
    folded = text.translate(_FOLD)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(folded):
        parts += [text[last:match.start()], placeholder]
        last = match.end()
    return "".join(parts) + text[last:] if parts else text


def redact_patterns(text: str) -> str:
    """The text with ID-card numbers, phones, plates and house numbers replaced (no names; no segmenter).

    Full-width digits and letters count as their ASCII forms."""
    out = _replace(_ID, PLACEHOLDERS["id_card"], text)
    out = _replace(_MOBILE, PLACEHOLDERS["phone"], out)
    out = _replace(_LANDLINE, PLACEHOLDERS["phone"], out)
    out = _replace(_PLATE, PLACEHOLDERS["plate"], out)
    out = _replace(_HOUSE_ZH, PLACEHOLDERS["house"], out)
    return _replace(_HOUSE_EN, PLACEHOLDERS["house"], out)


def redact(text: str, extra_words: Iterable[str] = ()) -> str:
    """The text as it may be stored: every pattern replaced, then names the segmenter tags ``nr`` masked.

    Placeholders are kept whole (the segmenter never sees them), so redacting twice changes nothing.
    """
    patterned = redact_patterns(text)
    posseg = _segmenter(extra_words)
    parts: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(patterned):
        parts.append(_mask_names(posseg, patterned[last:match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_mask_names(posseg, patterned[last:]))
    return "".join(parts)


def _mask_names(posseg: Any, text: str) -> str:
    if not text or not re.search(r"[\u4e00-\u9fff]", text):
        return text
    out: list[str] = []
    for pair in posseg.cut(text, HMM=True):
        if pair.flag == "nr":
            # Adjacent name parts (王 + 秀英) become one placeholder.
            if not out or out[-1] != PLACEHOLDERS["name"]:
                out.append(PLACEHOLDERS["name"])
        else:
            out.append(pair.word)
    return "".join(out)


def words(text: str, extra_words: Iterable[str] = ()) -> list[str]:
    """The words of a text: jieba's cut for Chinese runs, lower-case tokens for English."""
    import jieba

    _segmenter(extra_words)
    lowered = _PLACEHOLDER.sub(" ", text).lower()
    out = [w.strip() for w in jieba.lcut(lowered) if w.strip()]
    out += _EN_WORD.findall(lowered)
    return out


def tag(text: str, topics: Sequence[Topic]) -> dict[str, tuple[str, ...]]:
    """Topic key -> the keywords found among the text's words (sorted), for every topic found.

    A multi-word English keyword ('police presence') matches the text's lower-cased words in sequence.
    """
    keywords = [k for t in topics for k in t.keywords]
    found_words = words(text, keywords)
    present = set(found_words)
    chinese = [w for w in present if not w.isascii()]
    joined = " " + " ".join(_EN_WORD.findall(text.lower())) + " "
    out: dict[str, tuple[str, ...]] = {}
    for topic in topics:
        hits = sorted({k for k in topic.keywords
                       if k.lower() in present or (" " in k and f" {k.lower()} " in joined)
                       # a Chinese keyword of 2+ characters inside a longer word (停车 in 停车难, 乱停车)
                       or (len(k) >= 2 and not k.isascii() and any(k in w for w in chinese))})
        if hits:
            out[topic.topic] = tuple(hits)
    return out


def tone(text: str) -> tuple[str, tuple[str, ...]]:
    """A lexicon count: ('positive' | 'negative' | 'neutral', the words counted).

    +1 per positive word, -1 per negative word, and a positive word right after a negation counts -1.
    Positive when the sum is above 0, negative below, neutral at 0 (including no lexicon word at all).
    """
    tokens = words(text, (*POSITIVE, *NEGATIVE))
    score = 0
    hits: list[str] = []
    for i, word in enumerate(tokens):
        if word in POSITIVE:
            negated = i > 0 and tokens[i - 1] in NEGATIONS
            score += -1 if negated else 1
            hits.append(f"{tokens[i - 1]}{word}" if negated and not word.isascii() else
                        (f"{tokens[i - 1]} {word}" if negated else word))
        elif word in NEGATIVE:
            score -= 1
            hits.append(word)
    label = "positive" if score > 0 else "negative" if score < 0 else "neutral"
    return label, tuple(hits)


def process(texts: Iterable[str], topics: Sequence[Topic]) -> dict[str, tuple[str, Tagged]]:
    """For each distinct original text: (redacted text, topics and tone of the redacted text).

    Topics and tone are read from the redacted text, the same text a later re-tagging sees.
    """
    out: dict[str, tuple[str, Tagged]] = {}
    keywords = [k for t in topics for k in t.keywords]
    for original in texts:
        if original in out:
            continue
        clean = redact(original, keywords)
        label, tone_words = tone(clean)
        out[original] = (clean, Tagged(tag(clean, topics), label, tone_words))
    return out


def topics_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Topic]:
    """Topic entries from dictionary rows (``topic, label_zh, label_en, keywords``)."""
    return [Topic(str(r["topic"]), str(r["label_zh"]), str(r["label_en"]),
                  tuple(str(k) for k in (r["keywords"] if r["keywords"] is not None else ())))
            for r in rows]
