"""The published forms are kept per generation, and read again after a while anyway: a version
published by another process without Redis moves no generation here."""
import copy

from sqlalchemy import insert

from portal.forms.definitions.shipped import shipped
from portal.public import form_source

CODE = "general-enquiry"


def _published_elsewhere(app):
    """A version 2 written as another process would: not through this process's sessions."""
    from portal.extensions import db
    from portal.models.form import FormVersion

    definition = copy.deepcopy(shipped()[CODE])
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(insert(FormVersion).values(service_code=CODE, number=2, definition=definition,
                                                      state="published", note=""))


def test_a_publication_by_another_process_is_seen_after_the_kept_time(app, monkeypatch):
    from portal.forms.registry import form_for

    with app.test_request_context():
        assert form_for(CODE).version == 1
    _published_elsewhere(app)
    with app.test_request_context():
        assert form_for(CODE).version == 1  # kept: the generation did not move
    monkeypatch.setattr(form_source, "KEPT_SECONDS", 0)
    with app.test_request_context():
        assert form_for(CODE).version == 2
