"""E-mail intake rules without a database: whom not to answer, which language, which
reference or file number a message names, what a display name says."""
from __future__ import annotations

import pytest

from portal.intake.email.addresses import normalised, same_address
from portal.intake.email.finding import find_file_numbers, find_references
from portal.intake.email.language import detect_language
from portal.intake.email.parse import parse_message
from portal.intake.email.duplicates import content_digest, dedup_key
from portal.intake.email.replies import suppression_reason
from portal.intake.email.understanding import split_display_name
from portal.intake.references import format_reference
from tests.support import mail_corpus as corpus
from tests.support import samples


@pytest.mark.parametrize("raw, reason", [
    (corpus.auto_reply(), "auto_submitted"),
    (corpus.mailing_list(), "precedence"),
    (corpus.bounce(), "report"),
    (corpus.noreply(), "machine_address"),
    (corpus.plain(extra={"Precedence": "bulk"}), "precedence"),
    (corpus.plain(extra={"List-Unsubscribe": "<mailto:x@example.org>"}), "mailing_list"),
    (corpus.plain(extra={"X-Auto-Response-Suppress": "All"}), "auto_reply_header"),
    (corpus.plain(extra={"X-Autoreply": "yes"}), "auto_reply_header"),
    (corpus.plain(extra={"Return-Path": "<>"}), "null_return_path"),
    (corpus.plain(sender="postmaster@example.org"), "machine_address"),
    (corpus.plain(sender="Do Not Reply <do-not-reply@bank.example>"), "machine_address"),
    (corpus.plain(sender="noreply-alerts@service.example"), "machine_address"),
    (corpus.missing_headers(), "no_sender"),
])
def test_machines_lists_and_bounces_get_no_answer(raw, reason):
    assert suppression_reason(parse_message(raw)) == reason


@pytest.mark.parametrize("raw", [
    corpus.plain(),
    corpus.plain(extra={"Auto-Submitted": "no"}),
    corpus.plain(extra={"Return-Path": "<o.shevchenko@example.org>"}),
    corpus.plain(sender="Noreen Replyson <noreen.replyson@example.org>"),
])
def test_people_get_an_answer(raw):
    assert suppression_reason(parse_message(raw)) is None


def test_the_office_never_answers_itself():
    raw = corpus.plain(sender=corpus.OFFICE)
    assert suppression_reason(parse_message(raw), {corpus.OFFICE}) == "own_address"


@pytest.mark.parametrize("language", ["de", "en", "uk", "ru", "ar", "tr", "fa"])
def test_language_of_the_text(language):
    assert detect_language(corpus.TEXTS[language]) == language


@pytest.mark.parametrize("text", ["", "Hallo", "OK thanks", "ABH-2026-000001-9", "> " + corpus.TEXTS["tr"]])
def test_short_or_quoted_text_falls_back_to_german(text):
    assert detect_language(text) == "de"


def test_language_is_one_of_ours_whatever_the_text():
    assert detect_language("Bonjour madame, je voudrais prolonger mon titre de séjour, merci beaucoup") in \
        ("de", "en", "uk", "ru", "ar", "tr", "fa")


def test_references_with_a_valid_check_digit_only():
    good, other = format_reference(2026, 4711), format_reference(2025, 17)
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    spaced = good.replace("-", " ").lower()
    text = f"Re: Antrag {wrong} bzw. {spaced} (siehe auch {other}; {good})"
    assert find_references(text) == [good, other]


def test_reference_in_subject_comes_first():
    first, second = format_reference(2026, 1), format_reference(2026, 2)
    assert find_references(f"Re: {second}", f"body {first}") == [second, first]


def test_file_numbers_in_the_text():
    reference = format_reference(2026, 4711)
    text = f"Mein Aktenzeichen ist wz-2022-00017, früher DIL–2016–00321. Vorgang {reference}. Tel 0641-2022-12345"
    assert find_file_numbers(text)[:2] == ["WZ-2022-00017", "DIL-2016-00321"]
    assert not any(number.startswith("ABH") for number in find_file_numbers(text))


@pytest.mark.parametrize("name, expected", [
    ("Oleksandr Shevchenko", ("Shevchenko", "Oleksandr")),
    ("Shevchenko, Oleksandr", ("Shevchenko", "Oleksandr")),
    ("SHEVCHENKO Oleksandr", ("SHEVCHENKO", "Oleksandr")),
    ("Mohammad Al-Hassan", ("Al-Hassan", "Mohammad")),
    ('"محمد الحسن"', ("الحسن", "محمد")),
    ("Ayşe", ("Ayşe", "")),
    ("", ("", "")),
    ("someone@example.org", ("", "")),
])
def test_display_name_to_surname_and_given_names(name, expected):
    assert split_display_name(name) == expected


def test_dedup_key_is_the_message_id_in_any_spelling_with_the_content_or_the_bytes():
    assert dedup_key("Abc@Example.ORG", b"one", "c1") == dedup_key("abc@example.org", b"two", "c1")
    assert dedup_key("abc@example.org", b"one", "c1") != dedup_key("abc@example.org", b"one", "c2")
    assert dedup_key(None, b"one") != dedup_key(None, b"two")
    assert len(dedup_key(None, b"x")) == 64 and dedup_key(None, b"x").startswith("email:")


def test_content_is_what_the_office_files_not_what_relays_change():
    raw = corpus.with_attachments(message_id="<same@example.org>")
    relayed = corpus.relayed_copy(raw)
    assert relayed != raw and parse_message(relayed).subject != parse_message(raw).subject
    assert content_digest(parse_message(relayed)) == content_digest(parse_message(raw))
    other_text = corpus.with_attachments(corpus.TEXTS["de"], message_id="<same@example.org>")
    other_file = corpus.with_attachments(files=[("passport.pdf", samples.pdf_bytes(3), "application/pdf")],
                                         message_id="<same@example.org>")
    digests = {content_digest(parse_message(m)) for m in (raw, other_text, other_file)}
    assert len(digests) == 3


@pytest.mark.parametrize("on_record, sender", [
    ("o.shevchenko@example.org", "O.Shevchenko@EXAMPLE.org"),
    (" o.shevchenko@example.org ", "o.shevchenko@example.org"),
    ("juergen.mueller@bücher.example", "Juergen.Mueller@xn--bcher-kva.example"),
    ("juergen.mueller@BÜCHER.example", "juergen.mueller@bücher.example."),
])
def test_the_same_address_in_other_spellings(on_record, sender):
    assert same_address(on_record, sender)


@pytest.mark.parametrize("on_record, sender", [
    ("o.shevchenko@example.org", "o.shevchenko+abh@example.org"),  # plus-addressing is not folded
    ("o.shevchenko@gmail.example", "oshevchenko@gmail.example"),  # nor dots
    ("o.shevchenko@example.org", "o.shevchenko@example.org.evil.example"),
    ("", ""),
    ("o.shevchenko@example.org", ""),
])
def test_other_addresses(on_record, sender):
    assert not same_address(on_record, sender)


def test_normal_form():
    assert normalised("  Jürgen@Bücher.Example ") == "jürgen@xn--bcher-kva.example"
