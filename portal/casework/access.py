"""Who may see what of the casework, by site. The one place for the rule; views ask here.

Caseworkers are bound to their own site: its case files, the submissions of that site and
the bookings there. Submissions no site has been chosen for yet are open to every caseworker,
so that unassigned items can be triaged. Team leads and admins work for both sites.
What hangs on those follows them: a document the site of its case file (a filed document is
the file's, whatever its submission says), an inbound mail the rule of its submission (a mail
that made no submission yet is unassigned work), a row of a scan batch the site of the file it
names (see `scan_row_condition`). No Flask request in here: views refuse (403) and write the
refusal into the audit trail.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, func, not_, or_, select, true
from sqlalchemy.orm import Session

from portal.models import (
    ApiClient, Booking, CaseFile, Document, InboundMail, Role, ScanBatch, ScanBatchRow, Site, StaffUser, Submission,
)

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
    """Through what it belongs to: the case file first (a filed document is the file's, even
    if its submission has no site), else the submission; a document of neither is for staff
    of all sites only."""
    if sees_all_sites(staff):
        return True
    if document.case_file_id is not None:
        return can_see_case_file(staff, document.case_file)
    if document.submission is not None:
        return can_see_submission(staff, document.submission)
    return False


def can_see_inbound_mail(staff: StaffUser, mail: InboundMail) -> bool:
    """As the submission the mail made or joined; one with none yet is unassigned work."""
    return mail.submission is None or can_see_submission(staff, mail.submission)


def can_see_scan_batch(session: Session, staff: StaffUser, batch: ScanBatch) -> bool:
    """A batch with a row this person may see (or with no rows at all); the page then shows
    only those rows."""
    if sees_all_sites(staff):
        return True
    rows = select(ScanBatchRow.id).where(ScanBatchRow.scan_batch_id == batch.id)
    return session.scalar(select(or_(~rows.exists(), rows.where(scan_row_condition(staff)).exists())))


def can_check_scan_batch(session: Session, staff: StaffUser, batch: ScanBatch) -> bool:
    """Marking a batch as checked vouches for all of it: only someone who sees every row of it
    (a delivery with rows of both sites is for a team lead or an admin)."""
    if sees_all_sites(staff):
        return True
    hidden = select(ScanBatchRow.id).where(ScanBatchRow.scan_batch_id == batch.id, not_(scan_row_condition(staff)))
    return not session.scalar(select(hidden.exists()))


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


def inbound_mail_condition(staff: StaffUser):
    """WHERE condition for the inbound mails this person may see."""
    if sees_all_sites(staff):
        return true()
    return or_(InboundMail.submission_id.is_(None),
               InboundMail.submission_id.in_(select(Submission.id).where(submission_condition(staff))))


def _file_number_of_site(site_condition):
    """EXISTS a site meeting the condition whose code is the row's file-number prefix ("WZ-…")."""
    prefix = func.upper(Site.code) + "-"
    return exists().where(site_condition, func.substr(func.upper(ScanBatchRow.file_number), 1,
                                                      func.length(prefix)) == prefix)


def scan_row_condition(staff: StaffUser):
    """WHERE condition for the rows of scan batches this person may see.

    A row belongs to the site of the case file it was filed in; a row without one (a failed
    row) to the site its file number names by its prefix, as the import would open the file
    there. A row whose file number names no site ("XY-…", none at all) is unassigned work,
    open to every caseworker, like a submission without a site."""
    if sees_all_sites(staff):
        return true()
    own_file = exists().where(CaseFile.id == ScanBatchRow.case_file_id, CaseFile.site_id == staff.site_id)
    return or_(
        and_(ScanBatchRow.case_file_id.is_not(None), own_file),
        and_(ScanBatchRow.case_file_id.is_(None),
             or_(_file_number_of_site(Site.id == staff.site_id), ~_file_number_of_site(true()))),
    )


def scan_batch_condition(staff: StaffUser):
    """WHERE condition for the scan batches this person may see (see can_see_scan_batch)."""
    if sees_all_sites(staff):
        return true()
    rows = select(ScanBatchRow.id).where(ScanBatchRow.scan_batch_id == ScanBatch.id)
    return or_(~rows.exists(), rows.where(scan_row_condition(staff)).exists())


# -- API clients (portal.clients) ----------------------------------------------------------------
# A client limited to a site sees that site's case files, submissions, documents and
# appointments, and nothing else: not even submissions no site has been chosen for yet (triage
# is the office's work, not another system's). A client of both sites sees everything.

def client_sees_site(client: ApiClient, site_id: int | None) -> bool:
    return client.site_id is None or (site_id is not None and site_id == client.site_id)


def client_can_see_case_file(client: ApiClient, case_file: CaseFile) -> bool:
    return client_sees_site(client, case_file.site_id)


def client_can_see_submission(client: ApiClient, submission: Submission) -> bool:
    return client_sees_site(client, submission.site_id)


def client_can_see_document(client: ApiClient, document: Document) -> bool:
    """Through its case file first (a filed document is the file's), else its submission."""
    if client.site_id is None:
        return True
    if document.case_file_id is not None:
        return client_can_see_case_file(client, document.case_file)
    if document.submission is not None:
        return client_can_see_submission(client, document.submission)
    return False


def client_case_file_condition(client: ApiClient):
    return true() if client.site_id is None else CaseFile.site_id == client.site_id


def client_submission_condition(client: ApiClient):
    return true() if client.site_id is None else Submission.site_id == client.site_id
