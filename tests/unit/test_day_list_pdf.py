"""The printed day list of a site (portal.pdf.day_list): names as real text in every script,
heads and footers on every page, tagged PDF/UA."""
from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from portal.pdf.day_list import DayListData, DayListLabels, DayListRow, render_day_list
from tests.support.pdf_text import PRESENTATION_FORMS, pdfium_pages, pdftotext, spoken
from tests.support.pdfua import assert_pdfua

CYRILLIC = ("Шевченко", "Олександр")
ARABIC = ("الحسن", "محمد")
TURKISH = ("Yılmaz", "Ayşe")


def _data(rows, labels=None) -> DayListData:
    return DayListData(office_name="Ausländerbehörde Lahn-Dill", site_name="Wetzlar",
                       site_address="Karl-Kellner-Ring 51, 35576 Wetzlar", day="Donnerstag, 3. Dezember 2026",
                       printed="Gedruckt am 03.12.26, 07:30 von Svenja Keller", rows=rows,
                       labels=labels or DayListLabels())


def _rows(count: int = 3) -> list[DayListRow]:
    people = [CYRILLIC, ARABIC, TURKISH]
    rows = []
    for i in range(count):
        surname, given = people[i % 3]
        rows.append(DayListRow(time=f"{8 + i // 3:02d}:{(i % 3) * 10:02d}", counter=i % 2 + 1, surname=surname,
                               given_names=given, date_of_birth="00.03.1987" if i % 2 else "",
                               service="Abholung des elektronischen Aufenthaltstitels (eAT)",
                               reference=f"TER-AB{i:02d}-CDEF", arrived=i == 0, staff_booking=i == 1))
    return rows


def _text(pdf: bytes) -> list[str]:
    """Each page's text as PDFium extracts it, lines joined (cells wrap)."""
    return [" ".join(page.split()) for page in pdfium_pages(pdf)]


def test_day_list_holds_names_in_every_script():
    pdf = render_day_list(_data(_rows(3)))
    content = "\n".join(_text(pdf))
    assert "Шевченко, Олександр" in content and "Yılmaz, Ayşe" in content
    # The Arabic name as typed (real letters, logical order) in PDFium and for screen readers;
    # pdftotext orders the two words of a line it takes for right-to-left by its own rule.
    assert "الحسن, محمد" in content and "الحسن, محمد" in [text for _lang, text in spoken(pdf)]
    poppler = pdftotext(pdf)
    assert "الحسن" in poppler.split(",")[0] + poppler and "محمد" in poppler
    assert not PRESENTATION_FORMS.findall(content + poppler)
    for reference in ("TER-AB00-CDEF", "TER-AB01-CDEF", "TER-AB02-CDEF"):
        assert reference in content
    assert "born 00.03.1987" in content and "booked by staff" in content
    assert content.index("08:00") < content.index("08:10") < content.index("08:20")
    for label in ("Time", "Counter", "Name", "Service", "Reference", "Arrived"):
        assert label in content


def test_header_and_footer_on_every_page():
    pdf = render_day_list(_data(_rows(90)))
    pages = _text(pdf)
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert "Day list: Wetzlar" in page and "Donnerstag, 3. Dezember 2026" in page
        assert f"Page {number} of {len(pages)}" in page
        assert "Gedruckt am 03.12.26, 07:30 von Svenja Keller" in page
        assert "Reference" in page, "the column heads repeat on every page"
    assert "TER-AB89-CDEF" in pages[-1]
    reader = PdfReader(BytesIO(pdf))
    assert "Wetzlar" in reader.metadata.title and reader.metadata.author == "Ausländerbehörde Lahn-Dill"


def test_labels_come_from_the_caller():
    labels = DayListLabels(title="Tagesliste", time="Uhrzeit", counter="Schalter", name="Name",
                           service="Leistung", reference="Vorgangsnummer", arrived="Erschienen",
                           born="geb. %(date)s", staff_booking="vom Amt gebucht", empty="Keine Termine.",
                           page="Seite %(page)s von %(pages)s")
    content = " ".join("\n".join(_text(render_day_list(_data(_rows(2), labels)))).split())
    for expected in ("Tagesliste: Wetzlar", "Uhrzeit", "Schalter", "Erschienen", "geb. 00.03.1987",
                     "vom Amt gebucht", "Seite 1 von 1"):
        assert expected in content
    empty = "\n".join(_text(render_day_list(_data([], labels))))
    assert "Keine Termine." in empty and "Seite 1 von 1" in empty


def test_day_list_is_pdf_ua_with_a_table_whose_heads_repeat():
    pdf = render_day_list(_data(_rows(90)))
    assert_pdfua(pdf)
    reader = PdfReader(BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
    assert all("Noto-Sans" in name or "Vazirmatn" in name for name in names), names
    read = [text for _lang, text in spoken(pdf)]
    assert read[:6] == ["Time", "Counter", "Name", "Service", "Reference", "Arrived"]
    assert read.index("Шевченко, Олександр") < read.index("TER-AB00-CDEF") < read.index("TER-AB89-CDEF")


def test_names_are_printed_as_typed_not_as_markup():
    row = DayListRow(time="09:00", counter=1, surname="<b>O'Brien & Söhne</b>", given_names="", date_of_birth="",
                     service="Service", reference="TER-XXXX-YYYY")
    content = "\n".join(_text(render_day_list(_data([row]))))
    assert "<b>O'Brien & Söhne</b>" in content


def test_wide_references_stay_on_one_line():
    rows = [DayListRow(time="09:00", counter=1, surname="Wide", given_names="", date_of_birth="",
                       service="Service", reference="TER-WWWW-MMMM")]
    assert "TER-WWWW-MMMM" in "\n".join(_text(render_day_list(_data(rows))))
