"""The inbound queue (filters, sorting, age against the target, keyset paging, claims) and the
submission view (German labels, documents in the browser). Thin views: the rules are in
portal.casework.queue."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal.audit import record
from portal.backoffice import bp, loaders
from portal.backoffice.guard import CASEWORK_STAFF, LEADS, requires_role
from portal.casework import access
from portal.casework import queue as inbound
from portal.config import LANGUAGES, current_settings
from portal.extensions import db, get_storage
from portal.casefiles.person import latin_beside
from portal.forms.display import ROMANISED_FIELDS, display_value, label_in
from portal.forms.registry import submission_form
from portal.models import Channel, Document, Service, Site, StaffUser
from portal.models._types import utcnow

PAGE_SIZE = 50
BROWSER_TYPES = {"application/pdf", "image/jpeg", "image/png"}
FILTER_NAMES = ("status", "service", "site", "channel", "age", "older_than", "assignee", "language", "answer",
                "sort")


def queue_rules() -> inbound.QueueRules:
    return current_settings().queue


def _choice(args, name: str, allowed) -> str | None:
    value = args.get(name, "")
    return value if value in allowed else None


def _number(text: str, maximum: int) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 and int(text) <= maximum else None


def _filters_from(args, services: list[Service], sites: list[Site]) -> inbound.QueueFilter:
    """The GET parameters; anything unknown is ignored rather than refused (a stale bookmark
    still shows the queue)."""
    service = {s.code: s.id for s in services}.get(args.get("service", ""))
    site_code = args.get("site", "")
    assignee = args.get("assignee", "")
    return inbound.QueueFilter(
        status=_choice(args, "status", inbound.OPEN_VALUES),
        service_id=service,
        site_id={s.code: s.id for s in sites}.get(site_code),
        no_site=site_code == "none",
        channel=_choice(args, "channel", {c.value for c in Channel}),
        language=_choice(args, "language", LANGUAGES),
        assignee=assignee if assignee in (inbound.ASSIGNEE_ME, inbound.ASSIGNEE_NOBODY) else None,
        assignee_id=_number(assignee, 2**31 - 1),
        age=_choice(args, "age", (inbound.AGE_OVERDUE, inbound.AGE_ON_TIME)),
        older_than=_number(args.get("older_than", ""), inbound.MAX_AGE_DAYS),
        answer=_choice(args, "answer", (inbound.ANSWER_RECEIVED, inbound.ANSWER_OVERDUE)),
        # Caseworkers: their own site and the items no site has been chosen for yet.
        visible=access.submission_condition(current_user),
    )


def _is_lead() -> bool:
    return current_user.has_role(*LEADS)


@bp.get("/queue")
@requires_role(*CASEWORK_STAFF)
def queue():
    now = utcnow()
    settings = queue_rules()
    services = db.session.scalars(select(Service).order_by(Service.name_de)).all()
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    staff = db.session.scalars(select(StaffUser).where(StaffUser.is_active_account)
                               .order_by(StaffUser.full_name)).all()
    filters = _filters_from(request.args, services, sites)
    sort = _choice(request.args, "sort", inbound.SORTS) or inbound.SORT_OLDEST
    after = inbound.Cursor.parse(sort, request.args.get("after"))
    page = inbound.queue_page(db.session, filters, sort, after, me_id=current_user.id, me_is_lead=_is_lead(),
                              now=now, rules=settings, size=PAGE_SIZE)
    # The filters as given, for the next-page link and the form (empty ones left out).
    chosen = {name: request.args.get(name, "") for name in FILTER_NAMES}
    kept = [(name, value) for name, value in chosen.items() if value]
    base = url_for("backoffice.queue")
    next_url = base + "?" + urlencode([("after", page.next_cursor), *kept]) if page.next_cursor else None
    first_url = base + "?" + urlencode(kept) if kept else base
    locale = get_locale()
    language_names = {code: locale.languages.get(code, code) if locale else code for code in LANGUAGES}
    # Translated once per page rather than once per row (gettext is the bulk of the page's time).
    # The target is the same on every row: its plural form is chosen once, the age filled in per row.
    texts = {"age": ngettext("%(days)s of %(num)s working day", "%(days)s of %(num)s working days",
                             settings.target_days, days="%(days)s"), "due": _("due %(date)s"),
             "since": _("since %(time)s"), "you": _("%(name)s (you)"),
             "ran_out": _("the claim of %(name)s ran out"), "claim": _("Claim"), "free": _("free"),
             "overdue": _("Overdue"), "no_site": _("No site yet"),
             "answer_received": _("Documents received"), "answer_overdue": _("Answer overdue")}
    return render_template(
        "backoffice/queue.html", page=page, next_url=next_url, first_url=first_url,
        is_first_page=not request.args.get("after"), chosen=chosen,
        filtered=any(value for name, value in chosen.items() if name != "sort"),
        services=services, sites=sites, staff=staff, statuses=inbound.OPEN_VALUES,
        channels=[c.value for c in Channel], languages=LANGUAGES, language_names=language_names,
        target_days=settings.target_days, texts=texts)


@bp.get("/submissions/<reference>")
@requires_role(*CASEWORK_STAFF)
def submission(reference: str):
    item = loaders.submission_with_history(reference)
    form = submission_form(item)
    fields = []
    for spec in form.fields if form else ():
        value = item.field_values.get(spec.name, "")
        shown = display_value(spec, value, "de")
        # A Latin form beside names, places of birth and addresses only; free text as written.
        latin = latin_beside(shown) if spec.name in ROMANISED_FIELDS and shown else ""
        fields.append((label_in(spec.label, "de"), value, shown, latin))
    documents = db.session.scalars(select(Document).where(Document.submission_id == item.id)
                                   .order_by(Document.id)).all()
    slot_labels = {slot.key: label_in(slot.label, "de") for slot in form.documents} if form else {}
    # Per uploaded file: what the browser shows. The readable copy of a PDF (without password
    # protection or form scripts); an image itself, or its PDF where the browser cannot (HEIC).
    derived = {d.derived_from_id: d for d in documents if d.derived_from_id}
    shown = [(d, derived[d.id] if d.media_type == "application/pdf" and d.id in derived
              else d if d.media_type in BROWSER_TYPES else derived.get(d.id))
             for d in documents if not d.derived_from_id]
    claim = inbound.claim_state(item, current_user.id, viewer_is_lead=_is_lead(), now=utcnow(),
                                rules=queue_rules())
    record(db.session, "view", staff=current_user, object_type="submission", object_id=item.reference,
           client_address=request.remote_addr)
    db.session.commit()
    return render_template("backoffice/submission.html", submission=item, fields=fields, documents=shown,
                           slot_labels=slot_labels, claim=claim)


def _staff_name(staff_id: int | None) -> str:
    staff = db.session.get(StaffUser, staff_id) if staff_id else None
    return staff.full_name if staff else _("another caseworker")


@bp.post("/submissions/<reference>/claim")
@requires_role(*CASEWORK_STAFF)
def submission_claim(reference: str):
    item = loaders.submission_with_history(reference)
    settings = queue_rules()
    now = utcnow()
    try:
        inbound.claim(db.session, item.id, current_user.id, now=now, rules=settings,
                      client_address=request.remote_addr or "")
    except inbound.ClaimError as refused:
        db.session.rollback()
        if refused.code == "claimed":
            flash(_("%(name)s is already working on %(reference)s.", name=_staff_name(refused.holder_id),
                    reference=reference), "error")
        else:
            flash(_("%(reference)s is no longer open and cannot be claimed.", reference=reference), "error")
        return redirect(url_for("backoffice.submission", reference=reference))
    db.session.commit()
    flash(_("You are working on %(reference)s until %(time)s.", reference=reference,
            time=format_datetime(settings.claim_ends(now), "short")), "success")
    return redirect(url_for("backoffice.submission", reference=reference))


@bp.post("/submissions/<reference>/release")
@requires_role(*CASEWORK_STAFF)
def submission_release(reference: str):
    item = loaders.submission_with_history(reference)
    try:
        inbound.release(db.session, item.id, current_user.id, may_release_others=_is_lead(),
                        client_address=request.remote_addr or "")
    except inbound.ClaimError as refused:
        db.session.rollback()
        if refused.code == "not_holder":
            flash(_("Only %(name)s, a team lead or an administrator can release %(reference)s.",
                    name=_staff_name(refused.holder_id), reference=reference), "error")
        else:
            flash(_("Nobody is working on %(reference)s.", reference=reference), "info")
        return redirect(url_for("backoffice.submission", reference=reference))
    db.session.commit()
    flash(_("%(reference)s has been released.", reference=reference), "success")
    return redirect(url_for("backoffice.submission", reference=reference))


@bp.get("/documents/<int:document_id>")
@requires_role(*CASEWORK_STAFF)
def document(document_id: int):
    item = loaders.document(document_id)
    record(db.session, "view_document", staff=current_user, object_type="document", object_id=item.id,
           client_address=request.remote_addr,
           detail={"submission_id": item.submission_id, "case_file_id": item.case_file_id})
    db.session.commit()
    response = send_file(get_storage().open(item.sha256), mimetype=item.media_type,
                         download_name=item.original_filename or f"document-{item.id}")
    # Shown inside the submission page (same origin only); never run as anything but its type.
    response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
