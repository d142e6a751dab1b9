"""``casecoder review --serve``: the review site on a loopback address, where an analyst corrects.

The server shows the same pages as the static site, and lets the analyst confirm or remove a
machine coding and add a code, each with a note; every correction is checked and written at
once to the analyst's overrides file by :class:`~casecoder.review.session.ReviewSession`, and the
page shows the result without a rebuild (the document's page is rendered again in memory and
sent back in the reply).

It is the standard library's :class:`http.server.ThreadingHTTPServer`: one analyst on one
machine needs no more, and it adds no dependency. What keeps another page or another machine from
writing into the analyst's file:

- it binds to ``127.0.0.1`` by default and refuses any non-loopback address unless
  ``allow_remote`` is set (E812);
- every request's ``Host`` must be the server's own loopback name and port, so a page served
  under another name that resolves to 127.0.0.1 (DNS rebinding) gets 403;
- a POST must carry the session's random token (:func:`secrets.token_urlsafe`, 256 bits) in the
  ``X-Casecoder-Token`` header, compared with :func:`hmac.compare_digest`; the token is only in
  the served pages, which another origin cannot read. A POST whose ``Origin`` is not the
  server's own, or that a browser marks ``Sec-Fetch-Site: cross-site``, is refused (403), as is
  a body that is not JSON (415) or larger than 64 KiB (413);
- every page is sent with a Content-Security-Policy (no inline script, nothing from elsewhere,
  no framing) and ``Cache-Control: no-store``; files are served only from inside the site's
  folder.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import json
import re
import secrets
import socket
import threading
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import CasecoderError, ReviewError, problem
from .session import ReviewSession

__all__ = ["MAX_BODY", "TOKEN_HEADER", "ReviewServer", "is_loopback"]

#: The header a correction's token travels in.
TOKEN_HEADER = "X-Casecoder-Token"
#: The largest request body accepted, in bytes (a correction is well under 1 KiB).
MAX_BODY = 64 * 1024
_META_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                "base-uri 'none'; form-action 'none'")
# frame-ancestors works only as a header (a browser ignores it, with a console error, in a <meta>)
_CSP = _META_POLICY + "; frame-ancestors 'none'"
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml",
          ".csv": "text/csv; charset=utf-8", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">')
_GENERATOR = '<meta name="generator" content="casecoder review">'
_STATIC_FOOTER = "Static files: no server, no network."
_SERVED_FOOTER = "Served to this machine only by casecoder review --serve; corrections are written to the analyst's overrides file."


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine's loopback interface only.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ReviewServer(ThreadingHTTPServer):
    """The review site of one :class:`ReviewSession`, served on a loopback address.

    Parameters
    ----------
    session : ReviewSession
        The codings, transcripts, codebook and the analyst's overrides file.
    site_dir : path
        A review site built from ``session.codings`` (:func:`casecoder.review.build_review`).
    host : str
        The address to bind; loopback only unless ``allow_remote``.
    port : int
        0 picks a free port (see :attr:`url`).
    allow_remote : bool
        Serve on a non-loopback address anyway (anyone who can reach it and read a page can
        then write into the overrides file).
    rebuild : callable, optional
        ``rebuild(codings)`` rebuilds the site in ``site_dir``; called before an index or code
        page is served after a correction (document pages are updated at once without it).
    log : callable, optional
        Receives one line per request; default silent (the library never prints).

    Raises
    ------
    ReviewError
        E812 for a non-loopback ``host`` without ``allow_remote``.

    Examples
    --------
    >>> server = ReviewServer(session, "out/review", port=0)   # doctest: +SKIP
    >>> threading.Thread(target=server.serve_forever).start(); print(server.url)  # doctest: +SKIP
    """

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        session: ReviewSession,
        site_dir: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_remote: bool = False,
        rebuild: Callable[[Any], object] | None = None,
        log: Callable[[str], object] | None = None,
    ) -> None:
        if not is_loopback(host) and not allow_remote:
            raise ReviewError(problem("E812", field="host", host=host))
        self.address_family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
        super().__init__((host.strip("[]"), port), _Handler)
        self.session = session
        self.site_dir = Path(site_dir).resolve()
        self.token = secrets.token_urlsafe(32)
        self.rebuild = rebuild
        self.log = log
        self.pages: dict[str, str] = {}  # document pages rendered since the site was built
        self.stale = False  # the index and code pages predate a correction
        self.lock = threading.Lock()
        port = self.server_address[1]
        names = {"127.0.0.1", "localhost", "[::1]"}
        if not is_loopback(host):
            names.add(host if ":" not in host else f"[{host.strip('[]')}]")
        self.hosts = frozenset(f"{n}:{port}" for n in names)
        self.origins = frozenset(f"http://{h}" for h in self.hosts)
        shown = "127.0.0.1" if host in ("127.0.0.1", "localhost") else (f"[{host.strip('[]')}]" if ":" in host else host)
        self.url = f"http://{shown}:{port}/"
        codes = [[c.id, c.label or c.id] for c in session.codebook.codes]
        self.meta = json.dumps({"token": self.token, "analyst": session.analyst, "file": str(session.path),
                                "codes": codes}, ensure_ascii=False)

    # what a served page carries that the static one does not: the policy allowing the page to
    # talk to this server, and the session (token, analyst, codes) for the script
    def served(self, page: str) -> str:
        """Return a page of the site as served: with the session's token, codes and policy."""
        page = _META_CSP.sub(f'<meta http-equiv="Content-Security-Policy" content="{_META_POLICY}">', page, count=1)
        page = page.replace(_STATIC_FOOTER, _SERVED_FOOTER, 1)
        return page.replace(_GENERATOR, _GENERATOR + f'\n<meta name="casecoder-serve" content="{html.escape(self.meta)}">', 1)


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"
    server_version = "casecoder-review"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {format % args}")

    # -- replies ---------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Mapping[str, Any]) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _refuse(self, status: int, why: str) -> None:
        self._json(status, {"ok": False, "problems": [why]})

    def _host_ok(self) -> bool:
        host = self.headers.get("Host", "")
        if host not in self.server.hosts:
            self._refuse(HTTPStatus.FORBIDDEN, f"host '{host}' is not this server's; open {self.server.url}")
            return False
        return True

    # -- GET: the site ---------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        """Serve a file of the site (document pages as last corrected)."""
        if not self._host_ok():
            return
        path = unquote(urlsplit(self.path).path).lstrip("/") or "index.html"
        if path.endswith("/"):
            path += "index.html"
        server = self.server
        # under the lock: a rebuild replaces the site's folder, which must not happen mid-read
        with server.lock:
            if path in server.pages:
                return self._send(HTTPStatus.OK, server.served(server.pages[path]).encode("utf-8"), _TYPES[".html"])
            if server.stale and server.rebuild is not None and path.endswith(".html") and not path.startswith("documents/"):
                server.rebuild(server.session.codings)
                server.pages.clear()
                server.stale = False
            target = (server.site_dir / path).resolve()
            if not target.is_relative_to(server.site_dir) or not target.is_file() or target.name.startswith("."):
                return self._refuse(HTTPStatus.NOT_FOUND, f"no page '{path}'")
            body = target.read_bytes()
        content_type = _TYPES.get(target.suffix.lower(), "application/octet-stream")
        if target.suffix.lower() == ".html":
            body = server.served(body.decode("utf-8")).encode("utf-8")
        self._send(HTTPStatus.OK, body, content_type)

    do_HEAD = do_GET

    # -- POST: a correction ----------------------------------------------------------------
    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        """Check the request's origin and token, then make the correction (or say why not)."""
        if not self._host_ok():
            return
        if urlsplit(self.path).path != "/api/corrections":
            return self._refuse(HTTPStatus.NOT_FOUND, "POST only to /api/corrections")
        origin = self.headers.get("Origin")
        if (origin is not None and origin not in self.server.origins) or self.headers.get("Sec-Fetch-Site") == "cross-site":
            return self._refuse(HTTPStatus.FORBIDDEN, "a correction must come from this server's own pages")
        token = self.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(token.encode("utf-8"), self.server.token.encode("utf-8")):
            return self._refuse(HTTPStatus.FORBIDDEN, "missing or wrong session token; reload the page from " + self.server.url)
        if self.headers.get_content_type() != "application/json":
            return self._refuse(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "a correction is sent as JSON")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self._refuse(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required")
        if not 0 <= length <= MAX_BODY:
            return self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a correction is at most {MAX_BODY} bytes")
        try:
            request = json.loads(self.rfile.read(length).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return self._refuse(HTTPStatus.BAD_REQUEST, f"not JSON: {exc}")
        if not isinstance(request, dict):
            return self._refuse(HTTPStatus.BAD_REQUEST, "a correction is a JSON object")
        self._correct(request)

    def _correct(self, request: dict[str, Any]) -> None:
        server = self.server
        try:
            done = server.session.correct(request)
        except CasecoderError as exc:
            return self._json(HTTPStatus.UNPROCESSABLE_ENTITY, {
                "ok": False, "problems": [str(p) for p in exc.problems]})
        with server.lock:
            server.pages.update(done.pages)
            server.stale = True
        if server.log is not None:
            server.log(done.message)
        self._json(HTTPStatus.OK, {
            "ok": True, "message": done.message, "line": done.entry.line, "action": done.action,
            "code": done.entry.code, "pages": {name: page for name, page in done.pages}})

    def _not_allowed(self) -> None:
        self._refuse(HTTPStatus.METHOD_NOT_ALLOWED, "only GET and POST")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed
