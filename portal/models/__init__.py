"""All tables; one module per aggregate."""
from portal.models.appointment import (
    ACTIVE_BOOKING_STATUSES, Attendance, Booking, BookingStatus, ProofOfWorkRedemption, ServiceCounters,
    SiteBookingRules, SiteClosure, Slot,
)
from portal.models.audit import AuditEvent
from portal.models.casefile import CaseFile, CaseFileAlias, CaseFileNameKey, CaseFileNote, CaseFileStatus
from portal.models.document import Document
from portal.models.draft import ApplicationDraft, DraftUpload
from portal.models.mail import InboundMail, InboundMailStatus, OutboundMail, OutboundMailStatus
from portal.models.service import Service
from portal.models.site import OpeningHours, Site
from portal.models.staff import Role, StaffUser
from portal.models.submission import (
    Channel,
    ReferenceCounter,
    Submission,
    SubmissionStatus,
    SubmissionStatusChange,
)

__all__ = [
    "CaseFileNameKey", "CaseFileNote", "ACTIVE_BOOKING_STATUSES", "Attendance", "ProofOfWorkRedemption", "ServiceCounters", "SiteBookingRules", "SiteClosure",
    "ApplicationDraft", "DraftUpload", "ReferenceCounter", "AuditEvent", "Booking", "BookingStatus", "CaseFile", "CaseFileAlias", "CaseFileStatus",
    "Channel", "Document", "InboundMail", "InboundMailStatus", "OpeningHours", "OutboundMail",
    "OutboundMailStatus", "Role", "Service", "Site", "Slot", "StaffUser", "Submission",
    "SubmissionStatus", "SubmissionStatusChange",
]
