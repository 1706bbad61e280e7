"""The phone desk's one search box: a submission reference (typos caught by the check digit),
a file number, or a name with a date of birth in any script."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.domain.dates import InvalidPartialDate, PartialDate
from portal.intake.references import InvalidReference, format_reference, parse_reference
from portal.models import (
    ACTIVE_BOOKING_STATUSES, Booking, CaseFile, Slot, Submission,
)
from portal.models.submission import OPEN_STATUSES

_REFERENCE_LIKE = re.compile(r"^\s*ABH[\s-]*(\d{4})[\s-]*(\d{6,})[\s-]*(\d)?\s*$", re.IGNORECASE)
_FILE_NUMBER_LIKE = re.compile(r"^\s*[A-Za-z]{1,5}[\s-]*\d{2,4}[\s-]*\d{1,6}\s*$")
_DATE = re.compile(r"(\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{1,2}-\d{1,2}|\b\d{4}\b)")


@dataclass
class PersonHit:
    case_file: CaseFile
    score: float = 1.0
    reasons: list = field(default_factory=list)
    open_submissions: list[Submission] = field(default_factory=list)
    next_booking: Booking | None = None


@dataclass
class LookupResult:
    kind: str  # "reference", "file_number", "person", "empty", "not_understood"
    submission: Submission | None = None
    did_you_mean: list[str] = field(default_factory=list)
    hits: list[PersonHit] = field(default_factory=list)
    problem: str = ""  # "check_digit", "no_date", "not_found"


def _typo_variants(year: str, number: str) -> list[str]:
    """References one slip away (one digit wrong, two neighbours swapped) with a valid check digit."""
    digits = year + number
    variants = set()
    for i in range(len(digits)):
        for d in "0123456789":
            if d != digits[i]:
                variants.add(digits[:i] + d + digits[i + 1:])
        if i + 1 < len(digits) and digits[i] != digits[i + 1]:
            variants.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    return [format_reference(int(v[:4]), int(v[4:])) for v in variants]


def _by_reference(session: Session, text: str) -> LookupResult:
    try:
        reference = parse_reference(text)
    except InvalidReference:
        match = _REFERENCE_LIKE.match(text)
        year, number, check = match.groups()
        candidates = [format_reference(int(year), int(number))] + _typo_variants(year, number)
        existing = list(session.scalars(select(Submission.reference).where(Submission.reference.in_(candidates))))
        return LookupResult("reference", did_you_mean=sorted(existing), problem="check_digit")
    submission = session.scalar(select(Submission).where(Submission.reference == reference))
    result = LookupResult("reference", submission=submission, problem="" if submission else "not_found")
    if submission is not None and submission.case_file is not None:
        result.hits = [_person(session, submission.case_file)]
    return result


def _person(session: Session, case_file: CaseFile, score: float = 1.0, reasons=()) -> PersonHit:
    hit = PersonHit(case_file, score, list(reasons))
    hit.open_submissions = list(session.scalars(
        select(Submission).where(Submission.case_file_id == case_file.id,
                                 Submission.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(Submission.received_at)))
    hit.next_booking = _next_booking(session, case_file)
    return hit


def _next_booking(session: Session, case_file: CaseFile) -> Booking | None:
    """The person's next appointment: booked for one of the file's submissions, or in the same
    name and date of birth."""
    from portal.appointments.booking import person_key
    from portal.models._types import utcnow

    names = [(case_file.surname, case_file.given_names)] + [(a.surname, a.given_names) for a in case_file.aliases]
    keys = {person_key(s, g) for s, g in names}
    born = case_file.date_of_birth
    of_file = select(Submission.id).where(Submission.case_file_id == case_file.id)
    same_person = (Booking.person_key.in_(keys)) & (Booking.dob_year == born.year) if born.year else None
    condition = Booking.submission_id.in_(of_file)
    if same_person is not None:
        condition = condition | same_person
    return session.scalar(
        select(Booking).join(Slot).where(condition, Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                                         Slot.starts_at > utcnow())
        .order_by(Slot.starts_at).options(selectinload(Booking.slot)).limit(1))


def _by_file_number(session: Session, text: str) -> LookupResult | None:
    compact = re.sub(r"[\s-]", "", text).upper()
    case_file = session.scalar(select(CaseFile).where(
        func.upper(func.replace(CaseFile.file_number, "-", "")) == compact))
    if case_file is None:
        return None
    return LookupResult("file_number", hits=[_person(session, case_file)])


def _by_person(session: Session, text: str, limit: int) -> LookupResult:
    from portal.matching.candidates import find_candidates

    match = _DATE.search(text)
    if not match:
        return LookupResult("person", problem="no_date")
    try:
        born = PartialDate.parse(match.group(1))
    except InvalidPartialDate:
        return LookupResult("person", problem="no_date")
    names = (text[:match.start()] + " " + text[match.end():]).replace(",", " ").split()
    if not names:
        return LookupResult("person", problem="no_date")
    surname, given = names[0], " ".join(names[1:])
    candidates = find_candidates(session, surname=surname, given_names=given, date_of_birth=born, limit=limit)
    if not candidates and given:  # "Oleksandr Shevchenko": given name first
        candidates = find_candidates(session, surname=names[-1], given_names=" ".join(names[:-1]),
                                     date_of_birth=born, limit=limit)
    hits = _people(session, candidates)
    return LookupResult("person", hits=hits, problem="" if hits else "not_found")


def _people(session: Session, candidates) -> list[PersonHit]:
    """Like _person for each candidate, with the open submissions of all of them in one query."""
    ids = [c.case_file.id for c in candidates]
    open_items: dict[int, list[Submission]] = {i: [] for i in ids}
    if ids:
        for item in session.scalars(select(Submission).where(
                Submission.case_file_id.in_(ids), Submission.status.in_([s.value for s in OPEN_STATUSES]))
                .order_by(Submission.received_at)):
            open_items[item.case_file_id].append(item)
    hits = []
    for candidate in candidates:
        hit = PersonHit(candidate.case_file, candidate.score, list(candidate.reasons))
        hit.open_submissions = open_items[candidate.case_file.id]
        hit.next_booking = _next_booking(session, candidate.case_file)
        hits.append(hit)
    return hits


def lookup(session: Session, text: str, *, limit: int = 5) -> LookupResult:
    text = (text or "").strip()[:200]
    if not text:
        return LookupResult("empty")
    if _REFERENCE_LIKE.match(text):
        return _by_reference(session, text)
    if _FILE_NUMBER_LIKE.match(text):
        found = _by_file_number(session, text)
        if found is not None:
            return found
    return _by_person(session, text, limit)


__all__ = ["LookupResult", "PersonHit", "lookup"]
