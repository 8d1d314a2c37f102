"""Protection against the developer's own browser: the first stage of the request flow.

A local gateway runs next to a browser. Any web page can make that browser send
requests to ``http://127.0.0.1:4566`` (a form, an image, ``fetch`` in ``no-cors``
mode), and a page whose name the attacker re-points at 127.0.0.1 (DNS
rebinding) can even read the answers. ``BrowserGuard`` refuses both before any
work is done; see the README's "Security model" for the rules and the variables
that widen them.

- ``hosts``: which ``Host`` names the gateway answers to (rebinding).
- ``origins``: which web origins may call it (``Origin``, else ``Referer``).
- ``browser``: what a browser can send without a CORS preflight.
- ``cors``: the CORS answers allowed origins get.
- ``guard``: the stage that puts these together.

Routes and providers that apply AWS's own CORS rules (function URLs, S3 bucket
CORS) declare it with ``handles_own_cors``; the guard then leaves the origin
decision to them.
"""

from .guard import BrowserGuard, handles_own_cors

__all__ = ["BrowserGuard", "handles_own_cors"]
