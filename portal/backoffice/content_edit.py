"""Editing one translation of a content item: save (a new version each time), preview, the
workflow transitions, the version history with comparison, and restoring a version."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

from portal.backoffice import bp, loaders
from portal.backoffice.content_items import (
    client_address, load_item, office_input, parse_office_time, refusal_message,
)
from portal.backoffice.forms import ActionForm
from portal.backoffice.guard import EDITORS, PUBLISHERS, requires_role
from portal.config import LANGUAGES
from portal.content import editing, workflow
from portal.content.compare import compare
from portal.content.editing import FIELDS, SOURCE
from portal.content.translations import is_outdated
from portal.content.workflow import WorkflowRefused
from portal.extensions import db
from portal.models._types import utcnow
from portal.models.content import ContentKind, ContentVersion

LANGUAGE = f"<any({','.join(LANGUAGES)}):language>"


class VersionForm(FlaskForm):
    title = StringField()
    summary = TextAreaField()
    body = TextAreaField()
    audience = TextAreaField()
    documents = TextAreaField()
    fees = TextAreaField()
    processing_time = TextAreaField()
    note = StringField()
    source_number = HiddenField()


@bp.route(f"/content/<int:item_id>/{LANGUAGE}", methods=["GET", "POST"])
@requires_role(*EDITORS)
def content_edit(item_id: int, language: str):
    item = load_item(item_id)
    translation = item.translation(language)
    german = item.translation(SOURCE)
    latest = translation.latest if translation else None
    form = VersionForm(obj=latest)
    preview = None
    if form.validate_on_submit():
        texts = {name: getattr(form, name).data for name in ContentVersion.TEXT_FIELDS}
        if request.form.get("action") == "preview":
            preview = ContentVersion(number=0, **{k: (v or "") for k, v in texts.items()})
        else:
            source = form.source_number.data
            try:
                version = editing.save_version(
                    db.session, item, language, texts, staff=current_user, now=utcnow(), note=form.note.data or "",
                    source_number=int(source) if source and source.isdigit() else None,
                    client_address=client_address())
            except WorkflowRefused as exc:
                db.session.rollback()
                flash(refusal_message(exc), "error")
                item = load_item(item_id)
            else:
                db.session.commit()
                flash(_("Saved as version %(number)s (private draft).", number=version.number), "success")
                return redirect(url_for("backoffice.content_edit", item_id=item_id, language=language))
    translation = item.translation(language)
    german = item.translation(SOURCE)
    reference = (german.published or german.latest) if german else None
    if language != SOURCE and reference is not None:
        form.source_number.data = str(reference.number)
    now = utcnow()
    live = translation is not None and workflow.public_state(translation, now) in ("published", "scheduled")
    return render_template(
        "backoffice/content/edit.html", item=item, language=language, translation=translation, form=form,
        fields=FIELDS[ContentKind(item.kind)], german=reference, preview=preview, action_form=ActionForm(),
        transitions=workflow.available(translation.state, current_user.role, live=live) if translation else [],
        public_state=workflow.public_state(translation, now) if translation else "unpublished",
        outdated=bool(translation) and is_outdated(item, translation),
        publish_at=office_input(translation.publish_at) if translation else "",
        expire_at=office_input(translation.expire_at) if translation and live else "")


def _transition(item_id: int, language: str, action: str):
    item = load_item(item_id)
    translation = loaders.visible(item.translation(language))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        publish_at = parse_office_time(request.form.get("publish_at")) if action == "publish" else None
        expire_at = parse_office_time(request.form.get("expire_at")) if action == "publish" else None
        editing.apply_transition(db.session, translation, action, staff=current_user, now=utcnow(),
                                 publish_at=publish_at, expire_at=expire_at, client_address=client_address())
    except WorkflowRefused as exc:
        db.session.rollback()
        flash(refusal_message(exc), "error")
    else:
        db.session.commit()
        flash(_("Done: %(state)s.", state=_state(translation.state)), "success")
    return redirect(url_for("backoffice.content_edit", item_id=item_id, language=language))


def _state(state: str) -> str:
    from portal.backoffice.content_items import content_state_label

    return content_state_label(state)


@bp.post(f"/content/<int:item_id>/{LANGUAGE}/submit")
@requires_role(*EDITORS)
def content_submit(item_id: int, language: str):
    return _transition(item_id, language, "submit")


@bp.post(f"/content/<int:item_id>/{LANGUAGE}/retract")
@requires_role(*EDITORS)
def content_retract(item_id: int, language: str):
    return _transition(item_id, language, "retract")


@bp.post(f"/content/<int:item_id>/{LANGUAGE}/publish")
@requires_role(*PUBLISHERS)
def content_publish(item_id: int, language: str):
    return _transition(item_id, language, "publish")


@bp.post(f"/content/<int:item_id>/{LANGUAGE}/reject")
@requires_role(*PUBLISHERS)
def content_reject(item_id: int, language: str):
    return _transition(item_id, language, "reject")


@bp.post(f"/content/<int:item_id>/{LANGUAGE}/expire")
@requires_role(*PUBLISHERS)
def content_expire(item_id: int, language: str):
    return _transition(item_id, language, "expire")


@bp.get(f"/content/<int:item_id>/{LANGUAGE}/history")
@requires_role(*EDITORS)
def content_history(item_id: int, language: str):
    item = load_item(item_id)
    translation = loaders.visible(item.translation(language))
    numbers = [v.number for v in translation.versions]
    a, b = request.args.get("a", ""), request.args.get("b", "")
    diff = old = new = None
    if a.isdigit() and b.isdigit():
        old, new = translation.version(int(a)), translation.version(int(b))
        if old is None or new is None:
            abort(404)
        diff = compare(old, new)
    elif len(numbers) >= 2:
        a, b = str(numbers[-2]), str(numbers[-1])
    return render_template("backoffice/content/history.html", item=item, language=language, translation=translation,
                           diff=diff, old=old, new=new, a=a, b=b, action_form=ActionForm())


@bp.post(f"/content/<int:item_id>/{LANGUAGE}/restore")
@requires_role(*PUBLISHERS)
def content_restore(item_id: int, language: str):
    item = load_item(item_id)
    translation = loaders.visible(item.translation(language))
    if not ActionForm().validate_on_submit():
        abort(400)
    number = request.form.get("number", "")
    try:
        version = editing.restore(db.session, translation, int(number) if number.isdigit() else -1,
                                  staff=current_user, now=utcnow(), client_address=client_address())
    except WorkflowRefused as exc:
        db.session.rollback()
        flash(refusal_message(exc), "error")
        return redirect(url_for("backoffice.content_history", item_id=item_id, language=language))
    db.session.commit()
    flash(_("Version %(old)s restored as version %(new)s (private draft).", old=version.restored_from,
            new=version.number), "success")
    return redirect(url_for("backoffice.content_edit", item_id=item_id, language=language))
