"""Attaching a submission to a case file, or opening a new file for it.

Everything happens in the caller's transaction (the caller commits): the submission's
status and history, its site becoming the file's (who may see it follows the file,
portal.casework.access), its documents moving onto the case file, the applicant's spelling of
the name as a known spelling of the file, the file's name keys, and the audit event.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.domain.dates import PartialDate
from portal.matching.candidates import (
    Candidate, auto_attach_candidate, auto_attach_settings, for_submission, query_for_submission,
)
from portal.matching.index import index_case_file
from portal.matching.names import fold
from portal.models import (
    AuditEvent, CaseFile, CaseFileAlias, Document, Site, StaffUser, Submission, SubmissionStatus,
    SubmissionStatusChange,
)
from portal.models._types import utcnow


class AttachError(ValueError):
    """The submission cannot be attached (it is attached to another file already)."""


def _spelling(surname: str, given_names: str) -> tuple[str, str]:
    """A spelling as the office would tell it apart: case, accents, hyphens and spacing do not
    count (`AL-HASSAN` is `Al Hassan`), other letters or another script do."""
    def first(text: str) -> str:
        folded = fold(text or "")
        return folded[0] if folded else ""
    return first(surname), first(given_names)


def known_spellings(case_file: CaseFile) -> set[tuple[str, str]]:
    spellings = {_spelling(case_file.surname, case_file.given_names)}
    if case_file.birth_name:
        spellings.add(_spelling(case_file.birth_name, case_file.given_names))
    for alias in case_file.aliases:
        spellings.add(_spelling(alias.surname, alias.given_names))
        if not alias.given_names:
            spellings.add(_spelling(alias.surname, case_file.given_names))
    return spellings


def add_spelling(case_file: CaseFile, surname: str, given_names: str, source: str = "") -> CaseFileAlias | None:
    """Add a known spelling unless the file knows it already (in either name order)."""
    surname, given_names = (surname or "").strip(), (given_names or "").strip()
    if not surname:
        return None
    known = known_spellings(case_file)
    spelling = _spelling(surname, given_names)
    if spelling in known or (spelling[1], spelling[0]) in known:
        return None
    alias = CaseFileAlias(surname=surname[:200], given_names=given_names[:200], source=source[:40])
    case_file.aliases.append(alias)
    return alias


def _audit(session: Session, action: str, staff_user: StaffUser | None, object_type: str, object_id: str,
           client_address: str, detail: dict) -> None:
    # As portal.audit.record, but in the session given (domain code runs outside a request too).
    session.add(AuditEvent(action=action, staff_user_id=staff_user.id if staff_user is not None else None,
                           object_type=object_type, object_id=object_id, client_address=client_address or "",
                           detail=detail))


def attach_submission(session: Session, submission: Submission, case_file: CaseFile,
                      staff_user: StaffUser | None = None, *, client_address: str = "",
                      automatic: bool = False, candidate: Candidate | None = None) -> CaseFileAlias | None:
    """Attach the submission to the case file; returns the known spelling added (or None)."""
    linked = submission.case_file
    if linked is not None and linked.id != case_file.id and submission.status == SubmissionStatus.ATTACHED:
        raise AttachError(f"{submission.reference} is attached to another case file already")
    session.flush()
    now = utcnow()
    submission.case_file = case_file
    submission.site_id = case_file.site_id
    if submission.status != SubmissionStatus.ATTACHED:
        submission.status = SubmissionStatus.ATTACHED
        submission.history.append(SubmissionStatusChange(
            status=SubmissionStatus.ATTACHED, at=now,
            staff_user_id=staff_user.id if staff_user is not None else None))
    moved = session.execute(update(Document).where(Document.submission_id == submission.id)
                            .values(case_file_id=case_file.id)
                            .execution_options(synchronize_session="fetch")).rowcount
    alias = add_spelling(case_file, submission.applicant_surname, submission.applicant_given_names,
                         source=f"submission {submission.reference}")
    index_case_file(session, case_file)
    detail = {"case_file": case_file.file_number, "documents": moved, "automatic": automatic,
              "spelling_added": alias is not None}
    if linked is not None and linked.id != case_file.id:
        # The intake's link (a file number in a mail, a file the scan import opened) was wrong.
        detail["moved_from"] = linked.file_number
        _audit(session, "change", staff_user, "case_file", linked.file_number, client_address,
               {"moved_away": submission.reference, "to": case_file.file_number})
    if candidate is not None:
        detail["score"] = round(candidate.score, 3)
    _audit(session, "attach", staff_user, "submission", submission.reference, client_address, detail)
    _audit(session, "change", staff_user, "case_file", case_file.file_number, client_address,
           {"attached": submission.reference, **({"spelling": f"{alias.surname}, {alias.given_names}"}
                                                 if alias is not None else {})})
    return alias


def next_file_number(session: Session, site: Site, year: int) -> str:
    """`WZ-2026-00001`: the site's code, the year, the next number of that site and year."""
    prefix = f"{site.code}-{year}-"
    highest = session.scalar(select(func.max(CaseFile.file_number))
                             .where(CaseFile.file_number.like(prefix + "%"),
                                    func.length(CaseFile.file_number) == len(prefix) + 5))
    number = int(highest[len(prefix):]) + 1 if highest and highest[len(prefix):].isdigit() else 1
    return f"{prefix}{number:05d}"


