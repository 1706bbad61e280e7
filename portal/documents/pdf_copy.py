"""The readable copy of a PDF the checks took: without password protection, without scripts.

Made with pikepdf (qpdf), which rewrites the whole file. Only called for PDFs that
portal.documents.pdfs found to hold nothing active but Acrobat's standard field scripts; the
copy is checked again as a PDF of its own before it is filed.
"""
from __future__ import annotations

from io import BytesIO

import pikepdf
from pikepdf.sanitize import remove_javascript


def readable_copy(data: bytes) -> bytes:
    """`data` opened with the empty user password, its scripts removed, saved unencrypted.

    Filled-in fields keep their appearance (the stored /AP streams); only the formatting as
    one types is gone. The same input gives the same bytes (no random file id), so a file
    received twice is stored once.
    """
    with pikepdf.open(BytesIO(data), password="") as pdf:  # noqa: S106 - the empty user password
        remove_javascript(pdf)
        # Also fields that neither the form's field tree nor a page reaches: the checks found no
        # additional actions but Acrobat's field scripts, so every /AA left may go.
        for obj in pdf.objects:
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)) and "/AA" in obj:
                del obj["/AA"]
        out = BytesIO()
        pdf.save(out, encryption=False, deterministic_id=True)
    return out.getvalue()
