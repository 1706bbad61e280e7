"""Header fields, read with the parser's policy and, when that fails, by hand: RFC 2047 words
in their charset (replaced when unknown), never an exception.

Raw 8-bit header bytes (no RFC 2047, as old or careless programs send a Subject or a display
name) would come out of the policy as U+FFFD. They are decoded here first: as UTF-8 when they
are valid UTF-8 (Latin-1 or Cyrillic text practically never is, and UTF-8 labelled as
something else is the common mistake), else in the charset the message declares for its text,
else as Windows-1252 (a superset of Latin-1 that decodes nearly every byte). A charset is used
only if it leaves every ASCII byte as it is, so that decoding cannot make new "<", "@" or ","
appear in an address field (UTF-7 and friends would).
"""
from __future__ import annotations

import email.header
import email.utils
from datetime import datetime, timezone
from email.message import Message

MAX_HEADERS = 300
MAX_CHARSET_PARTS = 50  # parts looked at for the charset the message declares
_FALLBACK = "windows-1252"


def headers(message: Message, problems: list[str], charsets: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Lower-case name -> decoded values, in order; a header that cannot be read is noted in
    `problems` and decoded by hand instead."""
    found: dict[str, list[str]] = {}
    # The raw (name, value) pairs: iterating the message would parse, and could raise, per header.
    for name, raw_value in raw_items(message):
        found.setdefault(str(name).lower().strip(), []).append(
            header_value(message, name, raw_value, problems, charsets))
    return found


def raw_items(message: Message) -> list[tuple[str, str]]:
    return list(getattr(message, "_headers", []))[:MAX_HEADERS]


def raw_value(message: Message, name: str) -> str | None:
    """The first `name` field as it came (8-bit bytes as surrogate escapes), or None."""
    for key, value in raw_items(message):
        if str(key).lower().strip() == name:
            return str(value)
    return None


def header_value(message: Message, name: str, raw, problems: list[str], charsets: tuple[str, ...] = ()) -> str:
    text = raw_text(str(raw), charsets)
    try:
        value = str(message.policy.header_fetch_parse(name, text))
    except Exception as exc:
        problems.append(f"header {name}: {type(exc).__name__}")
        value = decode_words(text)
    return " ".join(value.replace("\x00", "").split())


def has_8bit(raw: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in raw)


def raw_text(raw: str, charsets: tuple[str, ...] = ()) -> str:
    """A raw header value as text, its 8-bit bytes decoded (see the module's docstring)."""
    if not has_8bit(raw):
        return raw
    data = raw.encode("utf-8", "surrogateescape")
    for charset in ("utf-8", *charsets, _FALLBACK):
        try:
            text = data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
        if _keeps_ascii(data, text):
            return text
    return data.decode("latin-1")  # every byte is a character


def _keeps_ascii(data: bytes, text: str) -> bool:
    return "".join(ch for ch in text if ch < "\x80") == bytes(b for b in data if b < 0x80).decode("ascii")


def declared_charsets(message: Message) -> tuple[str, ...]:
    """The charset the message declares for its text: of the message itself, else of its first
    text part that names one."""
    found: list[str] = []
    try:
        for count, part in enumerate(message.walk()):
            if count >= MAX_CHARSET_PARTS:
                break
            charset = part.get_content_charset() if part.get_content_maintype() in ("text", "multipart") else None
            if charset and charset not in found:
                found.append(charset)
                break
    except Exception:  # noqa: S110 - a broken Content-Type: no charset to go by
        pass
    return tuple(found)


def decode_words(raw: str) -> str:
    """RFC 2047 decoding by hand, each word in its charset or replaced when unknown."""
    try:
        pieces = email.header.decode_header(raw)
    except Exception:
        return raw
    out = []
    for piece, charset in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        out.append(bytes_to_text(piece, charset))
    return "".join(out)


def bytes_to_text(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def message_id(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    # "<abc@host>" in any spelling: case of the domain and surrounding junk do not count.
    start, end = value.find("<"), value.find(">")
    if 0 <= start < end:
        value = value[start + 1:end]
    value = "".join(value.split())
    return value[:990] or None


def date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except Exception:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)
