"""Where messages come from: files (.eml, Maildir, mbox) and the office's IMAP mailbox.

IMAP: each message is fetched with BODY.PEEK (it stays unseen), taken in and committed, and
only then moved to the processed or quarantine folder. If the process dies between commit and
move, the next poll meets the message again, recognises its bytes and only moves it. A message
above PORTAL_MAIL_MAX_BYTES is not downloaded: its header is recorded (quarantined as too
large) and the message itself moves to the quarantine folder on the server. A message that waits
for the virus scanner (clamd unreachable) is stored and recorded like any other, so it moves to
the processed folder too; the worker processes it from the stored copy once clamd answers.
"""
from __future__ import annotations

import logging
import mailbox
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from portal.config import ImapSettings, MailSettings
from portal.documents.storage import DocumentStorage
from portal.intake.email.process import AWAITING_SCAN, Outcome, take_in, take_in_oversized
from portal.models import InboundMailSource, InboundMailStatus

log = logging.getLogger(__name__)

HEADER_LIMIT = 256 * 1024  # what is read of an oversized message: its header


@dataclass
class Report:
    """What a poll or an import did, for the command line and the worker's log."""

    processed: int = 0
    duplicates: int = 0
    quarantined: list[tuple[str, str, str]] = field(default_factory=list)  # (where, code, reason)
    known: int = 0  # taken in before (a re-fetch after a crash, or the same file again)
    moved: int = 0
    # Gone before this poll fetched or moved them: a worker on another node took them first.
    taken_elsewhere: int = 0
    busy: bool = False  # another node was polling this mailbox: this poll did nothing
    failed: list[tuple[str, str]] = field(default_factory=list)  # (where, error): left where they were
    waiting: int = 0  # stored, waiting for the virus scanner (processed again by the worker)

    def add(self, where: str, outcome: Outcome) -> None:
        if outcome.reason_code == AWAITING_SCAN:
            self.waiting += 1
        elif outcome.known_before:
            self.known += 1
            self.duplicates += 1
        elif outcome.status == InboundMailStatus.QUARANTINED:
            self.quarantined.append((where, outcome.reason_code, outcome.reason))
        elif outcome.status == InboundMailStatus.DUPLICATE:
            self.duplicates += 1
        else:
            self.processed += 1

    @property
    def total(self) -> int:
        return self.processed + self.duplicates + len(self.quarantined) + len(self.failed) + self.waiting

    def __bool__(self) -> bool:  # the worker logs only rounds that did something
        return self.total > 0

    def __str__(self) -> str:
        if self.busy:
            return "another node is polling this mailbox: nothing done"
        return (f"{self.processed} processed, {self.duplicates} duplicates, {len(self.quarantined)} quarantined"
                + (f", {self.waiting} waiting for the virus scanner" if self.waiting else "")
                + (f", {len(self.failed)} failed" if self.failed else ""))

    def lines(self) -> list[str]:
        lines = [str(self)]
        lines += [f"quarantined: {where}: {code}: {' '.join(reason.split())}" for where, code, reason in self.quarantined]
        lines += [f"failed: {where}: {error}" for where, error in self.failed]
        return lines


# -- files ---------------------------------------------------------------------------------------
def iter_path(path: str | Path) -> Iterator[tuple[str, bytes, int]]:
    """(where, bytes, size) per message: a Maildir folder, a folder of .eml files, an mbox
    file or a single .eml file. Bytes of a message larger than HEADER_LIMIT… are read whole;
    the caller decides by size."""
    path = Path(path)
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            box = mailbox.Maildir(str(path), factory=None, create=False)
            for key in sorted(box.keys()):
                data = box.get_bytes(key)
                yield f"{path}/{key}", data, len(data)
            return
        for item in sorted(path.iterdir()):
            if item.is_file() and item.suffix.lower() == ".eml":
                yield str(item), item.read_bytes(), item.stat().st_size
        return
    with path.open("rb") as fh:
        start = fh.read(5)
    if start == b"From ":
        box = mailbox.mbox(str(path), factory=None, create=False)
        for index, key in enumerate(box.keys(), start=1):
            data = box.get_bytes(key)
            yield f"{path}#{index}", data, len(data)
        return
    yield str(path), path.read_bytes(), path.stat().st_size


def import_paths(session: Session, storage: DocumentStorage, paths: list[str], settings: MailSettings,
                 progress: Callable[[str], None] | None = None) -> Report:
    report = Report()
    for path in paths:
        try:
            messages = list(iter_path(path))
        except (OSError, mailbox.Error) as exc:
            report.failed.append((str(path), f"{type(exc).__name__}: {exc}"))
            continue
        for where, data, size in messages:
            if size > settings.max_bytes:
                outcome = take_in_oversized(session, storage, _header_of(data), size, source=InboundMailSource.FILE,
                                            source_detail=where, settings=settings)
            else:
                outcome = take_in(session, storage, data, source=InboundMailSource.FILE, source_detail=where,
                                  settings=settings)
            report.add(where, outcome)
            if progress:
                progress(where)
    return report


