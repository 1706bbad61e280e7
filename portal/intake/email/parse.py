"""Raw message bytes -> ParsedMail: sender, subject, text, attachments, signals for replies.

`parse_message` never raises. The stdlib parser (policy.default, with the repairs of
mime_policy.py) decodes RFC 2047 headers and RFC 2231 filenames in any charset Python knows;
raw 8-bit headers are decoded by headers.py; the sender's address comes from addresses.py.
Every header and every part is read inside a guard with a cruder fallback, so that one broken
header or part costs at most that header or part, never the message: a part that cannot be
read (a nested multipart whose boundary is missing, base64 that cannot be decoded, a part the
parser trips over) is listed in `unreadable_parts` for the caseworker, the rest is processed.
Only a message with no header at all, or whose own boundary is not found, is `unreadable`.

Decisions:
- multipart/alternative: the text/plain alternative is the text; without one the HTML is
  reduced to text. Images inside the HTML alternative (multipart/related) are still looked at.
- message/rfc822 (forwards): the forwarded text is appended under a marker and its
  attachments count like the outer ones.
- Inline images (no "attachment" disposition) without a file name and smaller than
  SIGNATURE_IMAGE_BYTES are taken as signature logos and icons and ignored (listed in
  `ignored`); larger ones are attachments (a photo pasted into the mail), and so is every
  image with a file name (Apple Mail sends photos inline, named, and small when scaled down).
- Signature parts (S/MIME, OpenPGP) are ignored: they belong to the mail, not to the case.
- winmail.dat (application/ms-tnef) is flagged: its content cannot be read, so the mail is
  quarantined by the caller.
"""
from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from datetime import datetime
from email import errors
from email.message import EmailMessage, Message
from email.parser import BytesParser

from portal.intake.email import addresses, headers
from portal.intake.email.mime_policy import POLICY
from portal.intake.email.text import html_to_text, tidy

SIGNATURE_IMAGE_BYTES = 20 * 1024
MAX_DEPTH = 12
MAX_PARTS = 500
_SIGNATURE_TYPES = {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature",
                    "application/pgp-keys"}
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
# Headers shown to the caseworker on the mail's detail page (in this order).
SHOWN_HEADERS = ("from", "sender", "reply-to", "to", "cc", "date", "subject", "message-id", "in-reply-to",
                 "references", "return-path", "auto-submitted", "precedence", "list-id", "list-unsubscribe",
                 "x-autoreply", "x-auto-response-suppress", "content-type", "x-mailer", "user-agent")
FORWARD_MARKER = "---------- Forwarded message ----------"
NO_BOUNDARY, UNDECODABLE, PART_ERROR, EMPTY_FORWARD = "boundary_not_found", "undecodable", "error", "empty_forward"
UNREADABLE_PART_REASONS = (NO_BOUNDARY, UNDECODABLE, PART_ERROR, EMPTY_FORWARD)


@dataclass
class Attachment:
    filename: str
    media_type: str  # as declared; the document checks type by content
    data: bytes
    inline: bool = False
    forwarded: bool = False  # came from a forwarded message


@dataclass
class ParsedMail:
    message_id: str | None = None
    sender_address: str = ""
    sender_name: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    content_type: str = "text/plain"
    headers: dict[str, list[str]] = field(default_factory=dict)  # lower-case name -> decoded values
    text: str = ""  # the sender's own text (forwards excluded)
    forwarded_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    ignored: list[dict] = field(default_factory=list)  # {"filename", "media_type", "size", "why"}
    tnef: list[str] = field(default_factory=list)  # names of winmail.dat parts
    problems: list[str] = field(default_factory=list)
    # Parts that could not be read: {"part": "2.1", "media_type", "filename", "why"}; why is one
    # of UNREADABLE_PART_REASONS. The rest of the message is read and processed.
    unreadable_parts: list[dict] = field(default_factory=list)
    unreadable: str = ""  # why the message cannot be read at all ("" when it can)
    too_complex: bool = False

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    @property
    def full_text(self) -> str:
        if not self.forwarded_text:
            return self.text
        return f"{self.text}\n\n{self.forwarded_text}".strip()


