"""Mappings: which file column feeds which canonical field or item, and how text answers become codes.

A mapping *spec* is a JSON-serialisable dict, saved by name in the ``mappings`` table and reused
for the next file from the same source::

    {
      "kind": "survey",
      "columns": {"问卷编号": "respondent_id", "满意度": "satisfaction", "备注": "ignore",
                  "Last outcome category": ["outcome", "status"]},
      "constants": {"jurisdiction": "S01", "mode": "phone"},
      "value_maps": {"satisfaction": {"很好": "5", "无所谓": null}},
      "items": {"trust_police_0_10": {"label_zh": "...", "label_en": "...", "scale": "scale0_10",
                                      "codes": ["0", "1", "...", "10"], "dk_codes": ["88"]}},
      "indicators": [{"key": "trust_0_10", "item": "trust_police_0_10", "scoring": {...}, ...}],
      "options": {"dayfirst": true, "duplicates": "reject", "skip_blank": ["case_id"],
                  "keep_existing": ["reported_at"], "create_parent": "C01", "encoding": "gb18030"}
    }

Headers are matched after :func:`analytics.vocabulary.norm_header`. Columns the spec does not
name are guessed from the synonym table (``"auto": false`` in options turns that off). Value maps
are merged over the defaults of :mod:`analytics.vocabulary`; a value mapped to ``null`` counts as
blank. Files under ``data/mappings/NAME.json`` can be used by name without saving them first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process

from analytics import definitions, store
from analytics import vocabulary as F
from analytics.db import Connection, execute, fetch_all, fetch_one, query_df
from analytics.errors import ConfigError, UnknownNameError
from analytics.ingest import pii
from analytics.ingest.reading import Layout
from analytics.roles import User

MAPPINGS_DIR = store.REPO_ROOT / "data" / "mappings"
SPEC_KEYS = {"kind", "name", "description", "columns", "constants", "value_maps", "items", "indicators", "options"}
OPTION_KEYS = {"encoding", "delimiter", "header_row", "sheet", "dayfirst", "duplicates", "skip_blank",
               "keep_existing", "create_parent", "auto", "survey_mode", "acknowledged", "within",
               "hash_officer_id", "wave_order"}
CONSTANT_LABEL = "(set for the whole file)"
# The Upload preview shows at most this many columns, and this many characters of a cell (rows: PREVIEW_ROWS).
PREVIEW_COLUMNS = 50
PREVIEW_CELL_CHARS = 200


@dataclass
class ColumnGuess:
    """One file column and what it is mapped to, with how sure the guess is and why."""

    index: int
    header: str
    targets: list[str]
    confidence: float
    reason: str
    pii: str | None = None
    sample: list[str] = field(default_factory=list)
    looks_like: str | None = None  # the indicator item an unmapped column seems to answer

    @property
    def target(self) -> str:
        """The (first) target, 'ignore' when none."""
        return self.targets[0] if self.targets else F.IGNORE


@dataclass
class MappingProposal:
    """What the loader would do with a file: its layout, column mapping, constants and value maps."""

    kind: str
    source_name: str
    layout: Layout
    columns: list[ColumnGuess]
    constants: dict[str, str]
    value_maps: dict[str, dict[str, str | None]]
    spec_value_maps: dict[str, dict[str, str | None]]
    items: dict[str, dict[str, Any]]
    indicators: list[dict[str, Any]]
    options: dict[str, Any]
    mapping_name: str | None
    missing_required: list[str]
    target_choices: list[str]
    suggested_mapping: str | None = None

    @property
    def encoding(self) -> str | None:
        """The encoding the file will be read with."""
        return self.layout.encoding

    @property
    def encoding_detected(self) -> str | None:
        """The encoding detection found."""
        return self.layout.encoding_detected

    @property
    def delimiter(self) -> str | None:
        """The field delimiter (None for xlsx)."""
        return self.layout.delimiter

    @property
    def header_row(self) -> int:
        """1-based line or sheet row of the header."""
        return self.layout.header_row

    @property
    def sheet_names(self) -> list[str]:
        """The workbook's sheets (empty for CSV)."""
        return self.layout.sheet_names

    @property
    def unmapped(self) -> list[str]:
        """Headers of the columns that will not be loaded."""
        return [c.header for c in self.columns if c.target == F.IGNORE]

    @property
    def unmapped_items(self) -> dict[str, str]:
        """Unmapped columns that look like an indicator's question (header -> item), not yet acknowledged.

        The load refuses the file until each is mapped or listed in the option ``acknowledged``.
        """
        acknowledged = set(self.options.get("acknowledged") or [])
        return {c.header: c.looks_like for c in self.columns
                if c.looks_like and c.target == F.IGNORE and c.header not in acknowledged}

    def preview_frame(self) -> pd.DataFrame:
        """The first data rows under the file's headers (all text); personal columns are masked.

        Bounded whatever the file: at most PREVIEW_COLUMNS columns and PREVIEW_CELL_CHARS characters per cell
        (cut with an ellipsis), since the frame is sent to the browser whole (a 197 KB workbook of long cells
        made a 201 MB message).
        """
        width = min(self.layout.ncols, PREVIEW_COLUMNS)
        personal = {c.index for c in self.columns if c.pii}
        rows = [[mask(v) if i in personal else shorten(v) for i, v in enumerate((r + [""] * width)[:width])]
                for r in self.layout.preview]
        return pd.DataFrame(rows, columns=self.layout.headers[:width])

    def columns_frame(self) -> pd.DataFrame:
        """One row per file column: header, target, confidence, reason, personal data, sample values."""
        return pd.DataFrame({
            "column": [c.header for c in self.columns],
            "target": [c.target for c in self.columns],
            "confidence": [round(c.confidence, 2) for c in self.columns],
            "reason": [c.reason for c in self.columns],
            "personal_data": [c.pii or "" for c in self.columns],
            "sample": [shorten(", ".join(shorten(v) for v in c.sample[:3])) for c in self.columns],
            "looks_like": [c.looks_like or "" for c in self.columns],
        })

    def spec(self) -> dict[str, Any]:
        """The mapping as a JSON-serialisable spec (what is saved and what ``ingest_file`` takes)."""
        columns: dict[str, str | list[str]] = {
            c.header: (c.targets if len(c.targets) > 1 else c.target) for c in self.columns
        }
        spec: dict[str, Any] = {"kind": self.kind, "columns": columns}
        if self.constants:
            spec["constants"] = dict(self.constants)
        if self.spec_value_maps:
            spec["value_maps"] = {k: dict(v) for k, v in self.spec_value_maps.items()}
        if self.items:
            spec["items"] = self.items
        if self.indicators:
            spec["indicators"] = self.indicators
        options = {k: v for k, v in self.options.items() if v is not None}
        if options:
            spec["options"] = options
        return spec


