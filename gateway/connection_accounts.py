"""Which account a connection to the gateway is confined to.

Functions call the gateway's API from inside their execution environments
(``AWS_ENDPOINT_URL``). The API verifies no signatures, so without more a
function could name any account in its access key and read that account's
functions (their environment variables included), invoke them, or reset the
gateway. A provider that runs environments registers a resolver that
recognises connections opened from inside one (the Lambda provider: by the
cgroup of the process that opened the socket, or by a container's address)
and names the environment's account. On such a connection:

- a request signed with a key of another account is refused, as AWS refuses
  a key it does not know (the function's own temporary credentials, and keys
  naming its own account, act as usual); an unsigned one acts in the
  environment's account;
- admin calls that change the gateway's state are refused.

A connection is resolved once, at its first request, on a worker thread;
with no resolver registered (or no environment running) that costs nothing.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Callable, Optional

log = logging.getLogger("gateway.connections")

#: (the accepted socket, its peer's address) -> the account it is confined to, or None.
ConnectionResolver = Callable[[socket.socket, str], Optional[str]]


class ConnectionAccounts:
    def __init__(self) -> None:
        self._resolvers: tuple[ConnectionResolver, ...] = ()
        self._lock = threading.Lock()

    def register(self, resolver: ConnectionResolver) -> None:
        with self._lock:
            if resolver not in self._resolvers:
                self._resolvers = (*self._resolvers, resolver)

    def account_of(self, sock: socket.socket, remote_addr: str) -> Optional[str]:
        """The account a new connection is confined to; None: not confined."""
        for resolver in self._resolvers:
            try:
                account = resolver(sock, remote_addr)
            except Exception:  # noqa: BLE001 - a failing resolver confines nothing, loudly
                log.exception("connection resolver %r failed", resolver)
                continue
            if account is not None:
                return account
        return None
