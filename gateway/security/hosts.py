"""Which ``Host`` names the gateway answers to: the defence against DNS rebinding.

A rebinding page lives at a name its author controls (``evil.example.com``),
whose DNS answer later turns to 127.0.0.1: the page's requests then reach the
gateway as same-origin requests, so the browser lets it read every answer. They
still carry ``Host: evil.example.com``, and that is what is refused.

A request is accepted when its ``Host`` (any port, case and a trailing dot
ignored) is:

- an IP address literal (``127.0.0.1``, ``[::1]``, ``192.168.1.5``, ...):
  an address cannot be rebound, only a name can;
- ``localhost`` or ``localhost.localstack.cloud``, or a name under either
  (``<bucket>.s3.localhost.localstack.cloud``,
  ``<url-id>.lambda-url.us-east-1.localhost``, ``sqs.eu-west-1.localhost.localstack.cloud``);
- the listen host of ``GATEWAY_LISTEN`` when it is a name;
- a name from ``GATEWAY_HOSTNAMES`` or from a plugin (e.g. Lambda's
  ``HOSTNAME_FROM_LAMBDA``): ``name`` accepts itself and the names under it,
  ``*.name`` only the names under it;
- absent or empty: no browser sends a request without ``Host``, so such a
  request cannot be a rebinding page's (HTTP/1.0 clients may omit it).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Iterable, Optional

from ..config import ConfigError

BUILTIN_NAMES = ("localhost", "localhost.localstack.cloud")

_SEEN_LIMIT = 1024
_NAME = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")


def host_name(value: str) -> Optional[str]:
    """The name in a ``Host`` value, lowercased, without port or trailing dot;
    None when the value is not a host (``a b``, ``x:port``, ``[::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1 :]
    else:
        name, colon, rest = value.partition(":")
        rest = colon + rest
    if rest and not (rest[0] == ":" and rest[1:].isdigit()):
        return None
    return name.rstrip(".") if not name.startswith("[") else name


def is_address(name: str) -> bool:
    if not name or (name[0] != "[" and not name[-1].isdigit()):
        return False  # the common case, a name: no exception to raise and catch
    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") else name)
    except ValueError:
        return False
    return True


class HostPolicy:
    """The names the gateway answers to (see the module docstring)."""

    def __init__(self, names: Iterable[str], enabled: bool = True) -> None:
        self.enabled = enabled
        self._exact: set[str] = set()
        suffixes: set[str] = set()
        for name in names:
            if name.startswith("*."):
                suffixes.add(name[1:])
            else:
                self._exact.add(name)
                suffixes.add("." + name)
        self._suffixes = tuple(sorted(suffixes))
        # Host values seen, and the answer: a gateway sees a handful of them.
        self._seen: dict[str, bool] = {}

    @classmethod
    def from_settings(cls, listen_host: str, configured: Iterable[str], enabled: bool) -> "HostPolicy":
        names = list(BUILTIN_NAMES)
        if not is_address(listen_host):
            names.append(listen_host.lower())
        for entry in configured:
            names.append(parse_entry(entry))
        return cls(names, enabled)

    def allows(self, host: str) -> bool:
        if not self.enabled:
            return True
        allowed = self._seen.get(host)
        if allowed is None:
            allowed = self._decide(host)
            if len(self._seen) >= _SEEN_LIMIT:
                self._seen.clear()
            self._seen[host] = allowed
        return allowed

    def _decide(self, host: str) -> bool:
        if not host.strip():
            return True
        name = host_name(host)
        if name is None:
            return False
        if is_address(name):
            return True
        if not _NAME.match(name):
            return False
        return name in self._exact or name.endswith(self._suffixes)


def parse_entry(entry: str, variable: str = "GATEWAY_HOSTNAMES") -> str:
    """One ``GATEWAY_HOSTNAMES`` entry, checked: ``name`` or ``*.name``, no port."""
    name = entry.strip().lower().rstrip(".")
    bare = name[2:] if name.startswith("*.") else name
    if is_address(bare) and bare == name:
        return name
    if not _NAME.match(bare):
        raise ConfigError(
            f"{variable}: {entry!r} is not a host name; expected comma-separated names such as "
            "gateway.test or *.gateway.test, without port (DISABLE_HOST_CHECKS=1 turns the check off)"
        )
    return name
