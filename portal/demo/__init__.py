"""`flask seed-demo`: sites, services, opening hours, staff and case files, idempotently."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Settings
from portal.demo.people import demo_people
from portal.documents.storage import DocumentStorage
from portal.staff import accounts
from portal.forms.catalogue import CATALOGUE
from portal.models import CaseFile, CaseFileAlias, CaseFileStatus, OpeningHours, Role, Service, Site, StaffUser

SITES = [
    {
        "code": "WZ", "name": "Wetzlar", "street": "Karl-Kellner-Ring 51", "postcode": "35576",
        "city": "Wetzlar", "phone": "+49 6441 407-1700", "email": "abh-wetzlar@lahn-dill.example",
        # weekday: [(opens, closes), ...]; Wednesday is for files only.
        "hours": {0: [(8, 12)], 1: [(8, 12), (14, 16)], 3: [(8, 12), (14, 18)], 4: [(8, 12)]},
    },
    {
        "code": "DIL", "name": "Dillenburg", "street": "Wilhelmstraße 7", "postcode": "35683",
        "city": "Dillenburg", "phone": "+49 2771 407-1800", "email": "abh-dillenburg@lahn-dill.example",
        "hours": {0: [(8, 12)], 1: [(8, 12)], 3: [(13, 17)], 4: [(8, 12)]},
    },
]

# Printed by the command; for a demo installation only (seed-demo refuses production).
DEMO_STAFF = [
    ("sachbearbeitung.wetzlar@abh-demo.example", "Svenja Keller", Role.CASEWORKER, "WZ", "demo-Sachbearbeitung-WZ"),
    ("sachbearbeitung.dillenburg@abh-demo.example", "Murat Aksoy", Role.CASEWORKER, "DIL", "demo-Sachbearbeitung-DIL"),
    ("teamleitung@abh-demo.example", "Jana Becker", Role.TEAM_LEAD, "WZ", "demo-Teamleitung-2026"),
    ("admin@abh-demo.example", "Thomas Weber", Role.ADMIN, "WZ", "demo-Administration-2026"),
    ("datenschutz@abh-demo.example", "Petra Hoffmann", Role.DATA_PROTECTION, "WZ", "demo-Datenschutz-2026"),
    ("redaktion@abh-demo.example", "Lena Schäfer", Role.EDITOR, "WZ", "demo-Redaktion-2026"),
]

# The demo admin's second factor (base32). Never a real installation's: seed-demo refuses production.
DEMO_ADMIN_TOTP_SECRET = "DEMOADMINLAHNDILLWETZLAR23456777"  # noqa: S105

DEMO_CASE_FILES = 3000


@dataclass
class SeedReport:
    sites_created: int = 0
    services_created: int = 0
    case_files_created: int = 0
    slots_created: int = 0
    content_created: int = 0  # published translations of pages, services, FAQ, notices
    submissions_created: int = 0  # open submissions for the queue, through the intake
    staff: list[tuple[str, str, str, bool]] = field(default_factory=list)  # email, role, password, created


def seed_sites(session: Session, report: SeedReport | None = None) -> dict[str, Site]:
    """The two sites with their opening hours (created or brought up to date); by code."""
    report = report if report is not None else SeedReport()
    sites = {}
    for spec in SITES:
        site = session.scalar(select(Site).where(Site.code == spec["code"]))
        if site is None:
            site = Site(code=spec["code"])
            session.add(site)
            report.sites_created += 1
        for key in ("name", "street", "postcode", "city", "phone", "email"):
            setattr(site, key, spec[key])
        wanted = [(weekday, time(start), time(end))
                  for weekday, periods in spec["hours"].items() for start, end in periods]
        current = [(h.weekday, h.opens_at, h.closes_at) for h in site.opening_hours]
        if sorted(current) != sorted(wanted):
            site.opening_hours.clear()
            session.flush()  # the old rows go before the new ones meet the unique key
            site.opening_hours.extend(OpeningHours(weekday=w, opens_at=o, closes_at=c) for w, o, c in wanted)
        sites[site.code] = site
    session.flush()
    return sites


def seed_services(session: Session, report: SeedReport | None = None) -> None:
    """The service catalogue's rows (created or brought up to date)."""
    report = report if report is not None else SeedReport()
    existing = {s.code: s for s in session.scalars(select(Service))}
    for entry in CATALOGUE:
        service = existing.get(entry.code)
        if service is None:
            service = Service(code=entry.code)
            session.add(service)
            report.services_created += 1
        service.name_de = entry.name_de
        service.appointment_minutes = entry.appointment_minutes
        service.needs_appointment = entry.needs_appointment
        service.has_online_form = entry.has_online_form
        service.form_version = entry.form_version


