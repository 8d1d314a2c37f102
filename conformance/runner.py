"""Driving one conformance requirement through the public Lambda API (boto3 only).

For a requirement: create its function (the handler file plus the SDK, with a
``DurableConfig``), invoke it as the requirement says, answer its callbacks,
wait for the execution to end (or, for an async requirement without an
``ExpectedResult``, for the history to match), then compare
GetDurableExecutionHistory with the expected history, GetDurableExecution's
status and result with ``ExpectedResult``, and the function's CloudWatch Logs
with ``ExpectedLogs``. The semantics of each YAML key are in requirements.py.
Where this runner differs from AWS's own: it polls every 0.5 s (AWS's: the
requirement's ``AsyncConfig``, 2 s by default), pages through the history
(``NextMarker``), and filters log records by execution ARN itself rather than
with a CloudWatch filter pattern. A callback's ``Delay`` counts from the poll that
saw its ``CallbackStarted``, as in AWS's.

Chained-invoke requirements (suite ``invoke``) call target functions created
once per run, when the first of them starts: ``ECHO_FUNCTION`` (returns its
input), ``FAIL_FUNCTION`` (raises) and ``TENANT_ECHO_FUNCTION`` (echo with
per-tenant isolation), named to their handlers in the environment as
``<name>:$LATEST``: they are durable functions, which AWS invokes only by a
qualified name (Invoking durable Lambda functions, Qualified ARNs requirement).
"""

from __future__ import annotations

import json
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from botocore.exceptions import BotoCoreError, ClientError

from conformance import log_check, packages
from conformance.history_match import HistoryMatcher, regex_of
from conformance.requirements import Bindings, CallbackAction, Requirement

HANDLERS = Path(__file__).resolve().parent / "handlers"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}
TARGETS = {
    "ECHO_FUNCTION": ("target_echo.handler", None),
    "FAIL_FUNCTION": ("target_fail.handler", None),
    "TENANT_ECHO_FUNCTION": ("target_echo.handler", {"TenantIsolationMode": "PER_TENANT"}),
}
LOG_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class Language:
    """Where a language's handlers live, the runtime they run on, and the SDK bundled with them."""

    name: str
    handlers: Path
    extension: str
    runtime: str
    sdk: Callable[[], Path]

    def handler_file(self, module: str) -> Path:
        return self.handlers / f"{module}{self.extension}"

    def has_handler(self, requirement_id: str) -> bool:
        return self.handler_file(handler_module(requirement_id)).exists()


LANGUAGES = {
    "python": Language("python", HANDLERS / "python", ".py", "python3.13", packages.sdk_package_dir),
    "js": Language("js", HANDLERS / "js", ".mjs", "nodejs22.x", packages.js_node_modules),
}


def handler_module(requirement_id: str) -> str:
    return "req_" + requirement_id.replace("-", "_")


@dataclass
class Outcome:
    id: str
    suite: str
    description: str
    optional: bool
    passed: bool = False
    stage: str = ""  # where it failed: setup, invoke, history, result, logs
    differences: list[str] = field(default_factory=list)
    execution_arn: Optional[str] = None
    seconds: float = 0.0
    events: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, stage: str, differences: list[str]) -> "Outcome":
        self.passed, self.stage, self.differences = False, stage, differences
        return self


class RequirementFailed(Exception):
    def __init__(self, stage: str, differences: list[str]) -> None:
        super().__init__(f"{stage}: {differences[:1]}")
        self.stage, self.differences = stage, differences