def shorten(value: str, limit: int | None = None) -> str:
    """A cell as shown on screen: at most ``limit`` (default PREVIEW_CELL_CHARS) characters, '…' marking a cut."""
    keep = PREVIEW_CELL_CHARS if limit is None else limit
    return value if len(value) <= keep else value[: keep - 1] + "…"


def mask(value: str) -> str:
    """A personal value as shown on screen: first 3 and last 4 characters of a long number, else stars."""
    text = value.strip()
    if not text:
        return ""
    return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) > 7 else "*" * len(text)


# --------------------------------------------------------------------------------------------
# Specs: validation, files, saved mappings


def check_spec(spec: Any, kind: str) -> dict[str, Any]:
    """Validate a spec's shape for ``kind`` and return a normalised copy; ConfigError when malformed."""
    if not isinstance(spec, dict):
        raise ConfigError("A mapping must be a JSON object with keys such as columns, constants, value_maps.")
    unknown = set(spec) - SPEC_KEYS
    if unknown:
        raise ConfigError(f"Unknown mapping keys: {', '.join(sorted(unknown))}. "
                          f"Allowed: {', '.join(sorted(SPEC_KEYS))}.")
    if spec.get("kind", kind) != kind:
        raise ConfigError(f"This mapping is for {spec['kind']} files, not {kind} files.")
    out: dict[str, Any] = {"kind": kind}
    columns = spec.get("columns") or {}
    if not isinstance(columns, dict):
        raise ConfigError("Mapping 'columns' must map header text to a target name (or a list of them).")
    out["columns"] = {}
    for header, target in columns.items():
        targets = target if isinstance(target, list) else [target]
        if not targets or not all(isinstance(t, str) and t for t in targets):
            raise ConfigError(f"Mapping for column {header!r} must be a target name or a list of names.")
        out["columns"][str(header)] = targets
    for key in ("constants", "value_maps", "items", "options"):
        value = spec.get(key) or {}
        if not isinstance(value, dict):
            raise ConfigError(f"Mapping {key!r} must be a JSON object.")
        out[key] = value
    out["constants"] = {str(k): ("" if v is None else str(v)) for k, v in out["constants"].items()}
    for name, vmap in out["value_maps"].items():
        if not isinstance(vmap, dict):
            raise ConfigError(f"Value map {name!r} must map file values to codes.")
        out["value_maps"][name] = {str(k): (None if v is None else str(v)) for k, v in vmap.items()}
    bad_options = set(out["options"]) - OPTION_KEYS
    if bad_options:
        raise ConfigError(f"Unknown mapping options: {', '.join(sorted(bad_options))}. "
                          f"Allowed: {', '.join(sorted(OPTION_KEYS))}.")
    if out["options"].get("duplicates", "reject") not in ("reject", "keep_last"):
        raise ConfigError("Mapping option 'duplicates' must be 'reject' or 'keep_last'.")
    indicators = spec.get("indicators") or []
    if not isinstance(indicators, list) or not all(isinstance(i, dict) for i in indicators):
        raise ConfigError("Mapping 'indicators' must be a list of indicator definitions.")
    out["indicators"] = indicators
    for key in ("name", "description"):
        if key in spec:
            out[key] = spec[key]
    return out


