"""The e-mail channel end to end without IMAP: `mail import` (.eml, Maildir, mbox) and the
processing rules: submissions, quarantine, duplicates, links by reference and file number,
filled portal forms, acknowledgements."""
from __future__ import annotations

import mailbox
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.config import settings_of
from portal.models import (
    Channel, Document, InboundMail, OutboundMail, ReplyLimit, Submission, SubmissionStatus,
)
from tests.support import mail_corpus as corpus
from tests.support import samples
from tests.support.app_factory import override_settings


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_import_eml_maildir_and_mbox(app, db_session, sites, tmp_path):
    eml = tmp_path / "one.eml"
    one = corpus.with_attachments(message_id="<one@example.org>")
    eml.write_bytes(one)
    maildir = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    maildir.add(corpus.plain(corpus.TEXTS["ar"], message_id="<two@example.org>", sender="m.alhassan@example.sy"))
    maildir.add(corpus.winmail(message_id="<three@example.org>"))
    mbox = mailbox.mbox(str(tmp_path / "archive.mbox"))
    mbox.add(corpus.plain(corpus.TEXTS["tr"], message_id="<four@example.org>", sender="ayse@example.com.tr"))
    mbox.add(one)  # the .eml again
    mbox.flush()

    result = app.test_cli_runner().invoke(args=["mail", "import", str(eml), str(tmp_path / "Maildir"),
                                                str(tmp_path / "archive.mbox")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "3 processed, 1 duplicates, 1 quarantined"
    assert any(line.startswith("quarantined: ") and ": tnef: winmail.dat" in line for line in lines)

    submissions = db_session.scalars(select(Submission).order_by(Submission.id)).all()
    assert [s.channel for s in submissions] == [Channel.EMAIL] * 3
    assert [s.language for s in submissions] == ["uk", "ar", "tr"]
    assert _count(db_session, InboundMail) == 4  # the .eml's copy in the mbox is known by its bytes
    # Importing again changes nothing: every message is known by its bytes.
    again = app.test_cli_runner().invoke(args=["mail", "import", str(eml), str(tmp_path / "archive.mbox")])
    assert again.output.splitlines()[0] == "0 processed, 3 duplicates, 0 quarantined"
    assert _count(db_session, Submission) == 3


def test_a_message_becomes_a_general_enquiry(app, db_session, take, case_files):
    raw = corpus.with_attachments()
    mail = take(raw)
    submission = mail.submission
    assert mail.status == "processed" and mail.language == "uk" and mail.processed_at is not None
    assert (submission.channel, submission.service.code, submission.status) == ("email", "general-enquiry", "received")
    assert (submission.applicant_surname, submission.applicant_given_names) == ("Шевченко", "Олександр")
    assert submission.applicant_email == "o.shevchenko@example.org"
    assert submission.field_values["message"] == corpus.TEXTS["uk"]
    assert submission.field_values["subject"] == "Antrag"
    [document] = db_session.scalars(select(Document).where(Document.submission_id == submission.id)).all()
    assert (document.source, document.original_filename, document.page_count) == ("email", "passport.pdf", 2)
    assert submission.idempotency_key == mail.dedup_key
    # The raw message is in storage exactly as it came.
    from portal.documents.storage import DocumentStorage

    assert DocumentStorage(settings_of(app).storage_dir).read(mail.sha256) == raw
    # Matching proposes the case file from the sender's name.
    from portal.matching.candidates import for_submission
    from portal.matching.index import index_case_file

    for case_file in case_files:
        index_case_file(db_session, case_file)
    db_session.commit()
    assert "WZ-2022-00017" in [c.case_file.file_number for c in for_submission(db_session, submission)]


def test_acknowledgement_in_the_language_of_the_message(app, db_session, take):
    mail = take(corpus.plain(corpus.TEXTS["ar"], sender="محمد <m.alhassan@example.sy>"))
    [ack] = db_session.scalars(select(OutboundMail)).all()
    assert ack.recipient == "m.alhassan@example.sy" and ack.language == "ar"
    assert mail.submission.reference in ack.subject and mail.submission.reference in ack.body_text
    assert f"/ar/status/open?reference={mail.submission.reference}&code=" in ack.body_text
    assert mail.acknowledged_at is not None and mail.details["acknowledgement"] == "sent"


def test_at_most_one_acknowledgement_per_sender_and_hour(app, db_session, take):
    first = take(corpus.plain(message_id="<a@example.org>"))
    second = take(corpus.plain(corpus.TEXTS["de"], message_id="<b@example.org>"))
    assert first.submission_id != second.submission_id
    assert _count(db_session, OutboundMail) == 1
    assert second.details["acknowledgement"] == "replied_within_hour" and second.acknowledged_at is None
    # An hour later the sender is answered again.
    limit = db_session.get(ReplyLimit, "o.shevchenko@example.org")
    limit.last_sent_at = limit.last_sent_at - timedelta(minutes=61)
    db_session.commit()
    take(corpus.plain(message_id="<c@example.org>"))
    assert _count(db_session, OutboundMail) == 2


@pytest.mark.parametrize("raw, reason", [
    (corpus.auto_reply(), "auto_submitted"), (corpus.mailing_list(), "precedence"),
    (corpus.bounce(), "report"), (corpus.noreply(), "machine_address"),
])
def test_no_acknowledgement_to_machines_but_the_message_is_kept(app, db_session, take, raw, reason):
    mail = take(raw)
    assert mail.status == "processed" and mail.submission is not None
    assert mail.details["acknowledgement"] == reason
    assert _count(db_session, OutboundMail) == 0


@pytest.mark.parametrize("raw, code, detail", [
    (corpus.encrypted_pdf(), "refused_attachment", "geschuetzt.pdf: "),
    (corpus.exe_as_pdf(), "refused_attachment", "scan.pdf: "),
    (corpus.winmail(), "tnef", "winmail.dat"),
    (corpus.broken_boundary(), "unreadable", "boundary"),
    (corpus.garbage(), "unreadable", "no header"),
])
def test_quarantine_with_the_reason(app, db_session, take, raw, code, detail):
    mail = take(raw)
    assert (mail.status, mail.reason_code) == ("quarantined", code)
    assert detail in mail.quarantine_reason
    assert mail.submission_id is None and _count(db_session, Submission) == 0
    assert _count(db_session, OutboundMail) == 0
    from portal.documents.storage import DocumentStorage

    assert DocumentStorage(settings_of(app).storage_dir).read(mail.sha256) == raw


def test_refused_attachment_reason_is_the_document_checks_message(app, db_session, take):
    from flask_babel import force_locale

    from portal.documents import refusals

    mail = take(corpus.encrypted_pdf())
    with app.app_context(), force_locale("de"):
        expected = str(refusals.encrypted_pdf().message)
    assert mail.quarantine_reason == f"geschuetzt.pdf: {expected}"
    [entry] = mail.details["attachments"]
    assert (entry["outcome"], entry["refusal"]) == ("refused", "encrypted_pdf")


def test_too_large_message_is_quarantined_and_processed_again_with_a_larger_limit(app, db_session, take,
                                                                                  monkeypatch):
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import process

    override_settings(monkeypatch, app, mail_max_bytes=20_000)
    mail = take(corpus.too_large(30_000))
    assert (mail.status, mail.reason_code) == ("quarantined", "too_large")
    assert "PORTAL_MAIL_MAX_BYTES" in mail.quarantine_reason
    override_settings(monkeypatch, app, mail_max_bytes=1_000_000)
    with app.app_context():
        outcome = process(db_session, DocumentStorage(settings_of(app).storage_dir), mail,
                          settings_of(app).mail_intake)
    assert outcome.status == "processed" and outcome.created


def test_the_same_message_twice_is_one_submission(app, db_session, take):
    first, second = corpus.same_id_other_bytes()
    one = take(first)
    again = take(first)
    other = take(second)
    assert one.id == again.id
    assert (other.status, other.submission_id) == ("duplicate", one.submission_id)
    assert _count(db_session, Submission) == 1 and _count(db_session, OutboundMail) == 1


def test_without_message_id_the_bytes_decide(app, db_session, take):
    one = take(corpus.plain(message_id=None))
    two = take(corpus.plain(corpus.TEXTS["de"], message_id=None))
    assert one.submission_id != two.submission_id


def test_reference_in_the_subject_adds_to_that_submission(app, db_session, take, make_submission):
    web = make_submission().submission
    web.status = SubmissionStatus.AWAITING_DOCUMENTS
    db_session.commit()
    mail = take(corpus.with_attachments(subject=f"Re: Unterlagen {web.reference}", message_id="<follow@example.org>"))
    db_session.refresh(web)
    assert mail.submission_id == web.id and mail.status == "processed"
    assert _count(db_session, Submission) == 1
    assert web.status == SubmissionStatus.IN_PROGRESS  # back to work so the caseworker sees it
    assert web.history[-1].status == SubmissionStatus.IN_PROGRESS and web.history[-1].note
    documents = db_session.scalars(select(Document).where(Document.submission_id == web.id)).all()
    assert sorted(d.source for d in documents) == ["email", "web"]
    [ack] = db_session.scalars(select(OutboundMail)).all()
    assert web.reference in ack.body_text and "/status/open" not in ack.body_text


def test_reference_of_a_finished_submission_makes_a_new_one_in_the_same_case_file(app, db_session, take,
                                                                                   make_submission, case_files):
    web = make_submission().submission
    web.status, web.case_file_id = SubmissionStatus.CLOSED, case_files[0].id
    db_session.commit()
    mail = take(corpus.plain(f"Noch eine Frage zu {web.reference}: wann ist mein Termin? Vielen Dank.",
                             message_id="<late@example.org>"))
    new = mail.submission
    assert new.id != web.id and new.case_file_id == case_files[0].id and new.status == "received"


def test_file_number_in_the_body_links_the_case_file(app, db_session, take, case_files):
    mail = take(corpus.with_attachments(f"{corpus.TEXTS['de']}\nAktenzeichen: dil-2016-00321"))
    submission = mail.submission
    assert submission.case_file.file_number == "DIL-2016-00321"
    assert submission.status == "received" and submission.site.code == "DIL"  # still in the queue
    assert submission.field_values["file_number"] == "DIL-2016-00321"
    assert {d.case_file_id for d in db_session.scalars(select(Document))} == {case_files[1].id}


def test_unknown_file_number_or_wrong_check_digit_links_nothing(app, db_session, take, make_submission):
    web = make_submission().submission
    typo = web.reference[:-1] + str((int(web.reference[-1]) + 1) % 10)
    mail = take(corpus.plain(f"Betrifft {typo} und WZ-2019-99999, bitte um Rückmeldung zu meinem Antrag.",
                             message_id="<typo@example.org>"))
    assert mail.submission_id != web.id and mail.submission.case_file_id is None


def test_filled_portal_form_gives_service_and_fields(app, db_session, take):
    mail = take(corpus.with_form(app))
    submission = mail.submission
    assert submission.service.code == "general-enquiry" and submission.form_version == 1
    assert submission.field_values["subject"] == "Termin"
    assert submission.field_values["date_of_birth"] == "1987-03-00"  # normalised like the web form
    assert submission.field_values["email_text"] == corpus.TEXTS["uk"]
    assert "form_problems" not in submission.field_values
    document = db_session.scalars(select(Document).where(Document.submission_id == submission.id)).one()
    assert document.kind == "application_form"


def test_invalid_form_values_are_kept_and_flagged(app, db_session, take):
    values = {**corpus.FORM_VALUES, "email": "kein-mail", "date_of_birth": "31.02.1990", "declaration": ""}
    submission = take(corpus.with_form(app, values)).submission
    assert submission.field_values["email"] == "kein-mail"
    assert submission.field_values["date_of_birth"] == "31.02.1990"
    assert submission.field_values["form_problems"].split(", ") == ["date_of_birth", "email", "declaration"]
    assert submission.applicant_email == "o.shevchenko@example.org"  # the sender then


def test_a_form_of_another_service_sets_the_service(app, db_session, take):
    values = {"surname": "Al-Hassan", "given_names": "Mohammad", "declaration": "yes"}
    submission = take(corpus.with_form(app, values, code="permit-extension")).submission
    assert submission.service.code == "permit-extension"
    assert submission.field_values["surname"] == "Al-Hassan" and submission.field_values["form_problems"]


def test_a_crash_while_processing_leaves_the_message_recorded(app, db_session, take, monkeypatch):
    import portal.intake.email.process as process_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(process_module, "_process", broken)
    mail = take(corpus.plain())
    assert (mail.status, mail.reason_code) == ("quarantined", "processing_error")
    assert "disk full" in mail.quarantine_reason and mail.sender == "o.shevchenko@example.org"


def test_a_recorded_but_unprocessed_message_is_finished_when_met_again(app, db_session, take):
    from portal.models import InboundMailSource

    raw = corpus.plain()
    import hashlib

    db_session.add(InboundMail(sha256=hashlib.sha256(raw).hexdigest(), size_bytes=len(raw),
                               source=InboundMailSource.IMAP, status="received", details={}))
    db_session.commit()
    from portal.documents.storage import DocumentStorage

    DocumentStorage(settings_of(app).storage_dir).put(raw)
    mail = take(raw)
    assert mail.status == "processed" and mail.submission is not None


def test_worker_job_reports_that_no_mailbox_is_configured(app, db_session):
    from portal.jobs import JOBS

    job = next(j for j in JOBS if j.name == "imap")
    with app.app_context():
        report = job.run()
    assert not report and "PORTAL_IMAP_HOST" in str(report)
    result = app.test_cli_runner().invoke(args=["mail", "poll"])
    assert result.exit_code != 0 and "PORTAL_IMAP_HOST" in result.output


def test_hostile_messages_are_kept_and_answered_with_a_status(app, db_session, take):
    """Arbitrary bytes and damaged real messages through the whole intake: each one is stored,
    logged and either processed or quarantined with a reason (Hypothesis)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    samples = [corpus.plain(), corpus.forward(), corpus.html_only(), corpus.rfc2231_filename()]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(raw=st.one_of(st.binary(min_size=1, max_size=2000), st.tuples(st.sampled_from(samples), st.binary(
        max_size=40), st.floats(0, 1)).map(lambda t: t[0][:int(t[2] * len(t[0]))] + t[1])))
    def attempt(raw):
        mail = take(raw)
        # A repeat of an earlier example (same Message-ID) is recorded as a duplicate of it.
        assert mail is not None and mail.status in ("processed", "quarantined", "duplicate")
        assert mail.status != "quarantined" or mail.quarantine_reason

    attempt()


def test_done_when_a_mail_client_sends_form_and_phone_photo_and_a_forward_with_a_ukrainian_name(
        app, db_session, take):
    """The issue's own example: a message as Thunderbird sends it (text and HTML, the filled
    portal PDF and a phone photo with location data), a forward whose attachment has a Ukrainian
    name, and a broken message: each ends up where it belongs."""
    from email import policy
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"] = corpus.SENDER, corpus.OFFICE
    message["Subject"], message["Date"] = "Antrag Schutz", corpus.DATE
    message["Message-ID"], message["User-Agent"] = "<tb-1@example.org>", "Mozilla Thunderbird 128.3"
    message.set_content(corpus.TEXTS["uk"])
    message.add_alternative(f"<p>{corpus.TEXTS['uk']}</p>", subtype="html")
    message.add_attachment(corpus.fillable_form(app, values=corpus.FORM_VALUES), maintype="application",
                           subtype="pdf", filename="Antrag ausgefüllt.pdf")
    message.add_attachment(samples.jpeg_bytes((1200, 900), with_gps=True), maintype="image", subtype="jpeg",
                           filename="IMG_20260302_091500.jpg")
    mail = take(message.as_bytes(policy=policy.SMTP))
    submission = mail.submission
    assert mail.status == "processed" and submission.service.code == "general-enquiry"
    assert submission.field_values["subject"] == "Termin" and submission.channel == "email"
    documents = db_session.scalars(select(Document).where(Document.submission_id == submission.id)
                                   .order_by(Document.id)).all()
    kinds = sorted((d.kind, d.media_type) for d in documents)
    assert ("application_form", "application/pdf") in kinds and ("attachment", "image/jpeg") in kinds
    photo = next(d for d in documents if d.media_type == "image/jpeg")
    from portal.documents.storage import DocumentStorage

    assert b"GPS" not in DocumentStorage(settings_of(app).storage_dir).read(photo.sha256)  # metadata gone
    assert any(d.derived_from_id == photo.id and d.media_type == "application/pdf" for d in documents)

    forwarded = EmailMessage()
    forwarded["From"], forwarded["To"] = "Ayşe Yılmaz <ayse.yilmaz@example.com.tr>", corpus.OFFICE
    forwarded["Subject"], forwarded["Message-ID"] = "Документи", "<inner-uk@example.org>"
    forwarded.set_content(corpus.TEXTS["uk"])
    forwarded.add_attachment(samples.pdf_bytes(1), maintype="application", subtype="pdf",
                             filename="Посвідка на проживання.pdf")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = corpus.SENDER, corpus.OFFICE, "Fwd: Документи"
    outer["Message-ID"] = "<fwd-uk@example.org>"
    outer.set_content("Пересилаю документи моєї матері.")
    outer.add_attachment(forwarded)
    names = [d.original_filename for d in db_session.scalars(
        select(Document).where(Document.submission_id == take(outer.as_bytes(policy=policy.SMTP)).submission_id))]
    assert names == ["Посвідка на проживання.pdf"]

    broken = take(corpus.broken_boundary())
    assert broken.status == "quarantined" and broken.quarantine_reason and broken.submission_id is None


# -- real mail programs' messages are processed, not quarantined or dropped --------------------------
def test_outlook_express_message_with_an_unquoted_boundary_is_processed(db_session, take):
    mail = take(corpus.outlook_express())
    assert (mail.status, mail.reason_code) == ("processed", "")
    assert mail.submission.field_values["message"] == corpus.TEXTS["de"]
    [document] = db_session.scalars(select(Document).where(Document.submission_id == mail.submission_id)).all()
    assert document.original_filename == "Meldebescheinigung.pdf"


def test_a_broken_inner_part_costs_only_that_part(db_session, take):
    mail = take(corpus.broken_inner_part())
    assert mail.status == "processed" and mail.submission is not None
    names = [d.original_filename for d in db_session.scalars(
        select(Document).where(Document.submission_id == mail.submission_id))]
    assert names == ["pass.pdf"]
    assert [(p["part"], p["why"]) for p in mail.details["unreadable_parts"]] == [
        ("2", "boundary_not_found"), ("3", "undecodable")]


def test_a_small_named_inline_photo_is_filed(db_session, take):
    mail = take(corpus.apple_mail_photo())
    documents = db_session.scalars(select(Document).where(Document.submission_id == mail.submission_id)).all()
    assert "IMG_0042.jpeg" in [d.original_filename for d in documents]
    assert mail.details["ignored"] == []


def test_raw_8bit_subject_and_name_are_read_in_their_charset(db_session, take):
    mail = take(corpus.raw_8bit_headers("Jürgen Müller", "Verlängerung der Aufenthaltserlaubnis", "iso-8859-1"))
    assert (mail.sender_name, mail.subject) == ("Jürgen Müller", "Verlängerung der Aufenthaltserlaubnis")
    submission = mail.submission
    assert (submission.applicant_surname, submission.applicant_given_names) == ("Müller", "Jürgen")
    assert submission.field_values["subject"] == "Verlängerung der Aufenthaltserlaubnis"


def test_another_message_under_a_known_message_id_is_a_new_message(db_session, take):
    first = take(corpus.with_attachments(message_id="<reused@example.org>"))
    other = take(corpus.with_attachments(corpus.TEXTS["de"], files=[("aufenthalt.pdf", samples.pdf_bytes(3),
                                                                   "application/pdf")],
                                         message_id="<reused@example.org>"))
    assert other.status == "processed" and other.submission_id != first.submission_id
    assert other.details["message_id_reused_by"] == [first.id]
    assert [d.original_filename for d in db_session.scalars(
        select(Document).where(Document.submission_id == other.submission_id))] == ["aufenthalt.pdf"]
    assert _count(db_session, Submission) == 2


def test_a_relayed_copy_with_other_headers_and_encoding_is_a_duplicate(db_session, take):
    raw = corpus.with_attachments(message_id="<relayed@example.org>")
    first = take(raw)
    copy = take(corpus.relayed_copy(raw))
    assert copy.id != first.id and (copy.status, copy.submission_id) == ("duplicate", first.submission_id)
    assert "message_id_reused_by" not in copy.details and _count(db_session, Submission) == 1


def test_a_copy_of_a_message_taken_in_before_content_digests_is_still_a_duplicate(db_session, take):
    raw = corpus.with_attachments(message_id="<older@example.org>")
    first = take(raw)
    first.details = {k: v for k, v in first.details.items() if k != "content_digest"}  # as rows from before
    first.dedup_key = "email:" + "0" * 58
    db_session.commit()
    copy = take(corpus.relayed_copy(raw))
    assert (copy.status, copy.submission_id) == ("duplicate", first.submission_id)
