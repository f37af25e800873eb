"""WSGI entry point: ``gunicorn wsgi:app`` (``open311 serve`` does this for you)."""

from open311 import create_app

app = create_app()