def resolve_mapping(con: Connection, kind: str,
                    mapping: str | dict[str, Any] | None) -> tuple[dict[str, Any], str | None]:
    """A mapping given as a spec, a JSON file path, a saved name or a shipped name -> (spec, name)."""
    if mapping is None:
        return check_spec({}, kind), None
    if isinstance(mapping, dict):
        return check_spec(mapping, kind), mapping.get("name")
    path = Path(mapping).expanduser()
    if path.suffix.lower() == ".json" or path.is_file():
        return check_spec(_read_json(path), kind), path.stem
    row = fetch_one(con, "ingest/mapping_spec", {"name": mapping})
    if row:
        return check_spec(json.loads(row["spec"]), kind), mapping
    shipped = MAPPINGS_DIR / f"{mapping}.json"
    if shipped.is_file():
        return check_spec(_read_json(shipped), kind), mapping
    known = [r[0] for r in fetch_all(con, "ingest/mapping_names")]
    raise UnknownNameError(f"No saved mapping named {mapping!r} and no file {shipped}. "
                           f"Saved mappings: {', '.join(known) or 'none'}.")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"No mapping file at {path}.") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The mapping file {path} is not valid JSON: {exc}") from exc


def save_mapping(con: Connection, name: str, spec: dict[str, Any], *, user: User) -> None:
    """Save (or replace) a mapping by name, so the next file from the same source reuses it (``user`` needs the
    ``mappings`` permission and is the audit actor)."""
    user.require("mappings")
    clean_name = name.strip()
    if not clean_name or len(clean_name) > 80:
        raise ConfigError("A mapping name must be 1 to 80 characters.")
    kind = spec.get("kind")
    if kind not in F.KINDS:
        raise ConfigError(f"The mapping must say its kind: one of {', '.join(F.KINDS)}.")
    checked = check_spec(spec, kind)
    text = json.dumps(checked, ensure_ascii=False, sort_keys=True)
    execute(con, "ingest/mapping_save", {"name": clean_name, "kind": kind, "spec": text})
    store.audit(con, user.username, "mapping.save", {"name": clean_name, "kind": kind})


