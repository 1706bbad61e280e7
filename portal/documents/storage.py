"""Content-addressed file storage outside the web root.

A file is stored under its sha256 (`ab/cd/abcd…`), written to a temporary file, fsynced
and renamed into place, so a crash leaves at worst an orphan file, never a half file.
The same content stored twice is one file. A shared volume works the same for several nodes.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

# fullmatch, not ^…$: "$" would also let a trailing newline through.
_SHA256 = re.compile(r"[0-9a-f]{64}")


class DocumentStorage:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store bytes; returns their sha256."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # The rename itself must reach the disk too.
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return digest

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def all_digests(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in self.root.glob("*/*/*"):
            if path.is_file() and _SHA256.fullmatch(path.name):
                yield path.name

    def orphans(self, referenced: Iterable[str]) -> list[str]:
        """Stored files that no row refers to (what a crash between write and commit leaves)."""
        known = set(referenced)
        return sorted(d for d in self.all_digests() if d not in known)
