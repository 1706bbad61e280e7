"""The conversation on a submission: the office's messages (the caseworker's German words and
the applicant's copy as sent) and the applicant's (as written, with a Latin reading for the
caseworker where the script is not Latin), in the order written."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import (
    DocumentRequest, InboundMail, MessageAuthor, MessageChannel, StaffUser, Submission, SubmissionMessage,
)

_WORD = re.compile(r"\w+", re.UNICODE)
# The secret parts of links the portal mails (answer and invitation tokens, status codes): kept out
# of the conversation, which staff and the applicant read and which a copy of the database holds.
_LINK_SECRETS = re.compile(r"(/(?:answer|invitation)/)[A-Za-z0-9_-]{16,}|([?&]code=)[^\s&\"'<>]+")


def without_link_secrets(text: str) -> str:
    return _LINK_SECRETS.sub(lambda m: (m.group(1) or m.group(2)) + "…", text)


def _is_latin(word: str) -> bool:
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in word)


def latin_reading(text: str) -> str:
    """The text with every word in another script written in Latin letters, as names are
    (Arabic and Persian by portal.matching.romanise, an unknown word letter by letter after ICAO
    9303; Cyrillic and Greek by portal.matching.names); "" when the text is Latin already. A
    reading aid for the caseworker, not a translation."""
    from portal.matching.names import transliterate
    from portal.matching.romanise import has_arabic_script, romanise

    if all(_is_latin(word) for word in _WORD.findall(text)):
        return ""

    def latin(match: re.Match) -> str:
        word = match.group(0)
        if _is_latin(word):
            return word
        if has_arabic_script(word):
            return romanise(word).latin.lstrip("≈") or word
        variants = transliterate(word)
        if not variants:
            return word
        return variants[0].capitalize() if word[:1].isupper() else variants[0]

    return _WORD.sub(latin, text)


def add_office_message(session: Session, submission: Submission, staff: StaffUser | None, *, german_text: str,
                       sent_text: str, channel: MessageChannel, request: DocumentRequest | None = None
                       ) -> SubmissionMessage:
    message = SubmissionMessage(submission_id=submission.id, author=MessageAuthor.OFFICE, channel=channel,
                                language=submission.language, body=german_text,
                                sent_text=without_link_secrets(sent_text),
                                staff_user_id=staff.id if staff is not None else None, request=request)
    session.add(message)
    return message


def add_applicant_message(session: Session, submission: Submission, text: str, *, language: str,
                          channel: MessageChannel, request: DocumentRequest | None = None,
                          inbound_mail: InboundMail | None = None, document_count: int = 0) -> SubmissionMessage:
    text = without_link_secrets(text)  # a reply mail quoting ours
    message = SubmissionMessage(submission_id=submission.id, author=MessageAuthor.APPLICANT, channel=channel,
                                language=language, body=text, transliteration=latin_reading(text),
                                request=request, inbound_mail_id=inbound_mail.id if inbound_mail else None,
                                document_count=document_count)
    session.add(message)
    return message


def thread(session: Session, submission: Submission) -> list[SubmissionMessage]:
    """The messages, oldest first."""
    return list(session.scalars(select(SubmissionMessage).where(SubmissionMessage.submission_id == submission.id)
                                .order_by(SubmissionMessage.created_at, SubmissionMessage.id)))
