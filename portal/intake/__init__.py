"""One way in: every channel builds an IntakeDraft; receive() turns it into a submission."""
from portal.intake.pipeline import (
    Applicant, CaseFileHint, IntakeDraft, IntakeError, IntakeFile, IntakeResult, find_by_idempotency_key, receive,
)

__all__ = ["Applicant", "CaseFileHint", "IntakeDraft", "IntakeError", "IntakeFile", "IntakeResult",
           "find_by_idempotency_key", "receive"]
