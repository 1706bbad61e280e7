"""Checks of uploaded PDFs: readable, not encrypted, not too long, no active content.

The PDF itself is kept as uploaded (it may be signed or certified); anything a viewer could
execute or unpack is refused instead of being cut out.
"""
from __future__ import annotations

import logging
from io import BytesIO

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from portal.documents import refusals

MAX_PAGES = 300

# Dictionary keys that carry scripts, automatic actions, attachments, multimedia or XFA forms
# (which may hold scripts), wherever they appear: catalog, names tree, pages, annotations,
# form fields, outlines.
_ACTIVE_KEYS = {
    "/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/RichMedia", "/RichMediaContent", "/XFA",
}
# Action types (/S) that run code, start programs or send or load data.
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/RichMediaExecute"}
_ACTIVE_SUBTYPES = {"/RichMedia", "/FileAttachment"}
# A bound on the walk, far above the object count of any real document.
_MAX_OBJECTS = 2_000_000

log = logging.getLogger(__name__)


def check_pdf(data: bytes) -> int:
    """Page count of an acceptable PDF; raises DocumentRefused otherwise."""
    try:
        reader = PdfReader(BytesIO(data))
    except Exception as exc:  # pypdf raises many kinds on damaged input
        # Opening an encrypted file can fail on its own (e.g. AES without the crypto library);
        # the /Encrypt entry of the trailer is never encrypted itself.
        if b"/Encrypt" in data:
            raise refusals.encrypted_pdf() from exc
        raise refusals.broken_pdf() from exc
    # Even when an empty password opens it: the office must be able to process the file.
    if reader.is_encrypted:
        raise refusals.encrypted_pdf()
    try:
        pages = len(reader.pages)  # walks the page tree; /Count may lie
        active = _active_content(reader)
    except Exception as exc:
        raise refusals.broken_pdf() from exc
    if pages < 1:
        raise refusals.broken_pdf()
    if pages > MAX_PAGES:
        raise refusals.too_many_pages(MAX_PAGES)
    if active:
        log.info("PDF refused for active content (%s)", active)
        raise refusals.active_pdf()
    return pages


def _active_content(reader: PdfReader) -> str | None:
    """The first active element reachable from the trailer, or None.

    Walks the whole object graph rather than a list of known places, so that actions in
    outlines, form fields or inherited dictionaries are found too. Stream contents are not
    decoded; only the dictionaries are looked at.
    """
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        visited += 1
        if visited > _MAX_OBJECTS:
            raise ValueError("PDF object graph too large")
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too
            found = _active_entry(obj)
            if found:
                return found
            stack.extend(dict.values(obj))  # raw values: references are resolved above, once
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def _active_entry(obj: DictionaryObject) -> str | None:
    for key in dict.keys(obj):
        if key in _ACTIVE_KEYS:
            return key
    action = _text(obj, "/S")
    if action in _ACTIVE_ACTIONS:
        return action
    if action == "/URI" and _text(obj, "/URI").strip().lower().startswith("javascript:"):
        return "/URI javascript:"
    if _text(obj, "/Subtype") in _ACTIVE_SUBTYPES:
        return _text(obj, "/Subtype")
    if _text(obj, "/Type") == "/EmbeddedFile":
        return "/EmbeddedFile"
    return None


def _text(obj: DictionaryObject, key: str) -> str:
    """A name or string entry as text ("" if missing or of another kind)."""
    value = dict.get(obj, key)
    if isinstance(value, IndirectObject):
        value = value.get_object()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else ""
