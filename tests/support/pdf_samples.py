"""PDFs as applicants have them, built with pikepdf: a bank statement with an owner password
(opens without one), a form filled in Acrobat with its standard field scripts, and the kinds
that stay refused (attachment, document-level JavaScript, launch action, XFA)."""
from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

BANK_OWNER_PASSWORD = "Sparkasse-Wetzlar-2026"  # noqa: S105 - a test file's owner password


def bank_statement(pages: int = 2) -> bytes:
    """A plain statement as a bank's PDF export prints it."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for number in range(1, pages + 1):
        pdf.drawString(72, 770, f"Sparkasse Wetzlar - Kontoauszug 3/2026 - Seite {number} von {pages}")
        pdf.drawString(72, 750, "Kontoinhaberin: Olena Kovalenko, IBAN DE02 5155 0035 0000 1234 56")
        pdf.drawString(72, 720, "01.03.2026  Gehalt Maerz  Hensoldt Optronics GmbH  +2.413,57 EUR")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _javascript(code: str) -> Dictionary:
    return Dictionary(S=Name.JavaScript, JS=String(code))


def acrobat_form(scripts: dict[str, dict[str, str]] | None = None) -> bytes:
    """An income declaration filled in Acrobat: amounts formatted as numbers, a total computed
    with AFSimple_Calculate, a date formatted with AFDate_FormatEx. `scripts` replaces the
    scripts of the named fields (trigger -> code)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawString(72, 780, "Erklaerung zum Einkommen (Verpflichtungserklaerung)")
    values = {"lohn": "2.413,57", "kindergeld": "255,00", "summe": "2.668,57", "datum": "05.03.2026"}
    for index, (name, value) in enumerate(values.items()):
        pdf.drawString(72, 735 - 40 * index, name.capitalize())
        pdf.acroForm.textfield(name=name, x=200, y=730 - 40 * index, width=160, height=20, value=value)
    pdf.showPage()
    pdf.save()

    number = {"F": 'AFNumber_Format(2, 2, 0, 0, " EUR", false);',
              "K": 'AFNumber_Keystroke(2, 2, 0, 0, " EUR", false);'}
    field_scripts = {
        "lohn": number, "kindergeld": number,
        "summe": {**number, "C": 'AFSimple_Calculate("SUM", new Array ("lohn", "kindergeld"));'},
        "datum": {"F": 'AFDate_FormatEx("dd.mm.yyyy");', "K": 'AFDate_KeystrokeEx("dd.mm.yyyy");'},
        **(scripts or {}),
    }
    with pikepdf.open(io.BytesIO(out.getvalue())) as form:
        for field in form.Root.AcroForm.Fields:
            triggers = field_scripts.get(str(field.T), {})
            if triggers:
                field.AA = Dictionary({f"/{key}": _javascript(code) for key, code in triggers.items()})
        form.Root.AcroForm.CO = Array([field for field in form.Root.AcroForm.Fields if str(field.T) == "summe"])
        return _saved(form)


def owner_protected(data: bytes) -> bytes:
    """`data` protected as banks do: an owner password, no user password (opens without one),
    changing and copying text not allowed; AES-256."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        permissions = pikepdf.Permissions(extract=False, modify_annotation=False, modify_assembly=False,
                                          modify_form=False, modify_other=False)
        return _saved(pdf, encryption=pikepdf.Encryption(owner=BANK_OWNER_PASSWORD, user="", R=6,
                                                         allow=permissions))


def user_protected(data: bytes, password: str = "geheim") -> bytes:  # noqa: S107 - a test file's password
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return _saved(pdf, encryption=pikepdf.Encryption(owner=BANK_OWNER_PASSWORD, user=password, R=6))


def with_attachment(data: bytes) -> bytes:
    """An e-invoice style PDF carrying an XML file."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.attachments["factur-x.xml"] = pikepdf.AttachedFileSpec(pdf, b"<rsm:CrossIndustryInvoice/>",
                                                                   mime_type="text/xml")
        return _saved(pdf)


def with_document_javascript(data: bytes) -> bytes:
    """Document-level JavaScript (/Names /JavaScript), run when the file opens."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        script = pdf.make_indirect(_javascript("app.alert('Bitte aktivieren Sie JavaScript');"))
        pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), script])))
        return _saved(pdf)


def with_javascript_open_action(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.Root.OpenAction = _javascript("this.print({bUI: false});")
        return _saved(pdf)


def with_goto_open_action(data: bytes, as_action: bool) -> bytes:
    """Opens on the last page: a destination, or the same as a /GoTo action."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        destination = Array([pdf.pages[-1].obj, Name.Fit])
        pdf.Root.OpenAction = Dictionary(S=Name.GoTo, D=destination) if as_action else destination
        return _saved(pdf)


def with_launch_action(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([72, 700, 300, 720]),
                          A=Dictionary(S=Name.Launch, F=String("cmd.exe")))
        pdf.pages[0].Annots = Array([pdf.make_indirect(link)])
        return _saved(pdf)


def with_xfa(data: bytes) -> bytes:
    """A dynamic XFA form (LiveCycle Designer) in the AcroForm."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        template = pdf.make_stream(b'<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/">'
                                   b'<subform name="form1"/></template>')
        pdf.Root.AcroForm = Dictionary(Fields=Array([]), XFA=Array([String("template"), template]))
        return _saved(pdf)


def _saved(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **options)
    return out.getvalue()
