"""The receipt of the tests and the receipt benchmark: every script on it (Arabic, Persian,
Cyrillic, Turkish, German), two documents."""
from __future__ import annotations

from datetime import datetime, timezone

from portal.pdf.receipt import ReceiptData, ReceiptDocument, ReceiptField

LANGUAGES = ("de", "en", "uk", "ru", "ar", "tr", "fa")
CYRILLIC = "Шевченко Олександр"
ARABIC = "محمد الحسن"
PERSIAN = "پرویز رضایی"
TURKISH = "Yılmaz Ayşe"
GERMAN = "Jürgen Weißmüller"
REFERENCE = "ABH-2026-004711-3"
STATUS_CODE = "K7QF-9XMA-2PLD"



def receipt_data(language: str) -> ReceiptData:
    return ReceiptData(
        language=language,
        office_name="Ausländerbehörde Lahn-Dill",
        office_lines=["Karl-Kellner-Ring 51", "35576 Wetzlar", "auslaenderbehoerde@example.org"],
        service_title="تمديد تصريح الإقامة" if language in ("ar", "fa") else "Extension of a residence permit",
        service_title_de="Verlängerung der Aufenthaltserlaubnis",
        reference=REFERENCE,
        status_code=STATUS_CODE,
        status_url=f"https://portal.example.org/{language}/status",
        submitted_at=datetime(2026, 3, 29, 12, 5, tzinfo=timezone.utc),
        fields=[
            ReceiptField("Family name", "Familienname", CYRILLIC),
            ReceiptField("الاسم", "Name", ARABIC),
            ReceiptField("Name", "Name", TURKISH),
            ReceiptField("نام", "Name", PERSIAN),
            ReceiptField("Contact person", "Ansprechpartner", GERMAN),
            ReceiptField("Address", "Anschrift", "Bahnhofstraße 12\n35576 Wetzlar"),
            ReceiptField("Remark", "Bemerkung", "<script>alert(1)</script> & more"),
            ReceiptField("Empty", "Leer", ""),
        ],
        documents=[
            ReceiptDocument("Passport", "Reisepass", "passport.pdf", 2),
            ReceiptDocument("جواز السفر", "Lichtbild", "photo.jpg", 1),
        ],
    )
