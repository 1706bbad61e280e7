"""Notes in a case file, written by staff. The note stays in the file; the audit trail says that
one was written, and how long it is (not what it says)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.audit import record
from portal.models import CaseFile, CaseFileNote, StaffUser

NOTE_MAX_LENGTH = 5000


def add_note(session: Session, case_file: CaseFile, staff: StaffUser, text: str, *,
             client_address: str = "") -> CaseFileNote:
    """Add the note, with its audit entry; the caller commits."""
    text = (text or "").strip()
    if not text or len(text) > NOTE_MAX_LENGTH:
        raise ValueError(f"a note has 1 to {NOTE_MAX_LENGTH} characters")
    note = CaseFileNote(case_file_id=case_file.id, staff_user_id=staff.id, text=text)
    session.add(note)
    session.flush()  # its id, for the audit entry and the page's anchor
    record(session, "change", staff=staff, object_type="case_file", object_id=case_file.file_number,
           client_address=client_address, detail={"note_id": note.id, "length": len(note.text)})
    return note
