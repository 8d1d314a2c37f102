"""Which function's environment a connection to the gateway comes from.

The gateway confines a connection opened from inside an execution environment
to the environment's account (``gateway/connection_accounts.py``). This is the
resolver the Lambda provider registers for that: executors tell, through the
environment's spec, how its connections are recognised --

- the id of the cgroup v2 group all its processes belong to, before the
  runtime starts (sandbox and process executors, where cgroups can be made):
  the kernel names the cgroup of the process that opened the socket at the
  other end of a loopback connection (``executors/peer.py``), which no process
  of the environment can leave;
- its address on a network of its own (docker), once the container runs. Until
  every such environment's address is known, a connection arriving from an
  address none has yet waits for them (briefly): a function's init code may
  call the gateway before the engine has answered the executor.

Environments that are recognised neither way (process executor without a
cgroup v2 hierarchy) are not confined; the README says so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Optional

from ..executors.peer import peer_cgroup_id

ADDRESS_WAIT_SECONDS = 2.0
_LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


@dataclass
class _Origin:
    account_id: str
    cgroup_id: Optional[int] = None
    address: Optional[str] = None
    awaiting_address: bool = False


class EnvironmentOrigins:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._origins: dict[str, _Origin] = {}  # env id ->
        self._by_cgroup: dict[int, str] = {}
        self._by_address: dict[str, str] = {}
        self._awaiting = 0

    # What executors tell (through the spec) ---------------------------------------------------
    def expect(self, env_id: str, account_id: str, address_coming: bool) -> None:
        """An environment of ``account_id`` is about to start."""
        with self._changed:
            self._origins[env_id] = _Origin(account_id, awaiting_address=address_coming)
            self._awaiting += address_coming

    def cgroup(self, env_id: str, cgroup_id: int) -> None:
        with self._changed:
            origin = self._origins.get(env_id)
            if origin is not None:
                origin.cgroup_id = cgroup_id
                self._by_cgroup[cgroup_id] = origin.account_id

    def address(self, env_id: str, address: Optional[str]) -> None:
        with self._changed:
            origin = self._origins.get(env_id)
            if origin is None:
                return
            self._settle(origin)
            if address:
                origin.address = address
                self._by_address[address] = origin.account_id
            self._changed.notify_all()

    def forget(self, env_id: str) -> None:
        with self._changed:
            origin = self._origins.pop(env_id, None)
            if origin is None:
                return
            self._settle(origin)
            if origin.cgroup_id is not None:
                self._by_cgroup.pop(origin.cgroup_id, None)
            if origin.address is not None and self._by_address.get(origin.address) == origin.account_id:
                del self._by_address[origin.address]
            self._changed.notify_all()

    def _settle(self, origin: _Origin) -> None:
        if origin.awaiting_address:
            origin.awaiting_address = False
            self._awaiting -= 1

    # The resolver (ConnectionAccounts) ---------------------------------------------------------
    def account_of(self, sock, remote_addr: str) -> Optional[str]:
        """The account of the environment ``sock``'s peer belongs to; None: none of them."""
        if not self._origins:
            return None
        if self._by_cgroup:
            account = self._by_cgroup.get(peer_cgroup_id(sock) or 0)
            if account is not None:
                return account
        with self._changed:
            if remote_addr not in _LOOPBACK:  # environments with addresses of their own are not on loopback
                deadline = time.monotonic() + ADDRESS_WAIT_SECONDS
                while remote_addr not in self._by_address and self._awaiting:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
            return self._by_address.get(remote_addr)

    def clear(self) -> None:
        with self._changed:
            self._origins.clear()
            self._by_cgroup.clear()
            self._by_address.clear()
            self._awaiting = 0
            self._changed.notify_all()
