"""Open311Flask.ensure_sync: plain functions come back as they are (remembered), coroutine functions still
go to Flask's async support."""

from __future__ import annotations

import pytest

from open311 import Open311Flask


@pytest.fixture()
def app():
    return Open311Flask(__name__)


def test_a_plain_function_is_returned_as_is_and_remembered(app):
    def hook():
        return "done"

    assert app.ensure_sync(hook) is hook
    assert app._synchronous[hook] is True
    assert app.ensure_sync(hook) is hook


def test_a_coroutine_function_still_goes_to_flasks_async_support(app):
    async def hook():
        return "done"

    # Flask wraps it to run to completion; without its "async" extra (not installed here) it says so.
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(hook)
    assert hook not in app._synchronous


def test_a_bound_method_is_checked_each_time(app):
    class View:
        def get(self):
            return "done"

    method = View().get
    assert app.ensure_sync(method) is method
