"""Fixtures shared by integration test modules."""
from __future__ import annotations

import pytest

from tests.support import booking_setup
from portal.config import settings_of
from portal.models import InboundMail
from tests.support.app_factory import override_settings


@pytest.fixture
def bookable(db_session, sites, app, monkeypatch):
    """Two slots of card collection at Wetzlar, the first with two places; no anti-bot check here."""
    from datetime import time

    override_settings(monkeypatch, app, human_check={"enabled": False})
    booking_setup.counters(db_session, sites["WZ"])
    first = booking_setup.future_slot(db_session, sites["WZ"], capacity=2)
    second = booking_setup.future_slot(db_session, sites["WZ"], capacity=2, at=time(9, 10))
    return first, second


@pytest.fixture
def namesakes(db_session, sites):
    """Seven exact namesakes at Wetzlar and, ranked below them (birth day unknown), the one file
    of that name at Dillenburg."""
    from portal.domain.dates import PartialDate
    from portal.matching.candidates import find_candidates
    from portal.models import CaseFile

    wetzlar = [CaseFile(file_number=f"WZ-2019-{n:05d}", surname="Коваленко", given_names="Марія",
                        date_of_birth=PartialDate(1991, 6, 12), nationality="UKR", site=sites["WZ"])
               for n in range(1, 8)]
    own = CaseFile(file_number="DIL-2021-00045", surname="Коваленко", given_names="Марія",
                   date_of_birth=PartialDate(1991, 6), nationality="UKR", site=sites["DIL"])
    db_session.add_all([*wetzlar, own])
    db_session.commit()
    ranked = find_candidates(db_session, surname="Kovalenko", given_names="Mariia",
                             date_of_birth=PartialDate(1991, 6, 12), limit=len(wetzlar) + 1)
    assert [c.case_file.file_number for c in ranked][-1] == own.file_number, "the own file ranks last"
    assert min(c.score for c in ranked[:-1]) > ranked[-1].score
    return own


@pytest.fixture
def take(app, db_session, sites):
    """Take one raw message in, as `mail import` does; returns the InboundMail row."""
    from portal.documents.storage import DocumentStorage
    from portal.intake.email.process import take_in
    from portal.models import InboundMailSource

    storage = DocumentStorage(settings_of(app).storage_dir)

    def _take(raw: bytes) -> InboundMail:
        with app.app_context():
            outcome = take_in(db_session, storage, raw, source=InboundMailSource.FILE, source_detail="test", settings=settings_of(app).mail_intake)
        db_session.expire_all()
        return db_session.get(InboundMail, outcome.mail_id)

    return _take
