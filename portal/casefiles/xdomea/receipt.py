"""The answer to a hand-over: `Abgabe.ImportBestaetigen.0402`, saying for the case file whether
it was taken and, if not, why; written next to the package it answers."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from portal.casefiles.xdomea import message as M
from portal.casefiles.xdomea.export import message_file_name
from portal.casefiles.xdomea.schema import InvalidXml, parse, problems
from portal.domain.office_time import to_office_time


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(text: str) -> bool:
    return bool(text) and _UUID.match(text) is not None


def build_receipt(*, process_id: str, object_id: str, taken: bool, reasons: list[str], office_name: str,
                  sender: str, now: datetime) -> bytes:
    """The 0402 message; `sender` is the office that sent the package (the answer's recipient)."""
    root = M.el(None, M.MESSAGE_NAMES[M.IMPORT_CONFIRMATION])
    M.head(root, process_id=process_id, message_type=M.IMPORT_CONFIRMATION, created=to_office_time(now),
           sender=office_name, recipient=sender)
    answer = M.el(root, "AbgegebenesObjekt")
    M.el(answer, "IDSGO", object_id)
    M.el(answer, "Erfolgreich", "1" if taken else "0")
    for reason in reasons[:100]:
        M.el(answer, "Fehlermeldung", reason[:2000])
    data = M.serialise(root)
    found = problems(parse(data))
    if found:
        raise InvalidXml(found)
    return data


def write_receipt(next_to: Path, data: bytes, process_id: str) -> Path:
    """Beside the package: <ProzessID>_Abgabe.ImportBestaetigen.0402.xml (the id comes from the
    sender's message: only a UUID names a file here)."""
    if not is_uuid(process_id):
        raise ValueError(f"not a process id: {process_id!r}")
    target = next_to.parent / message_file_name(process_id, M.IMPORT_CONFIRMATION)
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(target)
    return target
