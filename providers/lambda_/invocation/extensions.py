"""The Lambda Extensions API (``2020-01-01``) state of one execution environment,
without HTTP (the routes are ``extensions_api.py``).

AWS's lifecycle, as its Extensions API page describes it:

- Init: the external extensions (``/opt/extensions/*``, started by the
  launcher, ``executors/extensions_launcher.py``) register, then the runtime
  starts; init ends when the runtime and every registered extension have
  called ``next`` (``wait_init``). An extension registering under a name the
  launcher did not start is internal (started by the runtime's process): it
  may not register for ``SHUTDOWN``, and its registration closes with init.
- Invoke: the runtime and each extension registered for ``INVOKE`` get the
  event at once; the invocation ends when the runtime answered and each of
  them called ``next`` again (``wait_invoke``). The client has its response as
  soon as the runtime answers; the environment serves nothing else meanwhile.
- Shutdown: each extension registered for ``SHUTDOWN`` gets the event with the
  reason (``spindown``, ``timeout``, ``failure``) and has until 2,000 ms after
  it to exit (or to call ``next`` again) before everything is killed.

Error types and messages are those of AWS's runtime interface emulator
(``Extension.InvalidExtensionName``, ``Extension.InvalidEventType``...), each a
``403`` as AWS answers them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

log = logging.getLogger("lambda.extensions")

MAX_EXTENSIONS = 10
#: AWS's Shutdown phase with external extensions registered.
SHUTDOWN_LIMIT_SECONDS = 2.0
INVOKE, SHUTDOWN = "INVOKE", "SHUTDOWN"


class ExtensionApiError(Exception):
    """An answer of the Extensions API other than success."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def _forbidden(error_type: str, message: str) -> ExtensionApiError:
    return ExtensionApiError(403, error_type, message)


@dataclass
class Agent:
    id: str
    name: str
    external: bool
    events: tuple[str, ...]
    state: str = "Registered"  # Registered -> Ready (waiting in next) / Running (has an event) -> Exited
    pending: deque = field(default_factory=deque)  # events not yet handed out
    saw_shutdown: bool = False

    @property
    def done(self) -> bool:
        return self.state in ("Ready", "Exited")


@dataclass
class FunctionFacts:
    """What ``register`` answers with."""

    function_name: str = ""
    function_version: str = "$LATEST"
    handler: str = ""
    account_id: str = ""


