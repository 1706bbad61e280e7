"""Dates of birth where the day or the month may be unknown.

Foreign passports and old paper files often give only a year (`00.00.1990`) or a month
and year (`00.03.1987`). Such a date is kept as three parts; a missing part is None.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_GERMAN = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_YEAR_ONLY = re.compile(r"^\s*(\d{4})\s*$")


class InvalidPartialDate(ValueError):
    pass


@dataclass(frozen=True)
class PartialDate:
    year: int | None
    month: int | None = None
    day: int | None = None

    def __post_init__(self):
        if self.year is None:
            if self.month is not None or self.day is not None:
                raise InvalidPartialDate("a month or day without a year")
            return
        if not 1850 <= self.year <= 2200:
            raise InvalidPartialDate(f"year {self.year} out of range")
        if self.month is None:
            if self.day is not None:
                raise InvalidPartialDate("a day without a month")
            return
        if not 1 <= self.month <= 12:
            raise InvalidPartialDate(f"month {self.month} out of range")
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise InvalidPartialDate(f"day {self.day} out of range")

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read `DD.MM.YYYY`, `YYYY-MM-DD` or `YYYY`; `00` marks an unknown part."""
        if m := _GERMAN.match(text):
            day, month, year = (int(g) for g in m.groups())
        elif m := _ISO.match(text):
            year, month, day = (int(g) for g in m.groups())
        elif m := _YEAR_ONLY.match(text):
            year, month, day = int(m.group(1)), 0, 0
        else:
            raise InvalidPartialDate(f"not a date: {text!r}")
        return cls(year, month or None, day or None)

    @property
    def is_complete(self) -> bool:
        return self.day is not None

    @property
    def is_unknown(self) -> bool:
        return self.year is None

    def german(self) -> str:
        """`00.03.1987`: the notation of German registers."""
        if self.year is None:
            return ""
        return f"{self.day or 0:02d}.{self.month or 0:02d}.{self.year:04d}"

    def iso(self) -> str:
        if self.year is None:
            return ""
        return f"{self.year:04d}-{self.month or 0:02d}-{self.day or 0:02d}"

    def could_be(self, other: PartialDate) -> bool:
        """True when both dates may name the same day (unknown parts match anything)."""
        if self.year is None or other.year is None:
            return False
        for mine, theirs in ((self.year, other.year), (self.month, other.month), (self.day, other.day)):
            if mine is not None and theirs is not None and mine != theirs:
                return False
        return True

    def __str__(self) -> str:
        return self.german()
