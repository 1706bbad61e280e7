"""A row id named by a form field: a whole number an id column can hold, or None.

A number beyond the column's range matches no row, but the database refuses to compare with it
(PostgreSQL: integer out of range; SQLite: too large for INTEGER), which would be a server error
for a tampered form."""
from __future__ import annotations

MAX_ROW_ID = 2**31 - 1  # PostgreSQL's integer, the id columns' type


def form_row_id(form, name: str) -> int | None:
    value = form.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ROW_ID else None
