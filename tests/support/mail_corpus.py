"""Test messages for the e-mail intake, made here (MIME builders, and raw bytes where a real
mail program would send something the builders refuse to make): every structure, charset
and kind of sender the mailbox meets."""
from __future__ import annotations

import base64
import datetime
import io
import random
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from tests.support import samples

SENDER = "Олександр Шевченко <o.shevchenko@example.org>"
OFFICE = "auslaenderbehoerde@abh-test.example"
DATE = "Mon, 02 Mar 2026 09:15:00 +0100"

# Texts in the applicants' languages, long enough for language identification.
TEXTS = {
    "de": "Sehr geehrte Damen und Herren, ich möchte meine Aufenthaltserlaubnis verlängern und schicke "
          "Ihnen die Unterlagen. Mit freundlichen Grüßen",
    "en": "Dear Sir or Madam, I would like to extend my residence permit and I am sending you my documents. "
          "Kind regards",
    "uk": "Добрий день! Я хочу продовжити дозвіл на проживання і надсилаю вам копію паспорта. З повагою",
    "ru": "Здравствуйте! Я хочу продлить вид на жительство и отправляю вам копию паспорта. С уважением",
    "ar": "مرحبا، أريد تمديد تصريح الإقامة الخاص بي وأرسل لكم نسخة من جواز السفر. مع التحية",
    "tr": "Merhaba, oturma iznimi uzatmak istiyorum ve size pasaportumun bir kopyasını gönderiyorum. Saygılarımla",
    "fa": "سلام، می‌خواهم اجازه اقامتم را تمدید کنم و یک نسخه از گذرنامه‌ام را برای شما می‌فرستم. با احترام",
}


def _headers(msg, *, sender: str = SENDER, subject: str = "Antrag", message_id: str | None = "<m1@example.org>",
             extra: dict | None = None) -> None:
    msg["From"] = sender
    msg["To"] = OFFICE
    msg["Subject"] = subject
    msg["Date"] = DATE
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in (extra or {}).items():
        msg[name] = value


def plain(text: str = TEXTS["uk"], **headers) -> bytes:
    msg = EmailMessage()
    _headers(msg, **headers)
    msg.set_content(text)
    return msg.as_bytes(policy=policy.SMTP)


def with_attachments(text: str = TEXTS["uk"], files: list[tuple[str, bytes, str]] | None = None, **headers) -> bytes:
    """multipart/mixed: the text and (filename, data, media type) attachments."""
    msg = EmailMessage()
    _headers(msg, **headers)
    msg.set_content(text)
    for filename, data, media_type in files if files is not None else [("passport.pdf", samples.pdf_bytes(2),
                                                                         "application/pdf")]:
        maintype, subtype = media_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=policy.SMTP)


def alternative(text: str = TEXTS["de"], **headers) -> bytes:
    msg = EmailMessage()
    _headers(msg, **headers)
    msg.set_content(text)
    msg.add_alternative(f"<html><body><p><b>HTML:</b> {text}</p></body></html>", subtype="html")
    return msg.as_bytes(policy=policy.SMTP)


