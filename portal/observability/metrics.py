"""Prometheus metrics at /metrics: request counts and latency (counters.py, kept by every
process), and the portal's state read from the database at each scrape: the open queue per
site (size, oldest), the outbox (pending, oldest, retrying, failed), inbound mail by status and
waiting for the scanner, scan rows imported and failed, holds and coming bookings per site, the
worker's jobs (last success), the mailbox (last poll) and clamd (up, signatures' age).

Each state figure is one indexed aggregate query; a scrape every 15 s costs a few milliseconds
(benchmarks/metrics.py). Open to the configured addresses or networks
(PORTAL_METRICS_ALLOW) and to anyone with the bearer token (PORTAL_METRICS_TOKEN); 404 for
everyone else, as if there were nothing.

Several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR set, each process writes its counters
into that directory and the scrape adds them up (prometheus_client's multiprocess mode;
gunicorn.conf.py removes a dead worker's gauges). The state figures are computed once per
scrape, by the process that answers it.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time
from datetime import datetime

from flask import Blueprint, Response, abort, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from portal.config import current_settings
from portal.extensions import db, limiter

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@limiter.exempt
def metrics():
    settings = current_settings()
    if not _allowed(settings.monitoring, request.remote_addr or "", request.headers.get("Authorization", "")):
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(StateCollector(settings))
    return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def _allowed(monitoring, address: str, authorization: str) -> bool:
    token = monitoring.metrics_token
    if token and authorization.startswith("Bearer ") and hmac.compare_digest(
            authorization[len("Bearer "):].strip().encode(), token.encode()):
        return True
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    if client.version == 6 and client.ipv4_mapped:
        client = client.ipv4_mapped
    return any(client in ipaddress.ip_network(n, strict=False) for n in monitoring.metrics_networks)


class _Forward:
    """The default registry's metrics in a registry of one scrape (one process: no multiprocess)."""

    def __init__(self, source):
        self.source = source

    def collect(self):
        yield from self.source.collect()


def _seconds(value: datetime | None) -> float:
    from portal.domain.office_time import aware

    return aware(value).timestamp() if value is not None else 0.0


