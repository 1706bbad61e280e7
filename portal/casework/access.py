"""Who may see what of the casework, by site. The one place for the rule; views ask here.

Caseworkers are bound to their own site: its case files, the submissions of that site and
the bookings there. Submissions no site has been chosen for yet are open to every caseworker,
so that unassigned items can be triaged. Team leads and admins work for both sites.
No Flask request in here: views refuse (403) and write the refusal into the audit trail.
"""
from __future__ import annotations

from sqlalchemy import or_, true

from portal.models import Booking, CaseFile, Document, Role, Submission
from portal.models import StaffUser

ALL_SITES_ROLES = frozenset({str(Role.TEAM_LEAD), str(Role.ADMIN)})


def sees_all_sites(staff: StaffUser) -> bool:
    return staff.role in ALL_SITES_ROLES


def can_see_site(staff: StaffUser, site_id: int | None) -> bool:
    return sees_all_sites(staff) or (site_id is not None and site_id == staff.site_id)


def can_see_case_file(staff: StaffUser, case_file: CaseFile) -> bool:
    return can_see_site(staff, case_file.site_id)


def can_see_submission(staff: StaffUser, submission: Submission) -> bool:
    return submission.site_id is None or can_see_site(staff, submission.site_id)


def can_see_booking(staff: StaffUser, booking: Booking) -> bool:
    """Bookings of the own site; and those this person made for a caller at another site
    (the phone desk books at every site)."""
    return can_see_site(staff, booking.slot.site_id) or (
        booking.booked_by_id is not None and booking.booked_by_id == staff.id)


def can_see_document(staff: StaffUser, document: Document) -> bool:
    """Through what it belongs to; a document of neither a submission nor a case file is for
    staff of all sites only."""
    if sees_all_sites(staff):
        return True
    if document.submission is not None:
        return can_see_submission(staff, document.submission)
    if document.case_file_id is not None:
        return can_see_case_file(staff, document.case_file)
    return False


def can_attach(staff: StaffUser, submission: Submission, case_file: CaseFile) -> bool:
    return can_see_submission(staff, submission) and can_see_case_file(staff, case_file)


# -- the same rules as query conditions (lists, searches, the queue) ---------------------------

def case_file_condition(staff: StaffUser):
    """WHERE condition for the case files this person may see."""
    return true() if sees_all_sites(staff) else CaseFile.site_id == staff.site_id


def submission_condition(staff: StaffUser):
    """WHERE condition for the submissions this person may see (own site and unassigned)."""
    if sees_all_sites(staff):
        return true()
    return or_(Submission.site_id == staff.site_id, Submission.site_id.is_(None))
