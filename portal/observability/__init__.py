"""What the operator sees of a running portal: structured logs with a request id (logs.py), the
request hooks that set it and count each request (requests.py), /healthz and /readyz
(health.py), Prometheus metrics at /metrics (metrics.py) from counters any process keeps
(counters.py, importable by domain code without Flask) and the database's state."""
