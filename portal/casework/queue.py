"""The inbound queue: which open submissions a caseworker sees and in which order, how old they
are in working days against the target, and who works on them (claims).

No flask.request here: the views turn the page's parameters into a `QueueFilter` and pass the
session, the moment and the settings.

Paging is by keyset ("after this item"), never OFFSET, so the 100th page costs what the first
does. Claiming is one conditional UPDATE (`... WHERE assignee_id IS NULL OR claimed_at < :cutoff
OR assignee_id = :me`): on PostgreSQL the second of two simultaneous claims waits for the row lock
and re-checks the condition, on SQLite writers are serialised; either way exactly one matches.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, bindparam, exists, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, selectinload

from portal.domain.office_time import (
    add_working_days, aware, local_date, nth_working_day_back, start_of_day, working_days_between,
)
from portal.audit import record
from portal.config import QueueRules  # the office's settings (PORTAL_QUEUE_TARGET_DAYS, ...)
from portal.models import DocumentRequest, RequestState, Service, StaffUser, Submission, SubmissionStatus
from portal.models.submission import OPEN_STATUSES

OPEN_VALUES = tuple(s.value for s in OPEN_STATUSES)
MAX_AGE_DAYS = 3650  # "older than" beyond ten years is a typo, not a question
COUNT_UP_TO = 1000  # the page counts matching items up to this many

SORT_OLDEST, SORT_NEWEST, SORT_SERVICE = "oldest", "newest", "service"
SORTS = (SORT_OLDEST, SORT_NEWEST, SORT_SERVICE)
ASSIGNEE_ME, ASSIGNEE_NOBODY = "me", "nobody"
AGE_OVERDUE, AGE_ON_TIME = "overdue", "on_time"
# Requests for documents: the applicant has answered, or an answer is past its deadline.
ANSWER_RECEIVED, ANSWER_OVERDUE = "received", "overdue"


# -- age in working days ----------------------------------------------------------------------

def received_before_for_age_over(today: date, days: int) -> datetime:
    """The moment M with: age in working days > `days`  <=>  received_at < M.

    An item is older than n working days exactly when it arrived (local date) before the
    (n+1)-th working day counting back from today, so an age filter is a plain range on
    received_at and can use the index."""
    first_too_young = nth_working_day_back(today, days + 1)
    return start_of_day(first_too_young)


@dataclass(frozen=True)
class Age:
    working_days: int
    target: int
    due: date  # the day the target runs out

    @property
    def overdue(self) -> bool:
        return self.working_days > self.target


def age_of(received_at: datetime, today: date, target: int) -> Age:
    received = local_date(received_at)
    return Age(working_days_between(received, today), target, add_working_days(received, target))


def _claim_active(cutoff: datetime):
    # An assignment without claimed_at (none is made today) is kept: it never runs out.
    return and_(Submission.assignee_id.is_not(None),
                or_(Submission.claimed_at.is_(None), Submission.claimed_at >= cutoff))


def _claim_free(cutoff: datetime):
    return or_(Submission.assignee_id.is_(None), Submission.claimed_at < cutoff)


def active_holder_id(submission: Submission, now: datetime, rules: QueueRules) -> int | None:
    """Who holds the item right now; an expired claim counts as free."""
    if submission.assignee_id is None:
        return None
    if submission.claimed_at is not None and aware(submission.claimed_at) < rules.claim_cutoff(now):
        return None
    return submission.assignee_id


# -- filters, sorting, paging -------------------------------------------------------------------

@dataclass(frozen=True)
class QueueFilter:
    status: str | None = None        # one of the open statuses; None: all open ones
    service_id: int | None = None
    site_id: int | None = None
    no_site: bool = False            # items no site has been chosen for yet
    channel: str | None = None
    language: str | None = None
    assignee: str | None = None      # ASSIGNEE_ME or ASSIGNEE_NOBODY
    assignee_id: int | None = None   # a given staff member (current claims)
    age: str | None = None           # AGE_OVERDUE or AGE_ON_TIME against the target
    older_than: int | None = None    # working days
    answer: str | None = None        # ANSWER_RECEIVED or ANSWER_OVERDUE
    visible: object = None           # who may see what: a condition from portal.casework.access


def _is_open():
    # The constant statuses are written into the SQL rather than bound: a partial index
    # "WHERE status IN (...)" can only serve a query that names the same values.
    return Submission.status.in_(bindparam("open_statuses", list(OPEN_VALUES), expanding=True,
                                           literal_execute=True))


def conditions(f: QueueFilter, *, me_id: int, today: date, now: datetime, rules: QueueRules) -> list:
    where = [Submission.status == f.status if f.status in OPEN_VALUES else _is_open()]
    if f.visible is not None:
        where.append(f.visible)
    if f.service_id is not None:
        where.append(Submission.service_id == f.service_id)
    if f.no_site:
        where.append(Submission.site_id.is_(None))
    elif f.site_id is not None:
        where.append(Submission.site_id == f.site_id)
    if f.channel:
        where.append(Submission.channel == f.channel)
    if f.language:
        where.append(Submission.language == f.language)
    cutoff = rules.claim_cutoff(now)
    if f.assignee == ASSIGNEE_NOBODY:
        where.append(_claim_free(cutoff))
    elif f.assignee == ASSIGNEE_ME:
        where += [Submission.assignee_id == me_id, _claim_active(cutoff)]
    elif f.assignee_id is not None:
        where += [Submission.assignee_id == f.assignee_id, _claim_active(cutoff)]
    if f.age == AGE_OVERDUE:
        where.append(Submission.received_at < received_before_for_age_over(today, rules.target_days))
    elif f.age == AGE_ON_TIME:
        where.append(Submission.received_at >= received_before_for_age_over(today, rules.target_days))
    if f.older_than is not None:
        where.append(Submission.received_at < received_before_for_age_over(today, f.older_than))
    if f.answer == ANSWER_RECEIVED:
        where.append(Submission.answer_received_at.is_not(None))
    elif f.answer == ANSWER_OVERDUE:
        where.append(_answer_overdue(today))
    return where


def _overdue_request(today: date):
    # Open requests by deadline: ix_document_request_open_deadline. The submission is open by the
    # queue's own condition; a finished one has no open request left (they are withdrawn).
    return and_(DocumentRequest.state == RequestState.OPEN.value, DocumentRequest.deadline < today)


def _answer_overdue(today: date):
    """An open request of the submission whose deadline has passed (a condition on Submission)."""
    return exists().where(DocumentRequest.submission_id == Submission.id, _overdue_request(today))


def answers_overdue(session: Session, submission_ids: list[int], today: date) -> set[int]:
    """Which of these submissions wait for an answer past its deadline (one query per page)."""
    if not submission_ids:
        return set()
    return set(session.scalars(select(DocumentRequest.submission_id).distinct().where(
        DocumentRequest.submission_id.in_(submission_ids), _overdue_request(today))))


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: its last item's sort key."""
    received_at: datetime
    id: int
    service_id: int | None = None  # only for the sort by service

    def encode(self) -> str:
        delta = aware(self.received_at) - datetime(1970, 1, 1, tzinfo=timezone.utc)
        # Whole microseconds: a float timestamp can be off by one and skip or repeat an item.
        micros = delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
        key = f"{micros}_{self.id}"
        return f"{self.service_id}_{key}" if self.service_id is not None else key

    @classmethod
    def parse(cls, sort: str, text: str | None) -> Cursor | None:
        if not text:
            return None
        parts = text.split("_")
        try:
            numbers = [int(p) for p in parts]
            if sort == SORT_SERVICE and len(numbers) == 3:
                service_id, micros, ident = numbers
            elif sort != SORT_SERVICE and len(numbers) == 2:
                service_id, (micros, ident) = None, numbers
            else:
                return None
            stamp = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=micros)
        except (ValueError, OverflowError):
            return None
        return cls(stamp, ident, service_id)


