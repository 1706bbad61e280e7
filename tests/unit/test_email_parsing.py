"""E-mail parsing: every structure and charset of the corpus, nothing crashes, nothing is lost."""
from __future__ import annotations

import pytest

from portal.intake.email.parse import FORWARD_MARKER, SIGNATURE_IMAGE_BYTES, parse_message
from portal.intake.email.text import bounded, html_to_text
from tests.support import mail_corpus as corpus


def test_multipart_mixed_with_a_pdf():
    parsed = parse_message(corpus.with_attachments())
    assert (parsed.sender_name, parsed.sender_address) == ("Олександр Шевченко", "o.shevchenko@example.org")
    assert parsed.message_id == "m1@example.org" and parsed.subject == "Antrag"
    assert parsed.sent_at.isoformat() == "2026-03-02T08:15:00+00:00"
    assert parsed.text == corpus.TEXTS["uk"]
    [attachment] = parsed.attachments
    assert attachment.filename == "passport.pdf" and attachment.data.startswith(b"%PDF")
    assert not attachment.inline and not parsed.problems


def test_alternative_takes_the_plain_text_once():
    parsed = parse_message(corpus.alternative())
    assert parsed.text == corpus.TEXTS["de"]
    assert "HTML:" not in parsed.full_text and parsed.attachments == []


def test_related_keeps_a_pasted_photo_and_ignores_a_signature_logo():
    parsed = parse_message(corpus.related_inline_images())
    [photo] = parsed.attachments
    assert photo.media_type == "image/jpeg" and photo.inline and len(photo.data) >= SIGNATURE_IMAGE_BYTES
    [logo] = parsed.ignored
    assert logo["media_type"] == "image/png" and logo["why"] == "small_inline_image"
    assert parsed.text == corpus.TEXTS["de"]  # the plain alternative, not the HTML


def test_forwarded_message_text_and_attachment_count():
    parsed = parse_message(corpus.forward())
    assert parsed.text.startswith("Bitte sehen Sie")
    assert FORWARD_MARKER in parsed.forwarded_text and corpus.TEXTS["tr"] in parsed.forwarded_text
    assert "Ayşe Yılmaz" in parsed.forwarded_text
    [attachment] = parsed.attachments
    assert attachment.filename == "kimlik.pdf" and attachment.forwarded


def test_winmail_dat_is_flagged():
    parsed = parse_message(corpus.winmail())
    assert parsed.tnef == ["winmail.dat"] and parsed.attachments == []


@pytest.mark.parametrize("raw, name, subject, text", [
    (corpus.koi8r_subject(), "Иван Петров", "Продление вида на жительство", corpus.TEXTS["ru"]),
    (corpus.windows1256_subject(), "محمد الحسن", "طلب تمديد الإقامة", corpus.TEXTS["ar"]),
])
def test_encoded_headers_and_bodies_in_legacy_charsets(raw, name, subject, text):
    parsed = parse_message(raw)
    assert (parsed.sender_name, parsed.subject, parsed.text) == (name, subject, text)


def test_rfc2231_filename_in_utf8_cyrillic():
    [attachment] = parse_message(corpus.rfc2231_filename()).attachments
    assert attachment.filename == "паспорт копія.pdf"


def test_html_only_body_without_script_or_style():
    parsed = parse_message(corpus.html_only())
    assert parsed.text == "Guten Tag,\n\nich habe eine Frage zu meinem Termin.\nDanke & Gruß"
    for hidden in ("alert", "evil", "color", "Mail"):
        assert hidden not in parsed.text


def test_html_to_text_survives_broken_markup():
    assert html_to_text("<p>eins<script>x<p>zwei</script>drei</p><style") == "einsdrei"
    assert html_to_text("<ul><li>a</li><li>b &lt;c&gt;</li></ul>") == "- a\n- b <c>"


def test_broken_boundary_is_unreadable_not_an_exception():
    parsed = parse_message(corpus.broken_boundary())
    assert "boundary" in parsed.unreadable
    assert parsed.sender_address == "o.shevchenko@example.org"  # the header is still known


def test_garbage_bytes_are_unreadable():
    assert parse_message(corpus.garbage()).unreadable


def test_missing_headers_still_give_the_text():
    parsed = parse_message(corpus.missing_headers())
    assert not parsed.unreadable and parsed.sender_address == "" and parsed.message_id is None
    assert parsed.text == "Ein Text ohne Absender, Betreff und Datum."


def test_unknown_charset_does_not_crash():
    parsed = parse_message(corpus.unknown_charset())
    assert parsed.sender_address == "someone@example.org"
    assert "Wetzlar" in parsed.text and "Добрий день" in parsed.text  # read as UTF-8
    assert parsed.problems  # noted for the caseworker


@pytest.mark.parametrize("cut", [10, 100, 400, 900, 1500])
def test_truncated_messages_never_raise(cut):
    parse_message(corpus.rfc2231_filename()[:cut])  # a dropped connection mid-message


def test_header_that_the_policy_cannot_parse_falls_back():
    raw = b"From: \"unterminated <a@example.org>\r\nTo: ,,,@@@\r\nSubject: =?utf-8?B?!!!?=\r\n\r\nText\r\n"
    parsed = parse_message(raw)
    assert parsed.text == "Text" and "to" in parsed.headers


def test_bounded_text_cuts_at_a_word_and_marks_it():
    text = "wort " * 100
    cut = bounded(text, 52)
    assert len(cut) <= 52 and cut.endswith("…") and not cut.endswith(" …")
    assert bounded("kurz", 52) == "kurz"


