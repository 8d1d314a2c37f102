"""Which web origins may call the gateway from a browser.

A browser names the page behind a request in ``Origin`` (every cross-origin
request and every ``POST``), else usually in ``Referer``; tools that are not
browsers send neither. A request naming an origin is accepted when the origin is:

- ``http``/``https`` on a loopback name, any port: ``localhost``, ``*.localhost``,
  ``127.0.0.0/8``, ``[::1]``, ``localhost.localstack.cloud`` and
  ``*.localhost.localstack.cloud`` (pages served from this machine: a local dev
  server, the gateway's own function URLs and S3 objects);
- ``file://``, which Electron apps (e.g. NoSQL Workbench) send;
- listed in ``EXTRA_CORS_ALLOWED_ORIGINS`` (exact origins, ``*`` for all), e.g.
  ``https://app.localstack.cloud`` for LocalStack's web app, which is not
  allowed by default: it is a third-party site.

``null`` (sandboxed frames, redirects, local files in a browser) and every other
origin are refused.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, Optional
from urllib.parse import urlsplit

from ..config import ConfigError

LOOPBACK_NAMES = ("localhost", "localhost.localstack.cloud")
ELECTRON_ORIGIN = "file://"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize(origin: str) -> Optional[str]:
    """``scheme://host[:port]`` lowercased, default port dropped; None when the
    value is not a web origin (``null``, a path, garbage)."""
    origin = origin.strip()
    if origin.lower() == ELECTRON_ORIGIN:
        return ELECTRON_ORIGIN
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_of_referer(referer: str) -> Optional[str]:
    """The origin part of a ``Referer`` URL."""
    try:
        parts = urlsplit(referer.strip())
    except ValueError:
        return None
    if parts.scheme.lower() == "file":
        return ELECTRON_ORIGIN
    return normalize(f"{parts.scheme}://{parts.netloc}") if parts.netloc else None


def is_loopback_host(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(tuple("." + name for name in LOOPBACK_NAMES)):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class OriginPolicy:
    """The origins allowed to call the gateway (see the module docstring)."""

    def __init__(self, extra: Iterable[str] = (), enabled: bool = True) -> None:
        self.enabled = enabled
        self.extra: set[str] = set()
        self.allow_all = False
        for entry in extra:
            if entry.strip() == "*":
                self.allow_all = True
                continue
            normalized = normalize(entry)
            if normalized is None:
                raise ConfigError(
                    f"EXTRA_CORS_ALLOWED_ORIGINS: {entry!r} is not an origin; expected comma-separated "
                    "origins such as http://localhost:3000 or https://app.example.com (scheme, host, optional port)"
                )
            self.extra.add(normalized)

    def allows(self, origin: Optional[str]) -> bool:
        """Whether a request from ``origin`` (already normalized) may proceed."""
        if not self.enabled:
            return True
        return origin is not None and self.listed(origin)

    def listed(self, origin: str) -> bool:
        """On the allow-list, whatever DISABLE_CORS_CHECKS says."""
        if self.allow_all or origin == ELECTRON_ORIGIN or origin in self.extra:
            return True
        scheme, _, rest = origin.partition("://")
        if rest.startswith("["):
            host = rest[: rest.find("]") + 1]
        else:
            host = rest.partition(":")[0]
        return is_loopback_host(host)
