"""A local webhook receiver for trying the demo: prints each event, checks its signature, drops repeats.

    .venv/bin/python scripts/webhook_receiver.py [--port 8311] [--secret paris-demo-secret]

The Paris demo's departments post to http://127.0.0.1:8311/open311-events; run `open311 deliver`
beside it to send the queued events.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8311)
    parser.add_argument("--secret", default="paris-demo-secret")
    args = parser.parse_args()
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            expected = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, self.headers.get("X-Open311-Signature", "")):
                self.send_response(401)
                self.end_headers()
                print("refused: bad signature")
                return
            delivery = self.headers.get("X-Open311-Delivery", "")
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
