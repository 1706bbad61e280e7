"""A JPEG's metadata dropped without decoding it: its pixels kept byte for byte.

A JPEG is a row of marker segments. The compressed pixels (the scans) and what a decoder needs
to read them (tables, frame header, restart interval) are kept; so are the segments that say
how to show the colours (JFIF's colour space and density, Adobe's colour transform, the ICC
profile). Everything else goes: EXIF (with GPS and the camera's thumbnail), XMP, IPTC,
comments, maker segments, and whatever follows the end of the image (second pictures of an
MPO file, appended archives). Keeping the pixels saves a full decode and a lossy re-encoding;
it is only used where the image needs no turning (portal.documents.images).
"""
from __future__ import annotations

import struct

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP2, APP14 = 0xE0, 0xE2, 0xEE
_RESTARTS = range(0xD0, 0xD8)  # inside a scan's data
# Needed to decode: frame headers (SOF0-15 except the codes below), DHT, DAC, DQT, DRI, DNL.
_DECODING = {0xC4, 0xCC, 0xDB, 0xDD, 0xDC} | (set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC})


def without_metadata(data: bytes) -> bytes:
    """`data` with only the segments that make up and colour the picture; ValueError if it is
    not a complete JPEG (no end marker: truncated)."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("no start of image")
    kept: list = [b"\xff\xd8"]
    view = memoryview(data)
    at = 2
    while True:
        marker, at = _next_marker(data, at)
        if marker == EOI:
            kept.append(b"\xff\xd9")
            return b"".join(kept)  # nothing after the end of the image
        if marker == SOI or marker in _RESTARTS:
            raise ValueError(f"unexpected marker {marker:#x}")
        if at + 2 > len(data):
            raise ValueError("truncated")
        (length,) = struct.unpack_from(">H", data, at)
        end = at + length
        if length < 2 or end > len(data):
            raise ValueError("truncated segment")
        payload = data[at + 2:end]
        segment = _kept_segment(marker, payload)
        if segment is not None:
            kept.append(segment)
        at = end
        if marker == SOS:
            scan_end = _end_of_scan(data, at)
            kept.append(view[at:scan_end])  # no copy before the one join() makes
            at = scan_end


def _kept_segment(marker: int, payload: bytes) -> bytes | None:
    if marker in _DECODING or marker == SOS:
        return _segment(marker, payload)
    if marker == APP0 and payload[:5] == b"JFIF\0" and len(payload) >= 14:
        # Version, density unit and density; without the thumbnail JFIF may carry.
        return _segment(APP0, payload[:12] + b"\0\0")
    if marker == APP2 and payload.startswith(b"ICC_PROFILE\0"):
        return _segment(marker, payload)
    if marker == APP14 and payload.startswith(b"Adobe"):
        return _segment(marker, payload[:12])  # version, flags, colour transform: nothing else
    return None


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _next_marker(data: bytes, at: int) -> tuple[int, int]:
    """The next marker's code and where its segment starts. Stray bytes before it are skipped,
    as libjpeg does ("extraneous bytes before marker")."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            raise ValueError("no end of image")
        code = data[at + 1]
        if code == 0xFF:  # fill byte
            at += 1
        elif code == 0x00:
            at += 2
        else:
            return code, at + 2


def _end_of_scan(data: bytes, at: int) -> int:
    """Where a scan's compressed data ends: at the first marker that is not a restart (0xFF00
    is an escaped data byte)."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            raise ValueError("no end of image")
        code = data[at + 1]
        if code == 0x00 or code in _RESTARTS:
            at += 2
        elif code == 0xFF:  # fill bytes before a marker
            at += 1
        else:
            return at
