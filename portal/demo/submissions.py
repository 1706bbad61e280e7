"""Demo submissions, so that the queue has work in it: web applications and e-mails from people
who have a case file (under another spelling or an unknown birth day) and from people who have
none yet, through the same intake as real ones; and one request for documents whose mail (in the
demo mailbox) the applicant answers. Idempotent (one key per demo submission)."""
from __future__ import annotations

import io
from email.message import EmailMessage

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Settings
from portal.demo.people import demo_people
from portal.documents.storage import DocumentStorage
from portal.domain.dates import PartialDate
from portal.models import Channel, InboundMailSource, Submission

# (service, language, channel) for the demo people taken from the case files, in order.
KNOWN = [
    ("temporary-protection", "uk", Channel.WEB), ("permit-extension", "ar", Channel.WEB),
    ("address-change", "tr", Channel.WEB), ("general-enquiry", "ru", Channel.EMAIL),
    ("permit-extension", "fa", Channel.WEB), ("general-enquiry", "de", Channel.EMAIL),
]
# People without a case file: the caseworker opens one.
NEW = [
    ("temporary-protection", "uk", "Гнатюк", "Ярослава", PartialDate(1991, 7)),
    ("general-enquiry", "ar", "العلي", "رهف", PartialDate(1999)),
]


def _pdf(title: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)  # the same bytes every run: the intake sees a repeat
    page.setFont("Helvetica", 14)
    page.drawString(72, 760, title)
    page.drawString(72, 740, "Demo document: no real person")
    page.showPage()
    page.save()
    return buffer.getvalue()


def _web(session: Session, storage: DocumentStorage, settings: Settings, key: str, service: str, language: str,
         surname: str, given_names: str, born: PartialDate, site_code: str | None) -> None:
    from portal.intake import Applicant, IntakeDraft, IntakeFile, receive
    from portal.intake.acknowledge import acknowledge_web_submission

    pdf = _pdf(f"Passport / Reisepass: {surname}, {given_names}")
    digest = storage.put(pdf)
    draft = IntakeDraft(
        channel=Channel.WEB, service_code=service, language=language,
        values={"surname": surname, "given_names": given_names, "date_of_birth": born.iso(),
                "subject": "Demo", "message": "Demo"},
        applicant=Applicant(surname, given_names, born, ""),
        files=[IntakeFile("passport", "passport.pdf", "application/pdf", digest, len(pdf), digest, len(pdf), 1)],
        idempotency_key=key, site_code=site_code,
    )
    result = receive(session, storage, draft, matching=settings.matching)
    if result.created:
        acknowledge_web_submission(session, storage, result.submission, result.status_code,  # the receipt
                                   settings.office)
    session.commit()
    if result.created:
        from portal.intake.receipts import finish_receipt

        finish_receipt(session, storage, result.submission.id)  # its PDF, as the portal makes it


def _email(session: Session, storage: DocumentStorage, settings: Settings, n: int, language: str, surname: str,
           given_names: str, file_number: str) -> bool:
    """Through the e-mail intake; the same bytes every run, which the intake recognises."""
    from portal.intake.email.process import take_in

    message = EmailMessage()
    message["From"] = f"{given_names} {surname} <demo{n}@example.org>"
    message["To"] = "auslaenderbehoerde@lahn-dill.example"
    message["Subject"] = f"Frage zu meiner Akte {file_number}"
    message["Message-ID"] = f"<demo-submission-{n}@demo.example>"
    message.set_content({"ru": "Здравствуйте, когда я смогу получить мою карту? Спасибо.",
                         "de": "Guten Tag, wann kann ich meine Karte abholen? Vielen Dank."}.get(language, "Hallo"))
    message.add_attachment(_pdf(f"Brief / letter: {surname}"), maintype="application", subtype="pdf",
                           filename="brief.pdf")
    message.set_boundary(f"demo-boundary-{n}")  # not a random one: the same bytes every run
    outcome = take_in(session, storage, message.as_bytes(), source=InboundMailSource.FILE, source_detail="seed-demo",
                      settings=settings.mail_intake)
    return outcome.created


def seed_submissions(session: Session, storage: DocumentStorage, settings: Settings, case_files: int) -> int:
    """Open submissions for the demo queue, through the installation's intake as it is set up
    (`settings`); returns how many were made now."""
    done = set(session.scalars(select(Submission.idempotency_key).where(Submission.idempotency_key.like("demo%"))))
    made = 0
    people = [p for p in demo_people(case_files) if not p.moved_away][:len(KNOWN) * 7:7]
    for n, (person, (service, language, channel)) in enumerate(zip(people, KNOWN, strict=False)):
        key = f"demo-submission-{n}"
        if channel == Channel.WEB:
            if key in done:
                continue
            # The spelling the applicant types is the file's other one, where it has one.
            surname, given_names = person.aliases[0] if person.aliases else (person.surname, person.given_names)
            _web(session, storage, settings, key, service, language, surname, given_names, person.date_of_birth,
                 person.site_code)
        elif not _email(session, storage, settings, n, language, person.surname, person.given_names,
                        person.file_number):
            continue
        made += 1
    for n, (service, language, surname, given_names, born) in enumerate(NEW):
        key = f"demo-submission-new-{n}"
        if key not in done:
            _web(session, storage, settings, key, service, language, surname, given_names, born, None)
            made += 1
    _ask_for_documents(session, settings)
    return made


def _ask_for_documents(session: Session, settings: Settings) -> None:
    """One request for documents, to the Russian e-mail's sender: its mail (with the answer link)
    lands in the demo mailbox. Once: not when any request exists."""
    from datetime import timedelta

    from portal.casework.requests import ask_for_documents, default_deadline
    from portal.domain.office_time import local_date
    from portal.models import DocumentRequest, StaffUser
    from portal.models._types import utcnow

    if session.scalar(select(DocumentRequest.id).limit(1)) is not None:
        return
    asked = session.scalar(select(Submission).where(Submission.channel == Channel.EMAIL, Submission.language == "ru",
                                                    Submission.applicant_email != "")
                           .order_by(Submission.id))
    staff = session.scalar(select(StaffUser).where(StaffUser.email == "sachbearbeitung.wetzlar@abh-demo.example"))
    if asked is None or not asked.is_open:
        return
    today = local_date(utcnow())
    ask_for_documents(session, asked, staff, ["attachment"],
                      "Bitte senden Sie eine Kopie Ihres Reisepasses (alle Seiten mit Stempeln).",
                      deadline=max(default_deadline(today, settings.requests), today + timedelta(days=1)),
                      today=today, office=settings.office, client_address="seed-demo")
    session.commit()