class Extensions:
    def __init__(self, facts: Optional[FunctionFacts] = None) -> None:
        self.facts = facts or FunctionFacts()
        self._cond = threading.Condition()
        self._agents: dict[str, Agent] = {}
        self._launched: dict[str, Optional[int]] = {}  # external extensions started: name -> exit status
        self._launch_known = False
        self._init_closed = False
        self._failure: Optional[tuple[str, str]] = None  # (errorType, message) that fails init
        self._shutting_down = False
        self._closed = False
        # Told each agent that registered (the Telemetry API's platform.extension).
        self.on_registered: Callable[[Agent], None] = lambda agent: None

    # The launcher ------------------------------------------------------------------------
    def launched(self, names: list[str]) -> None:
        with self._cond:
            self._launched = {name: None for name in names if name}
            self._launch_known = True
            self._cond.notify_all()

    def exited(self, name: str, status: int) -> None:
        """An external extension's process ended (the launcher says so)."""
        with self._cond:
            if name not in self._launched:
                return
            self._launched[name] = status
            agent = self._by_name(name)
            if agent is not None:
                agent.state = "Exited"
            if not self._init_closed and not self._shutting_down and self._failure is None:
                self._failure = ("Extension.Crash", f"exit status {status}" if status >= 0 else "signal")
            self._cond.notify_all()

    def wait_registered(self, timeout: float) -> bool:
        """The launcher waits until every extension it started registered; False
        when one failed first (init fails with its error)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._failure is None:
                registered = {agent.name for agent in self._agents.values() if agent.external}
                if self._launch_known and registered >= set(self._launched):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return True  # the runtime starts; init's own deadline ends what never registers
                self._cond.wait(remaining)
            return False

    # The API -----------------------------------------------------------------------------------
    def register(self, name: str, body: bytes, features: str) -> tuple[str, dict[str, Any]]:
        """``POST /extension/register``: (Lambda-Extension-Identifier, the response body)."""
        if not name:
            raise _forbidden("Extension.InvalidExtensionName", "Empty extension name")
        try:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ValueError("json: cannot unmarshal into Go value of type handler.RegisterRequest")
            events = request.get("events") or []
            if not isinstance(events, list) or not all(isinstance(event, str) for event in events):
                raise ValueError("json: cannot unmarshal into Go struct field RegisterRequest.events")
            if request.get("configurationKeys"):
                raise ValueError("configurationKeys are deprecated; use environment variables instead")
        except ValueError as error:
            raise _forbidden("InvalidRequestFormat", str(error)) from None
        with self._cond:
            external = name in self._launched
            allowed = (INVOKE, SHUTDOWN) if external else (INVOKE,)
            for event in events:
                if event not in allowed:
                    raise _forbidden("Extension.InvalidEventType", f"{event}: ErrorInvalidEventType")
            if self._by_name(name) is not None:
                if external:
                    raise _forbidden("Extension.InvalidExtensionState",
                                     f"State transition from Registered to Registered failed for extension {name}. "
                                     "Error: State transition is not allowed")
                raise _forbidden("Extension.InvalidExtensionState", "Extension with this name already registered")
            if not external and self._init_closed:
                raise _forbidden("Extension.RegistrationClosed", "Extension registration closed already")
            if len(self._agents) >= MAX_EXTENSIONS:
                raise _forbidden("Extension.TooManyExtensions", f"Extension limit ({MAX_EXTENSIONS}) reached")
            agent = Agent(str(uuid.uuid4()), name, external, tuple(dict.fromkeys(events)))
            self._agents[agent.id] = agent
            self._cond.notify_all()
        facts = self.facts
        answer: dict[str, Any] = {"functionName": facts.function_name, "functionVersion": facts.function_version,
                                  "handler": facts.handler}
        if "accountId" in [feature.strip() for feature in features.split(",")]:
            answer["accountId"] = facts.account_id
        log.debug("extension %s registered (%s) for %s", name, "external" if external else "internal", events)
        self.on_registered(agent)
        return agent.id, answer

    def agent(self, agent_id: str) -> Agent:
        """The agent a ``Lambda-Extension-Identifier`` names (AWS's 403 errors otherwise)."""
        if not agent_id:
            raise _forbidden("Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header")
        try:
            uuid.UUID(agent_id)
        except ValueError:
            raise _forbidden("Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier") from None
        with self._cond:
            agent = self._agents.get(agent_id)
        if agent is None:
            raise _forbidden("Extension.UnknownExtensionIdentifier", f"Unknown extension {agent_id}")
        return agent

    def next_event(self, agent: Agent, poll_seconds: float = 3600.0) -> dict[str, Any]:
        """``GET /extension/event/next``: the agent is done with its last event and
        waits for the next one."""
        with self._cond:
            if agent.state == "Exited" or self._failure is not None and not self._init_closed:
                raise _forbidden("Extension.InvalidExtensionState",
                                 f"State transition from {agent.state} to Ready failed for extension "
                                 f"{agent.id}. Error: State transition is not allowed")
            agent.state = "Ready"
            self._cond.notify_all()
            while not agent.pending:
                if self._closed:
                    raise ExtensionApiError(500, "Extension.ExitError", "the execution environment is shutting down")
                self._cond.wait(poll_seconds)
            event = agent.pending.popleft()
            agent.state = "Running"
            if event["eventType"] == SHUTDOWN:
                agent.saw_shutdown = True
            return event

    def init_error(self, agent: Agent, error_type: str) -> None:
        """``POST /extension/init/error``: init fails with ``Extension.InitError``."""
        self._fail(agent, error_type, "Extension.InitError")

    def exit_error(self, agent: Agent, error_type: str) -> None:
        """``POST /extension/exit/error``."""
        self._fail(agent, error_type, "Extension.ExitError")

    def _fail(self, agent: Agent, error_type: str, kind: str) -> None:
        if not error_type:
            raise _forbidden("Extension.MissingHeader", "Lambda-Extension-Function-Error-Type not found")
        with self._cond:
            if agent.state == "Exited":
                raise _forbidden("Extension.InvalidExtensionState",
                                 f"State transition from Exited to Exited failed for extension {agent.id}. "
                                 "Error: State transition is not allowed")
            agent.state = "Exited"
            if self._failure is None and not self._shutting_down:
                self._failure = (kind, f"{agent.name}: {error_type}")
            self._cond.notify_all()

    # The environment -------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Whether any extension registered (the common case is none: nothing to do)."""
        return bool(self._agents)

    def failure(self) -> Optional[tuple[str, str]]:
        with self._cond:
            return self._failure

    def wait_init(self, timeout: float) -> Optional[tuple[str, str]]:
        """Init ends: the runtime asked for its first invocation; wait for every
        registered extension to do the same. Returns the error that fails init, if any."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._init_closed = True
            while self._failure is None and not all(agent.done for agent in self._agents.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    waiting = ", ".join(a.name for a in self._agents.values() if not a.done)
                    self._failure = ("Extension.TimeoutError", f"extensions did not finish their init: {waiting}")
                    break
                self._cond.wait(remaining)
            return self._failure

    def dispatch_invoke(self, request_id: str, deadline_ms: int, invoked_arn: str, trace_id: str) -> bool:
        """The INVOKE event for each extension registered for it; True if any got one."""
        if not self._agents:
            return False
        event = {"eventType": INVOKE, "deadlineMs": deadline_ms, "requestId": request_id,
                 "invokedFunctionArn": invoked_arn, "tracing": {"type": "X-Amzn-Trace-Id", "value": trace_id}}
        given = False
        with self._cond:
            for agent in self._agents.values():
                if INVOKE in agent.events and agent.state != "Exited":
                    agent.pending.append(dict(event))
                    agent.state = "Running"  # busy until it calls next again
                    given = True
            self._cond.notify_all()
        return given

    def invoke_pending(self) -> bool:
        with self._cond:
            return any(not agent.done for agent in self._agents.values() if INVOKE in agent.events)

    def wait_invoke(self, deadline: float) -> bool:
        """Until each extension that got the INVOKE event called next again (or
        exited); False at ``deadline`` (time.monotonic) or when one failed."""
        with self._cond:
            while any(not agent.done for agent in self._agents.values() if INVOKE in agent.events):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    @property
    def holding_runtime(self) -> bool:
        """The runtime's ``next`` is held while extensions live (the Shutdown phase
        needs the environment, whose processes end with its runtime)."""
        return bool(self._agents) and not self._closed

    def shutdown(self, reason: str) -> None:
        """The Shutdown phase: SHUTDOWN to each extension registered for it, then
        up to 2,000 ms for them to exit (or call next again)."""
        with self._cond:
            if self._shutting_down or self._closed:
                return
            waiting = [agent for agent in self._agents.values()
                       if SHUTDOWN in agent.events and agent.state != "Exited"]
            if not waiting:
                self._closed = True
                self._cond.notify_all()
                return
            self._shutting_down = True
            deadline = time.monotonic() + SHUTDOWN_LIMIT_SECONDS
            deadline_ms = int(time.time() * 1000 + SHUTDOWN_LIMIT_SECONDS * 1000)
            for agent in waiting:
                agent.pending.append({"eventType": SHUTDOWN, "deadlineMs": deadline_ms, "shutdownReason": reason})
                agent.state = "Running"
            self._cond.notify_all()
            while not all(agent.state == "Exited" or agent.saw_shutdown and agent.state == "Ready"
                          for agent in waiting):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.debug("extensions still running after SHUTDOWN: %s",
                              [a.name for a in waiting if a.state != "Exited"])
                    break
                self._cond.wait(remaining)
            self._shutting_down = False
            self._closed = True
            self._cond.notify_all()

    def close(self) -> None:
        """The environment is gone: every waiting call ends."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _by_name(self, name: str) -> Optional[Agent]:
        return next((agent for agent in self._agents.values() if agent.name == name), None)