def _with_relations(query):
    return query.options(selectinload(Submission.service), selectinload(Submission.site),
                         selectinload(Submission.assignee))


def _by_received(session: Session, where: list, after: Cursor | None, limit: int, *,
                 descending: bool) -> list[Submission]:
    keys = tuple_(Submission.received_at, Submission.id)
    query = select(Submission).where(*where)
    if after is not None:
        # One row-value comparison: a range on (received_at, id), whatever the page number.
        position = (after.received_at, after.id)
        query = query.where(keys < position if descending else keys > position)
    order = [Submission.received_at.desc(), Submission.id.desc()] if descending else \
        [Submission.received_at, Submission.id]
    return list(session.scalars(_with_relations(query.order_by(*order)).limit(limit)))


def _by_service(session: Session, where: list, f: QueueFilter, after: Cursor | None,
                limit: int) -> list[Submission]:
    """Services by name, within a service oldest first: one query per service from the cursor's
    on, until the page is full. Each sorts only its service's items; sorting all items by a
    name (join) or a CASE over the service ids costs several times as much."""
    services = list(session.scalars(select(Service.id).order_by(Service.name_de, Service.id)))
    if f.service_id is not None:
        services = [s for s in services if s == f.service_id]
    if after is not None and after.service_id in services:
        services = services[services.index(after.service_id):]
    else:
        after = None  # a cursor naming no known service starts from the beginning
    items: list[Submission] = []
    for service_id in services:
        within = after if after is not None and service_id == after.service_id else None
        items += _by_received(session, [*where, Submission.service_id == service_id], within,
                              limit - len(items), descending=False)
        if len(items) >= limit:
            break
    return items


