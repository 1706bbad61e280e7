"""A PNG's metadata dropped without decoding it again: its compressed pixels kept as they are.

A PNG is a row of chunks. Kept are those that make up the picture (header, palette,
transparency, image data, end) and those that say how to show it (colour profile and colour
space, gamma, significant bits, physical pixel size: the scan's resolution). Everything else
goes: text chunks, EXIF, dates, C2PA manifests, private chunks, animation frames (the first
image stays, as the portal has always kept it) and whatever follows the end chunk.
"""
from __future__ import annotations

import struct

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_KEPT = {
    b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND",  # the picture
    b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"cICP", b"mDCV", b"cLLI", b"sBIT",  # its colours
    b"pHYs",  # its resolution
}
# Chunks that may say the picture is to be turned: EXIF, XMP (in an international text chunk),
# EXIF as ImageMagick writes it (a "Raw profile type exif" text chunk).
_MAY_TURN = {b"eXIf", b"iTXt", b"tEXt", b"zTXt"}


def without_metadata(data: bytes) -> bytes:
    """`data` with only the chunks above; ValueError if the chunk structure is broken (the
    checksums are checked by Pillow's verify(), before)."""
    kept: list = [SIGNATURE]
    view = memoryview(data)  # no copy of the image data before the one join() makes
    for kind, start, end in _chunks(data):
        if kind in _KEPT:
            kept.append(view[start:end])
        if kind == b"IEND":
            return b"".join(kept)
    raise ValueError("no end chunk")


def may_need_turning(data: bytes) -> bool:
    """Whether the PNG carries data that can hold an orientation (Pillow reads it only when
    decoding, so the memory for a turned copy is reserved on this hint)."""
    for kind, _start, _end in _chunks(data):
        if kind in _MAY_TURN:
            return True
        if kind == b"IEND":
            break
    return False


def _chunks(data: bytes):
    """(type, start, end) of each chunk, end after its checksum."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    at = len(SIGNATURE)
    while at + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, at)
        end = at + 12 + length
        if end > len(data):
            raise ValueError("truncated chunk")
        yield kind, at, end
        at = end
