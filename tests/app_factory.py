"""A second portal app in the test process, for another database or other settings."""
from __future__ import annotations

import os


def app_for(environ: dict):
    """create_app() reads PORTAL_* from the environment: set them just while it runs."""
    from portal import create_app

    saved = {key: os.environ.get(key) for key in environ}
    os.environ.update(environ)
    try:
        return create_app({"TESTING": True})
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
