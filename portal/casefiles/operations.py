"""The life cycle of a case file: opening one, filing a submission in it, linking one to it.

- create_case_file: the one way a case file is made, by the master-data import, the scan import
  (both name the file number: run again, they find the file made before) and the caseworker's
  "open a new file" (the site's next number; a colleague taking the same number at the same
  moment makes it take the next one).
- attach_submission: a submission filed in its case file (by a caseworker, the scan import, or
  auto-attach): its status and history, its site becoming the file's (who may see it follows the
  file, portal.casework.access), its documents moving onto the file, the applicant's spelling of
  the name as a known spelling of the file, the file's name keys.
- link_submission: a submission that names a file (a file number in a mail) is linked to it and
  stays open in the queue until a caseworker confirms the link or attaches it elsewhere.
- record_spelling / remove_spelling: a caseworker adds a known spelling of the person's name
  (the passport's, an earlier passport's, the birth name, the name in its own script) or removes
  one; the name keys follow, so that the matching and the lookup find the file under it.

Everything happens in the caller's transaction (the caller commits), with its audit entries.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.audit import record
from portal.casefiles.person import is_latin, person_of_submission
from portal.casefiles.spellings import add_spelling
from portal.db_insert import insert_unless_present
from portal.domain.dates import PartialDate
from portal.matching.candidates import Candidate
from portal.matching.index import index_case_file
from portal.models import (
    CaseFile, CaseFileAlias, Document, Site, SpellingKind, StaffUser, Submission, SubmissionStatus,
)
from portal.models._types import utcnow

NUMBER_ATTEMPTS = 20  # colleagues opening files at the same site at the same moment


class AttachError(ValueError):
    """The submission cannot be attached (it is attached to another file already), or no
    file number is free."""


def _audit(session: Session, action: str, staff_user: StaffUser | None, object_type: str, object_id: str,
           client_address: str, detail: dict, api_client=None) -> None:
    record(session, action, staff=staff_user, object_type=object_type, object_id=object_id,
           client_address=client_address, detail=detail, api_client=api_client)


# -- opening a file ------------------------------------------------------------------------------

def next_file_number(session: Session, site: Site, year: int) -> str:
    """`WZ-2026-00001`: the site's code, the year, the next number of that site and year."""
    prefix = f"{site.code}-{year}-"
    highest = session.scalar(select(func.max(CaseFile.file_number))
                             .where(CaseFile.file_number.like(prefix + "%"),
                                    func.length(CaseFile.file_number) == len(prefix) + 5))
    number = int(highest[len(prefix):]) + 1 if highest and highest[len(prefix):].isdigit() else 1
    return f"{prefix}{number:05d}"


def _insert(session: Session, row: dict) -> CaseFile | None:
    """Insert unless the file number is taken; the new file (in the session) or None."""
    statement = (insert_unless_present(session, CaseFile, conflict_on=["file_number"])
                 .values(**row).returning(CaseFile))
    # Pending changes (an import's known spellings) need not go first: they are flushed together later.
    with session.no_autoflush:
        case_file = session.scalars(statement).first()
    if case_file is not None:
        set_committed_value(case_file, "aliases", [])  # a new row has none: no query to find that out
    return case_file


def create_case_file(session: Session, person: dict, *, file_number: str | None = None,
                     aliases: Iterable[tuple[str, str]] = (), alias_source: str = "", year: int | None = None,
                     audit: dict | None = None, staff_user: StaffUser | None = None,
                     client_address: str = "") -> CaseFile | None:
    """Open a case file for `person` (CaseFile attributes: surname, given_names, birth_name,
    date_of_birth as a PartialDate, place_of_birth, nationality, site_id), with the known
    spellings `aliases` ((surname, given names) pairs, marked with `alias_source`).

    With `file_number`: that number, or None when the office has a file of that number already
    (the same import again, or another process a moment ago); the caller then uses that file.
    Without: the site's next number of `year` (default this year). Writes the audit entry
    "create" with the detail `audit` when one is given."""
    row = {key: value for key, value in person.items() if key != "date_of_birth"}
    born = person.get("date_of_birth") or PartialDate(None)
    row.update(dob_year=born.year, dob_month=born.month, dob_day=born.day)
    if file_number is not None:
        case_file = _insert(session, {**row, "file_number": file_number})
        if case_file is None:
            return None
    else:
        site = session.get(Site, person["site_id"])
        year = year or utcnow().year
        for _ in range(NUMBER_ATTEMPTS):  # another caseworker may take the same number at the same moment
            case_file = _insert(session, {**row, "file_number": next_file_number(session, site, year)})
            if case_file is not None:
                break
        else:
            raise AttachError("no free file number")
    for surname, given_names in aliases:
        add_spelling(case_file, surname, given_names, source=alias_source)
    if audit is not None:
        _audit(session, "create", staff_user, "case_file", case_file.file_number, client_address, audit)
    return case_file