# -- the sender's address comes from the address part only ---------------------------------------
@pytest.mark.parametrize("from_field", [
    # The review's header: base64 of '"Eve\r\nBcc: victim@example.org"'.
    f'{corpus.b_word(chr(34) + "Eve" + chr(13) + chr(10) + "Bcc: " + corpus.VICTIM + chr(34))} <{corpus.EVE}>',
    f"{corpus.b_word('Eve' + chr(13) + chr(10) + 'Bcc: ' + corpus.VICTIM)} <{corpus.EVE}>",
    f"{corpus.q_word('Eve' + chr(13) + chr(10) + 'Bcc: ' + corpus.VICTIM)} <{corpus.EVE}>",
    f"{corpus.b_word('Eve' + chr(10) + '<' + corpus.VICTIM + '>')} <{corpus.EVE}>",
    f"{corpus.b_word('Eve <' + corpus.VICTIM + '>')} <{corpus.EVE}>",
    f"{corpus.q_word('Eve <' + corpus.VICTIM + '>')} <{corpus.EVE}>",
    f'"{corpus.b_word("Eve <" + corpus.VICTIM + ">")}" <{corpus.EVE}>',
    f"{corpus.b_word(corpus.VICTIM)} <{corpus.EVE}>",
])
def test_a_display_name_never_gives_the_address(from_field):
    raw = corpus.injected_display_name(from_field, address_part="")
    parsed = parse_message(raw)
    assert parsed.sender_address == corpus.EVE
    assert "\r" not in parsed.sender_name and "\n" not in parsed.sender_name


@pytest.mark.parametrize("from_field", [
    # No angle brackets: the encoded word would be the address's local part; nothing is read.
    f"{corpus.b_word('Eve' + chr(13) + chr(10) + '<' + corpus.VICTIM + '>')} {corpus.EVE}",
    f"{corpus.b_word(corpus.VICTIM)} {corpus.EVE}",
    f"{corpus.b_word('Eve, ' + corpus.VICTIM)} {corpus.EVE}",
])
def test_a_field_without_a_clear_address_part_gives_none(from_field):
    parsed = parse_message(corpus.injected_display_name(from_field, address_part=""))
    assert parsed.sender_address in ("", corpus.EVE)
    assert corpus.VICTIM not in parsed.sender_address


def test_decoding_8bit_bytes_cannot_make_an_address():
    # A UTF-7 "charset" would turn "+ADw-" into "<": such a charset is never used for headers.
    raw = ("From: Eve\u00e9 +ADw-victim+AEA-example.org+AD4- <eve@evil.example>\r\nSubject: x\r\n"
           "Content-Type: text/plain; charset=utf-7\r\n\r\nText\r\n").encode("latin-1")
    assert parse_message(raw).sender_address == corpus.EVE


# -- real mail programs ----------------------------------------------------------------------------
def test_unquoted_boundary_with_an_equals_sign_outlook_express_and_javamail():
    parsed = parse_message(corpus.outlook_express())
    assert not parsed.unreadable and parsed.sender_address == "petra.schmidt@example.de"
    assert parsed.text == corpus.TEXTS["de"]  # the plain alternative, from quoted-printable Latin-1
    [attachment] = parsed.attachments
    assert attachment.filename == "Meldebescheinigung.pdf" and attachment.data.startswith(b"%PDF")


def test_one_broken_part_costs_only_that_part():
    parsed = parse_message(corpus.broken_inner_part())
    assert not parsed.unreadable and parsed.text == corpus.TEXTS["uk"]
    assert [a.filename for a in parsed.attachments] == ["pass.pdf"]
    assert [(p["part"], p["media_type"], p["filename"], p["why"]) for p in parsed.unreadable_parts] == [
        ("2", "multipart/mixed", "", "boundary_not_found"), ("3", "image/jpeg", "scan.jpg", "undecodable")]


def test_a_small_named_inline_photo_is_an_attachment_apple_mail():
    parsed = parse_message(corpus.apple_mail_photo())
    [photo] = parsed.attachments
    assert (photo.filename, photo.media_type, photo.inline) == ("IMG_0042.jpeg", "image/jpeg", True)
    assert len(photo.data) < SIGNATURE_IMAGE_BYTES and parsed.ignored == []
    assert parsed.text.startswith("Guten Tag") and parsed.text.endswith("Mariam Karimi")


@pytest.mark.parametrize("charset, declared, name, subject", [
    ("utf-8", True, "Олександр Шевченко", "Продовження дозволу на проживання"),
    ("iso-8859-1", True, "Jürgen Müller", "Verlängerung der Aufenthaltserlaubnis"),
    ("koi8-r", True, "Иван Петров", "Продление вида на жительство"),
    ("windows-1254", True, "Ayşe Yılmaz", "Oturma izni uzatma başvurusu"),
    ("utf-8", False, "Мухаммад Аль-Хасан", "Запит щодо термінів"),  # no charset declared: UTF-8
    ("windows-1252", False, "Zoë Françoise", "Gebühr 100 € – Rückfrage"),  # then Windows-1252
])
def test_raw_8bit_headers_in_the_declared_charset_else_utf8_else_windows_1252(charset, declared, name, subject):
    parsed = parse_message(corpus.raw_8bit_headers(name, subject, charset, declared=declared))
    assert (parsed.sender_name, parsed.subject) == (name, subject)
    assert parsed.sender_address == "applicant@example.org"
    assert "\ufffd" not in parsed.header("from") + parsed.header("subject")


def test_raw_8bit_attachment_name():
    parsed = parse_message(corpus.raw_8bit_headers("Jürgen Müller", "Unterlagen", "iso-8859-1",
                                                   filename="Bescheinigung Müller.pdf"))
    assert [a.filename for a in parsed.attachments] == ["Bescheinigung Müller.pdf"]
