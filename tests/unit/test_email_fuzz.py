"""The e-mail parser against arbitrary and damaged input (Hypothesis): whatever arrives, parsing
never raises; a message it cannot read says why."""
from __future__ import annotations

from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.documents.filenames import safe_filename
from portal.intake.email.parse import ParsedMail, parse_message
from tests.support import mail_corpus as corpus

SAMPLES = [corpus.plain(), corpus.alternative(), corpus.forward(), corpus.related_inline_images(),
           corpus.koi8r_subject(), corpus.windows1256_subject(), corpus.rfc2231_filename(), corpus.html_only(),
           corpus.winmail(), corpus.bounce(), corpus.broken_boundary(), corpus.unknown_charset()]
FUZZ = settings(max_examples=150, deadline=None)
HOSTILE = st.one_of(st.text(max_size=300), st.sampled_from([
    "=?utf-8?b?0J7Qu9C10LrRgdCw0L3QtNGA?=", "=?koi8-r?q?=EF=CC=C5?=", "=?x-unknown?b?////?=", "=?utf-8?q?",
    "\r\nBcc: victim@example.org", "<script>alert(1)</script>", "a" * 5000, "\x00\x01\x7f", "\u202e",
    "محمد <m@example.org>", "Олександр <o@example.org>", "<>", "\"unterminated <x@y", "@@@", ":;0",
]))


def _assert_parsed(parsed) -> None:
    assert isinstance(parsed, ParsedMail)
    assert isinstance(parsed.text, str) and isinstance(parsed.subject, str)
    assert "\r" not in parsed.subject and "\n" not in parsed.subject
    for attachment in parsed.attachments:  # the name as sent; the upload check makes it safe to store
        safe = safe_filename(attachment.filename, "application/pdf")
        assert "/" not in safe and "\\" not in safe and "\x00" not in safe


@FUZZ
@given(raw=st.binary(max_size=3000))
def test_random_bytes_never_break_the_parser(raw):
    parsed = parse_message(raw)
    _assert_parsed(parsed)


@FUZZ
@given(sample=st.sampled_from(SAMPLES), cuts=st.lists(
    st.tuples(st.floats(0, 1), st.binary(max_size=24)), min_size=1, max_size=6))
def test_damaged_real_messages_never_break_the_parser(sample, cuts):
    data = bytearray(sample)
    for where, junk in cuts:  # overwrite, insert or cut at a few places
        at = int(where * len(data))
        data[at:at + len(junk) // 2] = junk
    _assert_parsed(parse_message(bytes(data)))


@FUZZ
@given(subject=HOSTILE, sender=HOSTILE, filename=HOSTILE, body=HOSTILE,
       charset=st.sampled_from(["utf-8", "koi8-r", "windows-1256", "iso-8859-9", "x-unknown", "utf-7", ""]))
def test_hostile_headers_names_and_charsets(subject, sender, filename, body, charset):
    message = EmailMessage()
    for name, value in (("Subject", subject), ("From", sender)):
        try:
            message[name] = value
        except (ValueError, TypeError, AttributeError, IndexError):
            # the stdlib refuses to write some of these (and trips over an empty group such as
            # ":;0" or an address without domain such as "0@"); the raw bytes below and the two
            # named tests after this one cover them
            message[name] = "x"
    message["Message-ID"] = "<fuzz@example.org>"
    message.set_content(body)
    try:
        message.add_attachment(b"%PDF-1.4 fuzz", maintype="application", subtype="pdf", filename=filename or "x")
    except (ValueError, TypeError):
        message.add_attachment(b"%PDF-1.4 fuzz", maintype="application", subtype="pdf", filename="x")
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    if charset:
        raw = raw.replace(b'charset="utf-8"', f'charset="{charset}"'.encode())
    raw = raw.replace(b"Subject: ", b"Subject: " + subject.encode("utf-8", "surrogatepass")[:200] + b" ", 1)
    _assert_parsed(parse_message(raw))


def test_address_without_domain_is_a_problem_not_a_crash():
    # "0@" makes the stdlib's header parser raise IndexError (found by the test above)
    raw = b"From: 0@\r\nSubject: s\r\nMessage-ID: <d@example.org>\r\n\r\nText\r\n"
    parsed = parse_message(raw)
    _assert_parsed(parsed)
    assert "From: no single sender address" in parsed.problems


def test_group_syntax_sender_is_a_problem_not_a_crash():
    # ":;0" makes the stdlib's address parser raise AttributeError (found by the test above)
    raw = b"From: :;0\r\nSubject: s\r\nMessage-ID: <g@example.org>\r\n\r\nText\r\n"
    parsed = parse_message(raw)
    _assert_parsed(parsed)
    assert parsed.sender_address == "" and parsed.text == "Text"
    assert any("From" in problem for problem in parsed.problems)
