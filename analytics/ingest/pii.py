"""Personal data in uploads: detect it, and never store it in clear.

Columns holding phone numbers, 18-digit ID-card numbers or names are recognised by their header
(电话/手机/phone/mobile/tel, 身份证/ID card, 姓名/name) and by their content (a mainland mobile
number ``1[3-9]\\d{9}``, an ID-card number with a valid checksum). A phone or ID column can become
the person key: a keyed hash, HMAC-SHA256 with a secret kept outside the database, so that the
same person answering twice can be found without anyone being able to read the number back.
Every other personal column is dropped before any table (even a temporary one) sees its values.

The secret comes from ``$JINGMIN_SECRET``, else from ``data/.jingmin_secret``, created on first
use with mode 600 in a folder created 700 (it is git-ignored); an existing secret file that group or
others may read is narrowed to 600 with a warning. Losing it only means new hashes no longer match old ones.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from pathlib import Path

from analytics.errors import ConfigError
from analytics.store import REPO_ROOT, make_private
from analytics.vocabulary import PII_HEADER_FRAGMENTS, PII_HEADERS, norm_header

SECRET_ENV = "JINGMIN_SECRET"
SECRET_FILE = REPO_ROOT / "data" / ".jingmin_secret"
# Share of a column's non-blank values that must look personal for the whole column to count.
CONTENT_SHARE = 0.5

_PHONE = re.compile(r"(?:\+?86|0086)?1[3-9]\d{9}")
_PHONE_STRIP = re.compile(r"[\s\-()]")
_ID = re.compile(r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_NAME_EN = {norm_header(h) for h in PII_HEADERS["name"]}
PII_LABELS = {"phone": "phone numbers", "id_card": "ID-card numbers", "name": "names"}


def _create_secret_file(secret_path: Path) -> None:
    """Write a new random secret to ``secret_path`` (mode 600) unless another process does so first.

    Processes that start together on a fresh checkout (the dashboard and the CLI, test workers) may all find
    the file missing. The secret is written whole to a private temporary file and then hard-linked into
    place, which fails when the name exists: no process ever reads a half-written secret, and the first link
    wins for all of them (each then reads the file).
    """
    secret_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = secret_path.with_name(f"{secret_path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(temporary, secret_path)
        except FileExistsError:
            pass  # another process linked its secret first: that one is the secret
    finally:
        temporary.unlink()


def secret_key(path: Path | None = None) -> bytes:
    """The hashing secret: ``$JINGMIN_SECRET``, else the secret file (created with mode 600)."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env.encode("utf-8")
    secret_path = path or SECRET_FILE
    try:
        if not secret_path.exists():
            _create_secret_file(secret_path)
        make_private(secret_path)
        value = secret_path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise ConfigError(f"Cannot read or create the hashing secret {secret_path}: {exc}. "
                          f"Set ${SECRET_ENV} instead.") from exc
    if len(value) < 16:
        raise ConfigError(f"The hashing secret in {secret_path} is too short (at least 16 characters).")
    return value.encode("ascii")


def keyed_hash(value: str, key: bytes) -> str:
    """HMAC-SHA256 of an already normalised identifier ('phone:13812345678', 'id:1101...X')."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_pads(key: bytes | None = None) -> dict[str, bytes]:
    """The HMAC-SHA256 inner and outer key pads (RFC 2104) for hashing inside DuckDB.

    HMAC(K, m) = H((K' xor opad) || H((K' xor ipad) || m)), K' the key padded to the 64-byte block
    (hashed first when longer). Bound as the parameters ``hmac_ipad`` and ``hmac_opad`` of
    :data:`HASH_SQL`, DuckDB computes the same digest as :func:`keyed_hash`, vectorised on every core,
    where a Python function ran one value at a time under the GIL (7-8 s per million values).
    """
    block = secret_key() if key is None else key
    if len(block) > 64:
        block = hashlib.sha256(block).digest()
    block = block.ljust(64, b"\0")
    return {"hmac_ipad": bytes(b ^ 0x36 for b in block), "hmac_opad": bytes(b ^ 0x5C for b in block)}


# The keyed hash of a VARCHAR expression (replace TEXT); NULL stays NULL. Bind the pads of hmac_pads().
HASH_SQL = "sha256($hmac_opad || unhex(sha256($hmac_ipad || encode(TEXT))))"


def header_kind(header: str) -> str | None:
    """'phone', 'id_card' or 'name' when the header names personal data, else None."""
    folded = norm_header(header)
    for kind in ("id_card", "phone", "name"):
        if folded in {norm_header(h) for h in PII_HEADERS[kind]}:
            return kind
        if any(fragment in header for fragment in PII_HEADER_FRAGMENTS[kind]):
            return kind
    return None


def value_kind(value: str) -> str | None:
    """'phone' or 'id_card' when one value looks like a mobile or valid ID-card number.

    Full-width forms (１３８…, ＋８６, the ideographic space) are folded first (NFKC), as the SQL checks fold them
    (jm_is_phone / jm_is_id): a column of phones typed on a Chinese keyboard is found by its values too."""
    text = unicodedata.normalize("NFKC", value).strip()
    if _ID.fullmatch(text):
        digits = [int(c) for c in text[:17]]
        if _ID_CHECK[sum(d * w for d, w in zip(digits, _ID_WEIGHTS, strict=True)) % 11] == text[17].upper():
            return "id_card"
    if _PHONE.fullmatch(_PHONE_STRIP.sub("", text)):
        return "phone"
    return None


def sample_kind(values: list[str]) -> str | None:
    """The personal kind most of a column's sample values have (CONTENT_SHARE), else None."""
    filled = [v for v in values if v and v.strip()]
    if not filled:
        return None
    kinds = [value_kind(v) for v in filled]
    for kind in ("id_card", "phone"):
        if kinds.count(kind) >= CONTENT_SHARE * len(filled):
            return kind
    return None
