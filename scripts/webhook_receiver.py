"""A local webhook receiver for trying the demo: verifies each event's signature, refuses stale or replayed
ones, prints the others.

    .venv/bin/python scripts/webhook_receiver.py [--port 8311] [--secret paris-demo-secret] [--tolerance 300]

The Paris demo's departments post to http://127.0.0.1:8311/open311-events; run
`OPEN311_WEBHOOK_ALLOW_PRIVATE=true .venv/bin/open311 deliver` beside it to send the queued events
(deliveries to loopback addresses need that setting).

Events are signed with the Standard Webhooks scheme: `webhook-signature: v1,<base64 HMAC-SHA256 of
"webhook-id.webhook-timestamp.body">`. A receiver must check the signature over the raw body, refuse
timestamps too far from its clock (a replayed delivery) and drop ids it has seen (a retry).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def key_of(secret: str) -> bytes:
    """The HMAC key: a ``whsec_<base64>`` secret is those bytes, any other its UTF-8 bytes."""
    return base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None, tolerance: int = 300) -> str:
    """The delivery's ``webhook-id`` when the signature holds and the timestamp is fresh; ValueError otherwise."""
    webhook_id = headers.get("webhook-id") or ""
    stamp = headers.get("webhook-timestamp") or ""
    signatures = (headers.get("webhook-signature") or "").split()
    if not webhook_id or not stamp.isascii() or not stamp.isdigit() or not signatures:
        raise ValueError("missing webhook-id, webhook-timestamp or webhook-signature")
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        raise ValueError(f"stale timestamp {stamp}: a replay, or a clock far off")
    digest = hmac.new(key_of(secret), f"{webhook_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise ValueError("bad signature")
    return webhook_id


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8311)
    parser.add_argument("--secret", default="paris-demo-secret")
    parser.add_argument("--tolerance", type=int, default=TOLERANCE_SECONDS, help="Oldest timestamp accepted (s).")
    args = parser.parse_args()
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                delivery = verify(args.secret, self.headers, body, tolerance=args.tolerance)
            except ValueError as exc:
                self.send_response(401)
                self.end_headers()
                print(f"refused: {exc}", flush=True)
                return
            if delivery not in seen:
                seen.add(delivery)
                event = json.loads(body)
                print(
                    f"#{delivery} {event['event']}: request {event['service_request_id']} "
                    f"{event['detailed_status']} ({event['department_code']}) {event.get('status_notes') or ''}",
                    flush=True,
                )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"Listening on http://127.0.0.1:{args.port}/open311-events", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
