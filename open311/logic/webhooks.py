"""Webhooks a department can trust, and that cannot be turned against the city's own network.

Signing follows the Standard Webhooks scheme: ``webhook-id`` (the event id, the same on every retry),
``webhook-timestamp`` (Unix seconds of the attempt) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">``, so a receiver can refuse a replayed body (its id was seen, or its timestamp is
old) and a body moved under another id. A secret written ``whsec_<base64>`` is used as those bytes, as
the Standard Webhooks libraries do; any other secret as its UTF-8 bytes. An empty secret signs nothing.

Destinations: loopback, link-local (169.254.169.254, the cloud metadata service), private, shared,
reserved and multicast addresses are refused unless ``OPEN311_WEBHOOK_ALLOW_PRIVATE`` allows them; a
host name is resolved and every address checked, when the city file is loaded and again at each
delivery, and the connection goes to the address that was checked. Redirects are never followed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import http.client
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)
USER_AGENT = "open311-webhooks"

Resolver = Callable[[str, int], list[str]]


class WebhookRefused(ValueError):
    """A destination or secret the server will not use; the message says why."""


def signing_key(secret: str | None) -> bytes:
    """The HMAC key of a department's secret (``whsec_<base64>``: those bytes); refuses an empty one."""
    if not secret or not secret.strip():
        raise WebhookRefused("the department has no webhook secret: events are never sent unsigned")
    if secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error:
            raise WebhookRefused("a whsec_ secret must be base64 after its prefix") from None
        if key:
            return key
        raise WebhookRefused("the department's whsec_ secret is empty")
    return secret.encode()


def sign(secret: str | None, webhook_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` (the ``webhook-signature`` header)."""
    content = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(signing_key(secret), content, hashlib.sha256).digest()).decode()


def signed_headers(secret: str | None, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of a delivery, signature included."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
    }


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a public destination, or None when it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return f"{address} is a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return f"{address} is not a public address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


@dataclass(frozen=True)
class Destination:
    """A checked webhook URL and the address to connect to."""

    scheme: str
    host: str
    port: int
    target: str
    address: str | None


def check_destination(
    url: str, *, allow_private: bool, resolver: Resolver = resolve, unresolved_ok: bool = False
) -> Destination:
    """The destination of ``url`` after resolving its host and checking every address (WebhookRefused if not).

    ``unresolved_ok``: a host that does not resolve now is let through with no address (a city file
    loaded where there is no DNS); delivery always resolves.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused(f"webhook_url must be an http or https URL with a host: {url}")
    if parts.username or parts.password:
        raise WebhookRefused("webhook_url must not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookRefused(f"webhook_url has a bad port: {url}") from None
    try:
        addresses = resolver(parts.hostname, port)
    except OSError as exc:
        if not unresolved_ok:
            raise WebhookRefused(f"cannot resolve {parts.hostname}: {exc}") from exc
        addresses = []
    if not addresses and not unresolved_ok:
        raise WebhookRefused(f"{parts.hostname} resolves to no address")
    if not allow_private:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                raise WebhookRefused(
                    f"{parts.hostname}: {problem}; set OPEN311_WEBHOOK_ALLOW_PRIVATE=true to allow such destinations"
                )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(parts.scheme, parts.hostname, port, target, addresses[0] if addresses else None)


def post(destination: Destination, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to the checked address (TLS verified against the host name); the status, redirects not followed."""
    kind = http.client.HTTPSConnection if destination.scheme == "https" else http.client.HTTPConnection
    connection = kind(destination.host, destination.port, timeout=timeout)
    address = destination.address

    def connect_to_checked_address(_host_port, *args, **kwargs):
        # The name was resolved and checked once: connecting by name again could reach another address.
        return socket.create_connection((address, destination.port), *args, **kwargs)

    connection._create_connection = connect_to_checked_address
    try:
        connection.request("POST", destination.target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()
