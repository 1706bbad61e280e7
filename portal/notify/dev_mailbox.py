"""Development only: the outbox delivered into a Maildir instead of a mail server, so that the
demo (scripts/serve-demo) shows every mail the portal sends, links included, at /dev/mailbox
(portal.dev). Production refuses the setting (PORTAL_DEV_MAILBOX_DIR, portal.config)."""
from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

_KEY = re.compile(r"[A-Za-z0-9._,:-]{1,200}")


@dataclass(frozen=True)
class Summary:
    key: str
    to: str
    subject: str
    date: datetime | None


class DevMailbox:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def _box(self) -> mailbox.Maildir:
        return mailbox.Maildir(str(self.path), factory=None, create=True)

    def deliver(self, message: EmailMessage) -> str:
        return self._box().add(message.as_bytes())

    def summaries(self, limit: int = 200) -> list[Summary]:
        """The newest mails first."""
        found = []
        box = self._box()
        for key in box.keys():
            message = self.message(key)
            if message is None:
                continue
            try:
                date = parsedate_to_datetime(message["Date"]) if message["Date"] else None
            except (TypeError, ValueError):
                date = None
            found.append(Summary(key, str(message["To"] or ""), str(message["Subject"] or ""), date))
        found.sort(key=lambda s: (s.date.timestamp() if s.date else 0.0, s.key), reverse=True)
        return found[:limit]

    def message(self, key: str) -> EmailMessage | None:
        if not _KEY.fullmatch(key or ""):
            return None
        try:
            raw = self._box().get_bytes(key)
        except KeyError:
            return None
        return BytesParser(policy=policy.default).parsebytes(raw)