def open_case_file_for(session: Session, submission: Submission, site: Site, staff_user: StaffUser | None,
                       *, client_address: str = "", today: date | None = None,
                       spellings: Iterable[tuple[str, str, str]] = ()) -> CaseFile:
    """Open a new case file from the submission's data and attach the submission to it.

    `spellings`: (kind, surname, given names) the caseworker confirmed, e.g. the passport's
    Latin spelling and an earlier passport's; a name the submission wrote in another script is
    kept as its script original too. All are in the audit entry of the new file."""
    person = {**person_of_submission(submission), "site_id": site.id}
    confirmed = [(SpellingKind(kind), (surname or "").strip()[:200], (given or "").strip()[:200])
                 for kind, surname, given in spellings if (surname or "").strip()]
    if not is_latin(person["surname"] + person["given_names"]) and confirmed:
        confirmed.append((SpellingKind.SCRIPT_ORIGINAL, person["surname"], person["given_names"]))
    audit: dict = {"from_submission": submission.reference}
    if confirmed:
        audit["spellings"] = [{"kind": kind.value, "spelling": f"{surname}, {given}".strip(", ")}
                              for kind, surname, given in confirmed]
    case_file = create_case_file(session, person, year=(today or utcnow().date()).year, audit=audit,
                                 staff_user=staff_user, client_address=client_address)
    for kind, surname, given in confirmed:
        add_spelling(case_file, surname, given, source=f"submission {submission.reference}"[:40], kind=kind)
    attach_submission(session, submission, case_file, staff_user, client_address=client_address)
    return case_file


# -- known spellings -----------------------------------------------------------------------------

def record_spelling(session: Session, case_file: CaseFile, surname: str, given_names: str, kind: str,
                    staff_user: StaffUser | None, *, client_address: str = "") -> CaseFileAlias | None:
    """Record a known spelling of the person's name (portal.casefiles.spellings.add_spelling
    decides what is new); the file's name keys follow and the change is audited. None when the
    file knew the spelling already."""
    kind = SpellingKind(kind)
    before = {alias.id: alias.kind for alias in case_file.aliases}
    alias = add_spelling(case_file, surname, given_names, source="caseworker", kind=kind)
    if alias is None:
        return None
    session.flush()
    demoted = [a for a in case_file.aliases if before.get(a.id) == SpellingKind.PASSPORT
               and a.kind == SpellingKind.EARLIER_PASSPORT]
    index_case_file(session, case_file)
    detail = {"spelling_added": f"{alias.surname}, {alias.given_names}".strip(", "), "kind": kind.value}
    if alias.id in before:
        detail["kind_was"] = before[alias.id]
    if demoted:
        detail["now_earlier_passport"] = [f"{a.surname}, {a.given_names}".strip(", ") for a in demoted]
    _audit(session, "change", staff_user, "case_file", case_file.file_number, client_address, detail)
    return alias


def remove_spelling(session: Session, case_file: CaseFile, alias: CaseFileAlias, staff_user: StaffUser | None,
                    *, client_address: str = "") -> None:
    """Remove a known spelling (entered by mistake); the name keys follow, the audit keeps it."""
    if alias.case_file_id != case_file.id:
        raise ValueError("the spelling is not one of this case file")
    spelling = f"{alias.surname}, {alias.given_names}".strip(", ")
    kind = alias.kind
    case_file.aliases.remove(alias)
    session.flush()
    index_case_file(session, case_file)
    _audit(session, "change", staff_user, "case_file", case_file.file_number, client_address,
           {"spelling_removed": spelling, "kind": kind})


# -- filing a submission -------------------------------------------------------------------------

def attach_submission(session: Session, submission: Submission, case_file: CaseFile,
                      staff_user: StaffUser | None = None, *, client_address: str = "",
                      automatic: bool = False, candidate: Candidate | None = None,
                      api_client=None) -> CaseFileAlias | None:
    """Attach the submission to the case file; returns the known spelling added (or None).
    `api_client`: done through the API by that client (staff_user is None then)."""
    linked = submission.case_file
    if linked is not None and linked.id != case_file.id and submission.status == SubmissionStatus.ATTACHED:
        raise AttachError(f"{submission.reference} is attached to another case file already")
    session.flush()
    if submission.status != SubmissionStatus.ATTACHED:
        # Refused for a rejected or closed submission (Submission.change_status), before anything moves.
        submission.change_status(SubmissionStatus.ATTACHED, staff=staff_user,
                                 api_client_id=api_client.id if api_client is not None else None)
    submission.case_file = case_file
    submission.site_id = case_file.site_id
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
               {"moved_away": submission.reference, "to": case_file.file_number}, api_client)
    if candidate is not None:
        detail["score"] = round(candidate.score, 3)
    _audit(session, "attach", staff_user, "submission", submission.reference, client_address, detail, api_client)
    _audit(session, "change", staff_user, "case_file", case_file.file_number, client_address,
           {"attached": submission.reference, **({"spelling": f"{alias.surname}, {alias.given_names}"}
                                                 if alias is not None else {})}, api_client)
    return alias


def link_submission(session: Session, submission: Submission, case_file: CaseFile) -> None:
    """A submission that names a file belongs to that file, not confirmed yet: it stays open in
    the queue; its documents are the file's, and an empty site becomes the file's."""
    session.flush()
    submission.case_file = case_file
    if submission.site_id is None:
        submission.site_id = case_file.site_id
    for document in session.scalars(select(Document).where(Document.submission_id == submission.id)):
        document.case_file_id = case_file.id
