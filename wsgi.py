"""WSGI entry point: gunicorn wsgi:app"""
from portal import create_app
from portal.pdf import warm_up

app = create_app()
warm_up()  # each worker loads the PDF engine before its first request, not during a submission
