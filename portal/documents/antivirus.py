"""Scanning a file with clamd (ClamAV's daemon) before it is filed.

clamd is reached over its socket (Debian's clamav-daemon: /run/clamav/clamd.ctl) or TCP, and
sent the bytes with its INSTREAM command: 4-byte big-endian lengths, each followed by that many
bytes, a zero length at the end; it answers "stream: OK", "stream: <signature> FOUND" or
"<problem> ERROR". The protocol is small and stable, and the client libraries send 1 kB chunks:
256 kB chunks send a large scan file two to three times faster (benchmarks/virus_scan.py).

Every channel calls require_clean() (portal.documents.checks.accept_upload does for web
uploads, mail attachments and content media; the scan import for each delivered file). An
infected file raises a refusal with its signature; when clamd cannot scan, the office's setting
decides (VirusScanSettings.when_unavailable): "refuse" raises, and the channel keeps the item
for a later try; "accept" logs a warning and lets the file through.
"""
from __future__ import annotations

import hashlib
import logging
import socket
import struct
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from portal.config import VirusScanSettings
from portal.documents import refusals
from portal.observability import counters

log = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024
PING_TIMEOUT_SECONDS = 2.0
_REPLY_LIMIT = 4096  # clamd's answers are one short line

CLEAN, INFECTED, NOT_SCANNED = "clean", "infected", "not_scanned"


@dataclass(frozen=True)
class Verdict:
    state: str  # CLEAN, INFECTED or NOT_SCANNED
    sha256: str  # of the bytes this verdict is about
    signature: str = ""  # what clamd found (INFECTED)
    problem: str = ""  # why clamd could not scan (NOT_SCANNED)

    @property
    def clean(self) -> bool:
        return self.state == CLEAN


class ScannerUnreachable(OSError):
    """clamd did not answer (no socket, refused, timeout) or answered with an error."""


def scan(settings: VirusScanSettings, data: bytes) -> Verdict:
    """clamd's verdict on `data`; never raises for a scanner that cannot scan (NOT_SCANNED)."""
    digest = hashlib.sha256(data).hexdigest()
    if not settings.address:
        verdict = Verdict(NOT_SCANNED, digest, problem="no scanner configured (PORTAL_CLAMD_ADDRESS)")
    else:
        try:
            verdict = _verdict(_command(settings.address, b"INSTREAM", settings.timeout_seconds, payload=data), digest)
        except ScannerUnreachable as exc:
            verdict = Verdict(NOT_SCANNED, digest, problem=str(exc))
    counters.VIRUS_SCANS.labels(outcome=verdict.state).inc()
    return verdict


def require_clean(settings: VirusScanSettings, data: bytes):
    """The verdict of a file that may be filed: clean, or not scanned when the office accepts
    that (logged as a warning). Raises DocumentRefused "virus_found" (with the signature as
    `detail`) or "scanner_unavailable" (the office refuses what was not scanned)."""
    verdict = scan(settings, data)
    if verdict.state == INFECTED:
        log.warning("virus scan: %s found in a file of %s bytes (sha256 %s)", verdict.signature, len(data),
                    verdict.sha256)
        raise refusals.virus_found(verdict.signature, verdict.sha256)
    if verdict.state == NOT_SCANNED:
        if settings.refuses_unscanned:
            log.warning("virus scan: not possible (%s); the file waits or is refused", verdict.problem)
            raise refusals.scanner_unavailable(verdict.problem)
        _warn_unscanned(verdict.problem)
    return verdict


_last_unscanned_warning = [0.0]
_UNSCANNED_WARNING_SECONDS = 60.0


def _warn_unscanned(problem: str) -> None:
    """At most one warning a minute per process: a scan import of thousands of files without
    clamd says it once, not once per file (portal_virus_scans{outcome="not_scanned"} counts all)."""
    now = time.monotonic()
    if now - _last_unscanned_warning[0] < _UNSCANNED_WARNING_SECONDS and _last_unscanned_warning[0]:
        return
    _last_unscanned_warning[0] = now
    log.warning("virus scan: not possible (%s); files are taken unscanned (PORTAL_CLAMD_UNAVAILABLE=accept)",
                problem)


