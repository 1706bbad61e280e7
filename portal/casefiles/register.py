"""The specialist application keeps the register in step through the API, one case file at a
time, instead of a CSV file (portal.casefiles.master_data): opening a file with its person data
and changing that data. The same checks as the CSV import (master_data.parse_row), the same way
a file is opened (portal.casefiles.operations.create_case_file), known spellings with their
kinds, the name keys the matching reads, and an audit entry naming the client and what changed.
The caller commits."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.casefiles.master_data import parse_row
from portal.casefiles.operations import create_case_file
from portal.casefiles.spellings import add_spelling
from portal.domain.dates import InvalidPartialDate, PartialDate
from portal.matching.index import index_case_file
from portal.models import ApiClient, CaseFile, Site

SOURCE = "specialist application"
FIELDS = ("surname", "given_names", "birth_name", "date_of_birth", "place_of_birth", "nationality")


class RegisterError(ValueError):
    """`code`: invalid (the data, `detail` says why), taken (the file number exists), site (the
    client may not use that site)."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class PersonData:
    surname: str
    given_names: str = ""
    birth_name: str = ""
    date_of_birth: str = ""  # YYYY-MM-DD, 00 for unknown parts; "" unknown
    place_of_birth: str = ""
    nationality: str = ""
    site: str = ""
    spellings: tuple[tuple[str, str, str], ...] = ()  # (surname, given names, kind)


def _sites(session: Session) -> dict[str, int]:
    return {site.code.upper(): site.id for site in session.scalars(select(Site))}


def open_case_file(session: Session, person: PersonData, *, file_number: str | None, api_client: ApiClient,
                   client_address: str = "") -> CaseFile:
    """A new case file; with `file_number` that number (RegisterError "taken" when the office
    has it), else the site's next one."""
    sites = _sites(session)
    if api_client.site_id is not None and sites.get(person.site.upper()) != api_client.site_id:
        raise RegisterError("site", f"the client may open files at its own site only, not at {person.site!r}")
    record_values = {"file_number": file_number or "-", "surname": person.surname, "given_names": person.given_names,
                     "birth_name": person.birth_name, "date_of_birth": person.date_of_birth,
                     "place_of_birth": person.place_of_birth, "nationality": person.nationality, "site": person.site}
    row = parse_row(0, record_values, sites)
    if isinstance(row, str):
        raise RegisterError("invalid", row)
    case_file = create_case_file(session, row.values, file_number=row.file_number if file_number else None)
    if case_file is None:
        raise RegisterError("taken", f"the office has a case file {row.file_number} already")
    added = _add_spellings(case_file, person.spellings)
    index_case_file(session, case_file)
    record(session, "create", staff=None, api_client=api_client, object_type="case_file",
           object_id=case_file.file_number, client_address=client_address,
           detail={"source": SOURCE, "spellings": added})
    return case_file


def change_master_data(session: Session, case_file: CaseFile, changes: dict, spellings: tuple = (), *,
                       api_client: ApiClient, client_address: str = "") -> list[str]:
    """Change the fields in `changes` (of FIELDS; date_of_birth as YYYY-MM-DD with 00 parts, or
    None for unknown) and add the known spellings; returns the names of the fields changed."""
    current = {"file_number": case_file.file_number, "surname": case_file.surname,
               "given_names": case_file.given_names, "birth_name": case_file.birth_name,
               "date_of_birth": case_file.date_of_birth.iso() if case_file.date_of_birth else "",
               "place_of_birth": case_file.place_of_birth, "nationality": case_file.nationality,
               "site": case_file.site.code}
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise RegisterError("invalid", f"not master data: {', '.join(sorted(unknown))}")
    wanted = {**current, **{key: "" if value is None else value for key, value in changes.items()}}
    row = parse_row(0, wanted, _sites(session))
    if isinstance(row, str):
        raise RegisterError("invalid", row)
    changed = []
    for attribute, value in row.values.items():
        if attribute != "site_id" and getattr(case_file, attribute) != value:
            setattr(case_file, attribute, value)
            changed.append(attribute)
    added = _add_spellings(case_file, spellings)
    if changed or added:
        session.flush()
        index_case_file(session, case_file)
        record(session, "change", staff=None, api_client=api_client, object_type="case_file",
               object_id=case_file.file_number, client_address=client_address,
               detail={"source": SOURCE, "changed": changed, "spellings": added})
    return changed + (["spellings"] if added else [])


def _add_spellings(case_file: CaseFile, spellings) -> list[str]:
    added = []
    for surname, given_names, kind in spellings:
        alias = add_spelling(case_file, surname, given_names, source=SOURCE, kind=kind)
        if alias is not None:
            added.append(f"{alias.surname}, {alias.given_names}".strip(", "))
    return added


def partial_date(text: str | None) -> PartialDate:
    """YYYY-MM-DD with 00 for unknown parts (RegisterError "invalid" when it is no date)."""
    if not text:
        return PartialDate(None)
    try:
        return PartialDate.parse(text)
    except InvalidPartialDate as exc:
        raise RegisterError("invalid", f"date of birth {text!r}: {exc}") from None
