"""Checks of uploaded PDFs: readable, not too long, no active content; a readable copy where
the office needs one.

The PDF is kept as it came (it may be signed or certified). Two kinds that applicants really
have get a copy beside it for the case file (portal.documents.pdf_copy):
- protected by an owner password only, so that it opens without one (bank statements,
  payslips): the copy is without the protection;
- a form filled in Acrobat, whose fields carry Acrobat's standard format and calculate scripts
  (portal.documents.form_scripts): the copy is without the scripts.
Anything else a viewer could run or unpack is refused, each kind with its own reason.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from io import BytesIO

from pypdf import PasswordType, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from portal.documents import decode_budget, refusals
from portal.documents.form_scripts import FIELD_TRIGGERS, MAX_SCRIPT_LENGTH, is_acrobat_form_script
from portal.models.document import CopyReason

MAX_PAGES = 300

# Why a PDF is refused (refusals.refused_pdf turns these into messages).
JAVASCRIPT, LAUNCH, ATTACHMENT, XFA, ACTIVE = "javascript", "launch", "attachment", "xfa", "active"

# Dictionary keys that carry scripts, attachments, multimedia or XFA forms (which may hold
# scripts), wherever they appear: catalog, names tree, pages, annotations, fields, outlines.
_KEY_REASONS = {
    "/JS": JAVASCRIPT, "/JavaScript": JAVASCRIPT, "/EmbeddedFiles": ATTACHMENT, "/EF": ATTACHMENT,
    "/XFA": XFA, "/RichMedia": ACTIVE, "/RichMediaContent": ACTIVE,
}
# Action types (/S) that run code, start programs, open attachments or send or load data.
# A jump to a page (/GoTo, or a destination as /OpenAction) is not among them.
_ACTION_REASONS = {
    "/JavaScript": JAVASCRIPT, "/Launch": LAUNCH, "/GoToE": ATTACHMENT,
    "/SubmitForm": ACTIVE, "/ImportData": ACTIVE, "/RichMediaExecute": ACTIVE,
}
_SUBTYPE_REASONS = {"/RichMedia": ACTIVE, "/FileAttachment": ATTACHMENT}
# A bound on the walk, far above the object count of any real document.
_MAX_OBJECTS = 2_000_000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedPdf:
    page_count: int
    # A copy for the case file, without password protection or form scripts; None when the
    # PDF itself is what the case file shows.
    readable_copy: bytes | None = None
    copy_reason: CopyReason | None = None


@dataclass
class _Findings:
    refusal: str | None = None  # the first active element found, as a reason above
    form_scripts: bool = False  # fields with Acrobat's standard scripts (removable)


def check_pdf(data: bytes) -> CheckedPdf:
    """An acceptable PDF's page count and, where needed, its readable copy; raises
    DocumentRefused otherwise."""
    # What pypdf holds beside the file, at most about as much again (benchmarks/upload_memory.py).
    with decode_budget.reserve(2 * len(data)):
        return _checked(data)


def _checked(data: bytes) -> CheckedPdf:
    reader = _open(data)
    unlocked = reader.is_encrypted  # opened with the empty user password
    pages, findings = _inspect(reader)
    if findings.refusal:
        log.info("PDF refused for active content (%s)", findings.refusal)
        raise refusals.refused_pdf(findings.refusal)
    if not unlocked and not findings.form_scripts:
        return CheckedPdf(pages)

    from portal.documents.pdf_copy import readable_copy

    reason = (CopyReason.PASSWORD_AND_SCRIPTS_REMOVED if unlocked and findings.form_scripts
              else CopyReason.PASSWORD_REMOVED if unlocked else CopyReason.FORM_SCRIPTS_REMOVED)
    try:
        copy = readable_copy(data)
        # The copy is what the case file shows: it must pass the checks on its own, as a plain
        # PDF with the same pages (also where the two PDF libraries might read a file apart).
        copy_reader = PdfReader(BytesIO(copy))
        copy_pages, copy_findings = _inspect(copy_reader)
    except Exception as exc:
        log.warning("no readable copy of a PDF (%s): %s", reason, exc.__class__.__name__)
        raise refusals.broken_pdf() from exc
    if copy_reader.is_encrypted or copy_pages != pages or copy_findings.refusal or copy_findings.form_scripts:
        log.warning("readable copy of a PDF (%s) did not pass the checks: %s", reason, copy_findings)
        raise refusals.broken_pdf()
    return CheckedPdf(pages, copy, reason)


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(BytesIO(data))
    except Exception as exc:  # pypdf raises many kinds on damaged input
        # Opening an encrypted file can fail on its own (e.g. AES without the crypto library);
        # the /Encrypt entry of the trailer is never encrypted itself.
        if b"/Encrypt" in data:
            raise refusals.encrypted_pdf() from exc
        raise refusals.broken_pdf() from exc
    if reader.is_encrypted:
        # Only an owner password ("may not be changed or printed") and an empty user password:
        # it opens in every viewer, so the office may read it, and files a copy without it.
        try:
            opened = reader.decrypt("")
        except Exception as exc:
            raise refusals.encrypted_pdf() from exc
        if opened == PasswordType.NOT_DECRYPTED:
            raise refusals.encrypted_pdf()
    return reader


def _inspect(reader: PdfReader) -> tuple[int, _Findings]:
    try:
        pages = len(reader.pages)  # walks the page tree; /Count may lie
        findings = _active_content(reader)
    except Exception as exc:
        raise refusals.broken_pdf() from exc
    if pages < 1:
        raise refusals.broken_pdf()
    if pages > MAX_PAGES:
        raise refusals.too_many_pages(MAX_PAGES)
    return pages, findings


def _active_content(reader: PdfReader) -> _Findings:
    """The first active element reachable from the trailer, and whether fields carry
    Acrobat's standard scripts.

    Walks the whole object graph rather than a list of known places, so that actions in
    outlines, form fields or inherited dictionaries are found too. Stream contents are not
    decoded (except a field script's); only the dictionaries are looked at.
    """
    findings = _Findings()
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
            if isinstance(obj, StreamObject) and _text(obj, "/Type") not in ("/ObjStm", "/XRef"):
                # pypdf keeps every object it read, streams with their (page image) data: a
                # second copy of the file by the end of the walk. Only the dictionary is looked
                # at, and never again. Object streams stay: the objects in them are read from there.
                reader.resolved_objects.pop((ref[1], ref[0]), None)  # pypdf's key: generation, number
        visited += 1
        if visited > _MAX_OBJECTS:
            raise ValueError("PDF object graph too large")
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too
            if dict.__contains__(obj, "/AA"):
                actions = _resolved(dict.__getitem__(obj, "/AA"))
                if not _is_field(obj) or not _acrobat_field_scripts(actions):
                    findings.refusal = _reason_of_actions(actions)
                    return findings
                findings.form_scripts = True  # checked whole above: not walked as actions
            found = _active_entry(obj)
            if found:
                findings.refusal = found
                return findings
            # Raw values: references are resolved above, once.
            stack.extend(value for key, value in dict.items(obj) if key != "/AA")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return findings


def _active_entry(obj: DictionaryObject) -> str | None:
    for key in dict.keys(obj):
        if key in _KEY_REASONS:
            return _KEY_REASONS[key]
    action = _text(obj, "/S")
    if action in _ACTION_REASONS:
        return _ACTION_REASONS[action]
    if action == "/URI" and _text(obj, "/URI").strip().lower().startswith("javascript:"):
        return JAVASCRIPT
    if _text(obj, "/Subtype") in _SUBTYPE_REASONS:
        return _SUBTYPE_REASONS[_text(obj, "/Subtype")]
    if _text(obj, "/Type") == "/EmbeddedFile":
        return ATTACHMENT
    return None


def _is_field(obj: DictionaryObject) -> bool:
    """A form field (its type, or a parent to inherit it from) or a field's widget."""
    return "/FT" in obj or "/Parent" in obj or _text(obj, "/Subtype") == "/Widget"


def _acrobat_field_scripts(actions) -> bool:
    """Every trigger is a field trigger running one of Acrobat's standard scripts, nothing else."""
    if not isinstance(actions, DictionaryObject) or not actions:
        return False
    for trigger, action in dict.items(actions):
        action = _resolved(action)
        if trigger not in FIELD_TRIGGERS or not isinstance(action, DictionaryObject):
            return False
        if set(dict.keys(action)) - {"/Type", "/S", "/JS"} or _text(action, "/S") != "/JavaScript":
            return False  # no /Next chain, nothing beside the script
        if not is_acrobat_form_script(_script(_resolved(dict.get(action, "/JS")))):
            return False
    return True


def _script(value) -> str:
    """A script's text ("" if it cannot be one: too long, or neither string nor stream)."""
    if isinstance(value, StreamObject):
        length = _resolved(dict.get(value, "/Length"))
        if not isinstance(length, int) or length > MAX_SCRIPT_LENGTH:
            return ""
        value = value.get_data()[:MAX_SCRIPT_LENGTH + 1]
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-16", "replace") if value.startswith(b"\xfe\xff") else value.decode("latin-1")
    return ""


def _reason_of_actions(actions) -> str:
    """Why additional actions (/AA) outside Acrobat's field scripts are refused."""
    kinds = set()
    if isinstance(actions, DictionaryObject):
        for action in dict.values(actions):
            action = _resolved(action)
            if isinstance(action, DictionaryObject):
                kinds.add(_text(action, "/S"))
    for kind in ("/JavaScript", "/Launch", "/GoToE"):
        if kind in kinds:
            return _ACTION_REASONS[kind]
    return ACTIVE


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _text(obj: DictionaryObject, key: str) -> str:
    """A name or string entry as text ("" if missing or of another kind)."""
    value = _resolved(dict.get(obj, key))
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else ""