def parse_message(raw: bytes) -> ParsedMail:
    result = ParsedMail()
    try:
        message = BytesParser(policy=POLICY).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; guard anyway
        result.unreadable = f"{type(exc).__name__}: {exc}"
        return result
    if not message.keys():
        result.unreadable = "no header fields"
        return result
    charsets = headers.declared_charsets(message)
    result.headers = headers.headers(message, result.problems, charsets)
    result.message_id = headers.message_id(result.header("message-id"))
    raw_from = headers.raw_value(message, "from")
    if raw_from is not None:
        result.sender_name, result.sender_address = addresses.sender(headers.raw_text(raw_from, charsets))
        if not result.sender_address:
            result.problems.append("From: no single sender address")
    result.subject = " ".join(result.header("subject").split())
    result.sent_at = headers.date(result.header("date"))
    result.content_type = _content_type(message)
    walker = _Walker(result, charsets)
    try:
        walker.visit(message, depth=0, forwarded=False, path="")
    except Exception as exc:  # a bug or an unforeseen structure: keep what was found
        result.problems.append(f"structure: {type(exc).__name__}: {exc}")
    if result.unreadable:
        return result
    result.text = tidy("\n\n".join(walker.texts))
    result.forwarded_text = tidy("\n\n".join(walker.forwarded_texts))
    return result


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


# -- parts -------------------------------------------------------------------------------------
class _Walker:
    def __init__(self, result: ParsedMail, charsets: tuple[str, ...] = ()):
        self.result = result
        self.charsets = charsets  # for raw 8-bit file names
        self.texts: list[str] = []
        self.forwarded_texts: list[str] = []
        self.parts_seen = 0

    def visit(self, part: Message, depth: int, forwarded: bool, path: str, text_wanted: bool = True) -> None:
        self.parts_seen += 1
        if depth > MAX_DEPTH or self.parts_seen > MAX_PARTS:
            self.result.too_complex = True
            return
        try:
            self._visit(part, depth, forwarded, path, text_wanted)
        except Exception as exc:  # one broken part must not cost the others
            self.result.problems.append(f"part {_content_type(part)}: {type(exc).__name__}: {exc}")
            self._unreadable(part, path, PART_ERROR)

    def _visit(self, part: Message, depth: int, forwarded: bool, path: str, text_wanted: bool) -> None:
        ctype = _content_type(part)
        if ctype == "message/rfc822":  # is_multipart() is true for it too
            self._forward(part, depth, path, text_wanted)
            return
        if ctype.startswith("multipart/") and not part.is_multipart():
            # The boundary was never found: the parts cannot be told apart.
            if depth == 0:
                self.result.unreadable = f"{ctype} without parts (boundary not found)"
            else:  # only this part is lost; the raw message keeps it for the caseworker
                self._unreadable(part, path, NO_BOUNDARY)
            return
        if part.is_multipart():
            children = [c for c in (part.get_payload() or []) if isinstance(c, Message)]
            chosen = _preferred_alternative(children) if ctype == "multipart/alternative" else None
            for number, child in enumerate(children, 1):
                wanted = text_wanted and (chosen is None or child is chosen)
                self.visit(child, depth + 1, forwarded, _child_path(path, number), wanted)
            return
        filename = _filename(part, self.charsets)
        disposition = _disposition(part)
        if ctype in _TNEF_TYPES or filename.lower() == "winmail.dat":
            self.result.tnef.append(filename or "winmail.dat")
            return
        if ctype in _SIGNATURE_TYPES:
            self._ignore(filename, ctype, len(_payload(part)), "signature")
            return
        if disposition != "attachment" and not filename and (ctype.startswith("text/")
                                                              or ctype == "message/delivery-status"):
            if text_wanted:
                text = _text_of(part, self.result)
                if _undecodable(part):
                    self._unreadable(part, path, UNDECODABLE)
                    return
                (self.forwarded_texts if forwarded else self.texts).append(
                    html_to_text(text) if ctype == "text/html" else text)
            return
        if not text_wanted and disposition != "attachment" and ctype.startswith("text/"):
            return  # the other alternative of a text already read
        data = _payload(part)
        if _undecodable(part):
            self._unreadable(part, path, UNDECODABLE)
            return
        inline = disposition != "attachment"
        if inline and ctype.startswith("image/") and not filename and len(data) < SIGNATURE_IMAGE_BYTES:
            self._ignore(filename, ctype, len(data), "small_inline_image")
            return
        self.result.attachments.append(Attachment(filename=filename or _fallback_name(ctype), media_type=ctype,
                                                  data=data, inline=inline, forwarded=forwarded))

    def _forward(self, part: Message, depth: int, path: str, text_wanted: bool) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else payload
        if not isinstance(inner, Message):
            self.result.problems.append("message/rfc822 without a message")
            self._unreadable(part, path, EMPTY_FORWARD)
            return
        summary = []
        for name in ("from", "date", "subject"):
            raw = headers.raw_value(inner, name)
            if raw is not None:
                value = headers.header_value(inner, name, raw, self.result.problems, self.charsets)
                if value:
                    summary.append(f"{name.capitalize()}: {value}")
        if text_wanted:
            self.forwarded_texts.append("\n".join([FORWARD_MARKER, *summary]))
        self.visit(inner, depth + 1, forwarded=True, path=path, text_wanted=text_wanted)

    def _ignore(self, filename: str, ctype: str, size: int, why: str) -> None:
        self.result.ignored.append({"filename": filename, "media_type": ctype, "size": size, "why": why})

    def _unreadable(self, part: Message, path: str, why: str) -> None:
        try:
            filename = _filename(part, self.charsets)
        except Exception:
            filename = ""
        self.result.unreadable_parts.append({"part": path or "1", "media_type": _content_type(part),
                                             "filename": filename, "why": why})


