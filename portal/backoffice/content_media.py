"""Images and PDF leaflets for content: upload through the document checks, list with the
reference editors paste into the Markdown."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.backoffice import bp
from portal.backoffice.forms import ActionForm
from portal.backoffice.guard import EDITORS, requires_role
from portal.content.media import MediaRefused, markdown_reference, store_media
from portal.config import current_settings
from portal.extensions import db, get_storage
from portal.models._types import utcnow
from portal.models.content import ContentMedia


@bp.route("/content/media", methods=["GET", "POST"])
@requires_role(*EDITORS)
def content_media_list():
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Please choose a file."), "error")
        else:
            settings = current_settings()
            try:
                media = store_media(db.session, get_storage(),
                                    upload.read(), upload.filename, staff=current_user, now=utcnow(),
                                    max_bytes=settings.uploads.max_file_bytes, virus_scan=settings.virus_scan,
                                    client_address=request.remote_addr or "")
            except MediaRefused as exc:
                db.session.commit()  # nothing but the audit entry of a file with malware, if it was one
                flash(str(exc.message) if exc.message else
                      _("Only JPEG and PNG images and PDF files can be shown on the portal."), "error")
            else:
                db.session.commit()
                flash(_("Uploaded. Paste this into the text: %(ref)s", ref=markdown_reference(media)), "success")
                return redirect(url_for("backoffice.content_media_list"))
    media = db.session.scalars(select(ContentMedia).order_by(ContentMedia.created_at.desc()).limit(200)).all()
    return render_template("backoffice/content/media.html", media=media, form=form,
                           reference=markdown_reference)
