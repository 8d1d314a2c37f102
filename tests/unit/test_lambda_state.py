"""The state model (providers/lambda_/state.py): transitions, hooks, failures."""

from __future__ import annotations

import threading

from providers.lambda_.models import Function, FunctionVersion
from providers.lambda_.state import Lifecycle, VersionEvent, VersionFailed, mark_creating, mark_updating
from providers.lambda_.store import LambdaStore


def make(store: LambdaStore, name: str = "f") -> Function:
    config = {"FunctionName": name, "FunctionArn": f"arn:aws:lambda:us-east-1:000000000000:function:{name}", "Version": "$LATEST"}
    mark_creating(config)
    function = Function(name=name, account_id="000000000000", region="us-east-1", latest=FunctionVersion(config=config))
    store.add_function(function)
    return function


def test_create_then_update_complete_with_new_revisions():
    store = LambdaStore("000000000000", "us-east-1", None)
    lifecycle = Lifecycle(lambda s: True)
    seen: list[tuple[str, str]] = []
    lifecycle.hooks.on_version_created.append(lambda e: seen.append(("created", e.qualifier)))
    lifecycle.hooks.on_version_updated.append(lambda e: seen.append(("updated", e.qualifier)))
    function = make(store)
    revision = function.latest.config["RevisionId"]
    lifecycle.submit(store, function, "$LATEST", creating=True)
    assert lifecycle.drain()
    config = function.latest.config
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")
    assert "StateReason" not in config and config["RevisionId"] != revision
    mark_updating(config)
    assert (config["LastUpdateStatus"], config["LastUpdateStatusReasonCode"]) == ("InProgress", "Creating")
    lifecycle.submit(store, function, "$LATEST", creating=False)
    assert lifecycle.drain()
    assert config["LastUpdateStatus"] == "Successful" and "LastUpdateStatusReason" not in config
    assert seen == [("created", "$LATEST"), ("updated", "$LATEST")]
    lifecycle.stop()


def test_a_failing_hook_fails_the_version():
    store = LambdaStore("000000000000", "us-east-1", None)
    lifecycle = Lifecycle(lambda s: True)

    def no_docker(event: VersionEvent) -> None:
        raise VersionFailed("Docker not available", "InternalError")

    lifecycle.hooks.on_version_created.append(no_docker)
    function = make(store)
    lifecycle.submit(store, function, "$LATEST", creating=True, wait=True)
    config = function.latest.config
    assert (config["State"], config["StateReason"], config["StateReasonCode"]) == ("Failed", "Docker not available", "InternalError")
    assert config["LastUpdateStatus"] == "Failed"

    broken = make(store, "g")
    lifecycle.hooks.on_version_created[:] = [lambda e: 1 / 0]
    lifecycle.submit(store, broken, "$LATEST", creating=True, wait=True)
    assert broken.latest.config["State"] == "Failed"
    assert broken.latest.config["StateReason"].startswith("ZeroDivisionError")
    lifecycle.stop()


def test_transitions_of_deleted_or_reset_functions_are_dropped():
    store = LambdaStore("000000000000", "us-east-1", None)
    current = {"yes": True}
    lifecycle = Lifecycle(lambda s: current["yes"], delay_seconds=0.05)
    gate = threading.Event()
    lifecycle.hooks.on_version_created.append(lambda e: gate.wait(5))
    deleted = make(store, "deleted")
    lifecycle.submit(store, deleted, "$LATEST", creating=True)
    store.remove_function("deleted")
    gate.set()
    assert lifecycle.drain()
    assert deleted.latest.config["State"] == "Pending"
    current["yes"] = False
    dropped = make(store, "dropped")
    lifecycle.submit(store, dropped, "$LATEST", creating=True)
    assert lifecycle.drain()
    assert dropped.latest.config["State"] == "Pending"
    lifecycle.stop()


def test_function_names_stay_sorted():
    store = LambdaStore("000000000000", "us-east-1", None)
    for name in ("b", "a", "c"):
        make(store, name)
    assert store.function_names == ["a", "b", "c"]
    store.remove_function("b")
    assert store.function_names == ["a", "c"]
    assert store.names_after("a") == 1 and store.names_after("b") == 1 and store.names_after("a", inclusive=True) == 0
