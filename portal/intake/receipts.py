"""The receipt PDF of a web submission, made after the applicant's submit request is answered.

The submit request stores the receipt as HTML (portal.intake.acknowledge: it holds the status
code, known only then) and queues the confirmation mail, held back, in the submission's own
transaction. Rendering that HTML into tagged PDF takes about a tenth of a second of CPU, which
the applicant need not wait for: the server renders it right after the response
(finish_in_background), the worker finishes any that a crashed process left (the job
"receipts"), and the status page renders it on demand when asked for it sooner. Whoever is first
stores the PDF and releases the mail with it attached; the others find the receipt made.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.documents.storage import DocumentStorage
from portal.models import Submission
from portal.models._types import utcnow
from portal.models.mail import OutboundMail, OutboundMailStatus

log = logging.getLogger(__name__)

# A confirmation mail waits for its receipt with a send time no round reaches.
HELD_FOR_RECEIPT = datetime(9999, 12, 31, tzinfo=timezone.utc)
_HELD_FROM = datetime(9000, 1, 1, tzinfo=timezone.utc)
# A receipt the request's own thread has not made after this long is the worker's.
WORKER_AFTER = timedelta(seconds=30)


def hold_for_receipt(mail: OutboundMail) -> None:
    mail.next_attempt_at = HELD_FOR_RECEIPT


def pending(submission: Submission) -> bool:
    return bool(submission.receipt_html_sha256) and not submission.receipt_sha256


def finish_receipt(session: Session, storage: DocumentStorage, submission_id: int) -> bool:
    """Render the stored receipt as PDF, store it and send the held confirmation mail with it;
    commits. False when there is nothing to do or another process was first."""
    from portal.pdf.renderer import render_pdf

    row = session.execute(select(Submission.reference, Submission.receipt_html_sha256, Submission.receipt_sha256)
                          .where(Submission.id == submission_id)).first()
    if row is None or row.receipt_sha256 or not row.receipt_html_sha256:
        session.rollback()
        return False
    reference, html_digest = row.reference, row.receipt_html_sha256
    session.rollback()  # no transaction open while rendering
    pdf = render_pdf(storage.read(html_digest).decode("utf-8"))
    digest = storage.put(pdf)
    claimed = session.execute(update(Submission).where(Submission.id == submission_id,
                                                       Submission.receipt_sha256.is_(None))
                              .values(receipt_sha256=digest).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        session.rollback()
        return False
    for mail in session.scalars(select(OutboundMail).where(OutboundMail.submission_id == submission_id,
                                                           OutboundMail.status == OutboundMailStatus.PENDING,
                                                           OutboundMail.next_attempt_at >= _HELD_FROM)):
        mail.attachments = [*mail.attachments, {"sha256": digest, "filename": f"{reference}.pdf",
                                                "media_type": "application/pdf"}]
        mail.next_attempt_at = utcnow()
    session.commit()
    return True


def finish_pending_receipts(session: Session, storage: DocumentStorage, *, limit: int = 50,
                            older_than: timedelta = WORKER_AFTER, now: datetime | None = None) -> int:
    """The worker's job: receipts still not made some time after their submission (the process
    that took it ended first). Returns how many it made; one that fails is tried next round."""
    cutoff = (now or utcnow()) - older_than
    ids = list(session.scalars(select(Submission.id).where(
        Submission.receipt_html_sha256.is_not(None), Submission.receipt_sha256.is_(None),
        Submission.received_at <= cutoff).order_by(Submission.received_at, Submission.id).limit(limit)))
    session.rollback()
    made = 0
    for submission_id in ids:
        try:
            made += finish_receipt(session, storage, submission_id)
        except Exception:
            session.rollback()
            log.exception("receipt of submission %s could not be made", submission_id)
    return made


def finish_in_background(app, storage: DocumentStorage, submission_id: int) -> None:
    """Make the receipt in a thread of this process right after the response (synchronously when
    the app is testing, so that tests see the finished submission)."""
    def run() -> None:
        from portal.extensions import db

        with app.app_context():
            try:
                finish_receipt(db.session, storage, submission_id)
            except Exception:  # the worker's job makes it then
                log.exception("receipt of submission %s not made after the response", submission_id)
            finally:
                db.session.remove()

    if app.testing:
        run()
    else:
        threading.Thread(target=run, name=f"receipt-{submission_id}", daemon=True).start()