def ping(settings: VirusScanSettings, timeout: float = PING_TIMEOUT_SECONDS) -> str:
    """clamd's version line ("ClamAV 1.4.6/27480/Sun Dec  6 09:30:00 2026": the engine, the
    signatures' version and date); raises ScannerUnreachable."""
    if not settings.address:
        raise ScannerUnreachable("no scanner configured (PORTAL_CLAMD_ADDRESS)")
    if _command(settings.address, b"PING", timeout) != "PONG":
        raise ScannerUnreachable("clamd did not answer PING with PONG")
    return _command(settings.address, b"VERSION", timeout)


def signatures_date(version: str) -> datetime | None:
    """When clamd's signatures were published, from its VERSION line; None when it names none
    (a database of one's own, as in the tests)."""
    parts = version.split("/")
    if len(parts) != 3:
        return None
    try:
        return datetime.strptime(" ".join(parts[2].split()), "%a %b %d %H:%M:%S %Y").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def record_found(session: Session, refused, *, channel: str, client_address: str = "", staff=None,
                 object_type: str = "upload", object_id=None, filename: str = "") -> None:
    """The audit entry of a file refused for malware (the caller commits): which signature, in
    which channel, the file's digest and name; never its content."""
    from portal.audit import record

    record(session, "virus_found", staff=staff, object_type=object_type, object_id=object_id,
           client_address=client_address,
           detail={"channel": channel, "signature": refused.detail, "sha256": refused.sha256,
                   "filename": filename[:200]})


# -- the protocol ---------------------------------------------------------------------------------

def _verdict(reply: str, digest: str) -> Verdict:
    if reply.endswith(" FOUND"):
        name = reply.removeprefix("stream:").strip().removesuffix(" FOUND").strip()
        return Verdict(INFECTED, digest, signature=name or "unknown")
    if reply == "stream: OK":
        return Verdict(CLEAN, digest)
    # "INSTREAM size limit exceeded. ERROR" (StreamMaxLength), "Can't allocate memory ERROR" …
    raise ScannerUnreachable(f"clamd could not scan the file: {reply}")


def _connect(address: str, timeout: float) -> socket.socket:
    try:
        if address.startswith("tcp://"):
            host, _, port = address[len("tcp://"):].rpartition(":")
            return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(address.removeprefix("unix://"))
        except BaseException:
            sock.close()
            raise
        return sock
    except OSError as exc:
        raise ScannerUnreachable(f"cannot connect to clamd at {address}: {exc.strerror or exc}") from exc


def _command(address: str, command: bytes, timeout: float, payload: bytes | None = None) -> str:
    """Send one command ("z" form: NUL-terminated) and read clamd's one-line answer."""
    with _connect(address, timeout) as sock:
        try:
            sock.sendall(b"z" + command + b"\0")
            if payload is not None:
                _stream(sock, payload)
        except OSError as exc:
            # clamd closes the connection when a stream passes its StreamMaxLength; its reason
            # may still be waiting to be read.
            reply = _read_reply(sock, quiet=True)
            raise ScannerUnreachable(f"clamd stopped reading: {reply or exc}") from exc
        reply = _read_reply(sock)
    if not reply:
        raise ScannerUnreachable("clamd closed the connection without an answer")
    return reply


def _stream(sock: socket.socket, payload: bytes) -> None:
    view = memoryview(payload)
    for start in range(0, len(view), CHUNK_BYTES):
        piece = view[start:start + CHUNK_BYTES]
        sock.sendall(struct.pack("!L", len(piece)))
        sock.sendall(piece)
    sock.sendall(struct.pack("!L", 0))


def _read_reply(sock: socket.socket, quiet: bool = False) -> str:
    reply = b""
    try:
        while not reply.endswith(b"\0") and len(reply) < _REPLY_LIMIT:
            chunk = sock.recv(_REPLY_LIMIT)
            if not chunk:
                break
            reply += chunk
    except OSError as exc:
        if quiet:
            return ""
        raise ScannerUnreachable(f"no answer from clamd: {exc.strerror or exc}") from exc
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()
