"""Flask commands, one module per group; register() adds them all to the app (create_app).

A command parses its options, calls one domain function and prints what it did; the work itself
is in the domain packages (as a view is thin over them)."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from portal.cli import casefiles, demo, doctor, mail, maintenance, retention, scans, users, worker

    for command in (demo.seed_demo_command, users.users, casefiles.casefiles, worker.worker_command,
                    retention.retention, mail.mail, scans.scans, maintenance.check_command,
                    maintenance.backup_command, maintenance.restore_command, doctor.doctor_command):
        app.cli.add_command(command)
    from portal.cli import api_clients  # the API's clients (portal.clients)

    app.cli.add_command(api_clients.api_clients)
    from portal.cli import forms  # the online forms' versions (portal.forms.authoring)

    app.cli.add_command(forms.forms)