@dataclass(frozen=True)
class ClaimState:
    """Who works on an item, as a page shows it to one staff member."""
    holder: StaffUser | None          # holds it now (None: free)
    expired_holder: StaffUser | None  # whose claim ran out (the item is free again)
    claimed_at: datetime | None
    ends: datetime | None             # when the claim runs (or ran) out
    mine: bool                        # the viewer holds it now
    may_claim: bool                   # free, or the viewer's own (then: renew)
    may_release: bool                 # the viewer's claim, or the viewer is a team lead/admin


def claim_state(item: Submission, viewer_id: int, *, viewer_is_lead: bool, now: datetime,
                rules: QueueRules) -> ClaimState:
    holder_id = active_holder_id(item, now, rules)
    holder = item.assignee if holder_id is not None else None
    expired = item.assignee if holder_id is None and item.assignee_id is not None else None
    claimed_at = aware(item.claimed_at) if item.claimed_at else None
    ends = rules.claim_ends(claimed_at) if claimed_at else None
    is_open = item.status in OPEN_VALUES
    return ClaimState(
        holder=holder, expired_holder=expired, claimed_at=claimed_at, ends=ends,
        mine=holder_id == viewer_id,
        may_claim=is_open and holder_id in (None, viewer_id),
        may_release=item.assignee_id is not None and (item.assignee_id == viewer_id or viewer_is_lead),
    )


@dataclass
class QueueRow:
    submission: Submission
    age: Age
    claim: ClaimState
    answer_overdue: bool = False  # an open request for documents is past its deadline


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    total: int
    more_than_total: bool = False  # there are more than COUNT_UP_TO; `total` is that bound


def queue_page(session: Session, f: QueueFilter, sort: str, after: Cursor | None, *, me_id: int,
               me_is_lead: bool, now: datetime, rules: QueueRules, size: int) -> QueuePage:
    sort = sort if sort in SORTS else SORT_OLDEST
    today = local_date(now)
    where = conditions(f, me_id=me_id, today=today, now=now, rules=rules)
    # Counted up to a bound: the exact number of a hundred thousand open items costs more than
    # the page itself, and says no more than "over a thousand".
    counted = select(Submission.site_id).where(*where).limit(COUNT_UP_TO + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted))

    if sort == SORT_SERVICE:
        items = _by_service(session, where, f, after, size + 1)
    else:
        items = _by_received(session, where, after, size + 1, descending=sort == SORT_NEWEST)
    more = len(items) > size
    items = items[:size]
    overdue = answers_overdue(session, [item.id for item in items], today)
    rows = [QueueRow(item, age_of(item.received_at, today, rules.target_days),
                     claim_state(item, me_id, viewer_is_lead=me_is_lead, now=now, rules=rules),
                     answer_overdue=item.id in overdue)
            for item in items]
    next_cursor = None
    if more:
        last = items[-1]
        next_cursor = Cursor(last.received_at, last.id,
                             last.service_id if sort == SORT_SERVICE else None).encode()
    return QueuePage(rows, next_cursor, min(total, COUNT_UP_TO), total > COUNT_UP_TO)


