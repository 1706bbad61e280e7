"""A message that names a submission's reference: a follow-up from its applicant, or not.

A reference is no secret (references are sequential and the check digit can be computed), so
naming one proves nothing. A message joins the submission it names only when it comes from
the applicant's address on record (addresses.same_address). From anyone else it becomes a new
submission like any other message: the named submission's case file and site are not used,
the mail's details keep the reference (`named_reference`), and the caseworker sees "names
ABH-… but comes from another sender" with one click to add it there (add_to_named_submission).
The acknowledgement does not tell a stranger whether the reference exists: it is the mail
every new message gets, with its own new reference and status code.

The From address can be forged. A forger writing as the applicant does join the submission,
but the acknowledgement goes to that address, the applicant's own, so the forger learns
nothing; and the documents are marked as received by e-mail for the caseworker.
"""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.audit import record
from portal.casefiles.operations import link_submission
from portal.intake.email.addresses import same_address
from portal.intake.email.understanding import is_open, note_received
from portal.models import Document, InboundMail, StaffUser, Submission, SubmissionStatus
from portal.models._types import utcnow

NAMED_REFERENCE = "named_reference"  # key in InboundMail.details


class JoinRefused(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def named_submissions(session: Session, references: list[str]) -> list[Submission]:
    """The submissions the references name, in the order named (unknown ones left out)."""
    found = []
    for reference in references:
        submission = session.scalar(select(Submission).where(Submission.reference == reference))
        if submission is not None and submission not in found:
            found.append(submission)
    return found


def own_submission(named: list[Submission], sender_address: str) -> Submission | None:
    """The first named submission whose applicant wrote from this address."""
    for submission in named:
        if submission.applicant_email and same_address(submission.applicant_email, sender_address):
            return submission
    return None


# -- the caseworker's "add to that submission" ---------------------------------------------------

def named_submission(session: Session, mail: InboundMail) -> Submission | None:
    """The submission a message names but was not added to (another sender), if it still exists."""
    named = (mail.details or {}).get(NAMED_REFERENCE) or {}
    if not named.get("reference") or named.get("added_at"):
        return None
    return session.scalar(select(Submission).where(Submission.reference == named["reference"]))


def add_to_named_submission(session: Session, mail: InboundMail, staff: StaffUser, *,
                            client_address: str = "") -> str:
    """A caseworker decided that a message from another sender belongs to the submission it
    names. An open one takes the message's documents and mails and the submission the message
    made is closed; a finished one gives its case file to that submission, which stays in the
    queue (as a follow-up of the applicant's own would). Writes the audit entries; returns
    "joined" or "linked". The caller checks the site rule for both submissions and commits."""
    target = named_submission(session, mail)
    made = mail.submission
    if target is None or made is None:
        raise JoinRefused("nothing_named")
    if made.id == target.id:
        raise JoinRefused("nothing_named")
    if not is_open(made):
        raise JoinRefused("not_open")
    now = utcnow()
    if is_open(target):
        outcome = "joined"
        documents = session.scalar(select(func.count()).select_from(Document).where(
            Document.submission_id == made.id, Document.derived_from_id.is_(None)))
        session.execute(update(Document).where(Document.submission_id == made.id)
                        .values(submission_id=target.id, case_file_id=target.case_file_id)
                        .execution_options(synchronize_session="fetch"))
        session.execute(update(InboundMail).where(InboundMail.submission_id == made.id)
                        .values(submission_id=target.id).execution_options(synchronize_session="fetch"))
        note_received(target, documents, now, staff)
        with force_locale(made.language):  # the sender reads it on the status page
            note = _("Your e-mail has been added to the application it concerns.")
        made.change_status(SubmissionStatus.CLOSED, at=now, staff=staff, note=note)
    elif target.case_file is not None:
        outcome = "linked"
        link_submission(session, made, target.case_file)
    else:
        raise JoinRefused("not_open")
    named = dict(mail.details[NAMED_REFERENCE])
    named.update(added_at=now.isoformat(), added_by=staff.id, outcome=outcome)
    mail.details = {**mail.details, NAMED_REFERENCE: named}
    detail = {"mail": mail.id, "from": made.reference, "outcome": outcome}
    record(session, "add_named_mail", staff=staff, object_type="submission", object_id=target.reference,
           client_address=client_address, detail=detail)
    record(session, "change", staff=staff, object_type="submission", object_id=made.reference,
           client_address=client_address, detail={"mail": mail.id, "added_to": target.reference, "outcome": outcome})
    return outcome
