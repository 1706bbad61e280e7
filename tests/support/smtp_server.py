"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) that keeps what it receives."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket

from aiosmtpd.controller import Controller

MAIL_FROM = "Ausländerbehörde Lahn-Dill <noreply@abh-test.example>"


class Collector:
    """aiosmtpd handler: keeps what it accepts; refuses recipients listed in `refuse`."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A port of our own; the server listens only between start() and stop()."""

    def __init__(self):
        self.port = _free_port()
        self.handler = Collector()
        self._controller: Controller | None = None

    def start(self, smtputf8: bool = True):
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                      enable_SMTPUTF8=smtputf8)
        self._controller.start()

    def stop(self):
        if self._controller:
            self._controller.stop()
            self._controller = None
