"""Case files: find one by its number, or a person by name and date of birth through the
matching (scores and reasons, as caseworkers see them); read one with its timeline; open one and
change its master data, so that the specialist application keeps the register in step."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from portal.api import bp, shapes
from portal.api import schemas as S
from portal.api.auth import current_client, refuse_other_site
from portal.api.problems import Problem
from portal.api.registry import operation
from portal.api.responses import audit_read, json_response, require_current
from portal.casefiles import register
from portal.casefiles.timeline import find_case_file, timeline
from portal.casework import access
from portal.clients.accounts import Scope
from portal.extensions import db
from portal.matching.candidates import find_candidates
from portal.models import CaseFile

READ, WRITE = Scope.CASEFILES_READ.value, Scope.CASEFILES_WRITE.value
REGISTER_PROBLEMS = {"invalid": "invalid-request", "taken": "conflict", "site": "other-site"}


def load_case_file(file_number: str) -> CaseFile:
    found = find_case_file(db.session, file_number)
    if found is None:
        raise Problem("not-found", f"There is no case file {file_number}.")
    if not access.client_can_see_case_file(current_client(), found):
        refuse_other_site("case_file", found.file_number)
    return found


def _detail(case_file: CaseFile) -> S.CaseFileDetail:
    return shapes.case_file_detail(case_file, timeline(db.session, case_file))


@bp.get("/casefiles")
@operation(summary="Find case files", tag="casefiles", scopes=(READ,), query=S.CaseFileSearch,
           response=S.CandidateList,
           description="By file number, or by name and date of birth (and what else is known) through the "
                       "office's matching: candidates best first, each with its score and the reasons. Give "
                       "`file_number` or `surname`.")
def case_files(query: S.CaseFileSearch):
    if not query.file_number and not query.surname:
        raise Problem("invalid-request", "Give a file number or a surname.",
                      errors=[{"location": "query.surname", "message": "file_number or surname is required"}])
    try:
        born = register.partial_date(query.date_of_birth)
    except register.RegisterError as error:
        raise Problem("invalid-request", error.detail,
                      errors=[{"location": "query.date_of_birth", "message": error.detail}]) from None
    found = find_candidates(db.session, surname=query.surname or "", given_names=query.given_names or "",
                            date_of_birth=born, nationality=query.nationality or "",
                            file_number=query.file_number or "", birth_name=query.birth_name or "",
                            place_of_birth=query.place_of_birth or "", limit=query.limit,
                            where=access.client_case_file_condition(current_client()))
    # The reasons in the office's language, as the back office and `flask casefiles match` give them.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        items = [S.Candidate(file_number=c.case_file.file_number, score=round(c.score, 3), reasons=c.reason_texts(),
                             case_file=shapes.case_file_out(c.case_file)) for c in found]
    audit_read("view", "search", "case_file", found=[c.file_number for c in items],
               by="file number" if query.file_number else "name and date of birth")
    return json_response(S.CandidateList(items=items))


@bp.get("/casefiles/<file_number>")
@operation(summary="Read a case file", tag="casefiles", scopes=(READ,), path=S.CaseFilePath,
           response=S.CaseFileDetail, etag=True, problems=(404,),
           description="The person data, known spellings and the timeline: documents at their own dates, "
                       "caseworkers' notes and the submissions' status changes, oldest first.")
def case_file(path: S.CaseFilePath):
    item = load_case_file(path.file_number)
    body = _detail(item)
    audit_read("view", "case_file", item.file_number)
    return json_response(body, etag=True)


def _spellings(items: list[S.SpellingIn]) -> tuple:
    return tuple((s.surname, s.given_names, s.kind) for s in items)


@bp.post("/casefiles")
@operation(summary="Open a case file", tag="casefiles", scopes=(WRITE,), body=S.MasterData,
           response=S.CaseFileDetail, status=201, etag=True, problems=(409,),
           headers={"Location": "the new case file's address"},
           description="With the person data the specialist application holds; without `file_number` the "
                       "site's next number is given. A client limited to a site opens files there only.")
def open_case_file(body: S.MasterData):
    person = register.PersonData(
        surname=body.surname, given_names=body.given_names, birth_name=body.birth_name,
        date_of_birth=body.date_of_birth or "", place_of_birth=body.place_of_birth, nationality=body.nationality,
        site=body.site, spellings=_spellings(body.spellings))
    try:
        item = register.open_case_file(db.session, person, file_number=body.file_number,
                                       api_client=current_client(), client_address=request.remote_addr or "")
        db.session.commit()
    except register.RegisterError as error:
        db.session.rollback()
        if error.code == "site":
            refuse_other_site("case_file", f"new at {body.site}", "The client may open case files at its own site only.")
        raise Problem(REGISTER_PROBLEMS[error.code], error.detail) from None
    except IntegrityError:
        db.session.rollback()
        raise Problem("conflict", "The file number was taken a moment ago.") from None
    item = load_case_file(item.file_number)
    return json_response(_detail(item), status=201, etag=True,
                         location=url_for("api.case_file", file_number=item.file_number, _external=True))


@bp.patch("/casefiles/<file_number>")
@operation(summary="Change a case file's master data", tag="casefiles", scopes=(WRITE,), path=S.CaseFilePath,
           body=S.MasterDataChange, response=S.CaseFileDetail, etag=True, if_match=True, problems=(404, 409),
           description="Only the fields sent change; known spellings are added. `date_of_birth: null` makes it "
                       "unknown. With If-Match (the ETag read before) nothing changes when someone else changed "
                       "the file meanwhile.")
def change_case_file(path: S.CaseFilePath, body: S.MasterDataChange):
    item = load_case_file(path.file_number)
    require_current(_detail(item))
    changes = body.model_dump(exclude_unset=True, exclude={"spellings"})
    try:
        register.change_master_data(db.session, item, changes, _spellings(body.spellings),
                                    api_client=current_client(), client_address=request.remote_addr or "")
        db.session.commit()
    except register.RegisterError as error:
        db.session.rollback()
        raise Problem(REGISTER_PROBLEMS[error.code], error.detail) from None
    item = load_case_file(path.file_number)
    return json_response(_detail(item), etag=True)
