"""The PDF export of a case file (portal.pdf.case_file_export), without a database: cover,
contents, notes and answers tagged, documents appended with their own structure or as figures,
page stamps as artifacts, bookmarks per year and per document."""
from __future__ import annotations

import io
import re
import tempfile

import pikepdf
from pypdf import PdfReader, PdfWriter

from portal.pdf.case_file_export import (
    MISSING,
    NOT_PRINTABLE,
    UNREADABLE,
    CaseFileExport,
    ExportDocument,
    ExportNote,
    write_case_file_pdf,
)
from tests.support import samples
from tests.support.pdf_text import PRESENTATION_FORMS, pdfium_pages, pdftotext, spoken
from tests.support.pdfua import assert_pdfua


def _opener(content: bytes):
    return lambda: io.BytesIO(content)


def _data(documents, notes=(), name="Шевченко, Олександр (Shevchenko, Oleksandr)") -> CaseFileExport:
    return CaseFileExport(
        office_name="Ausländerbehörde Lahn-Dill", file_number="WZ-2022-00017",
        person=[("Name", name), ("Birth name", ""), ("Date of birth", "00.03.1987"), ("Place of birth", "Charkiw"),
                ("Nationality", "Ukraine"), ("Site", "Wetzlar"), ("Status", "Active")],
        aliases=["Shevchenko, Oleksandr", "الحسن، محمد"], exported="Exported on 03.12.26, 07:30 by Svenja Keller",
        documents=list(documents), notes=list(notes))


def _pages(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page) for page in pdfium_pages(pdf)]


def _write(data) -> tuple[bytes, object]:
    out = io.BytesIO()
    result = write_case_file_pdf(data, out)
    return out.getvalue(), result


def test_cover_contents_and_documents_in_the_given_order():
    documents = [ExportDocument(f"Dokument {n}", f"0{n}.01.2020", "Scan", _opener(samples.pdf_bytes(n, f"Doc{n}")))
                 for n in (2, 1, 3)]
    pdf, result = _write(_data(documents, [ExportNote("03.12.26 – Svenja Keller", "Pass liegt vor.")]))
    pages = _pages(pdf)
    assert result.pages == len(pages) == result.front_pages + 6 and result.documents == 3 and result.skipped == 0
    cover = pages[0]
    assert "Case file WZ-2022-00017" in cover and "Ausländerbehörde Lahn-Dill" in cover
    assert "Шевченко, Олександр" in cover and "00.03.1987" in cover and "Svenja Keller" in cover
    # The Arabic alias as written: real letters, no presentation forms.
    assert "الحسن، محمد" in cover and not PRESENTATION_FORMS.findall(cover + pdftotext(pdf))
    front = "\n".join(pages[1:result.front_pages])
    assert "Contents" in front and "Pass liegt vor." in front
    first = result.front_pages
    assert re.search(rf"Dokument 2 Scan {first + 1}\b", front)
    assert re.search(rf"Dokument 1 Scan {first + 3}\b", front)
    assert re.search(rf"Dokument 3 Scan {first + 4}\b", front)
    body = pages[first:]
    assert [re.search(r"Doc\d – \d", page).group(0) for page in body] == \
        ["Doc2 – 1", "Doc2 – 2", "Doc1 – 1", "Doc3 – 1", "Doc3 – 2", "Doc3 – 3"]
    for number, page in enumerate(pages, start=1):
        assert f"WZ-2022-00017 · Page {number} of {len(pages)}" in page
    outline = [item.title for item in PdfReader(io.BytesIO(pdf)).outline]
    assert outline[:2] == ["Contents", "Notes"] and outline[2].endswith("Dokument 2")