def _insert_case_file(session: Session, values: dict) -> int | None:
    """Insert unless the file number is taken (by a colleague a moment ago); the new id or None."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (insert(CaseFile.__table__).values(**values)
                 .on_conflict_do_nothing(index_elements=["file_number"]).returning(CaseFile.__table__.c.id))
    return session.execute(statement).scalar()


def open_case_file_for(session: Session, submission: Submission, site: Site, staff_user: StaffUser | None,
                       *, client_address: str = "", today: date | None = None) -> CaseFile:
    """Open a new case file from the submission's data and attach the submission to it."""
    q = query_for_submission(submission)
    values = submission.field_values or {}
    dob = q.date_of_birth or PartialDate(None)
    year = (today or utcnow().date()).year
    now = utcnow()
    case_file_id = None
    for _ in range(20):  # another caseworker may take the same number at the same moment
        number = next_file_number(session, site, year)
        case_file_id = _insert_case_file(session, {
            "file_number": number, "surname": q.surname[:200], "given_names": q.given_names[:200],
            "birth_name": q.birth_name[:200], "dob_year": dob.year, "dob_month": dob.month, "dob_day": dob.day,
            "place_of_birth": str(values.get("place_of_birth", "") or "")[:200],
            "nationality": q.nationality[:3], "site_id": site.id, "status": "active",
            "retention_rule": "standard", "created_at": now, "updated_at": now,
        })
        if case_file_id is not None:
            break
    if case_file_id is None:
        raise AttachError("no free file number")
    case_file = session.get(CaseFile, case_file_id)
    _audit(session, "create", staff_user, "case_file", case_file.file_number, client_address,
           {"from_submission": submission.reference})
    attach_submission(session, submission, case_file, staff_user, client_address=client_address)
    return case_file


def maybe_auto_attach(session: Session, submission: Submission) -> Candidate | None:
    """Attach without a caseworker when the office enabled it (PORTAL_MATCH_AUTO_ATTACH) and
    one candidate is clearly the person (PORTAL_MATCH_AUTO_THRESHOLD); needs an app context.
    Returns the candidate attached, or None."""
    enabled, threshold = auto_attach_settings()
    if not enabled or submission.case_file_id is not None:
        return None
    chosen = auto_attach_candidate(for_submission(session, submission), threshold)
    if chosen is None:
        return None
    attach_submission(session, submission, chosen.case_file, None, automatic=True, candidate=chosen)
    return chosen