def _child_path(path: str, number: int) -> str:
    """IMAP-style part numbers: 1, 2, 2.1 ..."""
    return f"{path}.{number}" if path else str(number)


def _undecodable(part: Message) -> bool:
    """Base64 that could not be decoded at all (the stdlib then hands back the encoded text)."""
    return any(isinstance(defect, errors.InvalidBase64LengthDefect) for defect in getattr(part, "defects", ()))


def _preferred_alternative(children: list[Message]) -> Message | None:
    """Plain text when there is one (what the sender's program wrote as text), else the last
    alternative (the richest, by RFC 2046)."""
    for child in children:
        if _content_type(child) == "text/plain" and not _filename(child):
            return child
    return children[-1] if children else None


def _filename(part: Message, charsets: tuple[str, ...] = ()) -> str:
    name = _raw_8bit_filename(part, charsets)
    if name is None:
        try:
            name = part.get_filename() or ""
        except Exception:
            try:
                name = headers.decode_words(part.get_param("filename", "", "content-disposition") or "")
            except Exception:
                name = ""
    if isinstance(name, tuple):  # an RFC 2231 value the policy could not decode
        name = email.utils.collapse_rfc2231_value(name)
    return " ".join(str(name).replace("\x00", "").split())[:255]


def _raw_8bit_filename(part: Message, charsets: tuple[str, ...]) -> str | None:
    """A file name written in raw 8-bit bytes (no RFC 2231/2047), decoded like 8-bit headers;
    None when the name is not written that way."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = headers.raw_value(part, header)
        if raw is not None and headers.has_8bit(raw):
            value = _param(part, header, headers.raw_text(raw, charsets), param)
            if value:
                return value
    return None


def _param(part: Message, header: str, text: str, param: str) -> str:
    try:
        return getattr(part.policy.header_fetch_parse(header, text), "params", {}).get(param) or ""
    except Exception:  # a field the policy cannot parse: the usual reading decides
        return ""


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", errors="replace") if isinstance(raw, str) else b""
    return data


def _text_of(part: Message, result: ParsedMail) -> str:
    if isinstance(part, EmailMessage):
        try:
            return part.get_content()
        except Exception as exc:  # unknown charset, broken transfer encoding
            result.problems.append(f"text part: {type(exc).__name__}: {exc}")
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return headers.bytes_to_text(_payload(part), charset)


def _fallback_name(ctype: str) -> str:
    return "attachment." + (ctype.split("/", 1)[1] if "/" in ctype else "bin")[:20]
