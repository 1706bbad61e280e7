"""Helpers for tests that talk to the app like a browser does."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
STAFF_PASSWORD = "correct-horse-battery-staple"

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def sign_in(client, email: str, password: str = STAFF_PASSWORD, next_url: str = ""):
    page = client.get("/backoffice/login")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/backoffice/login", data={"email": email, "password": password,
                                                  "csrf_token": token, "next": next_url})

