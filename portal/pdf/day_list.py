"""The printed day list of a site: who is expected at which time and counter, with a box to
tick on arrival. For the counters' desks, A4 portrait; the column heads repeat on every page.

Names are printed as typed (Cyrillic, Arabic, ...). The fixed texts come in with the data (the
back office translates them), so this module needs no Flask. Template: pdf/day_list.html.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from portal.pdf.templates import TICK_SVG, page_counter_css, render_html, svg_data_uri
from portal.pdf.renderer import render_pdf


@dataclass
class DayListLabels:
    """The fixed texts, in the language to print (English ids by default)."""
    title: str = "Day list"
    time: str = "Time"
    counter: str = "Counter"
    name: str = "Name"
    service: str = "Service"
    reference: str = "Reference"
    arrived: str = "Arrived"
    born: str = "born %(date)s"
    staff_booking: str = "booked by staff"
    empty: str = "No appointments on this day."
    page: str = "Page %(page)s of %(pages)s"


@dataclass
class DayListRow:
    time: str  # "08:30", office time
    counter: int
    surname: str
    given_names: str
    date_of_birth: str  # "00.03.1987", may be empty
    service: str
    reference: str
    arrived: bool = False
    staff_booking: bool = False


@dataclass
class DayListData:
    office_name: str
    site_name: str  # "Wetzlar"
    site_address: str  # one line
    day: str  # the date as it is to be printed
    printed: str  # footer: when and by whom
    rows: list[DayListRow]
    labels: DayListLabels = field(default_factory=DayListLabels)
    language: str = "de"


@dataclass
class _Row:
    time: str
    new_time: bool
    counter: int
    name: str
    details: str
    service: str
    reference: str
    arrived: bool


def _rows(data: DayListData) -> list[_Row]:
    labels, rows, previous = data.labels, [], None
    for row in data.rows:
        details = []
        if row.date_of_birth:
            details.append(labels.born % {"date": row.date_of_birth})
        if row.staff_booking:
            details.append(labels.staff_booking)
        rows.append(_Row(time=row.time, new_time=row.time != previous, counter=row.counter,
                         name=", ".join(part for part in (row.surname, row.given_names) if part) or "–",
                         details=" · ".join(details), service=row.service, reference=row.reference,
                         arrived=row.arrived))
        previous = row.time
    return rows


def render_day_list(data: DayListData) -> bytes:
    """The day list as tagged PDF bytes."""
    return render_pdf(render_html("day_list.html", data=data, rows=_rows(data), tick=svg_data_uri(TICK_SVG),
                                  page_label=page_counter_css(data.labels.page)))
