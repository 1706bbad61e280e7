"""Why an upload is refused: a machine code and a plain message for the applicant.

Messages are lazy strings, rendered in the applicant's language when shown. Every refusal is
built here, so the list of codes and texts stays in one place.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext


class DocumentRefused(Exception):
    """An upload the portal does not take. `code` for logic and tests, `message` for people."""

    def __init__(self, code: str, message, *, detail: str = "", sha256: str = ""):
        super().__init__(code)
        self.code = code
        self.message = message
        self.detail = detail  # for the record, not for the applicant (a virus's name, clamd's problem)
        self.sha256 = sha256  # of the refused file, where the refusal is about its content

    def __str__(self) -> str:
        # The code, not the message: rendering a lazy string needs an app context.
        return self.code


def megabytes(max_bytes: int) -> int | float:
    """A limit in MB as shown to applicants: 10, or 1.5."""
    mb = max_bytes / (1024 * 1024)  # same MB as PORTAL_UPLOAD_MAX_FILE_MB
    return int(mb) if mb.is_integer() else round(mb, 1)


def empty() -> DocumentRefused:
    return DocumentRefused("empty", _l("The file is empty."))


def too_large(max_bytes: int) -> DocumentRefused:
    return DocumentRefused("too_large", _l("The file is larger than %(limit)s MB.", limit=megabytes(max_bytes)))


def unsupported_type() -> DocumentRefused:
    return DocumentRefused(
        "unsupported_type",
        _l("This kind of file is not accepted. Please upload a PDF, JPEG, PNG or HEIC file."),
    )


def encrypted_pdf() -> DocumentRefused:
    """Only for a PDF that needs a password to open: one that opens without is taken."""
    return DocumentRefused(
        "encrypted_pdf",
        _l("The PDF can only be opened with a password. Please save or print it without the password "
           "and upload it again."),
    )


def broken_pdf() -> DocumentRefused:
    return DocumentRefused("broken_pdf", _l("The PDF could not be read. It may be damaged."))


def refused_pdf(reason: str) -> DocumentRefused:
    """A PDF with active content; `reason` is one of portal.documents.pdfs' reasons. Each
    gets its own message, so that the applicant is told what is really wrong."""
    code, message = {
        "javascript": ("pdf_javascript", _l(
            "The PDF contains scripts (JavaScript) and cannot be accepted. "
            "Please print it to a new PDF or scan it.")),
        "launch": ("pdf_launch", _l(
            "The PDF contains an action that starts a program or opens another file, and cannot be "
            "accepted. Please print it to a new PDF or scan it.")),
        "attachment": ("pdf_attachment", _l(
            "The PDF has other files attached inside it and cannot be accepted. Please upload each "
            "document as a file of its own, and the PDF printed to a new PDF.")),
        "xfa": ("pdf_xfa", _l(
            "The PDF is a dynamic form (XFA) that not every program can show, and cannot be accepted. "
            "Please print the filled-in form to a new PDF or scan it.")),
    }.get(reason, ("active_pdf", _l(
        "The PDF contains multimedia or actions that send or load data, and cannot be accepted. "
        "Please print it to a new PDF or scan it.")))
    return DocumentRefused(code, message)


def too_many_pages(limit: int) -> DocumentRefused:
    return DocumentRefused("too_many_pages", lazy_ngettext("The PDF has more than %(num)s page.",
                                                           "The PDF has more than %(num)s pages.", limit))


def broken_image() -> DocumentRefused:
    return DocumentRefused("broken_image", _l("The image could not be read. It may be damaged."))


def image_too_large(limit_megapixels: int) -> DocumentRefused:
    return DocumentRefused(
        "image_too_large", _l("The image is too large (more than %(limit)s megapixels).", limit=limit_megapixels)
    )


VIRUS_FOUND, SCANNER_UNAVAILABLE = "virus_found", "scanner_unavailable"


def virus_found(signature: str, sha256: str) -> DocumentRefused:
    return DocumentRefused(
        VIRUS_FOUND,
        _l("The virus scanner found malware in this file, so it cannot be accepted. Please check the "
           "device the file comes from, and upload a clean copy of the document (for example, scan it again)."),
        detail=signature, sha256=sha256)


def scanner_unavailable(problem: str) -> DocumentRefused:
    """clamd could not scan the file, and the office takes nothing unscanned: nothing was stored."""
    return DocumentRefused(
        SCANNER_UNAVAILABLE,
        _l("The file could not be checked for viruses just now, so it was not accepted. Nothing else "
           "you entered is lost: please try again in a few minutes."),
        detail=problem)