# -- claims ------------------------------------------------------------------------------------

class ClaimError(ValueError):
    """A claim or release that cannot be done; `code` says why (for the page to explain)."""

    def __init__(self, code: str, holder_id: int | None = None):
        super().__init__(code)
        self.code = code
        self.holder_id = holder_id


@dataclass(frozen=True)
class ClaimResult:
    started: bool                 # status went from received to in progress
    renewed: bool                 # the caseworker held it already; the time starts again
    took_over_from: int | None    # whose claim had run out


def claim(session: Session, submission_id: int, staff_id: int, *, now: datetime,
          rules: QueueRules, client_address: str = "") -> ClaimResult:
    """Take the item for `staff_id`, or renew their claim, with the audit entry. Raises
    ClaimError("claimed", holder) when someone else holds it, ClaimError("not_open") when it is
    closed. The caller commits."""
    seen = session.execute(select(Submission.assignee_id, Submission.claimed_at)
                           .where(Submission.id == submission_id)).one_or_none()
    if seen is None:
        raise ClaimError("not_found")
    cutoff = rules.claim_cutoff(now)
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status.in_(OPEN_VALUES),
               or_(Submission.assignee_id.is_(None), Submission.claimed_at < cutoff,
                   Submission.assignee_id == staff_id))
        .values(assignee_id=staff_id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        status, holder = session.execute(select(Submission.status, Submission.assignee_id)
                                         .where(Submission.id == submission_id)).one()
        raise ClaimError("not_open" if status not in OPEN_VALUES else "claimed", holder)
    # The first claim starts the work. The row is ours now (locked until the commit; SQLite has
    # one writer), so the status read here cannot change before ours is written.
    submission = session.get(Submission, submission_id)
    session.refresh(submission, ["status", "assignee_id", "claimed_at", "updated_at"])
    staff = session.get(StaffUser, staff_id)
    started = submission.status == SubmissionStatus.RECEIVED
    if started:
        submission.change_status(SubmissionStatus.IN_PROGRESS, at=now, staff=staff)
    # Read just before the update: the holder whose claim had run out (for the audit trail).
    previous = seen.assignee_id if seen.assignee_id not in (None, staff_id) else None
    result = ClaimResult(started=started, renewed=seen.assignee_id == staff_id, took_over_from=previous)
    record(session, "claim", staff=staff, object_type="submission", object_id=submission.reference,
           client_address=client_address,
           detail={"renewed": result.renewed, "started": result.started, "took_over_from": result.took_over_from})
    return result


def release(session: Session, submission_id: int, staff_id: int, *, may_release_others: bool,
            client_address: str = "") -> int:
    """Give the item back, with the audit entry; returns whose claim it was. Only the holder
    may, unless `may_release_others` (team leads, admins). Raises ClaimError("not_claimed") or
    ClaimError("not_holder", holder). The caller commits."""
    holder = session.scalar(select(Submission.assignee_id).where(Submission.id == submission_id))
    if holder is None:
        raise ClaimError("not_claimed")
    if holder != staff_id and not may_release_others:
        raise ClaimError("not_holder", holder)
    # Conditional on the holder seen, so a claim taken over meanwhile is not released unseen.
    result = session.execute(
        update(Submission).where(Submission.id == submission_id, Submission.assignee_id == holder)
        .values(assignee_id=None, claimed_at=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        current = session.scalar(select(Submission.assignee_id).where(Submission.id == submission_id))
        raise ClaimError("not_claimed" if current is None else "not_holder", current)
    submission = session.get(Submission, submission_id)
    session.refresh(submission, ["assignee_id", "claimed_at"])
    record(session, "release", staff=session.get(StaffUser, staff_id), object_type="submission",
           object_id=submission.reference, client_address=client_address, detail={"holder": holder})
    return holder
