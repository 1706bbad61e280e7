"""Counters of events, kept by whichever process sees them (web, worker, a command).

Domain code counts here without knowing about Flask; portal.observability.metrics exposes them
with the figures read from the database at each scrape. With PROMETHEUS_MULTIPROC_DIR set
(gunicorn with several workers, docs/deployment.md) every process writes its counts into that
directory and a scrape adds them up, so the numbers are right whichever worker answers.
"""
from __future__ import annotations

from prometheus_client import Counter, Histogram

# Request latency buckets in seconds: pages are fast, uploads and PDFs slower.
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("portal_http_requests", "HTTP requests answered, by endpoint, method and status",
                   ["endpoint", "method", "status"])
REQUEST_SECONDS = Histogram("portal_http_request_duration_seconds", "Time to answer a request, by endpoint",
                            ["endpoint"], buckets=_LATENCY_BUCKETS)
VIRUS_SCANS = Counter("portal_virus_scans", "Files sent to clamd, by outcome (clean, infected, not_scanned)",
                      ["outcome"])
MAILS_TAKEN_IN = Counter("portal_inbound_mails", "Messages taken in by the e-mail channel, by outcome",
                         ["outcome"])
SCAN_ROWS = Counter("portal_scan_rows", "Rows of scan deliveries, by outcome (imported, failed)", ["outcome"])
JOB_RUNS = Counter("portal_worker_job_runs", "Rounds of the worker's jobs, by job and outcome (ok, error)",
                   ["job", "outcome"])
