"""A polite HTTP client: bounded rate, timeouts, a User-Agent naming the tool, every exchange kept.

Plain ``urllib`` (no dependency): the checker must see the exact status, headers and bytes a server
sends, and never retries on its own (a checker that retried would hide the faults it is there to find),
except when the server asks it to slow down (429 Too Many Requests): then it waits as told and asks again.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlencode, urlsplit

try:
    VERSION = version("open311")
except PackageNotFoundError:  # running from a source tree that was never installed
    VERSION = "0"

USER_AGENT = f"open311-check/{VERSION} (Open311 GeoReport v2 conformance checker)"

#: Largest response body read (a listing of 1000 requests is about 1 MB).
MAX_BODY = 32 * 1024 * 1024
#: 429 Too Many Requests: at most this many waits per request, each of Retry-After seconds (at most 30).
THROTTLE_TRIES, THROTTLE_WAIT, THROTTLE_MAX_WAIT = 3, 2.0, 30.0

Params = list[tuple[str, str]]


@dataclass
class Exchange:
    """One request and what came back (``status`` is None when no answer came)."""

    method: str
    url: str
    sent: bytes | None
    request_headers: dict[str, str]
    status: int | None = None
    headers: Message = field(default_factory=Message)
    body: bytes = b""
    elapsed: float = 0.0
    error: str | None = None

    @property
    def content_type(self) -> str | None:
        """The Content-Type header exactly as sent."""
        return self.headers.get("Content-Type")

    @property
    def media_type(self) -> str:
        """The media type without parameters, lower case."""
        return (self.content_type or "").split(";", 1)[0].strip().lower()

    @property
    def fmt(self) -> str | None:
        """The format the URL asked for: ``json``, ``xml`` or None."""
        path = urlsplit(self.url).path
        suffix = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
        return suffix if suffix in ("json", "xml") else None

    def header(self, name: str) -> str | None:
        """A response header (case-insensitive)."""
        return self.headers.get(name)

    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def describe(self) -> str:
        """``GET url -> 200`` for messages."""
        answer = self.status if self.status is not None else f"no answer ({self.error})"
        return f"{self.method} {self.url} -> {answer}"


class _NoRedirectForPost(urllib.request.HTTPRedirectHandler):
    """Follow redirects of GETs only: a redirected POST would be resent somewhere we did not choose."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if req.get_method() != "GET":
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Client:
    """Sends requests at most ``rate`` per second (0: no limit), each with ``timeout`` seconds."""

    def __init__(self, *, timeout: float = 10.0, rate: float = 10.0, user_agent: str = USER_AGENT):
        self.timeout = timeout
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.user_agent = user_agent
        self.log: list[Exchange] = []
        self.throttled = 0  # 429 answers waited out
        self._last = 0.0
        self._opener = urllib.request.build_opener(_NoRedirectForPost)

    def get(self, url: str, params: Params = (), headers: dict | None = None) -> Exchange:
        """GET ``url`` with ``params`` added to its query string."""
        return self.request("GET", _with_query(url, params), headers=headers)

    def post(self, url: str, form: Params, params: Params = (), headers: dict | None = None) -> Exchange:
        """POST ``form`` (application/x-www-form-urlencoded) to ``url`` (``params`` in its query string)."""
        body = urlencode(list(form)).encode()
        sent_headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **(headers or {})}
        return self.request("POST", _with_query(url, params), body, sent_headers)

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> Exchange:
        """Send one request; network failures become an exchange without status. A 429 is waited out
        (Retry-After seconds) and the request sent again, a few times at most."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {url}")
        sent_headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity", **(headers or {})}
        for attempt in range(THROTTLE_TRIES + 1):
            exchange = self._send(method, url, body, sent_headers)
            if exchange.status != 429 or attempt == THROTTLE_TRIES:
                break
            self.throttled += 1
            time.sleep(_retry_after(exchange.header("Retry-After")))
        self.log.append(exchange)
        return exchange

    def _send(self, method: str, url: str, body: bytes | None, sent_headers: dict) -> Exchange:
        exchange = Exchange(method, url, body, sent_headers)
        self._wait_turn()
        start = time.monotonic()
        request = urllib.request.Request(url, data=body, headers=sent_headers, method=method)  # noqa: S310 (scheme checked)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                exchange.status, exchange.headers = response.status, response.headers
                exchange.body = response.read(MAX_BODY)
        except urllib.error.HTTPError as error:
            exchange.status, exchange.headers = error.code, error.headers
            exchange.body = error.read(MAX_BODY) if error.fp else b""
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            exchange.error = str(getattr(error, "reason", error))
        exchange.elapsed = time.monotonic() - start
        return exchange

    def _wait_turn(self) -> None:
        pause = self._last + self.interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last = time.monotonic()


def _retry_after(value: str | None) -> float:
    """Seconds to wait from a Retry-After header (its delay form; a date or nothing: the default)."""
    try:
        return min(max(float(value), 0.0), THROTTLE_MAX_WAIT) if value else THROTTLE_WAIT
    except ValueError:
        return THROTTLE_WAIT


def _with_query(url: str, params: Params) -> str:
    if not params:
        return url
    return url + ("&" if urlsplit(url).query else "?") + urlencode(list(params))
