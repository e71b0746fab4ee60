"""``einderiv serve``: a local HTTP server for the web page and its JSON API (SPEC section 10).

Input: HTTP requests. ``GET /`` is the page, ``GET /static/...`` its script, style and the
vendored KaTeX; ``POST /api/diff`` takes ``{"expr", "wrt", "where", "layout"}`` and answers the
``--json`` object of ``einderiv.web.results`` (plus ``einsum``, ``python``, ``steps``);
``POST /api/check`` takes those plus ``"claim"`` and answers the verdict; ``GET /api/health``.
Output: JSON (or the static files), with these statuses: 200; 400 ``{"error": MESSAGE}`` for a
user's mistake (MESSAGE is the einderiv message with its caret lines) or malformed JSON; 404
unknown path; 405 wrong method; 411 no length; 413 an input longer than ``MAX_CHARS``
characters (the message names the length); 422 the work was stopped at the time limit, or an
internal error; 429 every worker busy for too long.

Invariants: never a 5xx (``send_error`` maps any 5xx to 400); every derivation runs in a worker
process of ``workers.WorkerPool`` with a time limit, so the server's threads only parse JSON
and wait; a request whose client closes its connection meanwhile (the page aborts one that a
newer input replaced) is stopped at once and not answered; user text is never evaluated as code; static files are served only from the package's
``static`` folder; it binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import json
import mimetypes
import select
import socket
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from einderiv.errors import MAX_CHARS, too_long

from .workers import WorkerPool

MAX_BODY = 4 * 1024 * 1024  # longest request body read at all (bytes)
STATIC = Path(__file__).resolve().parent / "static"
FIELDS = {
    "diff": ("expr", "wrt", "where", "layout"),
    "check": ("expr", "wrt", "where", "layout", "claim"),
}
_PAGE_PATHS = ("/", "/index.html")
_GET_API = ("/api/health",)
_POST_API = ("/api/diff", "/api/check")
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def _encodable(text: str) -> bool:
    """Valid Unicode: no lone surrogate (JSON's "\\ud800" decodes to one)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("einderiv")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        import einderiv

        return str(getattr(einderiv, "__version__", "unknown"))


def _object(pairs: list) -> dict:
    """A JSON object, whose keys must differ (``{"expr": a, "expr": b}``: which one was meant?)."""
    data = {}
    for name, value in pairs:
        if name in data:
            raise RequestError(400, f'the field "{name[:100]}" is given twice in the request body')
        data[name] = value
    return data


class RequestError(Exception):
    """A request answered with ``status`` and ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Handler(BaseHTTPRequestHandler):
    server: EinderivServer
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # never HTTP/0.9's bare body: always a status line
    timeout = 60  # seconds an idle keep-alive connection keeps its thread

    def version_string(self) -> str:
        return "einderiv"

    # --- plumbing ------------------------------------------------------------------------------
    def log_message(self, format: str, *args) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"einderiv serve: {self.address_string()} {format % args}\n")

    def send_error(self, code, message=None, explain=None) -> None:
        """The base class's error page, as JSON, and never a 5xx (e.g. 501, 505)."""
        if code >= 500:
            code = HTTPStatus.BAD_REQUEST
        self.close_connection = True
        text = message or HTTPStatus(code).phrase
        try:
            self._send_json(code, {"error": text})
        except OSError:
            pass

    def _send(self, status: int, body: bytes, content_type: str, extra=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in extra:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, obj, extra=()) -> None:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
        try:
            body = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (from the request): escaped, as JSON may
            body = json.dumps(obj, allow_nan=False).encode("ascii")
        extra = (("Cache-Control", "no-store"), *extra)
        self._send(status, body, "application/json; charset=utf-8", extra)

    def __getattr__(self, name: str):
        """Any other method (PUT, DELETE, FOO, ...) is 405 on a known path, else 404."""
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self._answer(lambda: self._route(self.command))

    def do_GET(self) -> None:
        self._answer(lambda: self._route("GET"))

    def do_HEAD(self) -> None:
        self._answer(lambda: self._route("GET"))

    def do_POST(self) -> None:
        self._answer(lambda: self._route("POST"))

    def _answer(self, route) -> None:
        try:
            route()
        except RequestError as error:
            allow = {405: (("Allow", self._allowed()),)}.get(error.status, ())
            self._send_json(error.status, {"error": error.message}, allow)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as error:  # noqa: BLE001 - the last line of defence: still not a 5xx
            self.close_connection = True
            message = f"internal error in einderiv serve: {type(error).__name__}: {error}"
            self._send_json(422, {"error": message})

    def _allowed(self) -> str:
        path = urlsplit(self.path).path
        return "POST" if path in _POST_API else "GET, HEAD"

    # --- routing -------------------------------------------------------------------------------
    def _route(self, method: str) -> None:
        path = urlsplit(self.path).path
        known_get = path in _PAGE_PATHS or path in _GET_API or path.startswith("/static/")
        if method == "POST" and path in _POST_API:
            return self._api(path.rsplit("/", 1)[1])
        if method == "GET" and known_get:
            if path in _PAGE_PATHS:
                return self._static("index.html", page=True)
            if path == "/api/health":
                return self._send_json(200, {"ok": True, "version": _version()})
            return self._static(path[len("/static/") :])
        self.close_connection = True  # a body we do not read must not be taken for a request
        if known_get or path in _POST_API:
            raise RequestError(
                405, f"{self.command} is not allowed on {path}; use {self._allowed()}"
            )
        raise RequestError(404, f"no such page: {path}")

    def _static(self, relative: str, page: bool = False) -> None:
        try:
            target = (STATIC / relative).resolve()
            found = STATIC in target.parents and target.is_file()
        except (OSError, ValueError):  # a name too long, a NUL byte: no such file either
            found = False
        if not found:
            raise RequestError(404, f"no such file: /static/{relative[:200]}")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        if target.suffix == ".woff2":
            kind = "font/woff2"
        extra = [("Cache-Control", "no-cache")]
        if page:
            extra += [("Content-Security-Policy", _CSP), ("Referrer-Policy", "no-referrer")]
        self._send(200, target.read_bytes(), kind, extra)

    # --- the API -------------------------------------------------------------------------------
    def _read_json(self) -> dict:
        length = self.headers.get("Content-Length")
        if len(self.headers.get_all("Content-Length") or ()) > 1:  # which one is the body's?
            self.close_connection = True
            raise RequestError(400, "more than one Content-Length header")
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            self.close_connection = True
            raise RequestError(411, "send the request body with a Content-Length")
        if length is None:
            self.close_connection = True
            raise RequestError(411, "a request body with a Content-Length is required")
        try:
            size = int(length)
            if size < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise RequestError(400, f"bad Content-Length: {length!r}") from None
        if size > MAX_BODY:
            self.close_connection = True
            raise RequestError(
                413,
                f"the request is {size:,} bytes long; the limit is {MAX_BODY:,} bytes (and "
                f"{MAX_CHARS:,} characters per input)",
            )
        raw = self.rfile.read(size)
        try:
            data = json.loads(raw.decode("utf-8"), object_pairs_hook=_object)
        except (UnicodeDecodeError, ValueError) as error:
            raise RequestError(400, f"malformed JSON in the request body: {error}") from None
        except RecursionError:
            raise RequestError(
                400, "malformed JSON in the request body: nested too deeply"
            ) from None
        if not isinstance(data, dict):
            raise RequestError(400, 'the request body must be a JSON object, e.g. {"expr": ...}')
        return data

    def _api(self, kind: str) -> None:
        data = self._read_json()
        unknown = [name for name in data if name not in FIELDS[kind]]
        if unknown:  # a misspelt "layuot" must not silently give the default layout
            raise RequestError(
                400,
                f'unknown field "{unknown[0][:100]}" in /api/{kind}; its fields are '
                + ", ".join(f'"{name}"' for name in FIELDS[kind]),
            )
        fields = {}
        for name in FIELDS[kind]:
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise RequestError(400, f'"{name}" must be a string')
            if value is not None and not _encodable(value):
                raise RequestError(400, f'"{name}" is not valid Unicode (a lone surrogate)')
            if value is not None and (why := too_long(value, f'"{name}"')):
                raise RequestError(413, why)
            fields[name] = value
        for name in ("expr", "wrt") + (("claim",) if kind == "check" else ()):
            if not fields[name]:
                raise RequestError(400, f'"{name}" is missing or empty')
        outcome = self.server.pool.run(kind, fields, gone=self._client_gone)
        if outcome.status == "gone":  # the page asked again (or closed): nobody to answer
            self.close_connection = True
            return None
        if outcome.status == "ok":
            value = dict(outcome.value)
            value["seconds"] = round(outcome.seconds, 4)
            return self._send_json(200, value)
        if outcome.status == "error":
            raise RequestError(400, str(outcome.value))
        if outcome.status == "stopped":
            limit = self.server.pool.time_limit
            raise RequestError(
                422,
                f"the work was stopped: this request took longer than the time limit of "
                f"{limit:g} s (einderiv serve --time-limit) and its worker was ended",
            )
        if outcome.status == "busy":
            raise RequestError(429, str(outcome.value))
        raise RequestError(
            422,
            f"internal error in einderiv: {outcome.value}. This is a bug; please report "
            "it with the request that caused it.",
        )

    def _client_gone(self) -> bool:
        """Whether the client closed its connection while its request runs (the page aborts
        a request that a newer input replaced): readable, with nothing to read."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True


class EinderivServer(ThreadingHTTPServer):
    """A threading HTTP server with a pool of derivation workers (``pool``)."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # listen backlog: socketserver's 5 reset a burst of connections

    def __init__(self, address, time_limit: float, workers: int, quiet: bool = False) -> None:
        self.quiet = quiet
        if ":" in str(address[0]):
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)  # bind first: a taken port costs no worker
        try:
            self.pool = WorkerPool(size=workers, time_limit=time_limit)
        except BaseException:
            super().server_close()
            raise

    def server_close(self) -> None:
        super().server_close()
        pool = getattr(self, "pool", None)  # None: the bind failed, before any worker started
        if pool is not None:
            pool.close()


def make_server(
    host: str = "127.0.0.1",
    port: int = 8000,
    time_limit: float = 5.0,
    workers: int = 2,
    quiet: bool = False,
) -> EinderivServer:
    """A server bound to (host, port) (port 0: a free one), its workers started and warm."""
    return EinderivServer((host, port), time_limit, workers, quiet=quiet)


def _stop_on_sigterm() -> None:
    """SIGTERM stops the server as Ctrl-C does (workers ended), when this is the main thread."""
    import signal
    import threading

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    time_limit: float = 5.0,
    open_browser: bool = False,
    workers: int = 2,
) -> int:
    """Run the server until interrupted; returns an exit code."""
    server = make_server(host, port, time_limit, workers)
    _stop_on_sigterm()
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_address[1]}/"
    print(f"einderiv serve: {url} (time limit {time_limit:g} s; Ctrl-C stops)", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("einderiv serve: stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
