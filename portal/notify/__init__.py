"""Outgoing mail: per-language templates, the transactional outbox, the sender.

    mail = render_mail("submission_received", "uk", service_title=..., reference=..., ...)
    enqueue_mail(session, recipient=..., subject=mail.subject, body_text=mail.text,
                 body_html=mail.html, language="uk", attachments=[...])
    session.commit()   # together with the change the mail reports

`flask --app portal worker` then delivers it (`sender.send_due_mail`).
"""
from portal.notify.outbox import enqueue_mail
from portal.notify.sender import SendReport, send_due_mail
from portal.notify.templates import RenderedMail, render_mail

__all__ = ["RenderedMail", "SendReport", "enqueue_mail", "render_mail", "send_due_mail"]
