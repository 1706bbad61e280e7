"""WSGI entry point: gunicorn wsgi:app"""
from portal import create_app
from portal.warm import warm_up

app = create_app()
warm_up(app)  # each worker compiles its templates and starts the PDF renderer before its first request
