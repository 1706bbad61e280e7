"""The name an upload is shown and downloaded under. Files are stored by digest, so this name
never touches the file system; it must still be harmless in pages, mails and downloads."""
from __future__ import annotations

import re
import unicodedata

from portal.documents.sniff import HEIC, JPEG, PDF, PNG

MAX_LENGTH = 255

_EXTENSIONS = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg", ".jpe", ".jfif"),
    PNG: (".png",),
    HEIC: (".heic", ".heif", ".hif"),
}
_ALL_EXTENSIONS = {ext for exts in _EXTENSIONS.values() for ext in exts}

# Bidi embeddings/overrides/isolates: they can make "gpj.exe" look like "exe.jpg".
# Zero-width joiners stay: Persian and Arabic names need them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def safe_filename(name: str, media_type: str) -> str:
    """Basename only, without control characters, at most 255 characters, never empty,
    and with an extension that matches the content."""
    name = unicodedata.normalize("NFC", name or "")
    # Browsers on Windows may send the whole path; treat both separators alike.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc")
    name = _BIDI_CONTROLS.sub("", name).strip()
    if name.strip(".") == "":
        name = ""
    stem, ext = _split_extension(name)
    allowed = _EXTENSIONS.get(media_type, ("",))
    if ext.lower() not in allowed:
        if ext.lower() not in _ALL_EXTENSIONS:
            stem = name  # "Vertrag v1.2": the dot belongs to the name
        # A known but wrong extension is replaced: "scan.pdf" that is a PNG becomes "scan.png".
        ext = allowed[0]
    stem = stem or "document"
    return stem[: MAX_LENGTH - len(ext)].rstrip() + ext


def _split_extension(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    return (name, "") if dot < 0 else (name[:dot], name[dot:])
