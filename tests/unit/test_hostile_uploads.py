"""Fuzzed and hostile files at the upload check: random bytes, damaged copies of real files,
polyglots, zip bombs and path-traversal names. Every outcome is a stored, cleaned file or a
refusal with a message; no other exception, and nothing stored for a refusal."""
from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.documents.checks import DocumentRefused, accept_upload
from portal.documents.filenames import safe_filename
from portal.documents.storage import DocumentStorage
from tests.support.clamd import without_scanner
from tests.support import samples

LIMIT = 5_000_000
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ORIGINALS = {"pdf": samples.pdf_bytes(2), "jpeg": samples.jpeg_bytes((320, 240)), "png": samples.png_bytes((200, 150))}


def _outcome(storage: DocumentStorage, data: bytes, name: str):
    before = set(storage.all_digests())
    try:
        accepted = accept_upload(storage, data, name, max_bytes=LIMIT, virus_scan=without_scanner())
    except DocumentRefused as refusal:
        assert str(refusal.message).strip()  # explained
        assert set(storage.all_digests()) == before  # and nothing kept
        return None
    assert storage.exists(accepted.sha256) and storage.exists(accepted.pdf_sha256)
    assert accepted.media_type in {"application/pdf", "image/jpeg", "image/png", "image/heic"}
    return accepted


@pytest.fixture
def storage(tmp_path):
    return DocumentStorage(tmp_path / "storage")


@FUZZ
@given(data=st.binary(max_size=4096), name=st.text(max_size=80))
def test_random_bytes_are_refused_or_accepted_cleanly(tmp_path_factory, data, name):
    _outcome(DocumentStorage(tmp_path_factory.mktemp("s")), data, name)


@FUZZ
@given(kind=st.sampled_from(sorted(ORIGINALS)), cuts=st.lists(
    st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=16)), min_size=1, max_size=4))
def test_damaged_real_files_are_refused_or_accepted_cleanly(tmp_path_factory, kind, cuts):
    data = bytearray(ORIGINALS[kind])
    for where, junk in cuts:  # overwrite a few places inside the file
        at = int(where * (len(data) - 1))
        data[at:at + len(junk)] = junk
    _outcome(DocumentStorage(tmp_path_factory.mktemp("s")), bytes(data), f"scan.{kind}")


@given(name=st.text(max_size=400))
def test_any_filename_becomes_a_safe_basename(name):
    for media_type in ("application/pdf", "image/jpeg"):
        safe = safe_filename(name, media_type)
        assert 0 < len(safe) <= 255
        assert "/" not in safe and "\\" not in safe and "\x00" not in safe
        assert not any(ord(ch) < 32 or 0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in safe)
        # The extension matches the content; a JPEG's own spelling (".JFIF" of a photo) is kept.
        extensions = (".pdf",) if media_type == "application/pdf" else (".jpg", ".jpeg", ".jpe", ".jfif")
        assert safe not in {".", ".."} and safe.lower().endswith(extensions)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_without_being_unpacked(storage):
    bomb = _zip({"passport.pdf": b"\0" * 200_000_000})  # 200 MB of zeros in about 200 KB
    assert len(bomb) < 1_000_000
    assert _outcome(storage, bomb, "passport.pdf") is None


def test_a_jpeg_zip_polyglot_is_stored_without_its_payload(storage):
    payload = _zip({"evil.html": b"<script>alert(1)</script>"})
    accepted = _outcome(storage, ORIGINALS["jpeg"] + payload, "photo.jpg")
    stored = storage.read(accepted.sha256)
    assert accepted.media_type == "image/jpeg" and b"PK\x03\x04" not in stored and b"<script>" not in stored


def test_a_pdf_html_polyglot_is_a_pdf_and_never_html(storage):
    polyglot = ORIGINALS["pdf"] + b"<html><script>alert(1)</script></html>"
    accepted = _outcome(storage, polyglot, "../../brief.html")
    if accepted is not None:  # kept as uploaded, but typed and named as what it is
        assert accepted.media_type == "application/pdf" and accepted.filename == "brief.html.pdf"


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\windows\\system32\\config", "/etc/shadow",
                                  "C:\\Users\\x\\pass.pdf", "a\x00b.pdf", "\u202egpj.exe", ".", "..", "...",
                                  "CON", "x" * 1000 + ".pdf"])
def test_path_traversal_names_are_stored_by_content_with_a_safe_name(storage, name):
    accepted = _outcome(storage, ORIGINALS["pdf"], name)
    assert accepted is not None and "/" not in accepted.filename and ".." not in accepted.filename.strip(".")
    assert storage.path(accepted.sha256).parent.parent.parent == storage.root  # sha256 path, never the name