def load_mapping(con: Connection, name: str) -> dict[str, Any]:
    """A saved mapping's spec; UnknownNameError when there is none by that name."""
    row = fetch_one(con, "ingest/mapping_spec", {"name": name})
    if not row:
        raise UnknownNameError(f"No saved mapping named {name!r}.")
    return json.loads(row["spec"])


def list_mappings(con: Connection, kind: str | None = None) -> pd.DataFrame:
    """Saved mappings (name, kind, updated_at), optionally of one kind."""
    return query_df(con, "ingest/mapping_list", {"kind": kind})


def suggest_mapping(con: Connection, kind: str, headers: list[str]) -> str | None:
    """The saved mapping of ``kind`` whose named columns are all in the file and cover most of it."""
    have = {F.norm_header(h) for h in headers}
    best, best_cover = None, 0
    for name, spec_text in fetch_all(con, "ingest/mappings_of_kind", {"kind": kind}):
        named = {F.norm_header(h) for h in (json.loads(spec_text).get("columns") or {})}
        if named and named <= have and len(named) > best_cover:
            best, best_cover = name, len(named)
    return best


# --------------------------------------------------------------------------------------------
# Items


def spec_items(spec: dict[str, Any]) -> dict[str, definitions.Item]:
    """Items the spec defines, as Item objects (codes may be given as a list or a labelled dict)."""
    out = {}
    for name, raw in (spec.get("items") or {}).items():
        if not isinstance(raw, dict):
            raise ConfigError(f"Item {name!r} in the mapping must be an object with scale and codes.")
        codes = raw.get("codes")
        if isinstance(codes, list):
            codes = {str(c): {"zh": str(c), "en": str(c)} for c in codes}
        if not isinstance(codes, dict) or not codes:
            raise ConfigError(f"Item {name!r} in the mapping needs its valid codes.")
        if not definitions.KEY_PATTERN.match(name):
            raise ConfigError(f"Item name {name!r} must be lower-case letters, digits and '_' (≤ 40).")
        out[name] = definitions.Item(
            name, str(raw.get("label_zh", name)), str(raw.get("label_en", name)), str(raw.get("scale", "categorical")),
            {str(k): v for k, v in codes.items()}, [str(c) for c in raw.get("dk_codes", [definitions.DK_CODE])],
        )
    return out


def known_items(con: Connection, spec: dict[str, Any]) -> dict[str, definitions.Item]:
    """Items in the database, with the spec's own definitions taking precedence."""
    items = {i.item: i for i in definitions.list_items(con)}
    items.update(spec_items(spec))
    return items


# --------------------------------------------------------------------------------------------
# Column guessing


def _candidates(kind: str, items: dict[str, definitions.Item]) -> list[tuple[str, str, frozenset[str]]]:
    """(folded synonym, target, its words) for ``kind``; survey items add their names and labels.

    The words are taken from the synonym as written (folding removes the spaces between them) and are
    empty for Chinese synonyms, which are matched by containment instead.
    """
    raw = [(s, target) for target, syns in F.SYNONYMS[kind].items() for s in syns]
    if kind == "survey":
        for item in items.values():
            raw.extend((s, item.item) for s in (item.item, item.label_zh, item.label_en))
    out: list[tuple[str, str, frozenset[str]]] = []
    seen: set[tuple[str, str]] = set()
    for text, target in raw:
        key = (F.norm_header(text), target)
        if key[0] and key not in seen:
            seen.add(key)
            out.append((key[0], target, frozenset() if _has_cjk(text) else F.header_tokens(text)))
    return out


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def guess_target(header: str, candidates: list[tuple[str, str, frozenset[str]]]) -> tuple[str | None, float, str]:
    """(target, confidence, reason) for one header.

    In order: the whole header is a synonym (1.0, ``synonym``; bracketed text such as "(last 3 months)"
    or "（五级）" is ignored); a Chinese synonym is part of it (0.8, ``contains``); every word of an
    English synonym is among the header's words (0.5-0.9 by the share of the header it explains,
    ``tokens``: "Knows how to contact police" has all of "knows contact"); a misspelt synonym (``similar``).
    """
    folded = F.norm_header(header)
    bare = F.norm_header(F.strip_brackets(header))
    if not folded:
        return None, 0.0, ""
    for syn, target, _words in candidates:
        if syn == folded or (bare and syn == bare):
            return target, 1.0, "synonym"
    contained = [(len(syn), target) for syn, target, _words in candidates
                 if _has_cjk(syn) and len(syn) >= 2 and syn in (bare or folded)]
    if contained:
        return max(contained)[1], 0.8, "contains"
    tokens = F.header_tokens(header)
    best: tuple[int, float, str] | None = None
    for _syn, target, syn_tokens in candidates:
        if syn_tokens and syn_tokens <= tokens:
            score = (len(syn_tokens), len(syn_tokens) / len(tokens), target)
            if best is None or score[:2] > best[:2]:
                best = score
    if best is not None:
        return best[2], round(0.5 + 0.4 * best[1], 2), "tokens"
    match = process.extractOne(folded, [syn for syn, _t, _w in candidates], scorer=fuzz.ratio, score_cutoff=85)
    if match is not None:
        return candidates[match[2]][1], round(match[1] / 100 * 0.7, 2), "similar"
    return None, 0.0, ""


