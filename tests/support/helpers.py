"""Helpers for tests that talk to the app like a browser does."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
STAFF_PASSWORD = "correct-horse-battery-staple"
# The second factor of the admins that make_staff creates (base32, as an authenticator app has it).
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def sign_in(client, email: str, password: str = STAFF_PASSWORD, next_url: str = "",
            totp_secret: str = STAFF_TOTP_SECRET):
    """Password, and for accounts with a second factor (make_staff's admins) the current code."""
    page = client.get("/backoffice/login")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/backoffice/login", data={"email": email, "password": password,
                                                      "csrf_token": token, "next": next_url})
    if response.status_code == 302 and response.headers["Location"].endswith("/backoffice/login/code"):
        response = enter_code(client, email, totp_secret)
    return response


def enter_code(client, email: str, secret: str = STAFF_TOTP_SECRET):
    """The code step. Codes are single-use, and tests sign the same person in several times within
    one 30-second step: the account's used step is forgotten first (the rule itself is tested in
    test_two_factor)."""
    import pyotp
    from sqlalchemy import func, update

    from portal.extensions import db
    from portal.models import StaffUser

    with client.application.app_context():
        db.session.execute(update(StaffUser).where(func.lower(StaffUser.email) == email.lower())
                           .values(totp_last_step=None))
        db.session.commit()
    token = csrf_token_from(client.get("/backoffice/login/code").get_data(as_text=True))
    return client.post("/backoffice/login/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})



class Applicant:
    """Walks the online application through the test client, as a browser without JavaScript."""

    def __init__(self, client, lang: str = "de"):
        self.client, self.lang = client, lang

    def url(self, path: str) -> str:
        return f"/{self.lang}{path}"

    def token(self, path: str) -> str:
        page = self.client.get(self.url(path))
        assert page.status_code == 200, (path, page.status_code, page.headers.get("Location"))
        return csrf_token_from(page.get_data(as_text=True))

    def start(self, code: str):
        token = self.token(f"/services/{code}/")
        response = self.client.post(self.url(f"/services/{code}/start"), data={"csrf_token": token})
        assert response.status_code == 302, response.status_code
        return response

    def step(self, code: str, step: str, data: dict, action: str = "continue", query: str = ""):
        path = f"/apply/{code}/{step}"
        token = self.token(path)
        return self.client.post(self.url(path) + query, data={**data, "csrf_token": token, "action": action})

    def upload(self, code: str, files: dict, action: str = "upload"):
        import io

        path = f"/apply/{code}/documents"
        data = {"csrf_token": self.token(path), "action": action}
        for slot, items in files.items():
            data[f"file-{slot}"] = [(io.BytesIO(content() if callable(content) else content), name)
                                    for name, content in items]
        return self.client.post(self.url(path), data=data, content_type="multipart/form-data")

    def submit(self, code: str, declaration: bool = True):
        token = self.token(f"/apply/{code}/declaration")
        data = {"csrf_token": token}
        if declaration:
            data["declaration"] = "yes"
        return self.client.post(self.url(f"/apply/{code}/submit"), data=data)

    def apply(self, code: str, steps: dict, files: dict):
        """The whole way from the service page to the confirmation; returns the submit response."""
        self.start(code)
        for step, data in steps.items():
            response = self.step(code, step, data)
            assert response.status_code == 302, (step, _errors_of(response))
        response = self.upload(code, files)
        assert response.status_code == 302, ("upload", _errors_of(response))
        response = self.step(code, "documents", {})
        assert response.status_code == 302 and response.headers["Location"].endswith("/review"), \
            ("documents", _errors_of(response))
        response = self.step(code, "review", {})
        assert response.headers["Location"].endswith("/declaration"), "review"
        return self.submit(code)


def _errors_of(response) -> str:
    body = response.get_data(as_text=True)
    return " | ".join(re.findall(r'<span class="kern-body">([^<]+)</span>', body)) or body[:500]


def solve_human_check(client_or_base_url, lang: str = "de") -> str:
    """Fetch an anti-bot challenge as the widget does and solve it in Python; returns the value
    for the form field "altcha". Takes a Flask test client or a base URL (a live server)."""
    import json
    import urllib.request

    from altcha import ChallengeV1, PayloadV1, solve_challenge_v1

    path = f"/{lang}/appointments/challenge"
    if isinstance(client_or_base_url, str):
        with urllib.request.urlopen(client_or_base_url.rstrip("/") + path, timeout=10) as response:
            data = json.load(response)
    else:
        response = client_or_base_url.get(path)
        assert response.status_code == 200, response.status_code
        data = response.get_json()
    challenge = ChallengeV1(data["algorithm"], data["challenge"], data["maxNumber"], data["salt"], data["signature"])
    solution = solve_challenge_v1(challenge)
    assert solution is not None, "the challenge has no solution up to its maxNumber"
    return PayloadV1(challenge.algorithm, challenge.challenge, solution.number, challenge.salt,
                     challenge.signature).to_base64()


def in_parallel(count: int, work) -> list:
    """Run work(index) in `count` threads released at the same moment; their results, in any order."""
    import threading

    start, results, lock = threading.Barrier(count), [], threading.Lock()

    def run(index):
        start.wait()
        outcome = work(index)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def staff_in_english(make_staff, session, role="caseworker", site="WZ"):
    """A staff member who reads the back office in English: the tests do not depend on the
    German catalogue (new strings are translated separately)."""
    from portal.models import StaffUser

    user = make_staff(role, site)
    session.get(StaffUser, user.id).preferred_language = "en"
    session.commit()
    return user
