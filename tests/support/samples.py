"""Realistic applicant data and files, made in memory (no binary fixtures in the repository)."""
from __future__ import annotations

import io

TODAY_PLUS = 30  # days ahead for dates that must lie in the future


def pdf_bytes(pages: int = 1, text: str = "Reisepass / Passport") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for number in range(pages):
        page.drawString(72, 750, f"{text} – {number + 1}")
        page.showPage()
    page.save()
    return buffer.getvalue()


def jpeg_bytes(size=(640, 480), with_gps: bool = True) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (200, 180, 150))
    exif = Image.Exif()
    if with_gps:
        exif[0x8825] = {1: "N", 2: (50.0, 33.0, 12.0), 3: "E", 4: (8.0, 30.0, 1.0)}  # GPSInfo near Wetzlar
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_bytes(size=(400, 300)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def heic_bytes(size=(480, 640)) -> bytes:
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 160, 90)).save(buffer, "HEIF", quality=60)
    return buffer.getvalue()


def encrypted_pdf_bytes() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def bomb_png_bytes(width: int = 40000, height: int = 40000) -> bytes:
    """A PNG header that claims a huge picture: must be refused without decoding."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        chunk(b"IEND", b"")


def _date(prefix: str, day, month, year) -> dict[str, str]:
    return {f"{prefix}-day": str(day), f"{prefix}-month": str(month), f"{prefix}-year": str(year)}


IDENTITY_UKRAINIAN = {
    "surname": "Шевченко", "given_names": "Олександр", "birth_name": "", "place_of_birth": "Charkiw",
    "nationality": "UKR", "passport_number": "",
    **_date("date_of_birth", "", 3, 1987),
}
IDENTITY_SYRIAN = {
    "surname": "الحسن", "given_names": "محمد", "birth_name": "", "place_of_birth": "Aleppo",
    "nationality": "SYR", "passport_number": "N 0123456",
    **_date("date_of_birth", "", "", 1990),
}
CONTACT_WETZLAR = {
    "email": "o.shevchenko@example.org", "phone": "+49 6441 123456",
    "street": "Karl-Kellner-Ring 12", "postcode": "35576", "city": "Wetzlar",
}


def future(days: int = TODAY_PLUS):
    from datetime import date, timedelta

    moment = date.today() + timedelta(days=days)
    return moment.day, moment.month, moment.year


# Steps of each online service, filled as a careful applicant would.
STEPS = {
    "temporary-protection": {
        "identity": IDENTITY_UKRAINIAN,
        "contact": CONTACT_WETZLAR,
        "protection": {"status_in_ukraine": "citizen", "in_ukraine_on_24_feb": "yes",
                       **_date("entry_date", 15, 3, 2022), "family_members": "Шевченко Олена, 02.05.1990",
                       "other_eu_application": "no", "remarks": ""},
    },
    "permit-extension": {
        "identity": {**IDENTITY_SYRIAN, **_date("passport_valid_until", *future(800))},
        "contact": {**CONTACT_WETZLAR, "email": "m.alhassan@example.org", "postcode": "35683", "city": "Dillenburg"},
        "permit": {"permit_purpose": "employment", **_date("permit_valid_until", *future(40)),
                   "employer_or_school": "Musterbau GmbH", "monthly_net_income": "2.350", "health_insurer": "AOK Hessen"},
    },
    "obligation-declaration": {
        "identity": {"surname": "Yılmaz", "given_names": "Ayşe", "birth_name": "Kaya", "place_of_birth": "Gaziantep",
                     "nationality": "TUR", "passport_number": "U12345678", **_date("date_of_birth", 2, 11, 1979)},
        "contact": {**CONTACT_WETZLAR, "email": "ayse.yilmaz@example.org"},
        "visitor": {"visitor_surname": "Kaya", "visitor_given_names": "Fatma", **_date("visitor_date_of_birth", 1, 1, 1955),
                    "visitor_nationality": "TUR", "visitor_passport_number": "U7654321", "relationship": "Mutter",
                    **_date("visit_from", *future(30)), **_date("visit_until", *future(60))},
        "finances": {"monthly_net_income": "3100", "dependants": "2", "monthly_rent": "950"},
    },
    "address-change": {
        "identity": IDENTITY_UKRAINIAN,
        "contact": {**CONTACT_WETZLAR, "street": "Hauptstraße 3", "postcode": "35745", "city": "Herborn"},
        "move": {**_date("move_date", 1, 10, 2026), "previous_street": "Karl-Kellner-Ring 12",
                 "previous_postcode": "35576", "previous_city": "Wetzlar"},
    },
    "general-enquiry": {
        "identity": IDENTITY_SYRIAN,
        "contact": {"email": "m.alhassan@example.org", "phone": ""},
        "enquiry": {"file_number": "DIL-2016-00321", "subject": "Frage zur Fiktionsbescheinigung",
                    "message": "مرحبا، متى يمكنني استلام بطاقة الإقامة؟\nVielen Dank."},
    },
}

# Files per service: slot -> [(filename, bytes factory)]
FILES = {
    "temporary-protection": {"passport": [("pasport.pdf", lambda: pdf_bytes(2))],
                             "photo": [("IMG_2041.HEIC", heic_bytes)],
                             "registration": [("meldebescheinigung.jpg", jpeg_bytes)],
                             "other": [("kinder-geburtsurkunde.png", png_bytes)]},
    "permit-extension": {"passport": [("passport.pdf", pdf_bytes)], "photo": [("photo.png", png_bytes)],
                         "residence_permit": [("card.jpg", jpeg_bytes)]},
    "obligation-declaration": {"passport": [("ausweis.pdf", pdf_bytes)], "income": [("lohn.pdf", lambda: pdf_bytes(3))],
                               "rental_contract": [("miete.png", png_bytes)]},
    "address-change": {"registration": [("anmeldung.pdf", pdf_bytes)]},
    "general-enquiry": {"attachment": [("brief.jpg", jpeg_bytes)]},
}
