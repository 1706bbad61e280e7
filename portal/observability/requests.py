"""Every request: its id (the trusted proxy's X-Request-ID or a new one, in every log line and
in the answer), its count and duration by endpoint (counters.py), and one log line naming the
route (not the path, which carries references and tokens). init_app() also configures logging
and registers /healthz, /readyz and /metrics."""
from __future__ import annotations

import functools
import logging
import re
import time

from flask import Flask, g, request

from portal.config import settings_of
from portal.observability import counters, logs

request_log = logging.getLogger("portal.request")


def init_app(app: Flask) -> None:
    """Logging, the request id and request metrics of every request, and the operator's routes.
    Called first in create_app, so that the request id exists before any other hook logs."""
    from portal.observability import health, metrics

    settings = settings_of(app)
    logs.configure(settings.monitoring.log_format)
    # Behind a trusted proxy its X-Request-ID is taken, so that its log and ours share the id.
    trust_proxy_id = settings.proxy_count > 0

    @app.before_request
    def start_request():
        g.request_started = time.perf_counter()
        g.request_id = logs.new_request_id(request.headers.get("X-Request-ID") if trust_proxy_id else None)
        g.request_id_token = logs.REQUEST_ID.set(g.request_id)

    @app.after_request
    def finish_request(response):
        started = g.get("request_started")
        if started is None:
            return response
        elapsed = time.perf_counter() - started
        endpoint = request.endpoint or "unmatched"
        counters.REQUESTS.labels(endpoint=endpoint, method=request.method, status=str(response.status_code)).inc()
        counters.REQUEST_SECONDS.labels(endpoint=endpoint).observe(elapsed)
        response.headers["X-Request-ID"] = g.request_id
        if endpoint not in _QUIET:
            # The route, not the path: paths carry references, tokens and file numbers.
            request_log.info("%s %s %s %.1f ms", request.method, _route(request.url_rule.rule) if request.url_rule else "-",
                             response.status_code, elapsed * 1000,
                             extra={"method": request.method, "endpoint": endpoint, "status": response.status_code,
                                    "duration_ms": round(elapsed * 1000, 1)})
        return response

    @app.teardown_request
    def end_request(exc):
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                logs.REQUEST_ID.reset(token)
            except ValueError:  # torn down in another context (a streamed response): nothing to undo here
                logs.REQUEST_ID.set("")

    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)


@functools.lru_cache(maxsize=512)
def _route(rule: str) -> str:
    """"/<any(de,en,…):lang>/status/<reference>" as "/<lang>/status/<reference>"."""
    return _CONVERTER.sub(r"<\1>", rule)


_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^:<>]+)>")
# Asked every few seconds by machines: counted, not logged.
_QUIET = frozenset({"health.healthz", "health.readyz", "metrics.metrics", "static"})
