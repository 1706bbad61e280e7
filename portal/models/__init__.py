"""All tables; one module per aggregate."""
from portal.models.appointment import (
    ACTIVE_BOOKING_STATUSES, Attendance, Booking, BookingStatus, ProofOfWorkRedemption, ServiceCounters,
    SiteBookingRules, SiteClosure, Slot,
)
from portal.models.api_client import ApiClient
from portal.models.audit import AuditEvent
from portal.models.content import (
    ContentItem, ContentKind, ContentMedia, ContentTranslation, ContentVersion, NoticePlacement, WorkflowState,
)
from portal.models.casefile import (
    CaseFile, CaseFileAlias, CaseFileNameKey, CaseFileNote, CaseFileStatus, SpellingKind,
)
from portal.models.document import CopyReason, Document
from portal.models.form import FormVersion
from portal.models.draft import ApplicationDraft, DraftUpload
from portal.models.mail import InboundMail, InboundMailSource, InboundMailStatus, OutboundMail, OutboundMailStatus, ReplyLimit
from portal.models.scan import ScanBatch, ScanBatchRow, ScanBatchStatus, ScanRowStatus
from portal.models.service import Service
from portal.models.site import OpeningHours, Site
from portal.models.staff import Role, StaffUser
from portal.models.worker import JobRun
from portal.models.submission import (
    Channel,
    ReferenceCounter,
    Submission,
    SubmissionStatus,
    SubmissionStatusChange,
)
from portal.models.change import SubmissionChange
from portal.models.conversation import (
    AnswerUpload, AppointmentInvitation, DocumentRequest, MessageAuthor, MessageChannel, RequestDelivery, RequestState,
    SubmissionMessage,
)

__all__ = [
    "ContentItem", "ContentKind", "ContentMedia", "ContentTranslation", "ContentVersion", "NoticePlacement",
    "WorkflowState",
    "CaseFileNameKey", "CaseFileNote", "ACTIVE_BOOKING_STATUSES", "Attendance", "ProofOfWorkRedemption", "ServiceCounters", "SiteBookingRules", "SiteClosure",
    "ApplicationDraft", "DraftUpload", "ReferenceCounter", "AuditEvent", "Booking", "BookingStatus", "CaseFile", "CaseFileAlias", "CaseFileStatus", "SpellingKind",
    "Channel", "CopyReason", "Document", "InboundMail", "InboundMailSource", "InboundMailStatus", "OpeningHours", "OutboundMail",
    "OutboundMailStatus", "ReplyLimit", "Role", "Service", "Site", "Slot", "StaffUser", "Submission",
    "SubmissionStatus", "SubmissionStatusChange",
    "ScanBatch", "ScanBatchRow", "ScanBatchStatus", "ScanRowStatus",
    "JobRun",
    "FormVersion",
    "ApiClient", "SubmissionChange",
    "AnswerUpload", "AppointmentInvitation", "DocumentRequest", "MessageAuthor", "MessageChannel", "RequestDelivery",
    "RequestState", "SubmissionMessage",
]
