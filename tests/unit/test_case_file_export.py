"""The PDF export of a case file (portal.pdf.case_file_export), without a database."""
from __future__ import annotations

import io
import re
import tempfile

from pypdf import PdfReader, PdfWriter

from portal.pdf import text
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
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


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
    # The Arabic alias is shaped: presentation forms, no bare Arabic letters.
    assert any(0xFB50 <= ord(c) <= 0xFEFF for c in cover)
    assert not [c for c in cover if 0x0621 <= ord(c) <= 0x064A]
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
    """Every font in the export is embedded (Noto): none of the 14 standard fonts that
    cannot print Cyrillic or Arabic."""
    pdf, _ = _write(_data([ExportDocument("Паспорт.pdf", "01.01.2020", "Scan", _opener(samples.pdf_bytes(1)))]))
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages[:2]:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert fonts and all("Noto" in font for font in fonts), fonts
    assert text.has_arabic("الحسن")