class StateCollector:
    """The figures only the database knows, read when Prometheus asks."""

    def __init__(self, settings):
        self.settings = settings

    def collect(self):
        now = time.time()
        yield from self._queue(now)
        yield from self._outbox(now)
        yield from self._inbound_mail()
        yield from self._scans()
        yield from self._bookings()
        yield from self._jobs(now)
        yield from self._clamd(now)

    def _queue(self, now: float):
        from portal.models import Site, Submission
        from portal.models.submission import OPEN_STATUSES

        sites = dict(db.session.execute(select(Site.id, Site.code)).all())
        rows = db.session.execute(
            select(Submission.site_id, func.count(), func.min(Submission.received_at))
            .where(Submission.status.in_([s.value for s in OPEN_STATUSES])).group_by(Submission.site_id)).all()
        size = GaugeMetricFamily("portal_queue_open_submissions", "Open submissions in the queue, by site",
                                 labels=["site"])
        age = GaugeMetricFamily("portal_queue_oldest_age_seconds", "Age of the oldest open submission, by site",
                                labels=["site"])
        found = {site_id: (count, oldest) for site_id, count, oldest in rows}
        for site_id, code in sorted(sites.items(), key=lambda item: item[1]):
            count, oldest = found.pop(site_id, (0, None))
            size.add_metric([code], count)
            age.add_metric([code], max(0.0, now - _seconds(oldest)) if oldest else 0.0)
        count, oldest = found.pop(None, (0, None))
        size.add_metric(["none"], count)
        age.add_metric(["none"], max(0.0, now - _seconds(oldest)) if oldest else 0.0)
        yield size
        yield age

    def _outbox(self, now: float):
        from portal.models import OutboundMail, OutboundMailStatus

        pending, oldest, retrying = db.session.execute(
            select(func.count(), func.min(OutboundMail.created_at),
                   func.count().filter(OutboundMail.attempts > 0))
            .where(OutboundMail.status == OutboundMailStatus.PENDING)).one()
        failed = db.session.scalar(select(func.count()).select_from(OutboundMail)
                                   .where(OutboundMail.status == OutboundMailStatus.FAILED))
        yield GaugeMetricFamily("portal_outbox_pending", "Mails waiting to be sent", value=pending)
        yield GaugeMetricFamily("portal_outbox_oldest_pending_age_seconds", "Age of the oldest mail waiting",
                                value=max(0.0, now - _seconds(oldest)) if oldest else 0.0)
        yield GaugeMetricFamily("portal_outbox_retrying", "Waiting mails that failed at least once (server trouble)",
                                value=retrying)
        yield GaugeMetricFamily("portal_outbox_failed", "Mails given up after every attempt", value=failed)

    def _inbound_mail(self):
        from portal.intake.email.process import AWAITING_SCAN
        from portal.models import InboundMail, InboundMailStatus

        counts = dict(db.session.execute(select(InboundMail.status, func.count()).group_by(InboundMail.status)).all())
        family = GaugeMetricFamily("portal_inbound_mails_stored", "Messages of the e-mail channel, by status",
                                   labels=["status"])
        for status in InboundMailStatus:
            family.add_metric([status.value], counts.get(status.value, 0))
        yield family
        waiting = db.session.scalar(select(func.count()).select_from(InboundMail).where(
            InboundMail.status == InboundMailStatus.RECEIVED, InboundMail.reason_code == AWAITING_SCAN))
        yield GaugeMetricFamily("portal_inbound_mails_waiting_for_scan",
                                "Messages kept until clamd can scan them", value=waiting)

    def _scans(self):
        from portal.models import ScanBatch

        imported, failed = db.session.execute(
            select(func.coalesce(func.sum(ScanBatch.rows_imported), 0),
                   func.coalesce(func.sum(ScanBatch.rows_failed), 0))).one()
        family = GaugeMetricFamily("portal_scan_rows_stored", "Rows of scan deliveries, by outcome",
                                   labels=["outcome"])
        family.add_metric(["imported"], imported)
        family.add_metric(["failed"], failed)
        yield family

    def _bookings(self):
        from portal.models import Booking, BookingStatus, Site, Slot
        from portal.models._types import utcnow

        rows = db.session.execute(
            select(Site.code, Booking.status, func.count()).join(Slot, Booking.slot_id == Slot.id)
            .join(Site, Slot.site_id == Site.id)
            .where(Booking.status.in_([BookingStatus.HELD, BookingStatus.UNCONFIRMED, BookingStatus.CONFIRMED]),
                   Slot.starts_at >= utcnow())
            .group_by(Site.code, Booking.status)).all()
        family = GaugeMetricFamily("portal_bookings_coming", "Places taken in coming slots, by site and status "
                                   "(held: a form being filled in)", labels=["site", "status"])
        for site, status, count in rows:
            family.add_metric([site, status], count)
        yield family

    def _jobs(self, now: float):
        from portal.models import JobRun

        runs = {run.name: run for run in db.session.scalars(select(JobRun))}
        last_ok = GaugeMetricFamily("portal_worker_job_last_success_timestamp_seconds",
                                    "When each job of the worker last ended without an error", labels=["job"])
        ok = GaugeMetricFamily("portal_worker_job_ok", "1 when the job's last round ended without an error",
                               labels=["job"])
        for name, run in sorted(runs.items()):
            last_ok.add_metric([name], _seconds(run.last_ok_at))
            ok.add_metric([name], 1 if run.ok else 0)
        yield last_ok
        yield ok
        if self.settings.imap.configured:
            imap = runs.get("imap")
            polled = _seconds(imap.last_ok_at) if imap is not None else 0.0
            fresh = imap is not None and imap.ok and now - polled <= self.settings.monitoring.mailbox_max_minutes * 60
            yield GaugeMetricFamily("portal_mailbox_last_poll_timestamp_seconds",
                                    "When the office's mailbox was last polled", value=polled)
            yield GaugeMetricFamily("portal_mailbox_up", "1 when the mailbox was polled within "
                                    "PORTAL_READY_MAILBOX_MINUTES without an error", value=1 if fresh else 0)

    def _clamd(self, now: float):
        from portal.documents import antivirus

        try:
            version = antivirus.ping(self.settings.virus_scan)
        except antivirus.ScannerUnreachable:
            yield GaugeMetricFamily("portal_clamd_up", "1 when clamd answers", value=0)
            return
        yield GaugeMetricFamily("portal_clamd_up", "1 when clamd answers", value=1)
        published = antivirus.signatures_date(version)
        if published is not None:
            yield GaugeMetricFamily("portal_clamd_signatures_age_seconds",
                                    "Age of clamd's signatures (freshclam keeps them under a day)",
                                    value=max(0.0, now - published.timestamp()))
