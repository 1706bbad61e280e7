"""PDFs applicants really have: a bank statement protected by an owner password (it opens
without one) and a form filled in Acrobat (standard format and calculate scripts on its fields)
are taken, the original kept and a readable copy filed beside it; attachments, document-level
JavaScript, launch actions and XFA stay refused, each with its own, true reason. The same check
serves uploads, e-mail attachments and scan deliveries."""
from __future__ import annotations

import hashlib
import io
from datetime import date

import pikepdf
import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from portal.documents import DocumentRefused, DocumentStorage, accept_upload
from tests.support import pdf_samples
from tests.support.clamd import without_scanner
from tests.support.pdf_samples import bank_statement, owner_protected

MB = 1024 * 1024


@pytest.fixture
def storage(tmp_path):
    return DocumentStorage(tmp_path / "storage")


def accept(storage, data, filename="Kontoauszug.pdf"):
    return accept_upload(storage, data, filename, max_bytes=10 * MB, virus_scan=without_scanner())


def refusal(storage, data) -> DocumentRefused:
    with pytest.raises(DocumentRefused) as caught:
        accept(storage, data)
    assert list(storage.all_digests()) == [], "a refused file must not be stored"
    return caught.value


def field_actions(data: bytes) -> dict[str, bool]:
    """Per form field: does it carry additional actions (/AA)?"""
    with pikepdf.open(io.BytesIO(data), password="") as pdf:  # noqa: S106 - the empty user password
        return {str(field.T): "/AA" in field for field in pdf.Root.AcroForm.Fields}


def field_values(data: bytes) -> dict[str, str]:
    return {name: field.get("/V") for name, field in PdfReader(io.BytesIO(data)).get_fields().items()}


# --- taken, with a readable copy ------------------------------------------------------------------

def test_owner_password_pdf_is_taken_and_a_copy_without_the_protection_is_filed(storage):
    upload = owner_protected(bank_statement(pages=2))
    with pikepdf.open(io.BytesIO(upload)) as pdf:
        assert pdf.is_encrypted and not pdf.allow.extract  # as the bank made it: opens, may not be copied

    accepted = accept(storage, upload)

    assert (accepted.media_type, accepted.page_count, accepted.copy_reason) == ("application/pdf", 2, "password_removed")
    assert storage.read(accepted.sha256) == upload, "the original is kept as received"
    assert accepted.size_bytes == len(upload)
    copy = storage.read(accepted.pdf_sha256)
    assert accepted.pdf_sha256 != accepted.sha256 and accepted.pdf_size_bytes == len(copy)
    with pikepdf.open(io.BytesIO(copy)) as pdf:
        assert not pdf.is_encrypted and pdf.allow.extract
    reader = PdfReader(io.BytesIO(copy))
    assert len(reader.pages) == 2
    assert "Kontoinhaberin: Olena Kovalenko" in reader.pages[1].extract_text()


def test_acrobat_form_is_taken_and_a_copy_without_its_scripts_is_filed(storage):
    upload = pdf_samples.acrobat_form()
    assert field_actions(upload) == {"lohn": True, "kindergeld": True, "summe": True, "datum": True}

    accepted = accept(storage, upload, "Einkommen.pdf")

    assert accepted.copy_reason == "form_scripts_removed" and accepted.page_count == 1
    assert storage.read(accepted.sha256) == upload
    copy = storage.read(accepted.pdf_sha256)
    assert field_actions(copy) == {"lohn": False, "kindergeld": False, "summe": False, "datum": False}
    # What the applicant filled in stays, as values and as what a viewer shows (appearances).
    assert field_values(copy) == {"lohn": "2.413,57", "kindergeld": "255,00", "summe": "2.668,57",
                                  "datum": "05.03.2026"}
    with pikepdf.open(io.BytesIO(copy)) as pdf:
        assert all("/AP" in field for field in pdf.Root.AcroForm.Fields)


def test_protected_acrobat_form_loses_both(storage):
    accepted = accept(storage, owner_protected(pdf_samples.acrobat_form()))

    assert accepted.copy_reason == "password_and_scripts_removed"
    copy = storage.read(accepted.pdf_sha256)
    assert not PdfReader(io.BytesIO(copy)).is_encrypted
    assert not any(field_actions(copy).values())