def test_missing_unreadable_and_unprintable_documents_are_named_not_fatal():
    documents = [
        ExportDocument("Weg.pdf", "01.01.2020", "Scan", None),
        ExportDocument("Kaputt.pdf", "02.01.2020", "E-mail", _opener(b"%PDF-1.4 this is not a PDF")),
        ExportDocument("Brief.docx", "03.01.2020", "E-mail", lambda: None, problem=NOT_PRINTABLE),
        ExportDocument("Gut.pdf", "04.01.2020", "Online form", _opener(samples.pdf_bytes(1, "Gut"))),
    ]
    pdf, result = _write(_data(documents))
    pages = _pages(pdf)
    assert result.documents == 1 and result.skipped == 3
    assert [d.problem for d in documents] == [MISSING, UNREADABLE, NOT_PRINTABLE, ""]
    front = "\n".join(pages[1:result.front_pages])
    assert "missing from storage" in front and "could not be read" in front and "cannot be printed" in front
    assert len(pages) == result.front_pages + 1 and "Gut – 1" in pages[-1]


def test_pages_of_other_sizes_and_rotated_pages_are_numbered_upright():
    writer = PdfWriter()
    writer.add_blank_page(width=842, height=595)  # A4 landscape
    rotated = writer.add_blank_page(width=595, height=842)
    rotated.rotate(90)
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf, _ = _write(_data([ExportDocument("Quer.pdf", "05.05.2021", "Scan", _opener(buffer.getvalue()))]))
    pages = _pages(pdf)
    total = len(pages)
    assert f"Page {total - 1} of {total}" in pages[-2] and f"Page {total} of {total}" in pages[-1]
    reader = PdfReader(io.BytesIO(pdf))
    assert all(page.get("/Rotate", 0) % 360 == 0 for page in reader.pages)


def test_a_long_file_is_written_to_a_temporary_file():
    scan = samples.pdf_bytes(40, "Seite")
    documents = [ExportDocument(f"Teil {n}", "01.01.2019", "Scan", _opener(scan)) for n in range(10)]
    with tempfile.TemporaryFile() as out:
        result = write_case_file_pdf(_data(documents), out)
        out.seek(0)
        reader = PdfReader(out)
        assert len(reader.pages) == result.pages == result.front_pages + 400
        last = reader.pages[-1].extract_text()
        assert f"Page {result.pages} of {result.pages}" in last


def test_names_need_no_latin_fallback_font():
    """Every font of the front matter is embedded (Noto Sans, Vazirmatn): none of the 14 standard
    fonts that cannot print Cyrillic or Arabic."""
    pdf, _ = _write(_data([ExportDocument("Паспорт.pdf", "01.01.2020", "Scan", _opener(samples.pdf_bytes(1)))]))
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages[:2]:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert fonts and all("Noto-Sans" in font or "Vazirmatn" in font for font in fonts), fonts


def _receipt(babel_app, language: str) -> bytes:
    from portal.pdf.receipt import render_receipt
    from tests.support.receipts import receipt_data

    with babel_app.app_context():
        return render_receipt(receipt_data(language))


def _export_with_applications(babel_app):
    from portal.pdf.case_file_export import ExportAnswer, ExportApplication

    documents = [
        ExportDocument("Reisepass", "02.01.2020", "Scan", _opener(samples.pdf_bytes(2, "Pass")), year="2020"),
        ExportDocument("Receipt ABH-2025-000001-7", "03.02.2025", "Online form", _opener(_receipt(babel_app, "uk")),
                       year="2025"),
        ExportDocument("Receipt ABH-2026-004711-3", "29.03.2026", "Online form", _opener(_receipt(babel_app, "ar")),
                       year="2026"),
    ]
    data = _data(documents, [ExportNote("03.12.26 – Svenja Keller", "جواز السفر موجود (نسخة)")])
    data.applications = [
        ExportApplication("ABH-2025-000001-7", "Verlängerung der Aufenthaltserlaubnis", "03.02.2025", "Online form",
                          "uk", [ExportAnswer("Familienname", "Шевченко", "Shevchenko"),
                                 ExportAnswer("Anschrift", "Bahnhofstraße 12\n35576 Wetzlar")]),
        ExportApplication("ABH-2026-004711-3", "Allgemeine Anfrage", "29.03.2026", "Online form", "ar",
                          [ExportAnswer("Familienname", "الحسن", "Al-Hassan"),
                           ExportAnswer("Vornamen", "محمد علي", "Mohammad Ali")]),
    ]
    return data


