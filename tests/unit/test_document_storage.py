"""Content-addressed storage: idempotent, atomic, no path tricks, orphans found."""
from __future__ import annotations

import hashlib
import os

import pytest

from portal.documents import DocumentStorage


@pytest.fixture
def storage(tmp_path):
    return DocumentStorage(tmp_path / "storage")


def stored_files(storage) -> list:
    return sorted(path for path in storage.root.rglob("*") if path.is_file())


def test_put_stores_under_the_digest(storage):
    digest = storage.put(b"Reisepass")

    assert digest == hashlib.sha256(b"Reisepass").hexdigest()
    assert storage.path(digest) == storage.root / digest[:2] / digest[2:4] / digest
    assert storage.exists(digest) and storage.read(digest) == b"Reisepass"
    assert storage.size(digest) == len(b"Reisepass")
    with storage.open(digest) as fh:
        assert fh.read() == b"Reisepass"


def test_put_is_idempotent(storage):
    first = storage.put(b"same content")
    second = storage.put(b"same content")

    assert first == second
    assert stored_files(storage) == [storage.path(first)]


def test_put_leaves_no_temporary_files(storage):
    for number in range(5):
        storage.put(f"document {number}".encode())

    files = stored_files(storage)
    assert len(files) == 5
    assert not [path for path in files if path.name.startswith(".incoming-")]


def disk_failure(fd):
    raise OSError("disk failure")


def test_failed_write_leaves_neither_target_nor_temporary_file(storage, monkeypatch):
    monkeypatch.setattr(os, "fsync", disk_failure)
    with pytest.raises(OSError, match="disk failure"):
        storage.put(b"half written")

    digest = hashlib.sha256(b"half written").hexdigest()
    assert not storage.exists(digest)
    assert stored_files(storage) == []


def test_put_after_a_failed_write_succeeds(storage, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", disk_failure)
        with pytest.raises(OSError):
            storage.put(b"retry me")
    digest = storage.put(b"retry me")
    assert storage.read(digest) == b"retry me"


@pytest.mark.parametrize("bad", [
    "../../etc/passwd",
    "ab/../../../../etc/passwd",
    "",
    "0" * 63,
    "0" * 65,
    "A" * 64,  # upper case is not what put() returns
    "g" * 64,
    "0" * 64 + "\n",
    "0" * 62 + "/x",
    "/" + "0" * 63,
])
def test_path_refuses_anything_but_a_hex_digest(storage, bad):
    with pytest.raises(ValueError):
        storage.path(bad)
    with pytest.raises(ValueError):
        storage.read(bad)
    with pytest.raises(ValueError):
        storage.exists(bad)


def test_orphans_are_stored_files_nobody_refers_to(storage):
    kept = storage.put(b"attached to a submission")
    orphan_a = storage.put(b"left by a crash")
    orphan_b = storage.put(b"left by another crash")
    # A temporary file of a write in progress is not an orphan.
    (storage.path(kept).parent / ".incoming-abc").write_bytes(b"partial")

    assert storage.orphans([kept]) == sorted([orphan_a, orphan_b])
    assert storage.orphans([kept, orphan_a, orphan_b]) == []
    assert storage.orphans(iter([kept])) == sorted([orphan_a, orphan_b])


def test_empty_or_missing_storage_has_no_orphans(tmp_path):
    assert DocumentStorage(tmp_path / "not-yet-created").orphans([]) == []
