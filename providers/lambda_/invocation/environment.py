"""One execution environment: the invocation state machine, without HTTP.

The Runtime API routes call ``next_invocation``/``post_response``/``post_error``/
``post_init_error``; the pool calls ``invoke``; the executor reports the
process's exit through ``on_exit``. One invocation at a time, as on AWS.
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Iterator, Optional

from .extensions import Extensions
from .models import Invocation, InvocationResult
from .telemetry import Telemetry

log = logging.getLogger("lambda.environment")

# AWS checks responses against 6291556 bytes (6 MiB + 100) and names that number
# in Function.ResponseSizeTooLarge.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100


class EnvState(Enum):
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    STOPPED = "stopped"


class EnvironmentStopped(Exception):
    """The environment stopped while the runtime waited for work."""


@dataclass
class _Pending:
    invocation: Invocation
    done: threading.Event = field(default_factory=threading.Event)
    picked_up: threading.Event = field(default_factory=threading.Event)
    result: Optional[InvocationResult] = None
    queued_at: float = field(default_factory=time.monotonic)
    picked_up_at: float = 0.0
    clock_from: float = 0.0  # when the invocation's timeout started: pick-up, or the end of an overrun init


# How AWS (Go's os.ProcessState) names the signals a runtime dies of.
_SIGNAL_NAMES = {1: "hangup", 2: "interrupt", 3: "quit", 4: "illegal instruction", 6: "aborted", 7: "bus error",
                 8: "floating point exception", 9: "killed", 11: "segmentation fault", 13: "broken pipe",
                 15: "terminated"}


def describe_exit(status: int) -> str:
    """``exit status 1``, or ``signal: killed`` for a runtime killed by SIGKILL
    (``status`` as Popen reports it: negative for signals)."""
    if status < 0:
        return f"signal: {_SIGNAL_NAMES.get(-status, f'signal {-status}')}"
    return f"exit status {status}"


def exit_reason(status: int) -> str:
    """AWS's words for a runtime that ended: a clean exit (status 0) gave no
    reason, any other status or a signal is an error (test_lambda.snapshot.json:
    TestLambdaErrors::test_lambda_runtime_exit / test_lambda_handler_exit)."""
    if status == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: {describe_exit(status)}"


def error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}, separators=(",", ":")).encode()


class ExecutionEnvironment:
    def __init__(self, env_id: str, timeout_seconds: int, executed_version: str = "$LATEST",
                 init_timeout_seconds: float = 10.0, suppressed_init: bool = False) -> None:
        self.id = env_id
        self.timeout_seconds = timeout_seconds
        # AWS gives init 10 s; past that, the invocation waiting for it gets a new
        # environment whose init runs within the invocation's own timeout (AWS's
        # "suppressed init", ``suppressed_init``): see ``invoke``.
        self.init_timeout_seconds = timeout_seconds if suppressed_init else init_timeout_seconds
        self.init_suppressed = suppressed_init
        self.init_timed_out = False  # its init outlasted the window (the log says so: INIT_REPORT)
        self.executed_version = executed_version
        self.state = EnvState.STARTING
        self.started_at = time.monotonic()
        self.last_used = self.started_at
        self.init_duration_ms: Optional[float] = None
        self.init_error: Optional[bytes] = None
        self.exit_status: Optional[int] = None
        self.out_of_memory = False  # the runtime was killed for exceeding MemorySize
        self.invocations = 0
        self.provisioned = False  # pre-started for provisioned concurrency: never expires idle
        self.debugged = False  # started under a debugger (debugging.py): never expires idle either
        self._cond = threading.Condition()
        self._queued: Optional[_Pending] = None
        self._current: Optional[_Pending] = None
        self._stop_callbacks: list[Callable[[], None]] = []
        self.log_tail: Callable[[str], str] = lambda request_id: ""  # set by the log collector
        # The Extensions and Telemetry APIs (extensions.py, telemetry.py): idle unless an extension registers.
        self.extensions = Extensions()
        self.telemetry = Telemetry()
        self.shutdown_reason = "spindown"  # what SHUTDOWN tells extensions: spindown, timeout or failure
        self.on_init_done: Callable[[], None] = lambda: None
        self.on_invoke_start: Callable[[Invocation], None] = lambda invocation: None
        self.on_shutdown_phase_end: Callable[[], None] = lambda: None  # extensions done, runtime still held

    # Pool side -------------------------------------------------------------------
    def invoke(self, invocation: Invocation, deadline_ms_from_now: Optional[int] = None) -> InvocationResult:
        """Run one invocation; blocks until the result, a timeout, or the runtime's death."""
        pending = _Pending(invocation)
        with self._cond:
            if self.state is EnvState.STOPPED:
                return self._finish_unpicked(pending)  # the init error, if that is why it stopped
            self.state = EnvState.BUSY
            self._queued = pending
            self._cond.notify_all()
        timeout = self.timeout_seconds
        # Wait for the runtime to take it. An init is not part of the timeout while
        # within its window (AWS: 10 s, the lifecycle documentation's Init phase);
        # past it, this environment ends and the caller retries the init on a new
        # one (``init_timed_out``), where init and invocation share the timeout.
        if self.init_suppressed:
            pickup_deadline, window_end = pending.queued_at + timeout, pending.queued_at
        else:
            pickup_deadline, window_end = float("inf"), self.started_at + self.init_timeout_seconds
        timed_out = None
        while not pending.picked_up.wait(0.05):
            with self._cond:
                if self.state is EnvState.STOPPED or self.init_error is not None:
                    self._queued = None
                    result = self._finish_unpicked(pending)
                    # A suppressed init runs on the invocation's clock.
                    result.duration_ms = max(0.0, time.monotonic() - max(window_end, pending.queued_at)) * 1000
                    return result
                if pending.picked_up.is_set():
                    break
                if self.init_duration_ms is None and time.monotonic() > window_end and not self.init_suppressed:
                    self._queued = None
                    self.shutdown_reason = "timeout"
                    self.init_timed_out = True  # the caller ends this environment
                    return InvocationResult(invocation.request_id, init_timed_out=True)
                if time.monotonic() > pickup_deadline:
                    self._queued = None
                    timed_out = self._timed_out(invocation)
                    break
        if timed_out is not None:
            self.shutdown_reason = "timeout"
            self.stop()
            timed_out.duration_ms = timeout * 1000
            return timed_out
        if not pending.done.wait(max(0.0, pending.clock_from + timeout - time.monotonic())):
            with self._cond:
                if pending.result is None:
                    pending.result = self._timed_out(invocation)
                    self._current = None
            self.shutdown_reason = "timeout"
            self.stop()
        result = pending.result
        assert result is not None
        if result.chunks is not None:
            self._watch_stream(result, pending.clock_from + timeout)
        result.duration_ms = (time.monotonic() - pending.clock_from) * 1000
        if result.timed_out:
            result.duration_ms = timeout * 1000
        result.executed_version = self.executed_version
        with self._cond:
            self.invocations += 1
            self.last_used = time.monotonic()
            if self.state is EnvState.BUSY:
                self.state = EnvState.IDLE
        return result

    def _timed_out(self, invocation: Invocation) -> InvocationResult:
        message = f"RequestId: {invocation.request_id} Error: Task timed out after {self.timeout_seconds:.2f} seconds"
        return InvocationResult(
            invocation.request_id, error_payload("Sandbox.Timedout", message), "Unhandled", timed_out=True
        )

    def _watch_stream(self, result: InvocationResult, deadline: float) -> None:
        """A streamed response is bound by the function's timeout too: past it, the
        environment is stopped (ending the stream) and the stream reports the timeout."""

        def expire() -> None:
            if result.stream_finished.is_set():
                return
            message = (f"RequestId: {result.request_id} Error: Task timed out after "
                       f"{self.timeout_seconds:.2f} seconds")
            result.stream_error = ("Sandbox.Timedout", error_payload("Sandbox.Timedout", message))
            result.function_error = "Unhandled"
            result.timed_out = True
            self.stop()

        timer = threading.Timer(max(0.0, deadline - time.monotonic()), expire)
        timer.daemon = True
        timer.start()
        result.stream_finished_callbacks.append(timer.cancel)

    def _finish_unpicked(self, pending: _Pending) -> InvocationResult:
        invocation = pending.invocation
        if self.init_error is not None:
            return InvocationResult(invocation.request_id, self.init_error, "Unhandled")
        result = self._dead_result(invocation)
        result.never_ran = True  # the runtime died between invocations: safe to run elsewhere
        return result

    def _dead_result(self, invocation: Invocation) -> InvocationResult:
        status = self.exit_status if self.exit_status is not None else 1
        message = f"RequestId: {invocation.request_id} Error: {exit_reason(status)}"
        return InvocationResult(invocation.request_id, error_payload("Runtime.ExitError", message), "Unhandled")

    # Runtime API side --------------------------------------------------------------
    def next_invocation(self, poll_seconds: float = 3600.0) -> Invocation:
        """``GET /invocation/next``: the runtime waits for work."""
        if self.init_duration_ms is None:  # init ends: so does extensions' registration
            self._end_extension_init()
        with self._cond:
            if self.init_duration_ms is None:
                self.init_duration_ms = (time.monotonic() - self.started_at) * 1000
                if self.state is EnvState.STARTING:
                    self.state = EnvState.IDLE
                self._cond.notify_all()
                self.on_init_done()
            while self._queued is None:
                if self.state is EnvState.STOPPED and not self.extensions.holding_runtime:
                    raise EnvironmentStopped(self.id)
                self._cond.wait(poll_seconds)
            pending = self._queued
            self._queued = None
            self._current = pending
            invocation = pending.invocation
            now = time.monotonic()
            pending.picked_up_at = now
            pending.clock_from = now
            if self.init_suppressed and self.invocations == 0:
                pending.clock_from = pending.queued_at  # the init ran on the invocation's clock
            remaining = pending.clock_from + self.timeout_seconds - now
            invocation.deadline_ms = int(time.time() * 1000 + remaining * 1000)
            pending.picked_up.set()
            self.on_invoke_start(invocation)
            self.extensions.dispatch_invoke(invocation.request_id, invocation.deadline_ms,
                                            invocation.invoked_function_arn, invocation.trace_id)
            return invocation

    def _end_extension_init(self) -> None:
        """The runtime's init is done: init ends once every registered extension
        is done too; an extension's failure fails init (the environment ends)."""
        failure = self.extensions.wait_init(self.init_timeout_seconds)
        if failure is not None:
            self.post_init_error(error_payload(*failure))
            self.shutdown_reason = "failure"
            threading.Thread(target=self.stop, name=f"stop-{self.id[:8]}", daemon=True).start()
            raise EnvironmentStopped(self.id)

    def post_response(self, request_id: str, body: bytes) -> bool:
        if len(body) > MAX_RESPONSE_BYTES:
            return self.post_response_too_large(request_id)
        return self._complete(request_id, body, None)

    def post_response_too_large(self, request_id: str) -> bool:
        """A response over the limit (also one the Runtime API refused to read at all)."""
        message = f"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
        return self._complete(request_id, error_payload("Function.ResponseSizeTooLarge", message), "Unhandled")

    def post_response_stream(
        self, request_id: str, content_type: str, chunks: Iterator[bytes], trailers: Optional[dict] = None
    ) -> bool:
        """A streamed response (``Lambda-Runtime-Function-Response-Mode: streaming``):
        the invoker gets an iterator at once; this thread pumps the runtime's
        chunks into it until the runtime ends the stream."""
        channel: "queue.Queue[Optional[bytes]]" = queue.Queue(maxsize=256)
        result = InvocationResult(request_id, b"", None, content_type=content_type)

        def consume() -> Iterator[bytes]:
            while True:
                chunk = channel.get()
                if chunk is None:
                    return
                yield chunk

        result.chunks = consume()
        with self._cond:
            pending = self._current
            if pending is None or pending.invocation.request_id != request_id:
                return False
            self._current = None
            pending.result = result
            pending.done.set()
        try:
            for chunk in chunks:
                if chunk:
                    channel.put(chunk, timeout=self.timeout_seconds)
        except (queue.Full, ConnectionError, OSError):
            log.debug("stream of %s abandoned", request_id)
        finally:
            result.stream_finished.set()
            for callback in result.stream_finished_callbacks:
                callback()
            error_type = (trailers or {}).get("Lambda-Runtime-Function-Error-Type")
            if error_type and result.stream_error is None:
                body = (trailers or {}).get("Lambda-Runtime-Function-Error-Body", "")
                try:
                    detail = base64.b64decode(body)
                except ValueError:
                    detail = body.encode()
                result.stream_error = (error_type, detail)
                result.function_error = "Unhandled"
            try:
                channel.put(None, timeout=1)
            except queue.Full:
                pass
        return True

    def post_error(self, request_id: str, body: bytes) -> bool:
        return self._complete(request_id, body or error_payload("Unknown", "Unknown error"), "Unhandled")

    def post_init_error(self, body: bytes) -> None:
        with self._cond:
            self.init_error = body or error_payload("Runtime.Unknown", "Unknown init error")
            self._cond.notify_all()

    def _complete(self, request_id: str, payload: bytes, function_error: Optional[str]) -> bool:
        with self._cond:
            pending = self._current
            if pending is None or pending.invocation.request_id != request_id:
                return False
            self._current = None
            pending.result = InvocationResult(request_id, payload, function_error)
            pending.done.set()
            return True

    def is_current(self, request_id: str) -> bool:
        with self._cond:
            return self._current is not None and self._current.invocation.request_id == request_id

    # Lifecycle -------------------------------------------------------------------------
    def wait_ready(self, timeout: float) -> bool:
        """True once the runtime asked for its first invocation (init done)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.init_duration_ms is None and self.state is not EnvState.STOPPED and self.init_error is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return self.init_duration_ms is not None

    def on_stop(self, callback: Callable[[], None]) -> None:
        self._stop_callbacks.append(callback)

    def on_out_of_memory(self) -> None:
        """The executor saw the runtime killed for exceeding its memory (before on_exit)."""
        self.out_of_memory = True

    def on_exit(self, status: int) -> None:
        """The runtime process ended."""
        with self._cond:
            self.exit_status = status
            if self.state is not EnvState.STOPPED:
                self.shutdown_reason = "failure"
            pending = self._current
            if pending is not None and pending.result is None:
                self._current = None
                if self.init_error is not None and pending.invocation is not None:
                    pending.result = InvocationResult(pending.invocation.request_id, self.init_error, "Unhandled")
                else:
                    pending.result = self._dead_result(pending.invocation)
                pending.done.set()
        self.stop()

    def stop(self) -> None:
        with self._cond:
            if self.state is EnvState.STOPPED:
                return
            self.state = EnvState.STOPPED
            self._cond.notify_all()
            callbacks, self._stop_callbacks = self._stop_callbacks, []
        if self.extensions.active:  # AWS's Shutdown phase: the runtime's next is held until it ends
            self.extensions.shutdown(self.shutdown_reason)
            self.telemetry.flush()
            self.on_shutdown_phase_end()
        self.extensions.close()
        self.telemetry.close()
        with self._cond:
            self._cond.notify_all()
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001
                log.exception("error stopping environment %s", self.id)
