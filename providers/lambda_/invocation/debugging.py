"""Remote debugging while functions run: what changes for a debugged function.

For each entry of the debugging configuration (``debug_config.py``):

- its environments start under a debugger on the entry's port (the executor
  does that, ``executors/debugger.py``);
- its timeout is lifted to ``DEBUG_TIMEOUT_SECONDS`` (an hour, as LocalStack's
  debug mode), so a breakpoint does not end the invocation, unless the entry says
  ``enforce-timeouts``; a start that waits for the debugger to attach is never
  cut short by ``LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT``;
- one environment runs at a time: the port is its. An invocation arriving while
  another holds the environment is throttled at once (``429
  TooManyRequestsException``, "Rate Exceeded.", as a function with reserved
  concurrency 1 is; LocalStack throttles too), never queued behind a paused
  breakpoint; asynchronous events and event-source records retry as for any
  throttle;
- its idle environment is kept whatever ``LAMBDA_KEEPALIVE_MS`` says (the
  debugger stays attached between invocations), until the code changes (hot
  reload included), the function is deleted, or the gateway resets or stops.
  Before a new environment takes the port, the one that held it is ended and the
  port is waited for (an updated function, or another function sharing
  ``LAMBDA_DEBUG_PORT``).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from ..backend.errors import TooManyRequests
from ..executors.debugger import DEBUG_HOST, DebugSpec
from .debug_config import DebugEntry

if TYPE_CHECKING:
    from .environment import ExecutionEnvironment

log = logging.getLogger("lambda.debugging")

DEBUG_TIMEOUT_SECONDS = 3600
PORT_FREE_WAIT_SECONDS = 5.0


@dataclass
class _Holder:
    """Who has an entry's environment: whether an invocation runs in it, and
    which environment (of which version) holds the port."""

    busy: bool = False
    environment: Optional["ExecutionEnvironment"] = None
    pool_key: Optional[tuple] = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class Debugging:
    """The debugged functions of one gateway and their one environment each."""

    def __init__(self, entries: list[DebugEntry]) -> None:
        # Most specific first: an ARN, then a name, then "every function".
        self._entries = sorted(entries, key=lambda entry: -entry.specificity)
        self._holders = {entry.key: _Holder() for entry in entries}
        for entry in self._entries:
            target = entry.key if entry.name is None or entry.key.endswith(f":{entry.qualifier}") \
                else f"{entry.key}:{entry.qualifier}"
            what = f"debugger on {DEBUG_HOST}:{entry.port}" if entry.port else "no debugger"
            log.info("remote debugging: %s: %s%s, %s, one environment at a time", target,
                     what, ", waits for it to attach" if entry.port and entry.wait_for_attach else "",
                     "timeout kept" if entry.enforce_timeouts else f"timeout lifted to {DEBUG_TIMEOUT_SECONDS} s")

    def entry_for(self, account: str, region: str, name: str, version: str) -> Optional[DebugEntry]:
        for entry in self._entries:
            if entry.matches(account, region, name, version):
                return entry
        return None

    # The lease: one invocation at a time -----------------------------------------
    def acquire(self, entry: DebugEntry, pool_key: tuple) -> None:
        """Take the entry's environment for one invocation of ``pool_key``'s version;
        raises TooManyRequests while another invocation has it."""
        holder = self._holders[entry.key]
        with holder.lock:
            if holder.busy:
                log.warning("invocation of %s throttled: it is being debugged (port %s) and its one environment is "
                            "busy (a paused breakpoint?)", pool_key[2], entry.port)
                raise TooManyRequests("ReservedFunctionConcurrentInvocationLimitExceeded")
            holder.busy = True
            stale = holder.environment if holder.pool_key != pool_key else None
        if stale is not None:  # another version holds the port, idle: it makes way
            stale.stop()

    def release(self, entry: DebugEntry) -> None:
        holder = self._holders[entry.key]
        with holder.lock:
            holder.busy = False

    # Environments ------------------------------------------------------------------
    def starting(self, entry: DebugEntry, pool_key: tuple, environment: "ExecutionEnvironment") -> Optional[DebugSpec]:
        """A new environment of the entry is about to start: the previous one (of a
        retired pool, or another version) is ended and its port waited for. Returns
        what the executor needs to start the runtime under a debugger."""
        holder = self._holders[entry.key]
        with holder.lock:
            previous, holder.environment, holder.pool_key = holder.environment, environment, pool_key
        if previous is not None and previous is not environment:
            previous.stop()
        environment.debugged = True
        if entry.port is None:
            return None
        if not _wait_port_free(entry.port, PORT_FREE_WAIT_SECONDS):
            log.warning("debug port %s of %s is still in use: the runtime may fail to listen on it",
                        entry.port, pool_key[2])
        return DebugSpec(entry.port, entry.wait_for_attach)

    @staticmethod
    def timeouts(entry: DebugEntry, timeout: int, init_timeout: float) -> tuple[int, float]:
        """The invocation and init timeouts of a debugged environment."""
        if not entry.enforce_timeouts:
            return DEBUG_TIMEOUT_SECONDS, DEBUG_TIMEOUT_SECONDS
        return timeout, DEBUG_TIMEOUT_SECONDS if entry.wait_for_attach else init_timeout

    def reset(self) -> None:
        for holder in self._holders.values():
            with holder.lock:
                holder.environment, holder.pool_key = None, None


def _wait_port_free(port: int, timeout: float) -> bool:
    """Wait until nothing listens on the debug port (an ended runtime's sockets
    close as its processes die); False if something still does."""
    deadline = time.monotonic() + timeout
    while True:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((DEBUG_HOST, port))
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
        finally:
            probe.close()
        time.sleep(0.02)
