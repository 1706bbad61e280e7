"""Development only: the demo's mailbox at /dev/mailbox, listing every mail the portal sent
(the worker delivers into PORTAL_DEV_MAILBOX_DIR instead of SMTP) with working links, the HTML
version and the attachments (receipts, calendar entries). create_app registers this blueprint
only outside production and only when the setting is present; production refuses the setting."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, render_template

from portal.config import current_settings
from portal.notify.dev_mailbox import DevMailbox

bp = Blueprint("dev", __name__, url_prefix="/dev")

_URL = re.compile(r"https?://[^\s<>\"]+")


def _mailbox() -> DevMailbox:
    return DevMailbox(current_settings().dev_mailbox_dir)


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/mailbox")
def mailbox():
    return render_template("dev/mailbox.html", mails=_mailbox().summaries())


@bp.get("/mailbox/<key>")
def mail(key: str):
    message = _mailbox().message(key)
    if message is None:
        abort(404)
    text_part = message.get_body(preferencelist=("plain",))
    text = text_part.get_content() if text_part is not None else ""
    attachments = [(index, part.get_filename() or "attachment", part.get_content_type())
                   for index, part in enumerate(message.iter_attachments())]
    return render_template("dev/mail.html", key=key, message=message, pieces=_linked(text),
                           has_html=message.get_body(preferencelist=("html",)) is not None,
                           attachments=attachments)


@bp.get("/mailbox/<key>/html")
def mail_html(key: str):
    message = _mailbox().message(key)
    part = message.get_body(preferencelist=("html",)) if message is not None else None
    if part is None:
        abort(404)
    response = Response(part.get_content(), mimetype="text/html")
    # The mail as a mail program shows it: its own styles, no scripts, nothing loaded from elsewhere.
    response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src data: 'self'; "
                                                   "style-src 'unsafe-inline'; sandbox allow-popups "
                                                   "allow-top-navigation-by-user-activation")
    return response


@bp.get("/mailbox/<key>/attachment/<int:index>")
def attachment(key: str, index: int):
    message = _mailbox().message(key)
    parts = list(message.iter_attachments()) if message is not None else []
    if not 0 <= index < len(parts):
        abort(404)
    part = parts[index]
    name = (part.get_filename() or f"attachment-{index}").replace('"', "")
    return Response(part.get_content() if part.get_content_maintype() != "text" else part.get_content().encode(),
                    mimetype=part.get_content_type(),
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Content-Security-Policy": "default-src 'none'; sandbox"})


def _linked(text: str) -> list[tuple[str, bool]]:
    """The text in pieces, each URL a piece of its own (shown as a link)."""
    pieces, position = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:)")
        if match.start() > position:
            pieces.append((text[position:match.start()], False))
        pieces.append((url, True))
        position = match.start() + len(url)
    pieces.append((text[position:], False))
    return pieces
