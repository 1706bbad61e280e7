"""What the API reads and writes, as pydantic models: they check requests and shape responses,
and their JSON Schema (2020-12, the dialect of OpenAPI 3.1) is the API description's
(portal.api.openapi). One model per thing a client sees; field names are stable keys.

Request bodies are strict (a number is not a string, unknown fields are refused), so that
what the description promises is exactly what is accepted. Texts refuse control characters.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Printable text: no NUL or other control characters (tab and line breaks are fine).
_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# Dates of birth with unknown parts: 1987-03-00, 1990-00-00 (portal.domain.dates).
PARTIAL_DATE = r"^[0-9]{4}-(0[0-9]|1[0-2])-([0-2][0-9]|3[01])$"
SITE_CODE = r"^[A-Za-z]{1,16}$"
NATIONALITY = r"^([A-Z]{3})?$"
# A file number is part of addresses: no slash, no characters a URL reserves, no control characters.
FILE_NUMBER = r"^[^\x00-\x1f\x7f/\\?#%]+$"


def text(max_length: int, min_length: int = 0, **extra) -> Any:
    return Annotated[str, Field(max_length=max_length, min_length=min_length, pattern=_PRINTABLE, **extra)]


class Strict(BaseModel):
    """Request bodies."""
    model_config = ConfigDict(strict=True, extra="forbid")


class Out(BaseModel):
    """Responses."""
    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query parameters (strings on the wire: numbers are read from them); an unknown one is an
    error, as the description lists them all."""
    model_config = ConfigDict(extra="forbid")


# -- problems ----------------------------------------------------------------------------------

class FieldError(Out):
    location: str = Field(description="Where: `query.limit`, `body.surname`, `path.reference`.")
    message: str


class Problem(Out):
    """RFC 9457 problem details."""
    type: str = Field(description="Stable URI of the kind of problem (docs/api.md lists them).")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemTypeInfo(Out):
    type: str
    title: str
    status: int
    description: str


# -- documents ---------------------------------------------------------------------------------

class DocumentOut(Out):
    id: int
    title: str
    kind: str = Field(description="The document slot or type: passport, photo, scan …")
    media_type: str
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the file (hex); the download carries it too (Repr-Digest).")
    page_count: int | None
    document_date: date | None = Field(description="The date the document bears (its place in the timeline).")
    received_at: datetime
    source: str = Field(description="The channel it came through: web, email, scan, staff, transfer.")
    original_id: int | None = Field(
        description="For a copy made for the case file (an image as PDF, a PDF without password or form "
                    "scripts): the document as received.")
    copy_reason: str | None
    submission: str | None = Field(description="Reference of the submission it came with.")
    case_file: str | None = Field(description="File number of the case file it is filed in.")
    content_url: str


# -- submissions -------------------------------------------------------------------------------

SubmissionStatus = Literal["received", "in_progress", "awaiting_documents", "attached", "rejected", "closed"]


class Applicant(Out):
    surname: str
    given_names: str
    date_of_birth: str | None = Field(description="YYYY-MM-DD, 00 for an unknown day or month.")
    email: str


class SubmissionSummary(Out):
    reference: str
    status: SubmissionStatus
    channel: str
    service: str = Field(description="The service's code (GET /submissions?service=…).")
    site: str | None = Field(description="The site's code; null while no site has been chosen.")
    case_file: str | None = Field(description="The case file it is attached or linked to.")
    received_at: datetime
    updated_at: datetime
    url: str


class HistoryEntry(Out):
    status: SubmissionStatus
    at: datetime
    note: str = Field(description="What the applicant reads on the status page.")
    made_by: Literal["intake", "staff", "api"]


class SubmissionDetail(SubmissionSummary):
    form_version: int | None
    language: str
    applicant: Applicant
    answers: dict[str, Any] = Field(description="The form's answers under the form's field keys (stable per "
                                                "form version).")
    documents: list[DocumentOut]
    history: list[HistoryEntry]


class SubmissionPage(Out):
    items: list[SubmissionSummary]
    next_cursor: str | None = Field(description="Give as `after` for the next page; null on the last page.")


class StatusChange(Strict):
    status: Literal["in_progress", "awaiting_documents", "attached", "rejected", "closed"]
    note: text(2000) = Field(default="", description="Shown to the applicant in the history (required for "
                                                     "rejected; the message of awaiting_documents).")
    documents: list[text(60, 1)] = Field(default_factory=list, max_length=20,
                                         description="awaiting_documents: the form's document slots to ask for.")
    case_file: text(40, 1) | None = Field(default=None, description="attached: the file number to file it in.")
    deadline: date | None = Field(default=None, description="awaiting_documents: the day the applicant should "
                                  "answer by, after today and within a year (default: PORTAL_REQUEST_DEADLINE_DAYS "
                                  "from today). Without an e-mail address on record the request is recorded as "
                                  "sent by post.")


# -- case files --------------------------------------------------------------------------------

SpellingKind = Literal["passport", "earlier_passport", "birth_name", "script_original", "other"]


class Spelling(Out):
    surname: str
    given_names: str
    kind: SpellingKind


class SpellingIn(Strict):
    surname: text(200, 1)
    given_names: text(200) = ""
    kind: SpellingKind = "other"


class TimelineEntry(Out):
    kind: Literal["document", "note", "status"]
    day: date = Field(description="What the timeline is ordered by: the document's own date.")
    at: datetime
    source: str
    document: DocumentOut | None = None
    note: str | None = None
    status: SubmissionStatus | None = None
    submission: str | None = None


