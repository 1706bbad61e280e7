"""Header fields, read with the parser's policy and, when that fails, by hand: RFC 2047 words
in their charset (replaced when unknown), never an exception."""
from __future__ import annotations

import email.header
import email.utils
from datetime import datetime, timezone
from email.message import Message

MAX_HEADERS = 300


def headers(message: Message, problems: list[str]) -> dict[str, list[str]]:
    """Lower-case name -> decoded values, in order; a header that cannot be read is noted in
    `problems` and decoded by hand instead."""
    found: dict[str, list[str]] = {}
    # The raw (name, value) pairs: iterating the message would parse, and could raise, per header.
    raw_items = list(getattr(message, "_headers", []))[:MAX_HEADERS]
    for name, raw_value in raw_items:
        found.setdefault(str(name).lower().strip(), []).append(header_value(message, name, raw_value, problems))
    return found


def header_value(message: Message, name: str, raw_value, problems: list[str]) -> str:
    try:
        value = str(message.policy.header_fetch_parse(name, raw_value))
    except Exception as exc:
        problems.append(f"header {name}: {type(exc).__name__}")
        value = decode_words(str(raw_value))
    return " ".join(value.replace("\x00", "").split())


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


def address(value: str) -> tuple[str, str]:
    try:
        name, address = email.utils.parseaddr(value)
    except Exception:
        return "", ""
    address = address.strip().lower()
    if "@" not in address or len(address) > 254:
        address = ""
    return " ".join(name.split())[:200], address


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
