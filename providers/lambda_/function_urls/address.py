"""Which requests are function-URL requests, and for which url-id and path.

Two forms reach a function URL:

- the host form, as AWS has it: ``<url-id>.lambda-url.<region>.<suffix>[:port]``
  (``<suffix>`` is ``localhost.localstack.cloud``, ``localhost``, ``on.aws`` or
  anything else), every method, every path;
- the path form on the plain endpoint, for clients that cannot resolve those
  names: ``http://127.0.0.1:4566/_aws/lambda-url/<url-id>/<path>``. The function
  sees ``/<path>`` as ``rawPath``, exactly as with the host form.

Parsing is a few string operations: the gateway asks for every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from gateway.http import HttpRequest

HOST_MARKER = ".lambda-url."
PATH_PREFIX = "/_aws/lambda-url/"
DEFAULT_DOMAIN_SUFFIX = "localhost.localstack.cloud"


@dataclass(frozen=True)
class UrlAddress:
    url_id: str
    # The region named by the host; None for the path form (the url-id decides).
    region: Optional[str]
    # The request path the function sees (still percent-encoded, as sent).
    raw_path: str
    # ``requestContext.domainName``: the host without its port.
    domain_name: Optional[str]

    def domain_for(self, region: str) -> str:
        return self.domain_name or f"{self.url_id}.lambda-url.{region}.{DEFAULT_DOMAIN_SUFFIX}"


def parse_address(request: HttpRequest) -> Optional[UrlAddress]:
    """The function URL a request is for, or None when it is not a function-URL request."""
    host = request.headers.get("Host", "").lower()
    if HOST_MARKER in host:
        return _from_host(host, request.path)
    if request.path.startswith(PATH_PREFIX):
        return _from_path(request.path)
    return None


def _from_host(host: str, path: str) -> Optional[UrlAddress]:
    name = _strip_port(host)
    url_id, _, rest = name.partition(HOST_MARKER)
    region, dot, suffix = rest.partition(".")
    if not url_id or "." in url_id or not region or not dot or not suffix:
        return None
    return UrlAddress(url_id, region, path or "/", name)


def _from_path(path: str) -> Optional[UrlAddress]:
    rest = path[len(PATH_PREFIX):]
    url_id, slash, remainder = rest.partition("/")
    if not url_id:
        return None
    return UrlAddress(url_id.lower(), None, "/" + remainder if slash else "/", None)


def _strip_port(host: str) -> str:
    if host.startswith("["):  # IPv6 literal: never a function-URL name, keep as is
        return host
    name, _, port = host.rpartition(":")
    return name if name and port.isdigit() else host