def noisy_jpeg(size=(300, 300)) -> bytes:
    """A photo-like JPEG (noise does not compress): well above the signature-logo size."""
    from PIL import Image

    rng = random.Random(7)
    image = Image.frombytes("RGB", size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def related_inline_images(**headers) -> bytes:
    """alternative(text, related(html, a pasted photo, a small signature logo))."""
    msg = EmailMessage()
    _headers(msg, **headers)
    msg.set_content(TEXTS["de"])
    msg.add_alternative(f'<p>{TEXTS["de"]}</p><img src="cid:photo@x"><img src="cid:logo@x">', subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(noisy_jpeg(), maintype="image", subtype="jpeg", cid="<photo@x>")
    html_part.add_related(samples.png_bytes((24, 24)), maintype="image", subtype="png", cid="<logo@x>")
    return msg.as_bytes(policy=policy.SMTP)


def forward(**headers) -> bytes:
    """A forward as message/rfc822 whose own attachment counts too."""
    inner = EmailMessage()
    _headers(inner, sender="Ayşe Yılmaz <ayse.yilmaz@example.com.tr>", subject="Belgeler",
             message_id="<inner@example.com.tr>")
    inner.set_content(TEXTS["tr"])
    inner.add_attachment(samples.pdf_bytes(1, "Kimlik"), maintype="application", subtype="pdf", filename="kimlik.pdf")
    outer = EmailMessage()
    _headers(outer, **{"subject": "Fwd: Belgeler", **headers})
    outer.set_content("Bitte sehen Sie die weitergeleitete Nachricht meiner Mutter, sie hat keinen Computer.")
    outer.add_attachment(inner)
    return outer.as_bytes(policy=policy.SMTP)


def winmail(**headers) -> bytes:
    return with_attachments(TEXTS["de"], [("winmail.dat", b"\x78\x9f\x3e\x22" + b"\x00" * 200,
                                           "application/ms-tnef")], **headers)


def koi8r_subject(**headers) -> bytes:
    """Subject RFC 2047 in KOI8-R, body in KOI8-R (as old Russian mail programs send)."""
    subject = "=?koi8-r?B?" + base64.b64encode("Продление вида на жительство".encode("koi8-r")).decode() + "?="
    body = TEXTS["ru"].encode("koi8-r")
    return (f"From: =?koi8-r?B?{base64.b64encode('Иван Петров'.encode('koi8-r')).decode()}?= "
            f"<ivan.petrov@example.ru>\r\nTo: {OFFICE}\r\nSubject: {subject}\r\nDate: {DATE}\r\n"
            "Message-ID: <koi8@example.ru>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").encode() + body + b"\r\n"


def windows1256_subject(**headers) -> bytes:
    subject = "=?windows-1256?B?" + base64.b64encode("طلب تمديد الإقامة".encode("cp1256")).decode() + "?="
    body = base64.b64encode(TEXTS["ar"].encode("cp1256")).decode()
    return (f"From: =?windows-1256?B?{base64.b64encode('محمد الحسن'.encode('cp1256')).decode()}?= "
            f"<m.alhassan@example.sy>\r\nTo: {OFFICE}\r\nSubject: {subject}\r\nDate: {DATE}\r\n"
            "Message-ID: <cp1256@example.sy>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=windows-1256\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{body}\r\n").encode()


def rfc2231_filename(**headers) -> bytes:
    """An attachment named in UTF-8 Cyrillic with RFC 2231 (filename*=utf-8''...)."""
    from urllib.parse import quote

    pdf = base64.encodebytes(samples.pdf_bytes(1, "Pasport")).decode().replace("\n", "\r\n")
    name = quote("паспорт копія.pdf", safe="")
    return (f"From: {SENDER.split('<')[1].rstrip('>')}\r\nTo: {OFFICE}\r\nSubject: Passport\r\nDate: {DATE}\r\n"
            "Message-ID: <rfc2231@example.org>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{TEXTS['uk']}\r\n"
            "--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: attachment; filename*=utf-8''{name}\r\n\r\n{pdf}\r\n--b1--\r\n").encode()


def html_only(**headers) -> bytes:
    msg = EmailMessage()
    _headers(msg, **{"subject": "Frage", **headers})
    msg.set_content("<html><head><title>Mail</title><style>p { color: red }</style>"
                    "<script>alert('x')</script></head><body><p>Guten Tag,</p>"
                    "<p>ich habe eine Frage zu meinem Termin.<br>Danke &amp; Gruß</p>"
                    "<script type='text/javascript'>document.write('evil')</script></body></html>", subtype="html")
    return msg.as_bytes(policy=policy.SMTP)


def broken_boundary() -> bytes:
    return (f"From: {SENDER.split('<')[1].rstrip('>')}\r\nSubject: Kaputt\r\nMessage-ID: <broken@example.org>\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="declared"\r\n\r\n'
            "--other\r\nContent-Type: text/plain\r\n\r\nText in a part with the wrong boundary.\r\n--other\r\n"
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4 truncated").encode()


def garbage() -> bytes:
    rng = random.Random(42)
    return b"\r\n\r\n" + bytes(rng.randrange(256) for _ in range(2000))


def missing_headers() -> bytes:
    return b"X-Nothing: here\r\n\r\nEin Text ohne Absender, Betreff und Datum.\r\n"


def unknown_charset() -> bytes:
    return (f"From: =?x-unknown-42?Q?Some_Name?= <someone@example.org>\r\nTo: {OFFICE}\r\n"
            "Subject: =?x-unknown-42?B?w6TDtsO8?=\r\nMessage-ID: <charset@example.org>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=x-unknown-42\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").encode() + \
        "Grüße aus Wetzlar, Добрий день".encode() + b"\r\n"


def too_large(size: int, **headers) -> bytes:
    return with_attachments(TEXTS["de"], [("big.pdf", samples.pdf_bytes(1) + b"%" * size, "application/pdf")],
                            **headers)


def encrypted_pdf(**headers) -> bytes:
    return with_attachments(TEXTS["de"], [("geschuetzt.pdf", samples.encrypted_pdf_bytes(), "application/pdf")],
                            **headers)


def exe_as_pdf(**headers) -> bytes:
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400 + b"This program cannot be run in DOS mode"
    return with_attachments(TEXTS["de"], [("scan.pdf", exe, "application/pdf")], **headers)


def auto_reply(**headers) -> bytes:
    return plain("Ich bin bis 20. März nicht im Büro.", **{"subject": "Abwesenheitsnotiz",
                                                          "extra": {"Auto-Submitted": "auto-replied"}, **headers})


def mailing_list(**headers) -> bytes:
    return plain("Newsletter der Integrationsagentur: neue Kurse im April.",
                 **{"sender": "Integration <news@integration.example>", "subject": "Newsletter April",
                    "extra": {"List-Id": "<news.integration.example>", "Precedence": "list",
                              "List-Unsubscribe": "<mailto:leave@integration.example>"}, **headers})


def bounce(**headers) -> bytes:
    """A delivery status notification: multipart/report, empty Return-Path, MAILER-DAEMON."""
    return (f"Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: {OFFICE}\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nDate: {DATE}\r\nMessage-ID: <bounce@mx.example.org>\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="r1"\r\n\r\n'
            "--r1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Your message could not be delivered.\r\n"
            "--r1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
            "Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--r1--\r\n").encode()


def noreply(**headers) -> bytes:
    return plain("Ihre Paketsendung wurde zugestellt.", **{"sender": "Paketdienst <no-reply@parcel.example>",
                                                          "subject": "Zustellung", **headers})


def fillable_form(app, code: str = "general-enquiry", language: str = "uk", values: dict | None = None) -> bytes:
    """The portal's own fillable PDF for `code`, filled in like a PDF program does."""
    from pypdf import PdfWriter

    from portal.forms.catalogue import BY_CODE
    from portal.forms.pdf_form import fillable_spec
    from portal.forms.registry import form_for
    from portal.pdf.fillable import render_fillable_form

    with app.test_request_context():
        spec = fillable_spec(form_for(code), BY_CODE[code], language, "Ausländerbehörde Lahn-Dill", OFFICE)
        pdf = render_fillable_form(spec)
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    typed = {k: v for k, v in (values or {}).items() if k != "declaration"}
    writer.update_page_form_field_values(None, typed, auto_regenerate=False)
    if (values or {}).get("declaration"):
        writer.update_page_form_field_values(None, {"declaration": "/Yes"}, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


FORM_VALUES = {
    "surname": "Шевченко", "given_names": "Олександр", "date_of_birth": "00.03.1987",
    "place_of_birth": "Charkiw", "nationality": "UKR", "email": "o.shevchenko@example.org",
    "subject": "Termin", "message": "Ich brauche einen Termin.", "declaration": "yes",
}


def with_form(app, values: dict | None = None, code: str = "general-enquiry", **headers) -> bytes:
    return with_attachments(TEXTS["uk"], [("formular.pdf", fillable_form(app, code, "uk", values or FORM_VALUES),
                                           "application/pdf")], **headers)


def same_id_other_bytes(**headers) -> tuple[bytes, bytes]:
    """One message as two servers deliver it: same Message-ID, another Received line."""
    first = plain(TEXTS["de"], **{"message_id": "<twice@example.org>", **headers})
    second = b"Received: from relay2.example.org by mx.abh-test.example; " + \
        format_datetime(datetime.datetime(2026, 3, 2, 9, 16)).encode() + b"\r\n" + first
    return first, second


def sample_inbound_mail(app, session):
    """One processed message with its submission (for route walks)."""
    from portal.config import settings_of
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import take_in
    from portal.models import InboundMail, InboundMailSource

    settings = settings_of(app)
    with app.app_context():
        outcome = take_in(session, DocumentStorage(settings.storage_dir), with_attachments(),
                          source=InboundMailSource.FILE, source_detail="sample.eml", settings=settings.mail_intake)
    return session.get(InboundMail, outcome.mail_id)


# -- trust: who sent it ---------------------------------------------------------------------------
EVE = "eve@evil.example"
VICTIM = "victim@example.org"


def injected_display_name(encoded_word: str, address_part: str = f"<{EVE}>", **headers) -> bytes:
    """A From field whose RFC 2047 display name decodes to something with a line break or an
    address in it (raw: the builders would re-encode it)."""
    return (f"From: {encoded_word} {address_part}\r\nTo: {OFFICE}\r\nSubject: Antrag\r\nDate: {DATE}\r\n"
            "Message-ID: <inject@evil.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").encode() + \
        TEXTS["de"].encode() + b"\r\n"


def b_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def q_word(text: str) -> str:
    """Q-encoding as RFC 2047 allows it in a display name: letters and digits as they are, the
    rest as =XX."""
    encoded = "".join(chr(b) if chr(b).isascii() and chr(b).isalnum() else "_" if b == 0x20 else f"={b:02X}"
                      for b in text.encode())
    return f"=?utf-8?q?{encoded}?="


# -- real mail programs ---------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode().replace("\n", "\r\n")


def outlook_express(**headers) -> bytes:
    """Outlook Express 6 / Windows Mail: multipart/mixed with an *unquoted* boundary containing
    "=", an inner multipart/alternative the same way (JavaMail writes `----=_Part_…` alike), and
    a PDF."""
    import quopri

    outer, inner = "----=_NextPart_000_0012_01D9A1B2.C3D4E5F0", "----=_Part_3_1871928113.1709370900123"
    html = f"<html><body><p>{TEXTS['de']}</p></body></html>"
    return (f"From: \"Petra Schmidt\" <petra.schmidt@example.de>\r\nTo: {OFFICE}\r\nSubject: Unterlagen\r\n"
            f"Date: {DATE}\r\nMessage-ID: <000d01d9a1b2$c3d4e5f0$6400a8c0@PC>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed;\r\n\tboundary={outer}\r\nX-Priority: 3\r\n"
            "X-Mailer: Microsoft Outlook Express 6.00.2900.5931\r\n\r\n"
            "This is a multi-part message in MIME format.\r\n\r\n"
            f"--{outer}\r\nContent-Type: multipart/alternative;\r\n\tboundary={inner}\r\n\r\n\r\n"
            f"--{inner}\r\nContent-Type: text/plain;\r\n\tcharset=\"iso-8859-1\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            f"{quopri.encodestring(TEXTS['de'].encode('latin-1')).decode()}\r\n\r\n"
            f"--{inner}\r\nContent-Type: text/html;\r\n\tcharset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{_b64(html.encode())}\r\n--{inner}--\r\n\r\n"
            f"--{outer}\r\nContent-Type: application/pdf;\r\n\tname=\"Meldebescheinigung.pdf\"\r\n"
            "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n"
            "\tfilename=\"Meldebescheinigung.pdf\"\r\n\r\n"
            f"{_b64(samples.pdf_bytes(1, 'Meldebescheinigung'))}\r\n--{outer}--\r\n").encode()


def broken_inner_part(**headers) -> bytes:
    """A good text and PDF beside a forwarded message whose own boundary is missing (a mail
    program that cut it off) and an image whose base64 cannot be decoded."""
    return (f"From: {SENDER.split('<')[1].rstrip('>')}\r\nTo: {OFFICE}\r\nSubject: Unterlagen und Weiterleitung\r\n"
            f"Date: {DATE}\r\nMessage-ID: <broken-inner@example.org>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
            "--outer\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{TEXTS['uk']}\r\n"
            "--outer\r\nContent-Type: message/rfc822\r\n\r\n"
            f"From: Ayse Yilmaz <ayse@example.com.tr>\r\nSubject: Belgeler\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="inner-declared"\r\n\r\n'
            "--inner-actual\r\nContent-Type: text/plain\r\n\r\nText of the forwarded message.\r\n--inner-actual--\r\n"
            "--outer\r\nContent-Type: image/jpeg; name=\"scan.jpg\"\r\nContent-Transfer-Encoding: base64\r\n"
            'Content-Disposition: attachment; filename="scan.jpg"\r\n\r\n/9j/4AAQSkZJRgABA\r\n'
            "--outer\r\nContent-Type: application/pdf; name=\"pass.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"
            'Content-Disposition: attachment; filename="pass.pdf"\r\n\r\n'
            f"{_b64(samples.pdf_bytes(1, 'Pass'))}\r\n--outer--\r\n").encode()


def apple_mail_photo(**headers) -> bytes:
    """Apple Mail: the photo inline between two text parts, named, small ("Image Size: Small")."""
    boundary = "Apple-Mail=_5E3C1A2B-7D4F-4C6E-9A8B-0F1E2D3C4B5A"
    return (f"From: Mariam Karimi <mariam.karimi@icloud.example>\r\nTo: {OFFICE}\r\nSubject: Passfoto\r\n"
            f"Date: {DATE}\r\nMessage-ID: <5E3C1A2B-7D4F-4C6E-9A8B-0F1E2D3C4B5A@icloud.example>\r\n"
            "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.500.171.1.1\\))\r\nX-Mailer: Apple Mail (2.3774.500.171.1.1)\r\n"
            f'Content-Type: multipart/mixed;\r\n\tboundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/plain;\r\n\tcharset=us-ascii\r\n\r\n"
            "Guten Tag, anbei mein Passfoto fuer den Antrag.\r\n\r\n"
            f"--{boundary}\r\nContent-Disposition: inline;\r\n\tfilename=IMG_0042.jpeg\r\n"
            'Content-Type: image/jpeg;\r\n\tx-unix-mode=0644;\r\n\tname="IMG_0042.jpeg"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{_b64(noisy_jpeg((80, 80)))}\r\n"
            f"--{boundary}\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/plain;\r\n\tcharset=us-ascii\r\n\r\n"
            "Mit freundlichen Gruessen\r\nMariam Karimi\r\n"
            f"--{boundary}--\r\n").encode()


def raw_8bit_headers(name: str, subject: str, charset: str | None, *, declared: bool = True,
                     filename: str = "") -> bytes:
    """Subject and From display name in raw 8-bit bytes of `charset` (no RFC 2047), as old
    programs and scripts send them; the body declares `charset` unless `declared` is False."""
    encoding = charset or "utf-8"
    content_type = f"text/plain; charset={charset}" if declared and charset else "text/plain"
    head = (f"From: {name} <applicant@example.org>\r\nTo: {OFFICE}\r\nSubject: {subject}\r\nDate: {DATE}\r\n"
            "Message-ID: <raw8bit@example.org>\r\nMIME-Version: 1.0\r\n").encode(encoding)
    body = TEXTS["de"].encode(encoding, "replace")
    if not filename:
        return head + f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode() + \
            body + b"\r\n"
    return head + (b'Content-Type: multipart/mixed; boundary="b8"\r\n\r\n--b8\r\n'
                   + f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode() + body
                   + b"\r\n--b8\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                   + b'Content-Disposition: attachment; filename="' + filename.encode(encoding) + b'"\r\n\r\n'
                   + _b64(samples.pdf_bytes(1)).encode() + b"\r\n--b8--\r\n")


def relayed_copy(raw: bytes) -> bytes:
    """The same message as a second relay delivers it: its own Received and spam fields, a tag in
    the Subject, the body re-encoded in base64 (as gateways that do not speak 8BITMIME do)."""
    from email import message_from_bytes

    message = message_from_bytes(raw, policy=policy.default)
    message.replace_header("Subject", "[EXTERN] " + str(message["Subject"]))
    message["X-Spam-Score"] = "0.4"
    for part in message.walk():
        if part.get_content_maintype() == "text":
            text = part.get_content()
            del part["Content-Transfer-Encoding"]
            part.set_content(text, subtype=part.get_content_subtype(), cte="base64")
    return (b"Received: from relay2.example.org by mx.abh-test.example; Mon, 02 Mar 2026 09:16:00 +0100\r\n"
            + message.as_bytes(policy=policy.SMTP))
