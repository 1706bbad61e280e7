"""The flask commands: users create, seed-demo."""
import unicodedata

from sqlalchemy import func, select

from portal.models import (
    CaseFile, CaseFileAlias, DocumentRequest, InboundMail, OpeningHours, OutboundMail, Service, Site, StaffUser,
    Submission,
)
from portal.models.content import ContentItem, ContentTranslation, ContentVersion
from tests.support.app_factory import override_settings


def _invoke(app, args, input=None):
    return app.test_cli_runner().invoke(args=args, input=input)


def test_users_create_asks_for_the_password_twice(app, sites, db_session):
    result = _invoke(app, ["users", "create", "--email", "Olena.Koval@ABH-test.example", "--role", "team_lead",
                           "--site", "DIL", "--name", "Olena Koval"],
                     input="a-long-enough-passphrase\na-long-enough-passphrase\n")
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "olena.koval@abh-test.example"))
    assert user.role == "team_lead" and user.site.code == "DIL"
    assert user.password_hash.startswith("$argon2id$") and "passphrase" not in user.password_hash


def test_users_create_refuses_with_reasons(app, sites, db_session):
    weak = _invoke(app, ["users", "create", "--email", "a@abh-test.example", "--role", "admin", "--site", "WZ"],
                   input="short\nshort\n")
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    site = _invoke(app, ["users", "create", "--email", "a@abh-test.example", "--role", "admin", "--site", "GI"],
                   input="a-long-enough-passphrase\na-long-enough-passphrase\n")
    assert site.exit_code != 0 and "unknown site 'GI'" in site.output and "DIL, WZ" in site.output
    role = _invoke(app, ["users", "create", "--email", "a@abh-test.example", "--role", "boss", "--site", "WZ"])
    assert role.exit_code != 0
    assert db_session.scalar(select(func.count()).select_from(StaffUser)) == 0


def test_users_create_refuses_a_second_account_for_the_same_address(app, sites, make_staff):
    user = make_staff()
    result = _invoke(app, ["users", "create", "--email", user.email.upper(), "--role", "admin", "--site", "WZ"],
                     input="a-long-enough-passphrase\na-long-enough-passphrase\n")
    assert result.exit_code != 0 and "exists already" in result.output


def _counts(db_session):
    return {model.__name__: db_session.scalar(select(func.count()).select_from(model))
            for model in (Site, OpeningHours, Service, StaffUser, CaseFile, CaseFileAlias, ContentItem,
                          ContentTranslation, ContentVersion, Submission, InboundMail, OutboundMail)}


def test_seed_demo_is_idempotent(app, db_session):
    first = _invoke(app, ["seed-demo", "--case-files", "400"])
    assert first.exit_code == 0, first.output
    assert "case files created: 400" in first.output and "password: demo-" in first.output
    counts = _counts(db_session)
    from portal.forms.catalogue import CATALOGUE

    assert counts["Site"] == 2 and counts["Service"] == len(CATALOGUE) == 14 and counts["StaffUser"] == 6
    assert counts["CaseFile"] == 400 and counts["OpeningHours"] > 8
    # Pages, service descriptions, FAQ and a notice, each language a published translation.
    created = int(first.output.split("content translations created: ")[1].split()[0].rstrip(","))
    assert created == counts["ContentTranslation"] == counts["ContentVersion"] > counts["ContentItem"] > 0

    # Open submissions for the queue: web applications and e-mails, through the intake.
    assert "submissions created: 8" in first.output
    channels = sorted(db_session.scalars(select(Submission.channel)))
    assert channels == ["email"] * 2 + ["web"] * 6
    assert all(s.receipt_sha256 for s in db_session.scalars(select(Submission).where(Submission.channel == "web")))
    # One request for documents, mailed in Russian to the e-mail's sender (the demo mailbox).
    [asked] = db_session.scalars(select(DocumentRequest)).all()
    assert asked.submission.language == "ru" and asked.delivery == "mail" and asked.state == "open"
    request_mail = db_session.scalars(select(OutboundMail).where(OutboundMail.submission_id == asked.submission_id,
                                                                 OutboundMail.language == "ru")).all()
    assert any("/ru/answer/" in m.body_text for m in request_mail)

    second = _invoke(app, ["seed-demo", "--case-files", "400"])
    assert second.exit_code == 0 and "case files created: 0" in second.output
    assert "content translations created: 0" in second.output and "submissions created: 0" in second.output
    assert "existed already" in second.output
    db_session.expire_all()
    assert _counts(db_session) == counts

    names = " ".join(db_session.scalars(select(CaseFile.surname)))
    scripts = {unicodedata.name(ch).split()[0] for ch in names if ch.isalpha()}
    assert {"LATIN", "CYRILLIC", "ARABIC"} <= scripts
    assert db_session.scalar(select(func.count()).select_from(CaseFile).where(CaseFile.dob_day.is_(None))) > 0


def test_seed_demo_refuses_production(app, monkeypatch):
    override_settings(monkeypatch, app, env="production")
    result = _invoke(app, ["seed-demo"])
    assert result.exit_code != 0 and "production" in result.output
