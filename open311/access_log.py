"""The access log off the request threads: gunicorn's logger with lines written in blocks.

gunicorn's own access log costs a request about as much as a keyed lookup's Python: it builds a dict of
every atom (all request and response headers and the whole WSGI environ) for a format that names a dozen,
then goes through :mod:`logging` and writes and flushes one line per request. :class:`BufferedAccessLogger`
computes only the atoms the format names (:class:`LazyAtoms`), appends the formatted line to a buffer, and
a thread of each worker writes the buffer in one call every :data:`FLUSH_SECONDS` or once it holds
:data:`FLUSH_BYTES`. What is buffered is written when the worker exits normally; a worker killed with
SIGKILL loses at most its last second of lines (as nginx's ``buffer=`` does).

The lines are the same as gunicorn's (same format, same atoms, same escaping of double quotes). A
subclass that overrides :meth:`atoms` (to redact fields) gets its dict as before; only the writing is
buffered then. Handlers other than streams and files (syslog, a logging configuration) are left as
gunicorn uses them, one record per request.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading

from gunicorn.glogging import Logger

#: The longest a line waits in a worker's buffer.
FLUSH_SECONDS = 1.0
#: A buffer this large is written at once.
FLUSH_BYTES = 64 * 1024

_ATOM = re.compile(r"%\(([^)]+)\)")


class LazyAtoms(dict):
    """The atoms of gunicorn's access-log format for one request, each computed when the format asks
    for it (a missing one is ``-``; double quotes in texts are escaped, as gunicorn's ``SafeAtoms``)."""

    __slots__ = ("environ", "logger", "req", "request_time", "resp")

    def __init__(self, logger: Logger, resp, req, environ: dict, request_time) -> None:
        super().__init__()
        self.logger, self.resp, self.req, self.environ, self.request_time = logger, resp, req, environ, request_time

    def __missing__(self, key: str):
        value = self._atom(key)
        return value.replace('"', '\\"') if isinstance(value, str) else value

    def _atom(self, key: str):
        environ, elapsed = self.environ, self.request_time
        if key.startswith("{"):
            name, _, kind = key[1:].lower().rpartition("}")
            if kind == "i":
                headers = getattr(self.req, "headers", ())
            elif kind == "o":
                headers = self.resp.headers
            elif kind == "e":
                headers = environ
            else:
                return "-"
            for header, value in headers.items() if hasattr(headers, "items") else headers:
                if header.lower() == name:
                    return value
            return "-"
        if key == "h":
            return environ.get("REMOTE_ADDR", "-")
        if key == "u":
            return self.logger._get_user(environ) or "-"
        if key == "t":
            return self.logger.now()
        if key == "r":
            return f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}"
        if key == "s":
            status = self.resp.status
            return status.split(None, 1)[0] if isinstance(status, str) else status
        sent = getattr(self.resp, "sent", None)
        simple = {
            "m": "REQUEST_METHOD", "U": "PATH_INFO", "q": "QUERY_STRING", "H": "SERVER_PROTOCOL",
        }  # fmt: skip
        if key in simple:
            return environ.get(simple[key])
        if key == "b":
            return (sent is not None and str(sent)) or "-"
        if key == "B":
            return sent
        if key == "f":
            return environ.get("HTTP_REFERER", "-")
        if key == "a":
            return environ.get("HTTP_USER_AGENT", "-")
        micros = elapsed.seconds * 1_000_000 + elapsed.microseconds
        timings = {
            "T": elapsed.seconds, "D": micros, "M": micros // 1000,
            "L": f"{elapsed.seconds}.{elapsed.microseconds:06d}", "p": f"<{os.getpid()}>",
        }  # fmt: skip
        return timings.get(key, "-")


class BufferedAccessLogger(Logger):
    """gunicorn's logger whose access log is written in blocks by a thread of each worker."""

    def setup(self, cfg) -> None:
        """gunicorn's set-up; the buffer starts empty (its thread starts with a worker's first line)."""
        super().setup(cfg)
        self._names = set(_ATOM.findall(cfg.access_log_format))
        self._buffer: list[str] = []
        self._size = 0
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._writer_pid = None

    def _streams(self) -> list[logging.StreamHandler] | None:
        handlers = self.access_log.handlers
        if handlers and all(type(h) in (logging.StreamHandler, logging.FileHandler) for h in handlers):
            return handlers
        return None

    def access(self, resp, req, environ, request_time) -> None:
        """Format the request's line now (the objects are the request's) and buffer it."""
        if not self.access_log_enabled or self._streams() is None:
            super().access(resp, req, environ, request_time)
            return
        try:
            if type(self).atoms is Logger.atoms:
                atoms = LazyAtoms(self, resp, req, environ, request_time)
            else:
                atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
            line = self.cfg.access_log_format % atoms + "\n"
        except Exception:
            self.exception("access log line")
            return
        with self._guard:
            self._buffer.append(line)
            self._size += len(line)
            full = self._size >= FLUSH_BYTES
        if self._writer_pid != os.getpid():
            self._start_writer()
        if full:
            self._wake.set()

    def _start_writer(self) -> None:
        with self._guard:
            if self._writer_pid == os.getpid():
                return
            self._writer_pid = os.getpid()
            self._wake = threading.Event()
        threading.Thread(target=self._write_forever, name="access-log", daemon=True).start()
        atexit.register(self.flush_access_log)

    def _write_forever(self) -> None:
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            self.flush_access_log()

    def flush_access_log(self) -> None:
        """Write what the buffer holds, in one call per handler."""
        with self._guard:
            if not self._buffer:
                return
            block, self._buffer, self._size = "".join(self._buffer), [], 0
        for handler in self._streams() or ():
            handler.acquire()
            try:
                if handler.stream is None:  # a FileHandler opened lazily
                    handler.stream = handler._open()
                handler.stream.write(block)
                handler.stream.flush()
            except Exception:
                handler.handleError(logging.makeLogRecord({"msg": block}))
            finally:
                handler.release()

    def reopen_files(self) -> None:
        """Write the buffer to the files being rotated away first (USR1)."""
        self.flush_access_log()
        super().reopen_files()
