"""Applications in progress: steps filled, files uploaded, resume links, expiry."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.documents.refusals import megabytes
from portal.domain.office_time import aware
from portal.forms.spec import DOCUMENTS, ServiceForm
from portal.models import ApplicationDraft, DraftUpload
from portal.models._types import utcnow


class UploadLimitReached(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def start_draft(session: Session, form: ServiceForm, language: str, days: int) -> ApplicationDraft:
    draft = ApplicationDraft(public_id=uuid.uuid4().hex, service_code=form.code, form_version=form.version,
                             language=language, values={}, completed_steps=[],
                             expires_at=utcnow() + timedelta(days=days))
    session.add(draft)
    return draft


def load_draft(session: Session, public_id: str | None) -> ApplicationDraft | None:
    if not public_id:
        return None
    draft = session.scalar(select(ApplicationDraft).where(ApplicationDraft.public_id == public_id))
    if draft is None or aware(draft.expires_at) < utcnow():
        return None
    return draft


def save_step(draft: ApplicationDraft, step_key: str, values: dict[str, str], *, complete: bool) -> None:
    # New objects, so that SQLAlchemy sees the JSON columns change.
    draft.values = {**(draft.values or {}), **values}
    steps = [s for s in (draft.completed_steps or []) if s != step_key]
    draft.completed_steps = steps + [step_key] if complete else steps


def first_incomplete_step(form: ServiceForm, draft: ApplicationDraft) -> str:
    done = set(draft.completed_steps or [])
    keys = form.keys_for(draft.values or {})
    return next((key for key in keys if key not in done), keys[-1])


def may_open(form: ServiceForm, draft: ApplicationDraft, step_key: str) -> bool:
    """A step opens when every step before it is done (no skipping by URL)."""
    keys = form.keys_for(draft.values or {})  # a step passed over (its condition fails) does not open
    if step_key not in keys:
        return False
    return keys.index(step_key) <= keys.index(first_incomplete_step(form, draft))


def uploaded_bytes(draft: ApplicationDraft) -> int:
    return sum(u.size_bytes for u in draft.uploads)


@dataclass(frozen=True)
class UploadLimits:
    """What the documents step promises, and checks: per file, for the whole application, and
    how much of that the draft's files take already."""
    max_file_bytes: int
    max_total_bytes: int
    uploaded_bytes: int

    @property
    def max_file_mb(self) -> int | float:
        return megabytes(self.max_file_bytes)

    @property
    def max_total_mb(self) -> int | float:
        return megabytes(self.max_total_bytes)


def upload_limits(draft: ApplicationDraft, max_file: int, max_total: int) -> UploadLimits:
    return UploadLimits(max_file_bytes=max_file, max_total_bytes=max_total, uploaded_bytes=uploaded_bytes(draft))


def add_upload(draft: ApplicationDraft, form: ServiceForm, slot_key: str, accepted, max_total: int) -> DraftUpload:
    slot = form.slot(slot_key)
    if slot is None:
        raise UploadLimitReached(_l("Unknown document."))
    if sum(1 for u in draft.uploads if u.slot == slot_key) >= slot.max_files:
        raise UploadLimitReached(too_many_files(slot.max_files))
    if uploaded_bytes(draft) + accepted.size_bytes > max_total:
        raise UploadLimitReached(too_large_together(max_total))
    upload = DraftUpload(slot=slot_key, filename=accepted.filename, media_type=accepted.media_type,
                         size_bytes=accepted.size_bytes, sha256=accepted.sha256, pdf_sha256=accepted.pdf_sha256,
                         pdf_size_bytes=accepted.pdf_size_bytes, page_count=accepted.page_count,
                         copy_reason=accepted.copy_reason)
    draft.uploads.append(upload)
    # Changing files means the documents step must be confirmed again.
    save_step(draft, DOCUMENTS, {}, complete=False)
    return upload


# The browser shows the same texts when it checks the chosen files before sending them.
def too_many_files(max_files: int) -> str:
    # ngettext, not a lazy variant: pybabel extracts no lazy plural; this runs in a request anyway.
    return ngettext("You can upload at most %(num)s file here. Please remove it first.",
                    "You can upload at most %(num)s files here. Please remove one of them first.", max_files)


def too_large_together(max_total: int):
    return _l("All files together may not be larger than %(limit)s MB.", limit=megabytes(max_total))


def remove_upload(draft: ApplicationDraft, upload_id: int) -> bool:
    for upload in draft.uploads:
        if upload.id == upload_id:
            draft.uploads.remove(upload)
            save_step(draft, DOCUMENTS, {}, complete=False)
            return True
    return False


def missing_documents(form: ServiceForm, draft: ApplicationDraft):
    present = {u.slot for u in draft.uploads}
    return [slot for slot in form.documents_for(draft.values or {}) if slot.required and slot.key not in present]


def issue_resume_token(draft: ApplicationDraft, days: int) -> str:
    token = secrets.token_urlsafe(32)
    draft.resume_token_hash = hashlib.sha256(token.encode()).hexdigest()
    draft.expires_at = utcnow() + timedelta(days=days)
    return token


def find_by_resume_token(session: Session, token: str) -> ApplicationDraft | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    draft = session.scalar(select(ApplicationDraft).where(ApplicationDraft.resume_token_hash == digest))
    if draft is None or draft.submission_id is not None or aware(draft.expires_at) < utcnow():
        return None
    return draft


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete drafts past their expiry; their stored files become orphans for the cleanup report."""
    result = session.execute(delete(ApplicationDraft).where(ApplicationDraft.expires_at < (now or utcnow())))
    return result.rowcount or 0
