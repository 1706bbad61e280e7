"""The printed day list of a site (portal.pdf.day_list)."""
from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from portal.pdf import text
from portal.pdf.day_list import DayListData, DayListLabels, DayListRow, render_day_list

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
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def test_day_list_holds_names_in_every_script():
    pdf = render_day_list(_data(_rows(3)))
    content = "\n".join(_text(pdf))
    assert "Шевченко, Олександр" in content and "Yılmaz, Ayşe" in content
    # The Arabic name is shaped (joined letters) and no bare Arabic letter is left.
    shaped = [c for c in content if 0xFB50 <= ord(c) <= 0xFEFF]
    assert len(shaped) >= len(text.shape("".join(ARABIC)).replace(" ", "")) - 1
    assert not [c for c in content if 0x0621 <= ord(c) <= 0x064A]
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
    content = "\n".join(_text(render_day_list(_data(_rows(2), labels))))
    for expected in ("Tagesliste: Wetzlar", "Uhrzeit", "Schalter", "Erschienen", "geb. 00.03.1987",
                     "vom Amt gebucht", "Seite 1 von 1"):
        assert expected in content
    empty = "\n".join(_text(render_day_list(_data([], labels))))
    assert "Keine Termine." in empty and "Seite 1 von 1" in empty


def test_only_noto_fonts_are_embedded():
    reader = PdfReader(BytesIO(render_day_list(_data(_rows(3)))))
    names = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert "/FontFile2" in font["/FontDescriptor"], f"{font['/BaseFont']} is not embedded"
            names.add(str(font["/BaseFont"]))
    assert all("NotoSans" in name for name in names), names
    assert any("NotoSansArabic" in name for name in names)


def test_names_are_printed_as_typed_not_as_markup():
    row = DayListRow(time="09:00", counter=1, surname="<b>O'Brien & Söhne</b>", given_names="", date_of_birth="",
                     service="Service", reference="TER-XXXX-YYYY")
    content = "\n".join(_text(render_day_list(_data([row]))))
    assert "<b>O'Brien & Söhne</b>" in content


def test_wide_references_stay_on_one_line():
    rows = [DayListRow(time="09:00", counter=1, surname="Wide", given_names="", date_of_birth="",
                       service="Service", reference="TER-WWWW-MMMM")]
    assert "TER-WWWW-MMMM" in "\n".join(_text(render_day_list(_data(rows))))