# Words too common in questionnaires to say which question a column is ("police" is in half the headers).
_GENERIC_TOKENS = frozenset(("police", "officer", "respondent", "question", "answer", "survey"))
_GENERIC_BIGRAMS = frozenset(("是否", "民警", "警察", "公安", "社区", "方式", "总体", "情况", "您的", "对于", "调查"))


def _bigrams(text: str) -> set[str]:
    """Two-character pieces of the Chinese runs of ``text``, common questionnaire words left out."""
    runs = [r for r in F.header_tokens(text) if _has_cjk(r)]
    return {r[i:i + 2] for r in runs for i in range(len(r) - 1)} - _GENERIC_BIGRAMS


def indicator_items(con: Connection, spec: dict[str, Any]) -> dict[str, definitions.Item]:
    """The items that feed an enabled indicator (stored or defined by the spec)."""
    items = known_items(con, spec)
    used = {ind.item for ind in definitions.list_indicators(con)}
    used |= {str(raw.get("item")) for raw in spec.get("indicators") or [] if isinstance(raw, dict)}
    return {name: item for name, item in items.items() if name in used}


def looks_like_item(header: str, sample: list[str], items: dict[str, definitions.Item]) -> str | None:
    """The indicator item an unmapped column seems to answer, or None.

    A column looks like an item when its header shares a meaningful word with the item's name, labels
    or synonyms ("Seen police on foot patrol" and seen_police share "seen"), shares two Chinese characters
    in a row with them ("近三个月是否看到巡逻民警" and 是否见过民警巡逻 share 巡逻), or when its text answers
    are (nearly) all words the item's value map knows ("是"/"否" for a yes/no item). Guessing wrong only
    asks the analyst to look.
    """
    tokens = F.header_tokens(header) - _GENERIC_TOKENS
    pairs = _bigrams(header)
    for name, item in sorted(items.items()):
        words = (name.replace("_", " "), item.label_zh, item.label_en, *F.SYNONYMS["survey"].get(name, ()))
        item_tokens = frozenset().union(*(F.header_tokens(w) for w in words)) - _GENERIC_TOKENS
        if tokens & {t for t in item_tokens if len(t) >= 4 and not _has_cjk(t)}:
            return name
        if pairs and pairs & set().union(*(_bigrams(w) for w in words)):
            return name
    folded = (F.norm_value(v) for v in sample if v.strip())
    texts = {v for v in folded if not v.lstrip("-").replace(".", "").isdigit()}
    if len(texts) >= 2:
        for name, item in sorted(items.items()):
            known = {F.norm_value(k) for k in item_value_map(item)}
            if len(texts & known) >= 0.8 * len(texts):
                return name
    return None


