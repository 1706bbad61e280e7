"""The Flask test client's interface over real HTTP, so that the test helpers (Applicant,
sign_in) drive a portal in another process: fault tests, load benchmark."""
from __future__ import annotations

import io
import time
from collections.abc import Callable

import requests


class HttpResponse:
    def __init__(self, response: requests.Response):
        self.status_code, self.headers, self._text = response.status_code, response.headers, response.text

    def get_data(self, as_text: bool = False):
        return self._text if as_text else self._text.encode()


# gunicorn closes a keep-alive connection idle for its `keepalive` seconds (2 by default). A request
# sent on such a connection as it closes meets a reset, and a browser sends it again on a new one.
IDLE_CLOSE_SECONDS = 1.5


class HttpClient:
    def __init__(self, base_url: str, headers: dict | None = None,
                 timed: Callable[[str, str, float, int], None] | None = None):
        self.base_url, self.session, self.timed = base_url, requests.Session(), timed
        self.session.headers.update(headers or {})
        self.last_answer: float | None = None
        self.reopened = 0  # requests sent again after the server closed the idle connection

    def _send(self, method: str, path: str, **kwargs) -> HttpResponse:
        def send():
            return self.session.request(method, self.base_url + path, allow_redirects=False, timeout=60, **kwargs)

        started = time.perf_counter()
        idle = self.last_answer is not None and started - self.last_answer >= IDLE_CLOSE_SECONDS
        try:
            response = send()
        except requests.ConnectionError as exc:
            if not idle or not _reset_before_an_answer(exc):
                raise
            self.reopened += 1
            started = time.perf_counter()
            response = send()
        self.last_answer = time.perf_counter()
        if self.timed:
            self.timed(method, path, time.perf_counter() - started, response.status_code)
        return HttpResponse(response)

    def get(self, path: str) -> HttpResponse:
        return self._send("GET", path)

    def post(self, path: str, data: dict, content_type: str | None = None) -> HttpResponse:
        form, files = {}, []
        for key, value in data.items():
            if isinstance(value, list) and value and isinstance(value[0], tuple):
                files += [(key, (name, handle.read() if isinstance(handle, io.IOBase) else handle))
                          for handle, name in value]
            else:
                form[key] = value
        return self._send("POST", path, data=form, files=files or None)


def _reset_before_an_answer(exc: requests.ConnectionError) -> bool:
    """The connection was reset or closed before any byte of an answer (nothing was processed)."""
    text = str(exc)
    return "Connection aborted" in text and ("ConnectionResetError" in text or "RemoteDisconnected" in text)

