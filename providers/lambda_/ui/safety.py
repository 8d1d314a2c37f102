"""What keeps the resource browser's pages from being used by another web page.

The gateway's browser guard refuses browsers on every state-changing call under
``/_``; the browser's own pages are the one place where a browser *must* post.
Their route therefore takes the origin decision itself (``handles_own_cors``,
as function URLs do) and applies a stricter rule than the guard's localhost
allow-list: **same origin only**.

- Any request naming a web origin other than the page's own (``Origin``, else
  ``Referer``), or marked by the browser as coming from another site
  (``Sec-Fetch-Site: cross-site``/``same-site``) is refused with 403. The
  ``Host`` was already checked by the guard (DNS rebinding); the own origin is
  ``http(s)://<Host>``. A top-level navigation the user started (typed URL,
  bookmark: ``Sec-Fetch-Site: none``) is served.
- A ``POST`` must also carry the form's token (``csrf``): a random value per
  gateway, embedded in the pages' forms, that another origin cannot read (the
  pages send no CORS headers and may not be framed).
- A request from inside a function's execution environment is refused: the
  pages act as any account they are asked for, and functions act only as their own.
- Every answer forbids framing, sniffing, caching and referrer leaks, and
  carries a Content-Security-Policy that lets only the page's own inline style
  (by nonce) and the same-origin script run.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Optional

from gateway.http import HttpRequest, HttpResponse
from gateway.security.origins import normalize, origin_of_referer

TOKEN_FIELD = "csrf"
_ALLOWED_FETCH_SITES = ("same-origin", "none")


def own_origins(request: HttpRequest) -> tuple[str, ...]:
    host = request.host or f"127.0.0.1:{request.server_port}"
    return tuple(o for o in (normalize(f"http://{host}"), normalize(f"https://{host}")) if o)


def foreign_origin(request: HttpRequest) -> Optional[str]:
    """Why the request comes from another origin (or site), or None when it does not."""
    origins = own_origins(request)
    origin = request.headers.get("Origin")
    if origin is not None:
        return None if normalize(origin) in origins else f"origin {origin[:100]!r}"
    referer = request.headers.get("Referer")
    if referer is not None and origin_of_referer(referer) not in origins:
        return f"referer from {str(origin_of_referer(referer))[:100]!r}"
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.lower() not in _ALLOWED_FETCH_SITES:
        return f"Sec-Fetch-Site {site[:40]!r}"
    return None


class FormToken:
    """The per-gateway token every form of the pages carries."""

    def __init__(self) -> None:
        self.value = secrets.token_urlsafe(32)

    def matches(self, sent: Optional[str]) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.value.encode())


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def protect(response: HttpResponse, nonce: str) -> HttpResponse:
    headers = response.headers
    headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cache-Control"] = "no-store"
    return response
