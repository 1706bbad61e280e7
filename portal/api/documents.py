"""Documents: their data, and the file itself with its digest, so that the other side can
check what it stored. A document filed in a case file is read with casefiles:read, one of a
submission with submissions:read."""
from __future__ import annotations

import base64

from flask import current_app, request, send_file

from portal.api import bp, shapes
from portal.api import schemas as S
from portal.api.auth import current_client, needs_scope, refuse_other_site
from portal.api.problems import Problem
from portal.api.registry import operation
from portal.api.responses import audit_read, json_response
from portal.casework import access
from portal.clients.accounts import Scope
from portal.documents.sniff import HEIC, JPEG, PDF, PNG, TIFF
from portal.extensions import db, get_storage
from portal.models import Document

SCOPES = (Scope.SUBMISSIONS_READ.value, Scope.CASEFILES_READ.value)
MEDIA_TYPES = (PDF, JPEG, PNG, HEIC, TIFF)


def load_document(document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None:
        raise Problem("not-found", f"There is no document {document_id}.")
    client = current_client()
    if not access.client_can_see_document(client, document):
        refuse_other_site("document", document.id)
    if document.case_file_id is not None and Scope.CASEFILES_READ in client.scope_set:
        return document
    if document.submission_id is not None and Scope.SUBMISSIONS_READ in client.scope_set:
        return document
    needs_scope(Scope.CASEFILES_READ.value if document.case_file_id is not None else Scope.SUBMISSIONS_READ.value)
    return document


@bp.get("/documents/<int:document_id>")
@operation(summary="Read a document's data", tag="documents", scopes=SCOPES, path=S.DocumentPath,
           response=S.DocumentOut, etag=True, problems=(404,),
           description="Needs casefiles:read for a document filed in a case file, submissions:read for one "
                       "of a submission.")
def document(path: S.DocumentPath):
    item = load_document(path.document_id)
    body = shapes.document_out(item)
    audit_read("view", "document", item.id)
    return json_response(body, etag=True)


@bp.get("/documents/<int:document_id>/content")
@operation(summary="Download a document", tag="documents", scopes=SCOPES, path=S.DocumentPath, binary=MEDIA_TYPES,
           problems=(404,), headers={"Repr-Digest": "sha-256 of the file (RFC 9530)", "ETag": "the file's SHA-256"},
           description="The file as stored, typed by its content. `Repr-Digest` (RFC 9530) carries its SHA-256, "
                       "the ETag too.")
def document_content(path: S.DocumentPath):
    item = load_document(path.document_id)
    storage = get_storage()
    if not storage.exists(item.sha256):
        current_app.logger.error("document %s: file %s is missing from storage", item.id, item.sha256)
        raise Problem("not-found", "The document's file is missing from the office's storage.")
    audit_read("download", "document", item.id)
    if request.if_none_match.contains(item.sha256):
        not_modified = current_app.response_class(status=304)
        not_modified.set_etag(item.sha256)
        return not_modified
    response = send_file(storage.open(item.sha256), mimetype=item.media_type, as_attachment=True,
                         download_name=item.original_filename or f"document-{item.id}", max_age=0, etag=False,
                         conditional=False)
    response.set_etag(item.sha256)
    digest = base64.b64encode(bytes.fromhex(item.sha256)).decode("ascii")
    response.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    response.headers["Cache-Control"] = "no-store"
    return response
