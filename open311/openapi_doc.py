"""The OpenAPI document generated from the code (committed as openapi.yaml)."""

from __future__ import annotations

import yaml


def openapi_dict() -> dict:
    """The OpenAPI document of an app built without a database connection."""
    from . import create_app

    app = create_app({"DATABASE_URL": "postgresql+psycopg://openapi@localhost/openapi"})
    with app.app_context():
        document = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    # Paths in the order of their URLs: the order routes were declared in depends on which module was
    # imported first (a test importing one view module before the app reordered the whole document).
    document["paths"] = dict(sorted(document["paths"].items()))
    return document


def openapi_yaml() -> str:
    """The OpenAPI document as YAML, keys in the order the code declares them (paths by URL)."""
    return yaml.safe_dump(openapi_dict(), sort_keys=False, allow_unicode=True, width=100)