class CaseFileOut(Out):
    file_number: str
    surname: str
    given_names: str
    birth_name: str
    date_of_birth: str | None
    place_of_birth: str
    nationality: str
    site: str
    status: Literal["active", "moved_away", "closed"]
    moved_away_on: date | None
    retention_until: date | None
    created_at: datetime
    updated_at: datetime
    spellings: list[Spelling]
    url: str


class CaseFileDetail(CaseFileOut):
    timeline: list[TimelineEntry] = Field(description="Oldest first, by the documents' own dates.")


class Candidate(Out):
    file_number: str
    score: float = Field(ge=0, le=1, description="How sure the office can be that this file is the person "
                                                 "(calibrated: from 0.9 on no wrong file was seen).")
    reasons: list[str] = Field(description="Why, in words (German).")
    case_file: CaseFileOut


class CandidateList(Out):
    items: list[Candidate]


class MasterData(Strict):
    """A case file's person data, as the specialist application holds it."""
    file_number: Annotated[str, Field(min_length=1, max_length=40, pattern=FILE_NUMBER)] | None = Field(
        default=None, description="Empty: the site's next number.")
    surname: text(200, 1)
    given_names: text(200) = ""
    birth_name: text(200) = ""
    date_of_birth: Annotated[str, Field(pattern=PARTIAL_DATE)] | None = None
    place_of_birth: text(200) = ""
    nationality: Annotated[str, Field(pattern=NATIONALITY)] = Field(default="", description="ISO 3166 alpha-3")
    site: Annotated[str, Field(pattern=SITE_CODE)]
    spellings: list[SpellingIn] = Field(default_factory=list, max_length=50)


class MasterDataChange(Strict):
    """Only the fields sent are changed (left out: unchanged); spellings are added (a known
    spelling stays known). `date_of_birth: null` makes the date unknown."""
    surname: text(200, 1) = Field(default=None, json_schema_extra=lambda schema: schema.pop("default", None))
    given_names: text(200) = Field(default=None, json_schema_extra=lambda schema: schema.pop("default", None))
    birth_name: text(200) = Field(default=None, json_schema_extra=lambda schema: schema.pop("default", None))
    date_of_birth: Annotated[str, Field(pattern=PARTIAL_DATE)] | None = None
    place_of_birth: text(200) = Field(default=None, json_schema_extra=lambda schema: schema.pop("default", None))
    nationality: Annotated[str, Field(pattern=NATIONALITY)] = Field(
        default=None, json_schema_extra=lambda schema: schema.pop("default", None))
    spellings: list[SpellingIn] = Field(default_factory=list, max_length=50)


# -- appointments ------------------------------------------------------------------------------

class AppointmentOut(Out):
    reference: str
    starts_at: datetime
    ends_at: datetime
    service: str
    counter: int = Field(description="1, 2 … within the time (several people share a time).")
    status: Literal["unconfirmed", "confirmed"]
    attendance: Literal["arrived", "no_show"] | None
    surname: str
    given_names: str
    date_of_birth: str | None
    submission: str | None


class FreePlacesOut(Out):
    starts_at: datetime
    service: str
    capacity: int
    taken: int
    free_online: int
    free_phone_desk: int


class AppointmentDay(Out):
    site: str
    day: date
    appointments: list[AppointmentOut]
    free: list[FreePlacesOut]


# -- the change feed ---------------------------------------------------------------------------

class FeedEvent(Out):
    kind: Literal["received", "status", "documents", "changed"]
    at: datetime
    submission: SubmissionSummary


class FeedPage(Out):
    events: list[FeedEvent]
    next_cursor: str = Field(description="Give as `after` next time; the same cursor when nothing was new.")


# -- query parameters --------------------------------------------------------------------------

DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class Paging(Query):
    after: text(500) | None = Field(default=None, description="The `next_cursor` of the page before.")
    limit: int = Field(default=50, ge=1, le=200)


class SubmissionFilter(Paging):
    status: SubmissionStatus | None = None
    service: text(60, 1) | None = None
    site: Annotated[str, Field(pattern=SITE_CODE)] | None = None
    received_from: Annotated[str, Field(pattern=DAY)] | None = Field(
        default=None, description="Only submissions received on or after this day (YYYY-MM-DD, office time).")


class CaseFileSearch(Query):
    file_number: text(40, 1) | None = None
    surname: text(200, 1) | None = None
    given_names: text(200) | None = None
    birth_name: text(200) | None = None
    date_of_birth: Annotated[str, Field(pattern=PARTIAL_DATE)] | None = Field(
        default=None, description="YYYY-MM-DD, 00 for an unknown day or month.")
    nationality: Annotated[str, Field(pattern=NATIONALITY)] | None = None
    place_of_birth: text(200) | None = None
    limit: int = Field(default=10, ge=1, le=50)


class DayQuery(Query):
    site: Annotated[str, Field(pattern=SITE_CODE)]
    day: Annotated[str, Field(pattern=DAY)]


class FeedQuery(Query):
    after: text(500) | None = Field(default=None, description="The `next_cursor` of the call before; "
                                                              "without: from the beginning.")
    limit: int = Field(default=100, ge=1, le=500)


# -- path parameters ---------------------------------------------------------------------------

class SubmissionPath(Query):
    reference: Annotated[str, Field(pattern=r"^ABH-[0-9]{4}-[0-9]{6}-[0-9]$",
                                    description="The submission's reference, e.g. ABH-2026-004711-3.")]


class CaseFilePath(Query):
    file_number: text(40, 1, description="The file number, e.g. WZ-2022-00017.")


class DocumentPath(Query):
    document_id: int = Field(ge=1, le=2_147_483_647)


class ProblemPath(Query):
    slug: Annotated[str, Field(pattern=r"^[a-z-]{1,40}$")]