def _header_of(data: bytes) -> bytes:
    head = data[:HEADER_LIMIT]
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = head.find(separator)
        if end >= 0:
            return head[: end + len(separator)]
    return head


# -- IMAP (the mailbox: portal.config.ImapSettings) -----------------------------------------------

def connect(settings: ImapSettings):
    from imapclient import IMAPClient

    context = None
    if settings.security != "none":
        context = ssl.create_default_context(cafile=settings.ca_file or None)
    client = IMAPClient(settings.host, port=settings.port, ssl=settings.security == "tls", ssl_context=context,
                        timeout=60)
    try:
        if settings.security == "starttls":
            client.starttls(context)
        client.login(settings.user, settings.password)
    except Exception:
        client.shutdown()
        raise
    return client


def move_message(client, uid: int, folder: str) -> None:
    """MOVE when the server has it; else COPY, flag \\Deleted and expunge that UID only
    (UIDPLUS). Without UIDPLUS the copy stays flagged \\Deleted: a plain EXPUNGE could remove
    other messages someone flagged, and polls skip deleted messages anyway."""
    from imapclient import DELETED

    if client.has_capability("MOVE"):
        client.move([uid], folder)
        return
    client.copy([uid], folder)
    client.add_flags([uid], [DELETED], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])


def poll_imap(session: Session, storage: DocumentStorage, imap: ImapSettings, settings: MailSettings, *,
              limit: int | None = None, mover: Callable = move_message) -> Report:
    """Take in the messages waiting in the mailbox (at most `limit`), moving each after its commit."""
    from portal.locks import exclusive

    # Two pollers on one mailbox could both MOVE a message (two copies in the folder): one at a time.
    with exclusive(session.get_bind(), f"imap-poll {imap.where}") as held:
        if not held:
            return Report(busy=True)
        return _poll_locked(session, storage, imap, settings, limit=limit, mover=mover)


def poll_configured_mailbox(session: Session, storage: DocumentStorage, imap: ImapSettings, settings: MailSettings,
                            limit: int | None = None) -> Report | None:
    """Poll the office's mailbox (PORTAL_IMAP_*); None when none is configured (no host)."""
    if not imap.configured:
        return None
    return poll_imap(session, storage, imap, settings, limit=limit)


def _poll_locked(session: Session, storage: DocumentStorage, imap: ImapSettings, settings: MailSettings, *,
                 limit: int | None, mover: Callable) -> Report:
    from imapclient import IMAPClient

    report = Report()
    client = connect(imap)
    try:
        for folder in (imap.processed_folder, imap.quarantine_folder):
            _ensure_folder(client, folder)
        client.select_folder(imap.folder)
        uids = sorted(client.search(["UNDELETED"]))
        if limit is not None:
            uids = uids[:limit]
        for chunk_start in range(0, len(uids), 200):
            chunk = uids[chunk_start:chunk_start + 200]
            sizes = client.fetch(chunk, ["RFC822.SIZE"])
            for uid in chunk:
                where = f"{imap.where} uid {uid}"
                size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                outcome = _take_one(client, session, storage, uid, size, where, settings)
                if outcome is None:
                    if _gone(client, uid):
                        report.taken_elsewhere += 1
                    else:
                        report.failed.append((where, "the server returned no message"))
                    continue
                report.add(where, outcome)
                target = imap.quarantine_folder if outcome.status == InboundMailStatus.QUARANTINED \
                    else imap.processed_folder
                try:
                    mover(client, uid, target)
                except IMAPClient.Error:
                    if not _gone(client, uid):
                        raise
                    report.taken_elsewhere += 1  # moved by another node after its own commit
                    continue
                report.moved += 1
    finally:
        try:
            client.logout()
        except Exception:  # the connection may be gone; the commits are what counts
            log.debug("IMAP logout failed", exc_info=True)
    return report


def _gone(client, uid: int) -> bool:
    return not client.search(["UID", str(uid), "UNDELETED"])


def _ensure_folder(client, folder: str) -> None:
    """Create the folder unless it exists; a worker on another node may create it at the same moment."""
    from imapclient import IMAPClient

    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except IMAPClient.Error:
        if not client.folder_exists(folder):
            raise


def _take_one(client, session: Session, storage: DocumentStorage, uid: int, size: int, where: str,
              settings: MailSettings) -> Outcome | None:
    if size > settings.max_bytes:
        fetched = client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {})
        header = fetched.get(b"BODY[HEADER]")
        if header is None:
            return None
        return take_in_oversized(session, storage, header, size, source=InboundMailSource.IMAP,
                                 source_detail=where, settings=settings)
    fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
    raw = fetched.get(b"BODY[]")
    if raw is None:
        return None
    return take_in(session, storage, raw, source=InboundMailSource.IMAP, source_detail=where, settings=settings)
