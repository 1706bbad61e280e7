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


def past(days: int):
    """(day, month, year) of a date that many days ago, for dates that must not lie ahead."""
    return future(-days)


def form_data(data: dict):
    """A step's sample as the server reads a browser's form (several values under the name of a
    checkboxes field): what StepSpec.validate gets from request.form."""
    from werkzeug.datastructures import MultiDict

    return MultiDict(data)


def cleaned(code: str) -> dict[str, str]:
    """Every step of a sample application cleaned as the server stores it (the steps in order,
    each validated with the values of the earlier ones). AssertionError names a refused step."""
    from portal.forms.registry import current_forms

    form, values = current_forms()[code], {}
    for key, data in STEPS[code].items():
        step_values, errors = form.step(key).validate(form_data(data), values)
        assert not errors, (code, key, {name: _readable(message) for name, message in errors.items()})
        values.update(step_values)
    return values


def _readable(message) -> str:
    try:
        return str(message)
    except Exception:  # a lazy text outside an app context
        return repr(message)


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
    # The services defined as data (portal/forms/seed). A field whose condition names a field of the
    # same step is in the page, hidden, and the browser sends its inputs empty; a field whose
    # condition names an earlier step, or an unticked radio or checkbox, is not sent at all.
    # An Iranian engineer in Wetzlar, settled as a skilled worker; the numbers typed in Persian digits.
    "settlement-permit": {
        "identity": {"surname": "رضایی", "given_names": "مریم", "birth_name": "", **_date("date_of_birth", 21, 6, 1985),
                     "place_of_birth": "Teheran", "nationality": "IRN", "passport_number": "K 1234 5678",
                     **_date("passport_valid_until", *future(1500))},
        "contact": {"email": "maryam.rezaei@example.org", "phone": "+49 6441 987654",
                    "street": "Frankfurter Straße 41", "postcode": "35578", "city": "Wetzlar"},
        "residence": {"basis": "skilled_worker", **_date("permit_valid_until", *future(75)),
                      **_date("entry_date", 1, 9, 2019), "pension_months": "۶۰"},
        "conditions": {"livelihood": "employed", "employer_name": "Leica Camera AG", "monthly_net_income": "3.450",
                       "social_benefits": "no", "german_level": "b1", "life_in_germany_test": "yes",
                       "criminal_conviction": "no", "conviction_details": ""},
    },
    # A Syrian wife joining her husband in Dillenburg with a family visa; her day of birth unknown.
    "family-reunification": {
        "identity": {"surname": "الخطيب", "given_names": "فاطمة", "birth_name": "العلي",
                     **_date("date_of_birth", "", 4, 1994), "place_of_birth": "حمص", "nationality": "SYR",
                     "passport_number": "N 012345678", **_date("passport_valid_until", *future(900))},
        "contact": {"email": "fatima.alkhatib@example.org", "phone": "", "street": "Hauptstraße 27",
                    "postcode": "35683", "city": "Dillenburg"},
        "family": {"relationship": "spouse", "sponsor_surname": "الخطيب", "sponsor_given_names": "أحمد",
                   **_date("sponsor_date_of_birth", 15, 1, 1991), "sponsor_status": "residence_permit",
                   "sponsor_nationality": "SYR", "sponsor_file_number": "DIL-2016-00321",
                   **_date("marriage_date", 12, 8, 2021), "marriage_country": "TUR", "german_a1": "yes"},
        "stay": {**_date("entry_date", *past(25)), "entry_visa": "family_visa",
                 **_date("visa_valid_until", *future(65)), "same_household": "yes", "remarks": ""},
    },
    # A Turkish software developer with a foreign degree, about to start in Wetzlar, living in Solms.
    "eu-blue-card": {
        "identity": {"surname": "Öztürk", "given_names": "Emre Can", "birth_name": "",
                     **_date("date_of_birth", 9, 5, 1992), "place_of_birth": "İzmir", "nationality": "TUR",
                     "passport_number": "U 23456789", **_date("passport_valid_until", *future(2000))},
        "contact": {"email": "emre.ozturk@example.org", "phone": "0176 12345678", "street": "Oberndorfer Straße 5",
                    "postcode": "35606", "city": "Solms"},
        "job": {"current_status": "visa", "employer_name": "Mittelhessen Software GmbH", "work_location": "Wetzlar",
                "job_title": "Softwareentwickler", **_date("contract_start", *future(20)), "contract_limited": "yes",
                **_date("contract_end", *future(750)), "weekly_hours": "40", "annual_salary": "52.000"},
        "qualification": {"qualification_type": "degree_foreign",
                          "degree_title": "Master of Science Bilgisayar Mühendisliği",
                          "university": "Orta Doğu Teknik Üniversitesi, Ankara, Türkei",
                          **_date("degree_date", 28, 6, 2017), "recognition_status": "anabin",
                          "needs_practice_permit": "no", "it_experience_years": ""},
    },
    # A Russian asylum seeker in Herborn (no passport at hand) starting an apprenticeship: the end
    # date is required for a training (required_if), the questions about a change of employer and
    # about agency work are not asked.
    "employment-permission": {
        "identity": {"surname": "Смирнов", "given_names": "Дмитрий", "birth_name": "",
                     **_date("date_of_birth", 3, 10, 1998), "place_of_birth": "Екатеринбург", "nationality": "RUS",
                     "passport_number": ""},
        "contact": {"email": "d.smirnov@example.org", "phone": "+49 2772 55501", "street": "Bahnhofstraße 14",
                    "postcode": "35745", "city": "Herborn"},
        "status": {"residence_status": "gestattung", "file_number": "DIL-2025-00412",
                   **_date("document_valid_until", *future(120)), **_date("entry_date", 14, 3, 2025),
                   "request_type": "training"},
        "job": {"employer_name": "Elektro Weber GmbH", "employer_address": "Westerwaldstraße 8, 35745 Herborn",
                "job_title": "Auszubildender Elektroniker für Energie- und Gebäudetechnik",
                **_date("start_date", *future(45)), **_date("end_date", *future(45 + 3 * 365)),
                "weekly_hours": "39", "monthly_gross_wage": "1.020"},
    },
    # A Ukrainian under temporary protection in Ehringshausen who applied online for the extension
    # and needs the certificate for her employer, the Jobcenter and a journey (several checkboxes).
    "fictional-certificate": {
        "identity": {"surname": "Коваленко", "given_names": "Ірина", "birth_name": "Бондар",
                     **_date("date_of_birth", 17, 11, 1983), "place_of_birth": "Дніпро", "nationality": "UKR",
                     "passport_number": "FE123456"},
        "contact": {"email": "iryna.kovalenko@example.org", "phone": "+49 6443 812345",
                    "street": "Kölschhäuser Straße 3", "postcode": "35630", "city": "Ehringshausen"},
        "application": {"current_title": "temporary_protection", **_date("title_valid_until", *future(20)),
                        "application_made": "portal", **_date("application_date", *past(10)),
                        "applied_for": "extension", "file_number": "WZ-2022-00017", "has_previous_certificate": "no",
                        **_date("previous_certificate_until", "", "", "")},
        "work_travel": {"employed": "yes", "employer_name": "Rittal GmbH & Co. KG",
                        "needs_for": ["employer", "authorities", "travel"],
                        **_date("travel_from", *future(40)), **_date("travel_until", *future(54)),
                        "remarks": "Besuch meiner Mutter in Przemyśl (Polen)."},
    },
    # A stateless Kurd from Syria in Haiger who never had a passport and asks for a Reiseausweis to
    # visit his sister in Sweden: the travel step is asked.
    "passport-replacement": {
        "identity": {"surname": "حسو", "given_names": "شیرین", "birth_name": "", **_date("date_of_birth", 5, 7, 1989),
                     "place_of_birth": "Qamischli", "nationality": "XXA", "passport_number": ""},
        "contact": {"email": "shirin.hesso@example.org", "phone": "", "street": "Marktplatz 6", "postcode": "35708",
                    "city": "Haiger"},
        "document": {"document_type": "travel_document", "residence_status": "residence_permit",
                     **_date("status_valid_until", *future(400)), "had_passport": "no", "old_passport_fate": "",
                     "embassy_contact": "no", **_date("embassy_date", "", "", ""),
                     "why_no_passport": "Ich bin staatenlos (Adschnabi aus Syrien) und hatte nie einen Reisepass.\n"
                                        "Kein Staat stellt mir einen Pass aus."},
        "travel": {"travel_planned": "yes", "travel_destination": "SWE",
                   "travel_reason": "Besuch meiner Schwester in Malmö",
                   **_date("travel_from", *future(60)), **_date("travel_until", *future(74))},
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
    # Every required slot shown for the sample's answers, and some optional ones.
    "settlement-permit": {"passport": [("گذرنامه.pdf", lambda: pdf_bytes(2))], "photo": [("passfoto.jpg", jpeg_bytes)],
                          "residence_permit": [("aufenthaltstitel.png", png_bytes)],
                          "income": [("gehalt-1.pdf", pdf_bytes), ("gehalt-2.pdf", pdf_bytes)],
                          "pension_record": [("versicherungsverlauf.pdf", lambda: pdf_bytes(3))],
                          "language_certificate": [("b1-zertifikat.pdf", pdf_bytes)],
                          "integration_certificate": [("lid-test.pdf", pdf_bytes)],
                          "rental_contract": [("mietvertrag.pdf", lambda: pdf_bytes(4))],
                          "health_insurance": [("aok.jpg", jpeg_bytes)]},
    "family-reunification": {"passport": [("جواز.pdf", lambda: pdf_bytes(2))], "photo": [("IMG_0815.HEIC", heic_bytes)],
                             "visa": [("visum.jpg", jpeg_bytes)], "marriage_certificate": [("عقد-زواج.pdf", pdf_bytes)],
                             "language_certificate": [("goethe-a1.pdf", pdf_bytes)],
                             "sponsor_document": [("ahmad-aufenthaltstitel.png", png_bytes)],
                             "sponsor_income": [("lohn-10.pdf", pdf_bytes), ("lohn-11.pdf", pdf_bytes)],
                             "rental_contract": [("mietvertrag.pdf", lambda: pdf_bytes(3))],
                             "registration": [("meldebescheinigung.pdf", pdf_bytes)],
                             "health_insurance": [("versicherung.pdf", pdf_bytes)]},
    "eu-blue-card": {"passport": [("pasaport.pdf", pdf_bytes)], "photo": [("vesikalik.png", png_bytes)],
                     "current_title": [("vize.jpg", jpeg_bytes)],
                     "employment_contract": [("arbeitsvertrag.pdf", lambda: pdf_bytes(6))],
                     "employment_declaration": [("erklaerung-beschaeftigung.pdf", lambda: pdf_bytes(2))],
                     "degree_certificate": [("diploma.pdf", pdf_bytes), ("transkript.pdf", lambda: pdf_bytes(3))],
                     "recognition": [("anabin.pdf", pdf_bytes)], "health_insurance": [("tk.pdf", pdf_bytes)],
                     "registration": [("meldebescheinigung.jpg", jpeg_bytes)]},
    "employment-permission": {"residence_document": [("gestattung.jpg", jpeg_bytes)],
                              "training_contract": [("ausbildungsvertrag.pdf", lambda: pdf_bytes(4))]},
    "fictional-certificate": {"passport": [("паспорт.pdf", pdf_bytes)], "photo": [("фото.jpg", jpeg_bytes)],
                              "current_title": [("aufenthaltstitel.pdf", pdf_bytes)],
                              "application_receipt": [("eingangsbestaetigung.pdf", pdf_bytes)],
                              "employment_proof": [("arbeitsvertrag.png", png_bytes)]},
    "passport-replacement": {"photo": [("photo.jpg", jpeg_bytes)],
                             "residence_document": [("aufenthaltstitel.pdf", lambda: pdf_bytes(2))],
                             "identity_documents": [("ajnabi-bescheinigung.png", png_bytes)],
                             "travel_proof": [("einladung.pdf", pdf_bytes)]},
}
