"""The language cookie is made once per second (portal.public._language_cookie): it must be the
header response.set_cookie() writes."""
from __future__ import annotations

import time

import pytest
from werkzeug.wrappers import Response

from portal.public import _language_cookie


@pytest.mark.parametrize("secure", [False, True])
def test_the_language_cookie_is_the_one_set_cookie_writes(secure):
    for _ in range(5):  # both within one second (the expiry date counts in seconds)
        second = int(time.time())
        response = Response()
        response.set_cookie("portal_lang", "uk", max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=secure)
        if int(time.time()) == second:
            break
    assert _language_cookie("uk", secure, second) == response.headers["Set-Cookie"]
