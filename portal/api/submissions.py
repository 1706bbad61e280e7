"""Submissions for the specialist application: list them, read one (answers under the form's
field keys, documents as links, the history), and set a status as a caseworker would (the note
is in the applicant's history; asking for documents mails the applicant)."""
from __future__ import annotations

from datetime import date

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.api import bp, paging, shapes
from portal.api import schemas as S
from portal.api.auth import current_client, refuse_other_site
from portal.api.problems import Problem
from portal.api.registry import operation
from portal.api.responses import audit_read, json_response, require_current
from portal.casefiles.operations import AttachError
from portal.casefiles.timeline import find_case_file
from portal.casework import access, actions
from portal.casework import requests as document_requests
from portal.casework.listing import SubmissionFilter, list_submissions
from portal.clients.accounts import Scope
from portal.config import current_settings
from portal.domain.office_time import local_date
from portal.extensions import db
from portal.models import Document, Submission
from portal.models._types import utcnow
from portal.models.submission import StatusChangeRefused

READ, WRITE = Scope.SUBMISSIONS_READ.value, Scope.SUBMISSIONS_WRITE.value


def load_submission(reference: str) -> Submission:
    """The submission, or 404; another site's: audited 403."""
    found = db.session.scalar(select(Submission).where(Submission.reference == reference)
                              .options(selectinload(Submission.history), selectinload(Submission.service)))
    if found is None:
        raise Problem("not-found", f"There is no submission {reference}.")
    if not access.client_can_see_submission(current_client(), found):
        refuse_other_site("submission", found.reference)
    return found


def day(text: str | None, name: str) -> date | None:
    """A YYYY-MM-DD parameter as a day (the pattern lets 2026-02-30 through: a 400 then)."""
    if not text:
        return None
    try:
        found = date.fromisoformat(text)
    except ValueError:
        found = None
    if found is None or not 1900 <= found.year <= 2200:  # beyond, the office's calendar has no days
        raise Problem("invalid-request", f"{name} is not a calendar day (1900-2200).",
                      errors=[{"location": f"query.{name}", "message": "not a calendar day"}])
    return found


def _documents(submission: Submission) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.submission_id == submission.id)
                                   .order_by(Document.id)))


@bp.get("/submissions")
@operation(summary="List submissions", tag="submissions", scopes=(READ,), query=S.SubmissionFilter,
           response=S.SubmissionPage,
           description="Oldest first, paged by cursor: new submissions appear at the end, none is repeated or "
                       "skipped. What changed in older ones is in the change feed (GET /events).")
def submissions(query: S.SubmissionFilter):
    client = current_client()
    if query.site and client.site_id is not None and (client.site is None or
                                                      client.site.code.upper() != query.site.upper()):
        refuse_other_site("submission", f"list of {query.site}")
    position = paging.decode("submissions", query.after) or {"i": 0}
    wanted = SubmissionFilter(status=query.status, service_code=query.service, site_code=query.site,
                              received_from=day(query.received_from, "received_from"))
    found, more = list_submissions(db.session, wanted, where=access.client_submission_condition(client),
                                   after_id=position.get("i", 0), limit=query.limit)
    page = S.SubmissionPage(items=[shapes.submission_summary(s) for s in found],
                            next_cursor=paging.encode("submissions", {"i": found[-1].id}) if more else None)
    audit_read("view", "submission", "", references=[s.reference for s in found])
    return json_response(page)


@bp.get("/submissions/<reference>")
@operation(summary="Read a submission", tag="submissions", scopes=(READ,), path=S.SubmissionPath,
           response=S.SubmissionDetail, etag=True, problems=(404,),
           description="The answers under the form's field keys and its version, the documents (download "
                       "them from `content_url`) and the status history.")
def submission(path: S.SubmissionPath):
    item = load_submission(path.reference)
    body = shapes.submission_detail(item, _documents(item))
    audit_read("view", "submission", item.reference)
    return json_response(body, etag=True)


REFUSALS = {
    "not_open": "The submission is finished (or the status cannot follow the current one).",
    "reason_missing": "Rejecting needs a note: the applicant reads why.",
    "note_too_long": f"The note may have at most {actions.MAX_NOTE} characters.",
    "nothing_requested": "Asking for documents needs document slots or a note saying what is missing.",
    "not_attachable": "Only an open submission can be attached.",
    "deadline_invalid": "The deadline must be after today and within a year.",
    "unknown_document": "The form of this submission has no such document slot.",
}


def _apply(item: Submission, change: S.StatusChange) -> None:
    client, address = current_client(), request.remote_addr or ""
    if change.status == "in_progress":
        actions.mark_in_progress(db.session, item, None, change.note, client_address=address, api_client=client)
    elif change.status == "rejected":
        actions.reject(db.session, item, None, change.note, client_address=address, api_client=client)
    elif change.status == "closed":
        actions.close(db.session, item, None, change.note, client_address=address, api_client=client)
    elif change.status == "awaiting_documents":
        known = {key for key, _label in _requestable(item)}
        unknown = [slot for slot in change.documents if slot not in known]
        if unknown:
            raise Problem("invalid-request", f"The form of this submission has no document slot {', '.join(unknown)}.",
                          errors=[{"location": "body.documents", "message": f"known: {', '.join(sorted(known))}"}])
        settings = current_settings()
        today = local_date(utcnow())
        # Without an address on record the request is recorded as sent by post; the office prints
        # the letter from the submission's page.
        deadline = change.deadline or document_requests.default_deadline(today, settings.requests)
        document_requests.ask_for_documents(db.session, item, None, change.documents, change.note, deadline=deadline,
                                            today=today, office=settings.office, client_address=address,
                                            api_client=client)
    else:  # attached
        if not change.case_file:
            raise Problem("invalid-request", "Attaching needs the file number.",
                          errors=[{"location": "body.case_file", "message": "required for attached"}])
        case_file = find_case_file(db.session, change.case_file)
        if case_file is None:
            raise Problem("conflict", f"There is no case file {change.case_file}.")
        if not access.client_can_see_case_file(client, case_file):
            refuse_other_site("case_file", case_file.file_number)
        actions.attach(db.session, item, case_file, None, client_address=address, api_client=client)


def _requestable(item: Submission) -> list[tuple[str, object]]:
    from portal.forms.registry import submission_form

    form = submission_form(item)
    return [(slot.key, slot.label) for slot in form.documents] if form else []


@bp.post("/submissions/<reference>/status")
@operation(summary="Set a submission's status", tag="submissions", scopes=(WRITE,), path=S.SubmissionPath,
           body=S.StatusChange, response=S.SubmissionDetail, etag=True, if_match=True, problems=(404, 409),
           description="As a caseworker would: the note appears in the applicant's history; `awaiting_documents` "
                       "mails the applicant the documents asked for; `attached` files it in a case file. "
                       "With If-Match (the ETag read before) nothing changes when someone else changed it meanwhile.")
def submission_status(path: S.SubmissionPath, body: S.StatusChange):
    item = load_submission(path.reference)
    require_current(shapes.submission_detail(item, _documents(item)))
    try:
        _apply(item, body)
    except actions.ActionRefused as refused:
        db.session.rollback()
        raise Problem("conflict", REFUSALS.get(refused.code, refused.code)) from None
    except (AttachError, StatusChangeRefused) as refused:
        db.session.rollback()
        raise Problem("conflict", str(refused)) from None
    db.session.commit()
    item = load_submission(path.reference)
    return json_response(shapes.submission_detail(item, _documents(item)), etag=True)