def assign_columns(con: Connection, kind: str, layout: Layout, spec: dict[str, Any],
                   content_pii: dict[int, str], samples: list[list[str]] | None = None) -> list[ColumnGuess]:
    """Decide every column's target: the spec first, then personal data, then synonym guesses.

    Each canonical field is fed by one column at most: a target named by the spec or set as a
    constant is not guessed again, and of two guesses for one target the surer one wins.
    """
    items = known_items(con, spec)
    candidates = _candidates(kind, items)
    by_header = {F.norm_header(h): t for h, t in spec["columns"].items()}
    auto = spec["options"].get("auto", True)
    taken = {t for targets in spec["columns"].values() for t in targets} | set(spec["constants"])
    hash_target = F.PERSON_HASH.get(kind)
    guesses: list[ColumnGuess] = []
    for i, header in enumerate(layout.headers):
        sample = [row[i] for row in (samples or []) if i < len(row) and row[i].strip()][:5]
        pii_kind = content_pii.get(i) or (pii.header_kind(header) if kind != "jurisdictions" else None)
        shown = [] if pii_kind else sample  # personal values are never shown back
        spec_targets = by_header.get(F.norm_header(header))
        if spec_targets is not None:
            guesses.append(ColumnGuess(i, header, list(spec_targets), 1.0, "mapping", pii_kind, shown))
        elif pii_kind:
            use_hash = hash_target and pii_kind in ("phone", "id_card") and hash_target not in taken
            target = hash_target if use_hash else F.IGNORE
            taken.add(target)
            guesses.append(ColumnGuess(i, header, [target], 1.0, "personal data", pii_kind, shown))
        elif auto:
            target, confidence, reason = guess_target(header, candidates)
            guesses.append(ColumnGuess(i, header, [target] if target else [F.IGNORE], confidence, reason,
                                       None, shown))
        else:
            guesses.append(ColumnGuess(i, header, [F.IGNORE], 0.0, "", None, shown))
    # Resolve automatic guesses competing for one target (or for one the spec already fills).
    for guess in guesses:
        if guess.reason in ("mapping", "personal data") or guess.target == F.IGNORE:
            continue
        rivals = [g for g in guesses if g.target == guess.target and g.reason not in ("mapping", "personal data")]
        best = max(rivals, key=lambda g: (g.confidence, -g.index))
        if guess.target in taken or guess is not best:
            guess.reason = f"also matches {guess.target}"
            guess.targets = [F.IGNORE]
            guess.confidence = 0.0
    if kind == "survey":
        asked = indicator_items(con, spec)
        mapped = {t for g in guesses for t in g.targets}
        candidates_left = {name: item for name, item in asked.items() if name not in mapped}
        for guess in guesses:
            if guess.target == F.IGNORE and not guess.pii and candidates_left:
                guess.looks_like = looks_like_item(guess.header, guess.sample, candidates_left)
    return guesses


def target_choices(kind: str, items: dict[str, definitions.Item]) -> list[str]:
    """Every target a column can be mapped to for ``kind`` (for the UI's select box)."""
    choices = [F.IGNORE, *F.targets_for(kind)]
    if kind == "survey":
        choices.extend(sorted(items))
    return choices


# --------------------------------------------------------------------------------------------
# Value maps


def item_value_map(item: definitions.Item) -> dict[str, str | None]:
    """The default text -> code map of one item (codes, labels, yes/no, five-point words, don't know)."""
    out: dict[str, str | None] = {}
    if item.dk_codes:
        for word in (*F.DONT_KNOW_WORDS, "na", "n/a"):
            if word not in item.codes:
                out[word] = item.dk_codes[0]
        out.update({code: code for code in item.dk_codes})
    five = F.FIVE_POINT_BY_TOP_LABEL.get(item.codes.get("5", {}).get("zh", ""))
    if five:
        out.update(F.FIVE_POINT_WORDS[five])
    for code, labels in item.codes.items():
        out[code] = code
        for label in labels.values() if isinstance(labels, dict) else [labels]:
            out[str(label)] = code
    if item.scale == "yesno" and {"1", "0"} <= set(item.codes):
        out.update(F.YES_NO_MAP)
    if item.item == "sex":
        out.update(F.SEX_WORDS)
    if item.scale == definitions.OPEN_SCALE:
        # An open item keeps any label; the default map only folds known spellings onto one label.
        out = {k: v for k, v in out.items() if v is not None}
    return out


