"""Comparing two versions of a translation, field by field, line by line (difflib).

Each line is escaped before it meets any markup, so a version's text never becomes HTML here.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from markupsafe import escape

from portal.models.content import ContentVersion


@dataclass(frozen=True)
class Line:
    kind: str  # 'same', 'removed', 'added'
    text: str  # escaped

    @property
    def tag(self) -> str:
        return {"removed": "del", "added": "ins"}.get(self.kind, "span")


@dataclass(frozen=True)
class FieldDiff:
    field: str
    lines: list[Line]

    @property
    def changed(self) -> bool:
        return any(line.kind != "same" for line in self.lines)


def compare(old: ContentVersion, new: ContentVersion) -> list[FieldDiff]:
    """The fields that differ, as unified lines (removed lines of `old`, added lines of `new`)."""
    result = []
    old_texts, new_texts = old.texts(), new.texts()
    for field in ContentVersion.TEXT_FIELDS:
        a, b = old_texts[field].splitlines(), new_texts[field].splitlines()
        if a == b:
            continue
        lines = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op == "equal":
                lines.extend(Line("same", str(escape(text))) for text in a[i1:i2])
                continue
            lines.extend(Line("removed", str(escape(text))) for text in a[i1:i2])
            lines.extend(Line("added", str(escape(text))) for text in b[j1:j2])
        result.append(FieldDiff(field, lines))
    return result