def test_the_same_file_gives_the_same_copy(tmp_path):
    upload = owner_protected(bank_statement())
    first = accept(DocumentStorage(tmp_path / "a"), upload)
    second = accept(DocumentStorage(tmp_path / "b"), upload)
    assert first.pdf_sha256 == second.pdf_sha256  # a mail fetched twice is stored once


@pytest.mark.parametrize("as_action", [False, True], ids=["destination", "goto-action"])
def test_opening_on_a_page_is_not_active_content(storage, as_action):
    upload = pdf_samples.with_goto_open_action(bank_statement(pages=3), as_action=as_action)
    accepted = accept(storage, upload)
    assert accepted.page_count == 3 and accepted.sha256 == accepted.pdf_sha256 and accepted.copy_reason is None


# --- refused, each for its own reason --------------------------------------------------------------

REFUSED = [
    (pdf_samples.with_attachment, "pdf_attachment"),
    (pdf_samples.with_document_javascript, "pdf_javascript"),
    (pdf_samples.with_javascript_open_action, "pdf_javascript"),
    (pdf_samples.with_launch_action, "pdf_launch"),
    (pdf_samples.with_xfa, "pdf_xfa"),
]
REFUSED_IDS = ["attachment", "document-javascript", "javascript-open-action", "launch", "xfa"]


@pytest.mark.parametrize("change, code", REFUSED, ids=REFUSED_IDS)
@pytest.mark.parametrize("protected", [False, True], ids=["plain", "owner-password"])
def test_active_content_is_refused_for_what_it_is(storage, change, code, protected):
    upload = change(bank_statement())
    if protected:  # the reason is the content, not the owner password it also has
        upload = owner_protected(upload)
    assert refusal(storage, upload).code == code


def test_a_pdf_that_needs_a_password_to_open_is_refused(storage):
    assert refusal(storage, pdf_samples.user_protected(bank_statement())).code == "encrypted_pdf"


@pytest.mark.parametrize("scripts", [
    {"summe": {"C": 'event.value = this.getField("lohn").value * 12;'}},  # a script of its own
    {"lohn": {"F": 'AFNumber_Format(2, 2, 0, 0, "", false); app.launchURL("https://example.org/");'}},
    {"lohn": {"F": 'AFNumber_Format(2, 2, 0, 0, "", false)', "Fo": 'AFNumber_Format(2, 2, 0, 0, "", false)'}},
    {"datum": {"K": 'AFDate_KeystrokeEx("dd.mm.yyyy"); this.submitForm("https://example.org/");'}},
], ids=["custom-calculation", "af-then-launch-url", "af-on-focus-trigger", "af-then-submit"])
def test_form_scripts_other_than_acrobats_own_are_refused(storage, scripts):
    assert refusal(storage, pdf_samples.acrobat_form(scripts)).code == "pdf_javascript"


def test_an_acrobat_script_chained_to_another_action_is_refused(storage):
    upload = pdf_samples.acrobat_form()
    with pikepdf.open(io.BytesIO(upload)) as pdf:
        field = pdf.Root.AcroForm.Fields[0]
        field.AA.F.Next = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
        out = io.BytesIO()
        pdf.save(out)
    assert refusal(storage, out.getvalue()).code in {"pdf_javascript", "pdf_launch"}


CODES = ["encrypted_pdf", "pdf_attachment", "pdf_javascript", "pdf_launch", "pdf_xfa", "active_pdf"]


@pytest.mark.parametrize("language", ["de", "uk", "ar"])
def test_every_reason_has_its_own_message_in_the_applicants_language(babel_context, language):
    from portal.documents import refusals

    reasons = {"pdf_attachment": "attachment", "pdf_javascript": "javascript", "pdf_launch": "launch",
               "pdf_xfa": "xfa", "active_pdf": "multimedia"}
    built = [refusals.encrypted_pdf()] + [refusals.refused_pdf(reasons[code]) for code in CODES[1:]]
    assert [r.code for r in built] == CODES
    with force_locale(language):
        texts = [str(r.message) for r in built]
    with force_locale("en"):
        english = [str(r.message) for r in built]
    assert len(set(texts)) == len(CODES), "each reason says what is really wrong"
    assert not set(texts) & set(english), "and in the applicant's language"
    assert not any("password" in text.lower() for text in english[1:])


