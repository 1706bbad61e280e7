"""Back office for portal content: the list with each item's languages, new items, an item's
settings and the order of the public menu. Editing and workflow: content_edit.py."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField, TextAreaField

from portal.backoffice import bp, loaders
from portal.backoffice.forms import ActionForm
from portal.backoffice.guard import EDITORS, requires_role
from portal.content import editing
from portal.content.translations import language_statuses
from portal.content.workflow import WorkflowRefused
from portal.domain.office_time import from_office_time, to_office_time
from portal.extensions import db
from portal.forms.catalogue import BY_CODE
from portal.models import Service
from portal.models._types import utcnow
from portal.models.content import ContentItem, ContentKind, ContentTranslation

KIND_LABELS = {"page": _l("Page"), "service": _l("Service description"), "faq": _l("FAQ entry"),
               "notice": _l("Notice")}
STATE_LABELS = {"private": _l("Private draft"), "pending": _l("Pending review"), "published": _l("Published"),
                "expired": _l("Expired"), "scheduled": _l("Scheduled"), "unpublished": _l("Not published")}
PLACEMENT_LABELS = {"all": _l("All public pages"), "start": _l("Start page"),
                    "services": _l("Service pages"), "pages": _l("Content pages"), "booking": _l("Booking pages")}
FIELD_LABELS = {"title": _l("Title"), "summary": _l("Summary"), "body": _l("Text"),
                "audience": _l("Who may apply"), "documents": _l("Required documents"), "fees": _l("Fees"),
                "processing_time": _l("Processing time")}
REFUSALS = {
    "not_allowed": _l("Your role may not do this: a team lead or an administrator publishes."),
    "wrong_state": _l("This is not possible in the current state of the translation."),
    "unknown": _l("Unknown action."),
    "title_missing": _l("Please enter a title."),
    "slug_invalid": _l("The address may contain only lower-case letters, digits and hyphens."),
    "slug_taken": _l("Another item of this kind already has this address."),
    "service_missing": _l("Please choose the service."),
    "kind_unknown": _l("Please choose what kind of item to create."),
    "german_first": _l("Write the German text first; translations are made from it."),
    "unchanged": _l("Nothing has changed; no new version was saved."),
    "expiry_before_start": _l("The expiry must be after the publication time."),
    "window_invalid": _l("The end must be after the start."),
    "placement_unknown": _l("Please choose where the notice appears."),
    "version_unknown": _l("There is no such version."),
    "language_unknown": _l("Unknown language."),
    "not_a_page": _l("Only pages can be in the menu."),
    "time_invalid": _l("Please enter the date and time as shown (day and time)."),
}


def refusal_message(exc: WorkflowRefused) -> str:
    code, _sep, field = exc.code.partition(":")
    if code == "too_long":
        return _("The field “%(field)s” is too long.", field=FIELD_LABELS.get(field, field))
    return str(REFUSALS.get(code, exc.code))


@bp.app_template_global()
def content_state_label(state: str | None) -> str:
    return str(STATE_LABELS.get(state or "", state or ""))


@bp.app_template_global()
def content_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_global()
def content_field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def parse_office_time(value: str | None) -> datetime | None:
    """A datetime-local field (office time) → aware UTC; '' → None; raises WorkflowRefused."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return from_office_time(datetime.fromisoformat(value))
    except ValueError as exc:
        raise WorkflowRefused("time_invalid") from exc


def office_input(moment) -> str:
    local = to_office_time(moment)
    return local.strftime("%Y-%m-%dT%H:%M") if local else ""


def load_item(item_id: int) -> ContentItem:
    # Content belongs to no site: the view's roles decide.
    return loaders.visible(db.session.scalar(select(ContentItem).where(ContentItem.id == item_id).options(
        selectinload(ContentItem.translations).selectinload(ContentTranslation.versions))))


def client_address() -> str:
    return request.remote_addr or ""


class NewItemForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k.value, KIND_LABELS[k.value]) for k in ContentKind])
    slug = StringField(_l("Address (e.g. first-visit)"))
    service = SelectField(_l("Service"), choices=[])
    title = StringField(_l("Title (German)"))
    body = TextAreaField(_l("Text (German, Markdown)"))


