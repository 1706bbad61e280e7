"""One way for back-office views to get the object a URL or form names: 404 when there is none,
then the site rule (portal.casework.access); another site's object is refused with 403 and a
denied entry in the audit trail that names it as the rest of the trail does (`object_type`,
`object_id`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.backoffice.guard import refuse
from portal.casefiles.timeline import find_case_file
from portal.casework import access
from portal.extensions import db
from portal.models import Booking, CaseFile, Document, InboundMail, ScanBatch, Site, StaffUser, Submission

T = TypeVar("T")


@dataclass(frozen=True)
class SiteRule:
    """Who may see an object of a kind, and how a refusal names it in the audit trail."""
    object_type: str
    object_id: Callable[[Any], Any]
    may_see: Callable[[StaffUser, Any], bool]


CASE_FILE = SiteRule("case_file", lambda f: f.file_number, access.can_see_case_file)
SUBMISSION = SiteRule("submission", lambda s: s.reference, access.can_see_submission)
DOCUMENT = SiteRule("document", lambda d: d.id, access.can_see_document)
INBOUND_MAIL = SiteRule("inbound_mail", lambda m: m.id, access.can_see_inbound_mail)
BOOKING = SiteRule("booking", lambda b: b.reference, access.can_see_booking)
# Changing a booking (attendance, note, cancel) is for staff of its site only, not for whoever
# booked it at the phone desk.
BOOKING_CHANGE = SiteRule("booking", lambda b: b.reference, lambda staff, b: access.can_see_site(staff, b.slot.site_id))
SCAN_BATCH = SiteRule("scan_batch", lambda b: b.batch_id,
                      lambda staff, b: access.can_see_scan_batch(db.session, staff, b))
SCAN_BATCH_CHECK = SiteRule("scan_batch", lambda b: b.batch_id,
                            lambda staff, b: access.can_check_scan_batch(db.session, staff, b))


def visible(found: T | None, rule: SiteRule | None = None) -> T:
    """`found`, or 404 when it is None; 403 (audited) when `rule` says the signed-in staff member
    may not see it. Without a rule (content, staff accounts: the view's roles decide) only the 404."""
    if found is None:
        abort(404)
    if rule is not None and not rule.may_see(current_user, found):
        refuse(rule.object_type, rule.object_id(found))
    return found


# -- by what the URL names -----------------------------------------------------------------------

def case_file(file_number: str) -> CaseFile:
    return visible(find_case_file(db.session, file_number), CASE_FILE)


def submission(reference: str, *options) -> Submission:
    return visible(db.session.scalar(select(Submission).where(Submission.reference == reference).options(*options)),
                   SUBMISSION)


def submission_with_history(reference: str) -> Submission:
    return submission(reference, selectinload(Submission.history))


def document(document_id: int) -> Document:
    return visible(db.session.get(Document, document_id), DOCUMENT)


def inbound_mail(mail_id: int) -> InboundMail:
    return visible(db.session.get(InboundMail, mail_id), INBOUND_MAIL)


def scan_batch(scan_batch_id: int) -> ScanBatch:
    return visible(db.session.get(ScanBatch, scan_batch_id), SCAN_BATCH)


def booking(reference: str) -> Booking:
    return visible(db.session.scalar(select(Booking).where(Booking.reference == reference)), BOOKING)


def site_day(site: Site | None, day: date) -> Site:
    """A site for the list of the day's bookings (names): refused as that site's day."""
    return visible(site, SiteRule("day_list", lambda s: f"{s.code}:{day.isoformat()}",
                                  lambda staff, s: access.can_see_site(staff, s.id)))