def test_cover_contents_notes_and_answers_are_tagged_and_documents_keep_or_get_structure(babel_app):
    data = _export_with_applications(babel_app)
    pdf, result = _write(data)
    front = result.front_pages
    scan_pages = range(front + 1, front + 3)  # the sample scan: reportlab, Helvetica not embedded
    assert_pdfua(pdf, foreign_pages=scan_pages)
    document = pikepdf.open(io.BytesIO(pdf))
    assert str(document.Root.Lang) == "de" and bool(document.Root.ViewerPreferences.DisplayDocTitle)
    parts = list(document.Root.StructTreeRoot.K[0].K)
    assert [str(part.S) for part in parts] == ["/Part"] * 4
    # The receipts keep their own structure and language; the scan is one figure per page.
    assert [str(part.get("/Lang", "")) for part in parts] == ["", "", "uk", "ar"]
    scan = parts[1]
    assert [str(kid.S) for kid in scan.K] == ["/Figure", "/Figure"]
    assert str(scan.K[0].Alt).startswith("Reisepass, page 1 of 2")
    assert _has(parts[3], "/H1") and _has(parts[3], "/Table")
    read = [text for _lang, text in spoken(pdf)]
    assert read.index("Case file WZ-2022-00017") < read.index("Contents") < read.index("Notes")
    assert "جواز السفر موجود (نسخة)" in read  # the note as written
    # Both applications' answers: German labels, the values as given, the Latin form beside.
    for text in ("Application ABH-2025-000001-7", "Application ABH-2026-004711-3", "Familienname", "Шевченко",
                 "(Shevchenko)", "الحسن", "(Al-Hassan)", "محمد علي", "(Mohammad Ali)"):
        assert text in read, text
    assert read.index("Application ABH-2025-000001-7") < read.index("Application ABH-2026-004711-3")


def _has(element, kind) -> bool:
    if str(element.get("/S", "")) == kind:
        return True
    kids = element.get("/K")
    kids = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    return any(isinstance(kid, pikepdf.Dictionary) and "/S" in kid and _has(kid, kind) for kid in kids)


def test_bookmarks_per_year_and_document_and_the_answers(babel_app):
    data = _export_with_applications(babel_app)
    pdf, result = _write(data)
    document = pikepdf.open(io.BytesIO(pdf))
    with document.open_outline() as outline:
        top = [(item.title, [child.title for child in item.children]) for item in outline.root]
        pages = {item.title: document.pages.index(item.destination[0]) if item.destination is not None
                 else None for item in outline.root}
    assert [title for title, _children in top] == ["Contents", "Notes", "Applications", "2020", "2025", "2026"]
    assert dict(top)["Applications"] == ["Application ABH-2025-000001-7", "Application ABH-2026-004711-3"]
    assert dict(top)["2025"] == ["03.02.2025 Receipt ABH-2025-000001-7"]
    assert dict(top)["2026"] == ["29.03.2026 Receipt ABH-2026-004711-3"]
    assert pages["2020"] == result.front_pages  # the first document starts right after the front
    texts = _pages(pdf)
    assert "Шевченко Олександр" in texts[pages["2025"]]  # the Ukrainian receipt on its page


def test_page_stamps_are_artifacts_on_every_appended_page(babel_app):
    data = _export_with_applications(babel_app)
    pdf, result = _write(data)
    document = pikepdf.open(io.BytesIO(pdf))
    for number, page in enumerate(document.pages[result.front_pages:], start=result.front_pages + 1):
        content = b"".join(pikepdf.unparse_content_stream([i]) + b"\n"
                           for i in pikepdf.parse_content_stream(page.obj)
                           if not isinstance(i, pikepdf.ContentStreamInlineImage))
        assert re.search(rb"/Artifact BMC\s+q\s+1 0 0 1 \S+ \S+ cm\s+/PortalStamp\S* Do\s+Q\s+EMC", content), number
    assert [text for _lang, text in spoken(pdf) if "Page 7 of" in text] == []  # not read aloud
