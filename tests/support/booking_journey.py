"""An applicant's booking through the public pages with the test client: hold a time, give the
details, confirm by the mailed link (the slots come from the `bookable` fixture)."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.models import OutboundMail
from tests.support.helpers import csrf_token_from


def day_of(slot) -> str:
    from portal.domain.office_time import OFFICE_TZ, aware

    return aware(slot.starts_at).astimezone(OFFICE_TZ).date().isoformat()


def hold(client, slot, lang="tr"):
    page = client.get(f"/{lang}/appointments/card-collection/WZ/{day_of(slot)}")
    assert page.status_code == 200
    return client.post(f"/{lang}/appointments/hold",
                       data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "slot": slot.id})


PERSON = {"surname": "Yılmaz", "given_names": "Ayşe", "date_of_birth-day": "2", "date_of_birth-month": "11",
          "date_of_birth-year": "1979", "email": "ayse.yilmaz@example.org", "phone": ""}


def fill_details(client, data=PERSON, lang="tr"):
    page = client.get(f"/{lang}/appointments/details")
    return client.post(f"/{lang}/appointments/details",
                       data={**data, "csrf_token": csrf_token_from(page.get_data(as_text=True))})


def mail_link(db_session, kind: str) -> str:
    db_session.expire_all()
    mail = db_session.scalars(select(OutboundMail).order_by(OutboundMail.id.desc())).first()
    url = re.search(rf"https?://\S+/appointments/{kind}/[\w.-]+", mail.body_text).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def book(client, db_session, bookable, data=PERSON):
    slot, _ = bookable
    assert hold(client, slot).headers["Location"].endswith("/tr/appointments/details")
    assert fill_details(client, data).status_code == 200
    confirmed = client.get(mail_link(db_session, "confirm"))
    assert confirmed.status_code == 302
    return confirmed.headers["Location"]