class ConformanceRunner:
    """Runs requirements against one gateway; ``prepare()`` first, ``close()`` after."""

    def __init__(self, lambda_client: Any, logs_client: Any, *, language: Language = LANGUAGES["python"],
                 runtime: Optional[str] = None, poll_interval: Optional[float] = 0.5, time_scale: float = 1.0,
                 keep_functions: bool = False) -> None:
        self.language = language
        self.runtime = runtime or language.runtime
        self.lambda_client = lambda_client
        self.logs_client = logs_client
        self.poll_interval = poll_interval
        self.time_scale = time_scale
        self.keep_functions = keep_functions
        self.run_tag = uuid.uuid4().hex[:6]
        self.zip_bytes = b""
        self.target_names: dict[str, str] = {}
        self._targets_lock = threading.Lock()

    # -- setup ------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Build the zip: every handler of the language plus its SDK."""
        files = sorted(self.language.handlers.glob(f"*{self.language.extension}"))
        self.zip_bytes = packages.function_zip(files, self.language.sdk())

    def _targets(self) -> dict[str, str]:
        """The chained-invoke targets' qualified names, creating the functions the first time."""
        with self._targets_lock:
            if not self.target_names:
                for variable, (handler, tenancy) in TARGETS.items():
                    suffix = variable.removesuffix("_FUNCTION").lower().replace("_", "-")
                    name = f"conf-{self.language.name}-{self.run_tag}-{suffix}"
                    self._create_function(name, handler, environment={}, tenancy=tenancy, json_logs=False)
                    self.target_names[variable] = name
            return {variable: f"{name}:$LATEST" for variable, name in self.target_names.items()}

    def close(self) -> None:
        if not self.keep_functions:
            for name in self.target_names.values():
                self._delete_function(name)

    def _create_function(self, name: str, handler: str, environment: dict[str, str],
                         tenancy: Optional[dict[str, str]], json_logs: bool) -> None:
        arguments: dict[str, Any] = dict(
            FunctionName=name, Runtime=self.runtime, Role=ROLE, Handler=handler, Code={"ZipFile": self.zip_bytes},
            Timeout=60, MemorySize=256, Environment={"Variables": environment},
            DurableConfig={"ExecutionTimeout": 3600, "RetentionPeriodInDays": 1},
        )
        if tenancy:
            arguments["TenancyConfig"] = tenancy
        if json_logs:
            arguments["LoggingConfig"] = {"LogFormat": "JSON"}
        self.lambda_client.create_function(**arguments)
        self.lambda_client.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})

    def _delete_function(self, name: str) -> None:
        try:
            self.lambda_client.delete_function(FunctionName=name)
        except (ClientError, BotoCoreError):
            pass

    # -- one requirement ----------------------------------------------------------------------

    def run(self, requirement: Requirement) -> Outcome:
        outcome = Outcome(requirement.id, requirement.suite, requirement.description, requirement.optional)
        started = time.monotonic()
        function_name = f"conf-{self.language.name}-{self.run_tag}-{requirement.id}"
        handler_file = self.language.handler_file(handler_module(requirement.id))
        if not handler_file.exists():
            return outcome.fail("setup", [f"no handler {handler_file.name}"])
        bindings = Bindings.from_variables(requirement.data.get("Variables"))
        try:
            environment = self._targets() if requirement.suite == "invoke" else {}
            self._create_function(function_name, f"{handler_module(requirement.id)}.handler",
                                  environment=environment, tenancy=None,
                                  json_logs=bool(requirement.expected_logs))
        except (ClientError, BotoCoreError) as error:
            self._delete_function(function_name)
            return outcome.fail("setup", [f"CreateFunction: {error}"])
        try:
            self._drive(requirement, function_name, bindings, outcome)
            outcome.passed = True
        except RequirementFailed as failure:
            outcome.fail(failure.stage, failure.differences)
        except (ClientError, BotoCoreError) as error:
            outcome.fail("api", [f"{type(error).__name__}: {error}"])
        except Exception:  # a bug of this runner: reported as such, the other requirements still run
            outcome.fail("runner", traceback.format_exc().strip().splitlines()[-3:])
        finally:
            outcome.seconds = round(time.monotonic() - started, 2)
            self._stop_if_running(outcome.execution_arn)
            if not self.keep_functions:
                self._delete_function(function_name)
        return outcome

    def _drive(self, requirement: Requirement, function_name: str, bindings: Bindings, outcome: Outcome) -> None:
        payload = json.dumps(bindings.substitute(requirement.data.get("Input"))).encode()
        invoke_started_ms = int(time.time() * 1000)
        response = self.lambda_client.invoke(
            FunctionName=function_name, Qualifier="$LATEST", Payload=payload,
            InvocationType="Event" if requirement.is_async else "RequestResponse")
        body = response["Payload"].read().decode(errors="replace") if "Payload" in response else ""
        arn = response.get("DurableExecutionArn") or response["ResponseMetadata"]["HTTPHeaders"].get(
            "x-amz-durable-execution-arn")
        if not arn:
            raise RequirementFailed("invoke", [
                f"no DurableExecutionArn in the Invoke response (StatusCode {response.get('StatusCode')}, "
                f"FunctionError {response.get('FunctionError')}, payload {body[:200]!r})"])
        outcome.execution_arn = arn
        expected_events = requirement.expected_history
        if requirement.is_async:
            events, matched_early = self._poll(requirement, arn, bindings)
        else:
            events, matched_early = self._history(arn), False
        outcome.events = events
        if not matched_early:
            differences = HistoryMatcher(bindings).match(expected_events, events)
            if differences:
                raise RequirementFailed("history", differences)
            if requirement.expected_result:
                differences = self._result_differences(arn, requirement.expected_result, bindings)
                if differences:
                    raise RequirementFailed("result", differences)
        if requirement.expected_logs:
            differences = self._log_differences(requirement, function_name, arn, bindings, invoke_started_ms)
            if differences:
                raise RequirementFailed("logs", differences)

    def _history(self, arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {"DurableExecutionArn": arn, "IncludeExecutionData": True}
        while True:
            page = self.lambda_client.get_durable_execution_history(**arguments)
            events.extend(page.get("Events", []))
            if not page.get("NextMarker"):
                return events
            arguments["Marker"] = page["NextMarker"]

    def _poll(self, requirement: Requirement, arn: str, bindings: Bindings) -> tuple[list[dict[str, Any]], bool]:
        """Poll the history, answering callbacks, until the execution ends.

        Returns the last history and whether it already matched (a requirement
        without ``ExpectedResult`` ends as soon as its expected history is there).
        """
        actions = requirement.callback_actions
        used: set[int] = set()
        handled: set[str] = set()
        history_only = requirement.expected_result is None
        interval = self.poll_interval if self.poll_interval is not None else requirement.poll_interval
        last_count, last_progress = -1, time.monotonic()
        while True:
            time.sleep(interval)
            # Status first: a history read after the execution ended holds every event.
            ended = self._status(arn) in TERMINAL
            events = self._history(arn)
            if ended:
                return events, False
            if len(events) > last_count:
                last_count, last_progress = len(events), time.monotonic()
            elif time.monotonic() - last_progress >= requirement.no_progress_timeout:
                raise RequirementFailed("history", [
                    f"no new event for {requirement.no_progress_timeout:.0f} s (execution still "
                    f"{self._status(arn)}, {len(events)} events, last {events[-1].get('EventType') if events else None})"]
                    + HistoryMatcher(Bindings(dict(bindings.values))).match(requirement.expected_history, events))
            for event in events:
                if event.get("EventType") != "CallbackStarted":
                    continue
                callback_id = (event.get("CallbackStartedDetails") or {}).get("CallbackId")
                if not callback_id or callback_id in handled:
                    continue
                index = self._matching_action(event, actions, used, bindings)
                if index is None:
                    handled.add(callback_id)  # left open: a timeout requirement, or no action fits
                    if actions:
                        raise RequirementFailed("callback", [f"no CallbackAction for callback {event.get('Name')!r}"])
                    continue
                used.add(index)
                action = actions[index]
                if action.operation != "heartbeat":
                    handled.add(callback_id)
                if action.delay:
                    time.sleep(action.delay * self.time_scale)
                self._send(callback_id, action, bindings)
            if history_only and requirement.expected_history:
                trial = Bindings(dict(bindings.values))
                if not HistoryMatcher(trial).match(requirement.expected_history, events):
                    bindings.values.update(trial.values)
                    return events, True

    @staticmethod
    def _matching_action(event: dict[str, Any], actions: list[CallbackAction], used: set[int],
                         bindings: Bindings) -> Optional[int]:
        name = event.get("Name", "")
        for index, action in enumerate(actions):
            if index in used:
                continue
            wanted = str(bindings.substitute(action.callback_name))
            pattern = regex_of(wanted)
            if wanted in ("*", name) or (pattern is not None and pattern.search(name or "")):
                return index
        return None

    def _send(self, callback_id: str, action: CallbackAction, bindings: Bindings) -> None:
        payload = bindings.substitute(action.payload)
        try:
            if action.operation == "success":
                arguments: dict[str, Any] = {"CallbackId": callback_id}
                if payload is not None:
                    arguments["Result"] = json.dumps(payload).encode()
                self.lambda_client.send_durable_execution_callback_success(**arguments)
            elif action.operation == "failure":
                arguments = {"CallbackId": callback_id}
                error = {key: payload[key] for key in ("ErrorType", "ErrorMessage", "ErrorData", "StackTrace")
                         if isinstance(payload, dict) and key in payload}
                if error:
                    arguments["Error"] = error
                self.lambda_client.send_durable_execution_callback_failure(**arguments)
            else:
                self.lambda_client.send_durable_execution_callback_heartbeat(CallbackId=callback_id)
        except (ClientError, BotoCoreError) as error:
            raise RequirementFailed("callback", [f"SendDurableExecutionCallback {action.operation}: {error}"])

    def _status(self, arn: str) -> Optional[str]:
        return self.lambda_client.get_durable_execution(DurableExecutionArn=arn).get("Status")

    def _result_differences(self, arn: str, expected: dict[str, Any], bindings: Bindings) -> list[str]:
        execution = self.lambda_client.get_durable_execution(DurableExecutionArn=arn)
        status = execution.get("Status")
        wanted_status = expected.get("ExecutionStatus")
        if wanted_status and status != wanted_status:
            error = execution.get("Error")
            return [f"ExecutionStatus: expected {wanted_status}, got {status}" + (f" (Error {error})" if error else "")]
        if status != "SUCCEEDED" or "Result" not in expected:
            return []
        raw = execution.get("Result")
        try:
            actual = json.loads(raw) if raw is not None else None
        except (TypeError, ValueError):
            actual = raw
        wanted = bindings.substitute(expected["Result"])
        return [] if actual == wanted else [f"Result: expected {wanted!r}, got {actual!r}"]

    def _log_differences(self, requirement: Requirement, function_name: str, arn: str, bindings: Bindings,
                         since_ms: int) -> list[str]:
        """Logs arrive after the invocation: re-read until the expectations hold on two reads a second
        apart with no record added in between (a ``count: 0`` or ``count: 1`` must not pass on logs
        still arriving), or the wait is over."""
        deadline = time.monotonic() + LOG_WAIT_SECONDS
        previous: Optional[int] = None
        while True:
            records = log_check.execution_records(self._log_events(function_name, since_ms), arn)
            differences = log_check.check(requirement.expected_logs, records, bindings)
            if (not differences and previous == len(records)) or time.monotonic() >= deadline:
                return differences
            previous = len(records) if not differences else None
            time.sleep(1.0)

    def _log_events(self, function_name: str, since_ms: int) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {"logGroupName": f"/aws/lambda/{function_name}", "startTime": since_ms - 1000}
        try:
            while True:
                page = self.logs_client.filter_log_events(**arguments)
                events.extend(page.get("events", []))
                if not page.get("nextToken"):
                    return events
                arguments["nextToken"] = page["nextToken"]
        except self.logs_client.exceptions.ResourceNotFoundException:
            return events

    def _stop_if_running(self, arn: Optional[str]) -> None:
        if not arn:
            return
        try:
            if self._status(arn) not in TERMINAL:
                self.lambda_client.stop_durable_execution(DurableExecutionArn=arn)
        except (ClientError, BotoCoreError):
            pass