def _seed_staff(session: Session, report: SeedReport, secret_key: str) -> None:
    from portal.models._types import utcnow
    from portal.staff.totp import seal

    for email, name, role, site_code, password in DEMO_STAFF:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        exists = user is not None
        if not exists:
            user = accounts.create_staff_user(session, email=email, full_name=name, role=role,
                                              site_code=site_code, password=password)
        if role == Role.ADMIN and not user.has_totp:
            # Admins must use a second factor; the demo's is fixed and printed, so that anyone
            # trying the demo can add it to an app (or compute the code with pyotp).
            user.totp_secret, user.totp_enrolled_at = seal(DEMO_ADMIN_TOTP_SECRET, secret_key), utcnow()
        report.staff.append((email, str(role), password, not exists))


def _seed_case_files(session: Session, sites: dict[str, Site], report: SeedReport, count: int) -> None:
    from portal.matching.index import index_case_files, index_unindexed

    known = set(session.scalars(select(CaseFile.file_number)))
    created = []
    for person in demo_people(count):
        if person.file_number in known:
            continue
        case_file = CaseFile(
            file_number=person.file_number, surname=person.surname, given_names=person.given_names,
            birth_name=person.birth_name, date_of_birth=person.date_of_birth,
            place_of_birth=person.place_of_birth, nationality=person.nationality,
            site=sites[person.site_code],
            status=CaseFileStatus.MOVED_AWAY if person.moved_away else CaseFileStatus.ACTIVE,
            retention_until=date(2036, 12, 31) if person.moved_away else None,
            aliases=[CaseFileAlias(surname=s, given_names=g, source="demo") for s, g in person.aliases],
        )
        session.add(case_file)
        created.append(case_file)
        report.case_files_created += 1
    # The searchable name keys, also for files seeded before matching kept them.
    index_case_files(session, created)
    index_unindexed(session)


# Counters per site for services that need an appointment; one of them kept for the phone desk.
COUNTERS = {"WZ": 3, "DIL": 2}


def _seed_appointments(session: Session, sites: dict[str, Site], report: SeedReport) -> None:
    from portal.appointments.slots import ensure_slots
    from portal.models import ServiceCounters, SiteBookingRules, SiteClosure

    session.flush()
    for code, site in sites.items():
        if session.get(SiteBookingRules, site.id) is None:
            session.add(SiteBookingRules(site_id=site.id))
        for service in session.scalars(select(Service).where(Service.needs_appointment)):
            exists = session.scalar(select(ServiceCounters).where(
                ServiceCounters.site_id == site.id, ServiceCounters.service_id == service.id))
            if exists is None:
                session.add(ServiceCounters(site=site, service=service, counters=COUNTERS[code], staff_counters=1))
        for year in (2026, 2027):
            for day in (date(year, 12, 24), date(year, 12, 31)):
                if session.scalar(select(SiteClosure.id).where(SiteClosure.site_id == site.id,
                                                                SiteClosure.day == day)) is None:
                    session.add(SiteClosure(site_id=site.id, day=day, reason="Heiligabend / Silvester"))
    session.flush()
    report.slots_created = ensure_slots(session)


def _seed_content(session: Session, report: SeedReport) -> None:
    from portal.content.seed import load_seed_content
    from portal.models._types import utcnow

    report.content_created = load_seed_content(session, utcnow())


def seed_demo(session: Session, secret_key: str, case_files: int = DEMO_CASE_FILES,
              with_submissions: bool = True, *, storage: DocumentStorage | None = None,
              settings: Settings | None = None) -> SeedReport:
    """secret_key: the installation's, which seals the demo admin's second factor. The demo
    submissions go through the installation's intake: they need its `storage` and `settings`."""
    if with_submissions and (storage is None or settings is None):
        raise ValueError("demo submissions need the installation's storage and settings")
    report = SeedReport()
    sites = seed_sites(session, report)
    seed_services(session, report)
    _seed_appointments(session, sites, report)
    _seed_staff(session, report, secret_key)
    _seed_case_files(session, sites, report, case_files)
    _seed_content(session, report)
    session.commit()
    if with_submissions:
        from portal.demo.submissions import seed_submissions

        report.submissions_created = seed_submissions(session, storage, settings, case_files)
    return report
