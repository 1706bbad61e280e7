"""gunicorn's settings for the portal (docs/deployment.md): `gunicorn -c gunicorn.conf.py wsgi:app`.

Metrics across workers: with PROMETHEUS_MULTIPROC_DIR set (an empty directory the portal's user
owns, e.g. /run/portal/metrics), every worker writes its counters there and /metrics adds them up;
the directory is emptied when gunicorn starts, and a dead worker's live gauges are removed.
No access log: the portal logs each request itself, with the route instead of the path (paths
carry references and tokens) and the request id (portal/observability)."""
import glob
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
# An upload of 40 MB over a slow line takes a while; the proxy in front buffers it (deployment.md).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for path in glob.glob(os.path.join(directory, "*.db")):
            os.remove(path)  # counts of an earlier run would be added to this one's


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
