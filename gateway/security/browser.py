"""What a web page can make a browser send, and how a browser's request shows.

Without a CORS preflight (so without the server's consent), a page can send
``GET``, ``HEAD`` and ``POST`` with a ``Content-Type`` of ``text/plain``,
``application/x-www-form-urlencoded`` or ``multipart/form-data`` (or none),
through a form, an image, or ``fetch(..., {mode: "no-cors"})``. Anything else
(another method, another content type, an ``Authorization`` or ``X-Amz-*``
header) is preceded by an ``OPTIONS`` preflight that the server must approve.

The checks here err on the side of "a browser could have sent this": a
``Content-Type`` counts as a form's when any of its comma-separated values is
one (browsers pick one of several values when they decide whether to preflight).
"""

from __future__ import annotations

from typing import Optional

from ..http import HttpRequest

SIMPLE_METHODS = ("GET", "HEAD", "POST")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FORM_CONTENT_TYPES = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data")
# Only browsers send these, and no page can set or remove them.
FETCH_METADATA = ("Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest", "Sec-Fetch-User")


def is_form_content_type(value: str) -> bool:
    for part in value.split(","):
        if part.split(";", 1)[0].strip().lower() in FORM_CONTENT_TYPES:
            return True
    return False


def is_preflight(request: HttpRequest) -> bool:
    return (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    )


def was_preflighted(request: HttpRequest) -> bool:
    """True only when a browser must have asked a preflight before sending this
    request: a method a page cannot use directly, a ``Content-Type`` no form
    sends, or a header no page can add unasked."""
    if request.method not in SIMPLE_METHODS:
        return True
    content_type = request.headers.get("Content-Type")
    if content_type is not None and not is_form_content_type(content_type):
        return True
    for name in request.headers.keys():
        lowered = name.lower()
        if lowered in ("authorization", "content-md5") or lowered.startswith("x-"):
            return True
    return False


def browser_signal(request: HttpRequest) -> Optional[str]:
    """Why ``request`` may come from a web page (for an endpoint that must never
    act on one), or None for a plain client such as curl or an SDK."""
    headers = request.headers
    for name in ("Origin", "Referer", *FETCH_METADATA):
        if name in headers:
            return f"the {name} header"
    content_type = headers.get("Content-Type")
    if content_type is not None and is_form_content_type(content_type):
        return f"Content-Type {content_type.split(';', 1)[0].strip()[:60]!r}, which a web form can send"
    return None