def field_value_map(kind: str, name: str) -> dict[str, str | None]:
    """The default map of a canonical field with a fixed set of values (enums and yes/no fields)."""
    spec = F.FIELDS[kind].get(name)
    if spec is None:
        return {}
    if spec.type == "bool":
        return dict(F.BOOL_MAP)
    if spec.type != "enum" and spec.type not in F.OPEN_TYPES:
        return {}
    out: dict[str, str | None] = {choice: choice for choice in spec.choices}
    out.update({choice.replace("_", " "): choice for choice in spec.choices})
    # A word list is shared by fields of the same name in several kinds (status, source): only codes this
    # field accepts are taken, so a demand's 'answered' never becomes a case status.
    out.update({word: code for word, code in F.FIELD_VALUE_MAPS.get(name, {}).items()
                if code is None or not spec.choices or code in spec.choices})
    return out


def default_value_maps(kind: str, targets: list[str],
                       items: dict[str, definitions.Item]) -> dict[str, dict[str, str | None]]:
    """Default value maps for every mapped target that takes a fixed set of values."""
    maps = {}
    for target in targets:
        if target in F.FIELDS[kind]:
            vmap = field_value_map(kind, target)
        elif kind == "survey" and target in items:
            vmap = item_value_map(items[target])
        else:
            vmap = {}
        if vmap:
            maps[target] = vmap
    return maps


# --------------------------------------------------------------------------------------------
# Drafting value maps for the values a file's maps lack

# Message keys of an impossible answer that is a number off its item's scale (sql/ingest/survey_answers.sql).
OFF_SCALE_KEYS = ("out_of_scale", "not_on_scale")
GUESS_CUTOFF = 70  # rapidfuzz WRatio (0-100) below which no code is proposed


def guess_code(value: str, vmap: dict[str, str | None]) -> str | None:
    """The code a text most likely means under ``vmap`` (closest known word), or None when nothing is close."""
    keys = [k for k, code in vmap.items() if code is not None]
    if not keys:
        return None
    match = process.extractOne(F.norm_value(value), [F.norm_value(k) for k in keys], scorer=fuzz.WRatio,
                               score_cutoff=GUESS_CUTOFF)
    return vmap[keys[match[2]]] if match is not None else None


def draft_value_maps(problem_list: list[Any], vmaps: dict[str, dict[str, str | None]]) -> dict[str, dict[str, str]]:
    """A value map entry for every distinct value a rejected file's maps lacked, prefilled with the best guess.

    ``problem_list`` are the :class:`analytics.ingest.problems.Problem` of an IngestError; ``vmaps`` the
    value maps that were applied. A value with no close known word gets ``""`` for the analyst to fill in
    (an empty code is itself rejected, so an unedited draft cannot load wrong codes); so does a number off its
    item's scale, which only the analyst can map (a vendor's own code) or correct in the file.
    """
    out: dict[str, dict[str, str]] = {}
    for p in problem_list:
        off_scale = p.code == "impossible_value" and p.key in OFF_SCALE_KEYS
        if p.code == "invalid_code" or off_scale:
            target = str(p.params.get("item"))
        elif p.code == "invalid_value":
            target = str(p.params.get("field"))
        elif p.code == "unknown_jurisdiction" and p.value:
            target = "jurisdiction"
        else:
            continue
        value = str(p.params.get("value", p.value or ""))
        if not value or value in out.get(target, {}):
            continue
        if target == "jurisdiction":
            closest = str(p.params.get("closest") or "")
            # The first suggestion ends with its code in brackets: 'name_zh / name_en (S01)'.
            guess = closest.split(";")[0].rsplit("(", 1)[-1].rstrip(")") if closest.endswith(")") else None
        elif off_scale:
            # A number off the scale is no answer; its slot is there for a vendor's own code (7 = refused), which
            # only the analyst can know: never guessed.
            guess = None
        else:
            guess = guess_code(value, vmaps.get(target, {}))
        out.setdefault(target, {})[value] = guess or ""
    return out