def _service_choices() -> list[tuple[str, str]]:
    services = db.session.scalars(select(Service).order_by(Service.name_de)).all()
    return [("", "–")] + [(s.code, s.name_de) for s in services
                          if getattr(BY_CODE.get(s.code), "offered_to_applicants", True)]


@bp.get("/content/")
@requires_role(*EDITORS)
def content_list():
    kind = request.args.get("kind", "")
    query = select(ContentItem).options(
        selectinload(ContentItem.translations).selectinload(ContentTranslation.versions)
    ).order_by(ContentItem.kind, ContentItem.slug)
    if kind in KIND_LABELS:
        query = query.where(ContentItem.kind == kind)
    items = db.session.scalars(query).all()
    now = utcnow()
    rows = [(item, language_statuses(item, now)) for item in items]
    return render_template("backoffice/content/list.html", rows=rows, kind=kind, kinds=KIND_LABELS)


@bp.route("/content/new", methods=["GET", "POST"])
@requires_role(*EDITORS)
def content_new():
    form = NewItemForm(kind=request.args.get("kind", "page"))
    form.service.choices = _service_choices()
    if form.validate_on_submit():
        try:
            item = editing.create_item(
                db.session, kind=form.kind.data, slug=form.slug.data or "", service_code=form.service.data or None,
                texts={"title": form.title.data, "body": form.body.data}, staff=current_user, now=utcnow(),
                client_address=client_address())
        except WorkflowRefused as exc:
            db.session.rollback()
            flash(refusal_message(exc), "error")
        else:
            db.session.commit()
            flash(_("Created. The German text is a private draft until it is published."), "success")
            return redirect(url_for("backoffice.content_item", item_id=item.id))
    return render_template("backoffice/content/new.html", form=form)


@bp.get("/content/<int:item_id>")
@requires_role(*EDITORS)
def content_item(item_id: int):
    item = load_item(item_id)
    services = _service_choices()
    return render_template("backoffice/content/item.html", item=item, statuses=language_statuses(item, utcnow()),
                           action_form=ActionForm(), placements=PLACEMENT_LABELS, services=services,
                           starts=office_input(item.starts_at), ends=office_input(item.ends_at))


@bp.post("/content/<int:item_id>/settings")
@requires_role(*EDITORS)
def content_settings(item_id: int):
    item = load_item(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    form = request.form
    position = form.get("position", "")
    try:
        editing.change_settings(
            db.session, item, current_user, slug=form.get("slug", ""), placement=form.get("placement", ""),
            targets=form.get("targets", "").replace(",", " ").split(),
            starts_at=parse_office_time(form.get("starts_at")), ends_at=parse_office_time(form.get("ends_at")),
            in_menu=form.get("in_menu") == "yes",
            position=int(position) if position.strip().lstrip("-").isdigit() else None,
            client_address=client_address())
    except WorkflowRefused as exc:
        db.session.rollback()
        flash(refusal_message(exc), "error")
    else:
        db.session.commit()
        flash(_("Settings saved."), "success")
    return redirect(url_for("backoffice.content_item", item_id=item_id))


@bp.route("/content/menu", methods=["GET", "POST"])
@requires_role(*EDITORS)
def content_menu_order():
    if request.method == "POST" and ActionForm().validate_on_submit():
        item_id = request.form.get("item_id", "")
        item = db.session.get(ContentItem, int(item_id)) if item_id.isdigit() else None
        if item is not None and item.kind == ContentKind.PAGE:
            editing.move_in_menu(db.session, item, -1 if request.form.get("direction") == "up" else 1, current_user,
                                 client_address=client_address())
            db.session.commit()
        return redirect(url_for("backoffice.content_menu_order"))
    pages = db.session.scalars(select(ContentItem).where(
        ContentItem.kind == ContentKind.PAGE, ContentItem.menu_position.is_not(None))
        .options(selectinload(ContentItem.translations).selectinload(ContentTranslation.versions))
        .order_by(ContentItem.menu_position, ContentItem.id)).all()
    return render_template("backoffice/content/menu.html", pages=pages, action_form=ActionForm())

