"""``open311 serve`` refuses a port something already listens on (its workers use SO_REUSEPORT)."""

import socket

import click
import pytest

from open311.cli import ensure_port_free


def test_a_port_in_use_is_refused_and_a_free_one_accepted():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # as gunicorn's workers do
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(click.ClickException, match="is in use"):
            ensure_port_free("127.0.0.1", port)
    ensure_port_free("127.0.0.1", port)  # closed: free again