# --- Acrobat's scripts recognised --------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    'AFNumber_Format(2, 0, 0, 0, "€", true);',
    'AFNumber_Keystroke(2, 1, 0, 0, "", false);',
    "AFPercent_Format(2, 0);",
    'AFDate_FormatEx("dd.mm.yyyy");',
    "AFDate_KeystrokeEx('dd.mm.yyyy');",
    "AFTime_Format(0)",
    "AFSpecial_Format(0);",
    "AFRange_Validate(true, 0, true, 100);",
    'AFSimple_Calculate("SUM", new Array ("Betrag 1", "Betrag 2", "Betrag.3"));',
    'AFNumber_Format(2, 0, 0, 0, "\\"Euro\\"", true);\r\nAFNumber_Keystroke(2, 0, 0, 0, "", true);',
])
def test_acrobat_form_scripts_are_recognised(code):
    from portal.documents.form_scripts import is_acrobat_form_script

    assert is_acrobat_form_script(code)


@pytest.mark.parametrize("code", [
    "",
    "app.alert('x');",
    'AFNumber_Format(2, 0, 0, 0, "", true); app.alert(1);',
    'AFNumber_Format(2, 0, 0, 0, app.alert(1), true);',
    'AFSimple_Calculate("SUM", new Array (this.getField("a").value));',
    'AFDate_FormatEx("dd.mm.yyyy"',  # unterminated
    'AFDate_FormatEx("dd.mm.yyyy); app.launchURL("x")',  # a quote that ends somewhere else
    "AFDate_FormatEx(`${app.alert(1)}`);",
    "eval('AFNumber_Format(2)');",
    "AFNotAFunction(1);",
    'AFNumber_Format(2, 0, 0, 0, "", true) + app.alert(1)',
    "AFNumber_Format(2, 0, 0, 0, \"\", true);" * 2000,  # far longer than any real one
])
def test_anything_else_is_not(code):
    from portal.documents.form_scripts import is_acrobat_form_script

    assert not is_acrobat_form_script(code)


# --- every channel -----------------------------------------------------------------------------------

def test_a_scan_delivery_gets_the_same_copy(storage):
    from portal.intake.scans.files import check_and_store
    from portal.intake.scans.index import IndexRow

    delivered = owner_protected(bank_statement(pages=2))
    digest = hashlib.sha256(delivered).hexdigest()
    row = IndexRow(line=2, batch_id="B-2026-07", file_number="WZ-2022-00017", sha256=digest,
                   path="WZ-2022-00017/kontoauszug.pdf", document_date=date(2026, 3, 1),
                   document_type="Kontoauszug", pages=2, record={})

    stored = check_and_store(storage, delivered, row, without_scanner())

    assert stored.sha256 == digest and storage.read(digest) == delivered  # the provider's checksum still holds
    assert stored.pdf_sha256 != digest and stored.copy_reason == "password_removed"
    assert not PdfReader(io.BytesIO(storage.read(stored.pdf_sha256))).is_encrypted


def test_scripts_of_a_field_outside_the_forms_field_list_are_removed_too(storage):
    """A filled field reached only through its widget's /Parent (a form whose field list was
    lost when pages were copied): its scripts are Acrobat's, so it is taken, and the copy has none."""
    upload = pdf_samples.acrobat_form()
    with pikepdf.open(io.BytesIO(upload)) as pdf:
        widget = pdf.Root.AcroForm.Fields[0]
        parent = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Tx, T=pikepdf.String("lohn_gesamt"),
                                                      AA=widget.AA, Kids=pikepdf.Array([widget])))
        del widget["/AA"]
        del widget["/T"]
        widget.Parent = parent
        pdf.Root.AcroForm.Fields = pikepdf.Array([])
        out = io.BytesIO()
        with pytest.warns(pikepdf.exceptions.PageCopyWarning):  # pikepdf notices what was lost
            pdf.save(out)

    accepted = accept(storage, out.getvalue())

    assert accepted.copy_reason == "form_scripts_removed"
    with pikepdf.open(io.BytesIO(storage.read(accepted.pdf_sha256))) as copy:
        assert not any("/AA" in obj for obj in copy.objects if isinstance(obj, pikepdf.Dictionary))
