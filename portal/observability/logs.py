"""Logs: one JSON object per line in production (PORTAL_LOG_FORMAT=json), readable lines in
development; each line of a request carries its request id, and so do the worker's lines about
what that request queued (a mail carries the id of the request that wrote it).

No personal data: the portal logs ids, codes, counts and digests, never names, addresses or
file contents; database errors name no values in production (hide_parameters, portal.config);
and as a last guard every e-mail address that still reaches a line is replaced. Request lines
name the route ("/<lang>/status/<reference>"), never the path with its values.
"""
from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str] = ContextVar("portal_request_id", default="")
# A request id from the proxy in front is taken when it looks like one (X-Request-ID).
_REQUEST_ID_FORM = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# Anything shaped like an e-mail address, in any script.
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLER_MARK = "_portal_handler"


def current_request_id() -> str:
    return REQUEST_ID.get()


def new_request_id(offered: str | None = None) -> str:
    """The id of a request: the proxy's (when trusted and well-formed) or a new one."""
    if offered and _REQUEST_ID_FORM.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


@contextmanager
def request_id_bound(value: str | None) -> Iterator[None]:
    """Log lines inside carry this request id (a worker job about a request's work)."""
    token = REQUEST_ID.set(value or "")
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


def redact(text: str) -> str:
    return _EMAIL.sub("[e-mail address]", text)


class _Context(logging.Filter):
    """Adds the request id and takes out e-mail addresses before any handler formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = REQUEST_ID.get()
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _Json(JsonFormatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")

    def formatException(self, ei):  # noqa: N802
        return redact(super().formatException(ei))


class _Text(logging.Formatter):
    def format(self, record):
        shown = getattr(record, "request_id", "")
        record.request_id = shown or "-"  # outside a request (worker, commands)
        try:
            return super().format(record)
        finally:
            record.request_id = shown

    def formatException(self, ei):  # noqa: N802
        return redact(super().formatException(ei))


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Give the root logger the portal's handler (once; a second app in the process replaces it).
    Under pytest nothing is changed: its capture owns the handlers."""
    if "pytest" in sys.modules and not getattr(configure, "force", False):
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
    root.addHandler(handler_for(log_format))
    root.setLevel(level)


def handler_for(log_format: str, stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(_Json("{asctime}{levelname}{name}{message}{request_id}", style="{",
                                   rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                                   json_ensure_ascii=False))
    else:
        handler.setFormatter(_Text("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(_Context())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def context_filter() -> logging.Filter:
    """The filter of the portal's handler, for a handler of one's own (tests, tools)."""
    return _Context()
