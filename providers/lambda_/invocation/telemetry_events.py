"""What the invocation service tells an environment's Telemetry API subscribers
(``telemetry.py``): AWS's platform events at each step of the lifecycle, and
the function's and extensions' output lines (an extension's lines arrive
marked by the launcher, ``executors/extensions_launcher.py``). Nothing is
built while nobody subscribed."""

from __future__ import annotations

import json
import math
from typing import Any, Callable, Optional

from ..executors.extensions_launcher import MARK, SEPARATOR
from .extensions import Agent, FunctionFacts
from .models import Invocation, InvocationResult
from .platform_log import PLATFORM_ERRORS, PlatformLog
from .telemetry import Telemetry


def attach(env: Any, facts: FunctionFacts, platform: PlatformLog, initialization_type: str) -> None:
    """Wire one new environment: what ``register`` answers, ``platform.initStart``,
    ``platform.extension`` per registration, and the init events once init ends."""
    telemetry: Telemetry = env.telemetry
    env.extensions.facts = facts
    telemetry.platform("platform.initStart", platform.init_start_record(initialization_type))

    def registered(agent: Agent) -> None:
        telemetry.platform("platform.extension", {"name": agent.name, "state": "Ready", "events": list(agent.events)})

    def init_done() -> None:
        if telemetry.active:
            phase = {"initializationType": initialization_type, "phase": "init"}
            telemetry.platform("platform.initRuntimeDone", {**phase, "status": "success"})
            telemetry.platform("platform.initReport",
                               {**phase, "metrics": {"durationMs": round(env.init_duration_ms or 0.0, 3)}})
        telemetry.init_ended()

    def invoke_start(invocation: Invocation) -> None:
        if telemetry.active:
            telemetry.platform("platform.start", {"requestId": invocation.request_id, "version": facts.function_version,
                                                  "tracing": _tracing(invocation)})

    env.extensions.on_registered = registered
    env.on_init_done = init_done
    env.on_invoke_start = invoke_start


def route_output(telemetry: Telemetry, log_line: Callable[[str], None],
                 structured: bool = False) -> Callable[[str], None]:
    """The environment's output: an extension's lines (marked) and the function's
    go to its log, and to subscribers as ``extension`` / ``function`` events (with
    ``LogFormat: JSON``, a function's JSON line is the event's record as an object)."""

    def route(line: str) -> None:
        if line.startswith(MARK):
            _name, _, text = line[1:].partition(SEPARATOR)
            log_line(text)
            telemetry.extension_line(text)
            return
        log_line(line)
        if telemetry.active:
            telemetry.function_line(_record_of(line) if structured else line)

    return route


def _record_of(line: str) -> Any:
    if line.startswith("{"):
        try:
            return json.loads(line)
        except ValueError:
            pass
    return line


def _tracing(invocation: Invocation) -> dict[str, str]:
    return {"type": "X-Amzn-Trace-Id", "value": invocation.trace_id}


def error_type_of(result: InvocationResult) -> Optional[str]:
    if not result.function_error:
        return None
    try:
        return json.loads(result.stream_error[1] if result.stream_error else result.payload).get("errorType")
    except (ValueError, AttributeError, TypeError):
        return None


def _status(result: InvocationResult, error_type: Optional[str]) -> dict[str, str]:
    if result.timed_out:
        return {"status": "timeout"}
    if result.function_error:
        return {"status": "failure" if error_type in PLATFORM_ERRORS else "error", "errorType": error_type or "Unknown"}
    return {"status": "success"}


def runtime_done(telemetry: Telemetry, invocation: Invocation, result: InvocationResult) -> None:
    """The runtime answered: its own duration (``durationMs``), before any extension's post-runtime work."""
    if telemetry.active:
        record: dict[str, Any] = {"requestId": invocation.request_id, **_status(result, error_type_of(result)),
                                  "metrics": {"durationMs": round(result.duration_ms, 3),
                                              "producedBytes": len(result.payload or b"")},
                                  "tracing": _tracing(invocation)}
        telemetry.platform("platform.runtimeDone", record)


def report(telemetry: Telemetry, invocation: Invocation, result: InvocationResult, memory_mb: int,
           error_type: Optional[str]) -> None:
    """The whole invocation (runtime and extensions): REPORT's figures."""
    if telemetry.active:
        metrics: dict[str, Any] = {"durationMs": round(result.duration_ms, 3),
                                   "billedDurationMs": max(1, math.ceil(result.duration_ms)),
                                   "memorySizeMB": memory_mb, "maxMemoryUsedMB": result.max_memory_mb or 1}
        if result.init_duration_ms is not None:
            metrics["initDurationMs"] = round(result.init_duration_ms, 3)
        telemetry.platform("platform.report", {"requestId": invocation.request_id, "metrics": metrics,
                                               **_status(result, error_type), "tracing": _tracing(invocation)})
