"""The Lambda backend in process (no HTTP): resolving functions and qualifiers
with its domain exceptions, the API edge's AWS errors for them, and event
source mappings as pollers see them (snapshots, watchers, status, checkpoints)."""

from __future__ import annotations

import io
import zipfile
from typing import Any, Iterator, Optional

import pytest

from gateway.app import Gateway
from gateway.config import Config
from gateway.context import RequestContext
from gateway.http import HttpRequest
from providers.lambda_.api.errors import aws_error
from providers.lambda_.backend import errors
from providers.lambda_.backend.mappings import OK, problem
from providers.lambda_.backend.values import Caller, EventSourceMapping, InvokeOptions, MappingKey

ACCOUNT, OTHER, REGION = "111122223333", "444455556666", "eu-west-1"
ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"


def handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


class Lambda:
    """A gateway in process, Lambda's API called directly, its backend at hand."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.provider = gateway.providers.get("lambda")
        self.backend = self.provider.backend

    def context(self, account: str = ACCOUNT, region: str = REGION) -> RequestContext:
        return RequestContext(request=HttpRequest("POST", "/", server_port=4566), gateway=self.gateway,
                              request_id="r", region=region, account_id=account)

    def call(self, operation: str, request: dict, account: str = ACCOUNT) -> Any:
        """An operation as the gateway serves it: through the API edge."""
        return self.provider.operation_handler(operation)(self.context(account), request)

    def function(self, name: str, account: str = ACCOUNT) -> None:
        self.call("CreateFunction", {"FunctionName": name, "Runtime": "python3.12", "Handler": "index.handler",
                                     "Role": f"arn:aws:iam::{account}:role/r", "Code": {"ZipFile": handler_zip()}},
                  account)


@pytest.fixture(scope="module")
def lam(tmp_path_factory) -> Iterator[Lambda]:
    data = tmp_path_factory.mktemp("data")
    gateway = Gateway(Config.from_env({"GATEWAY_LISTEN": "127.0.0.1:4566", "LAMBDA_SYNCHRONOUS_CREATE": "1",
                                       "DATA_DIR": str(data), "SERVICES": "lambda"}))
    try:
        lam = Lambda(gateway)
        lam.function("fn")
        version = lam.call("PublishVersion", {"FunctionName": "fn"})["Version"]
        lam.call("CreateAlias", {"FunctionName": "fn", "Name": "live", "FunctionVersion": version})
        lam.function("theirs", OTHER)
        yield lam
    finally:
        gateway.stop()


def caller(account: str = ACCOUNT, region: str = REGION, action: str = "InvokeFunction") -> Caller:
    return Caller(account, region, action)


# Resolving ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, qualifier, version, invoked", [
    ("fn", None, "$LATEST", f"{ARN}:fn"),
    ("fn", "$LATEST", "$LATEST", f"{ARN}:fn:$LATEST"),
    ("fn:1", None, "1", f"{ARN}:fn:1"),
    ("fn", "live", "1", f"{ARN}:fn:live"),
    (f"{ACCOUNT}:function:fn", None, "$LATEST", f"{ARN}:fn"),
    (f"{ACCOUNT}:function:fn:live", None, "1", f"{ARN}:fn:live"),
    (f"{ARN}:fn", None, "$LATEST", f"{ARN}:fn"),
    (f"{ARN}:fn:1", "1", "1", f"{ARN}:fn:1"),
])
def test_names_partial_and_full_arns_versions_and_aliases_resolve(lam, name, qualifier, version, invoked):
    target = lam.backend.resolve(name, qualifier, caller=caller())
    assert (target.account_id, target.region, target.function_name) == (ACCOUNT, REGION, "fn")
    assert (target.version, target.invoked_arn) == (version, invoked)
    assert target.config["State"] == "Active" and target.code.sha256


def test_a_resolved_target_is_a_copy(lam):
    target = lam.backend.resolve("fn", caller=caller())
    target.config["Timeout"] = 900
    assert lam.backend.resolve("fn", caller=caller()).config["Timeout"] == 3


@pytest.mark.parametrize("name, qualifier, exception, message", [
    ("nope", None, errors.FunctionNotFound, f"Function not found: {ARN}:nope:$LATEST"),
    ("nope", "live", errors.FunctionNotFound, f"Function not found: {ARN}:nope:live"),
    ("fn", "7", errors.QualifierNotFound, f"Function not found: {ARN}:fn:7"),
    ("fn:missing", None, errors.QualifierNotFound, f"Function not found: {ARN}:fn:missing"),
    ("fn:1", "2", errors.QualifierMismatch,
     "The derived qualifier from the function name does not match the specified qualifier."),
    (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn", None, errors.FunctionNotReachable,
     "Functions from 'us-east-1' are not reachable in this region ('eu-west-1')"),
    (f"arn:aws:lambda:{REGION}:{OTHER}:function:theirs", None, errors.AccessDenied,
     f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: lambda:InvokeFunction on resource: "
     f"arn:aws:lambda:{REGION}:{OTHER}:function:theirs because no resource-based policy allows the "
     "lambda:InvokeFunction action"),
])
def test_resolution_errors_are_domain_exceptions_worded_as_aws(lam, name, qualifier, exception, message):
    with pytest.raises(exception) as caught:
        lam.backend.resolve(name, qualifier, caller=caller())
    assert type(caught.value) is exception
    assert caught.value.message == message


def test_a_name_that_does_not_parse_quotes_the_callers_pattern(lam):
    with pytest.raises(errors.InvalidFunctionName) as caught:
        lam.backend.resolve("not a name!", caller=Caller(ACCOUNT, REGION, name_pattern="PATTERN"))
    assert caught.value.message == ("1 validation error detected: Value 'not a name!' at 'functionName' failed to "
                                    "satisfy constraint: Member must satisfy regular expression pattern: PATTERN")


def test_another_accounts_function_resolves_when_its_policy_allows_the_caller(lam):
    theirs = f"arn:aws:lambda:{REGION}:{OTHER}:function:theirs"
    with pytest.raises(errors.AccessDenied):
        lam.backend.resolve(theirs, caller=caller(action="InvokeAsync"))
    lam.call("AddPermission", {"FunctionName": "theirs", "StatementId": "s", "Action": "lambda:InvokeFunction",
                               "Principal": ACCOUNT}, OTHER)
    try:
        target = lam.backend.resolve(theirs, caller=caller())
        assert (target.account_id, target.function_name) == (OTHER, "theirs")
        # InvokeAsync is also authorized by lambda:InvokeFunction (its API reference).
        assert lam.backend.resolve(theirs, caller=caller(action="InvokeAsync")).account_id == OTHER
    finally:
        lam.call("RemovePermission", {"FunctionName": "theirs", "StatementId": "s"}, OTHER)


def test_a_function_not_active_is_not_invoked(lam):
    provider = lam.provider
    store = provider.stores.get(ACCOUNT, REGION)
    lam.function("failing")
    with store.lock:  # (the test plays the version manager: a failed preparation)
        store.functions["failing"].latest.config["State"] = "Failed"
    with pytest.raises(errors.FunctionNotActive) as caught:
        lam.backend.resolve("failing", caller=caller())
    assert caught.value.message == ("The operation cannot be performed at this time. "
                                    "The function is currently in the following state: Failed")


def test_payload_limits_come_before_any_work(lam):
    target = lam.backend.resolve("fn", caller=caller())
    with pytest.raises(errors.PayloadTooLarge) as caught:
        lam.backend.invoke(target, b"x" * (1024 * 1024 + 1), "Event")
    assert caught.value.limit == 1024 * 1024
    with pytest.raises(errors.PayloadTooLarge):
        lam.backend.invoke_function("nope", b"x" * (6 * 1024 * 1024 + 1), caller=caller())
    assert lam.backend.invoke(target, b"{}", "DryRun").status_code == 204
    with pytest.raises(ValueError):
        lam.backend.invoke(target, b"{}", "Sometimes", InvokeOptions())


# The API edge ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("error, code, status, members", [
    (errors.FunctionNotFound(f"{ARN}:f:$LATEST"), "ResourceNotFoundException", 404, {}),
    (errors.QualifierNotFound(f"{ARN}:f:3"), "ResourceNotFoundException", 404, {}),
    (errors.FunctionNotReachable("us-east-1", REGION), "ResourceNotFoundException", 404, {"Type": "User"}),
    (errors.QualifierMismatch(), "InvalidParameterValueException", 400, {"Type": "User"}),
    (errors.AccessDenied(ACCOUNT, "InvokeFunction", f"{ARN}:f"), "AccessDeniedException", 403, {}),
    (errors.InvalidFunctionName("x y"), "ValidationException", 400, {}),
    (errors.FunctionNotActive("Pending"), "ResourceConflictException", 409, {}),
    (errors.PayloadTooLarge(6291456), "RequestEntityTooLargeException", 413, {}),
    (errors.TooManyRequests("ConcurrentInvocationLimitExceeded"), "TooManyRequestsException", 429,
     {"Reason": "ConcurrentInvocationLimitExceeded", "Type": "User"}),
    (errors.MappingNotFound(), "ResourceNotFoundException", 404, {}),
    (errors.InvalidMapping("Unrecognized event source."), "InvalidParameterValueException", 400, {}),
    (errors.SourceNotFound("Stream not found: x"), "InvalidParameterValueException", 400, {}),
    (errors.MappingExists("exists", "u"), "ResourceConflictException", 409, {}),
    (errors.InternalFailure("An internal error occurred"), "ServiceException", 500, {}),
])
def test_the_api_edge_answers_each_domain_exception_as_aws(error, code, status, members):
    answer = aws_error(error)
    assert (answer.code, answer.message, answer.status, answer.members) == (code, error.message, status, members)
    if isinstance(error, errors.TooManyRequests):
        assert answer.headers == {}  # AWS sends no Retry-After with a concurrency throttle


def test_an_operation_answers_a_domain_exception_as_the_aws_error(lam):
    from gateway.errors import ServiceError

    with pytest.raises(ServiceError) as caught:
        lam.call("Invoke", {"FunctionName": "nope"})
    assert (caught.value.code, caught.value.status) == ("ResourceNotFoundException", 404)
    assert caught.value.message == f"Function not found: {ARN}:nope:$LATEST"


# Event source mappings ------------------------------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.changes: list[tuple[MappingKey, Optional[EventSourceMapping]]] = []
        self.resets = 0

    def mapping_changed(self, key: MappingKey, mapping: Optional[EventSourceMapping]) -> None:
        self.changes.append((key, mapping))

    def mappings_reset(self) -> None:
        self.resets += 1


def test_mappings_are_snapshots_and_watchers_hear_of_every_change(lam):
    created = lam.call("CreateEventSourceMapping", {"FunctionName": "fn", "EventSourceArn": QUEUE, "BatchSize": 5})
    key = MappingKey(ACCOUNT, REGION, created["UUID"])
    recorder = Recorder()
    lam.backend.watch_mappings(recorder)  # replays what exists
    try:
        assert [change[0] for change in recorder.changes] == [key]
        mapping = lam.backend.mapping(key)
        assert (mapping.source, mapping.enabled, mapping.function_arn, mapping.event_source_arn) == (
            "sqs", True, f"{ARN}:fn", QUEUE)
        assert mapping.get("BatchSize") == 5 and "_Enabled" not in mapping.config
        mapping.config["BatchSize"] = 99
        assert lam.backend.mapping(key).get("BatchSize") == 5
        assert key in [m.key for m in lam.backend.mappings(enabled_only=True)]

        lam.call("UpdateEventSourceMapping", {"UUID": key.uuid, "Enabled": False})
        assert recorder.changes[-1][1].enabled is False
        assert key not in [m.key for m in lam.backend.mappings(enabled_only=True)]
        lam.call("UpdateEventSourceMapping", {"UUID": key.uuid, "Enabled": True, "BatchSize": 7})
        assert (recorder.changes[-1][1].enabled, recorder.changes[-1][1].get("BatchSize")) == (True, 7)
        lam.call("DeleteEventSourceMapping", {"UUID": key.uuid})
        assert recorder.changes[-1] == (key, None)
        assert lam.backend.mapping(key) is None
    finally:
        lam.backend.unwatch_mappings(recorder)


def test_status_reports_and_lambda_initiated_state_changes(lam):
    created = lam.call("CreateEventSourceMapping", {"FunctionName": "fn", "EventSourceArn": QUEUE + "-status"})
    key = MappingKey(ACCOUNT, REGION, created["UUID"])
    recorder = Recorder()
    lam.backend.watch_mappings(recorder, replay=False)
    try:
        assert lam.backend.update_mapping_status(key, last_processing_result=OK)
        assert lam.call("GetEventSourceMapping", {"UUID": key.uuid})["LastProcessingResult"] == "OK"
        assert recorder.changes == []  # a status report changes nothing a poller works from

        assert lam.backend.update_mapping_status(key, state="Disabled", state_transition_reason="Lambda initiated",
                                                 last_processing_result=problem("Function call failed"))
        answer = lam.call("GetEventSourceMapping", {"UUID": key.uuid})
        assert (answer["State"], answer["StateTransitionReason"], answer["LastProcessingResult"]) == (
            "Disabled", "Lambda initiated", "PROBLEM: Function call failed")
        assert recorder.changes[-1][1].enabled is False
        with pytest.raises(ValueError):
            lam.backend.update_mapping_status(key, state="Deleting")
    finally:
        lam.backend.unwatch_mappings(recorder)
        lam.call("DeleteEventSourceMapping", {"UUID": key.uuid})
    assert lam.backend.update_mapping_status(key, last_processing_result=OK) is False


def test_checkpoints_go_with_their_mapping(lam):
    created = lam.call("CreateEventSourceMapping", {"FunctionName": "fn", "EventSourceArn": QUEUE + "-checkpoints"})
    key = MappingKey(ACCOUNT, REGION, created["UUID"])
    assert lam.backend.checkpoint(key) == {}
    assert lam.backend.save_checkpoint(key, {"shardId-0": "49"})
    assert lam.backend.save_checkpoint(key, {"shardId-1": "50"})
    assert lam.backend.checkpoint(key) == {"shardId-0": "49", "shardId-1": "50"}
    lam.backend.delete_checkpoint(key)
    assert lam.backend.checkpoint(key) == {}
    lam.backend.save_checkpoint(key, {"shardId-0": "51"})
    lam.call("DeleteEventSourceMapping", {"UUID": key.uuid})
    assert lam.backend.save_checkpoint(key, {"shardId-0": "52"}) is False  # a late poller resurrects nothing


def test_unknown_mappings_answer_aws_not_found(lam):
    from gateway.errors import ServiceError

    with pytest.raises(ServiceError) as caught:
        lam.call("UpdateEventSourceMapping", {"UUID": "6f1c5a1e-0c3e-4b43-9a1f-0d1f8a0e2b11", "BatchSize": 1})
    assert (caught.value.code, caught.value.message) == ("ResourceNotFoundException",
                                                         "The resource you requested does not exist.")
