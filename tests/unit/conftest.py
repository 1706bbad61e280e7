"""Unit tests run without the database; lazy messages and force_locale still need a Flask
app with Flask-Babel and the portal's catalogues."""
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel

TRANSLATIONS = Path(__file__).resolve().parents[2] / "portal" / "translations"


@pytest.fixture(scope="session")
def babel_app():
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app)
    return app


@pytest.fixture
def babel_context(babel_app):
    with babel_app.app_context():
        yield
