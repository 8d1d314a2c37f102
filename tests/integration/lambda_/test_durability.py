"""Nothing acknowledged is lost (``PERSISTENCE=1``), attacked with real gateway
processes and ``kill -9``:

- ``Event`` invokes (and ``InvokeAsync``) answered 202 by four concurrent
  writers are all delivered after a ``kill -9`` right after the last 202 and a
  restart on the same ``DATA_DIR`` (at least once, as AWS delivers them), with
  no request needed to wake the restarted gateway.
- A state file and a code blob damaged by hand between runs are reported at
  start (an ERROR line before ``Ready.``, ``/_gateway/health``), the functions
  stay visible in state ``Failed`` with the reason, invoking them answers AWS's
  conflict for a Failed function, and the damaged files are moved aside, not
  deleted. A blob whose bytes changed but not its size is caught by its SHA-256
  before it is unpacked.
- Scratch directories (environments' files) of a killed gateway are removed at
  the next start; those of a running gateway are kept.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from base64 import b64decode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import psutil
import pytest
from botocore.exceptions import ClientError

from tests.support.gateway_process import GatewayProcess

from .conftest import client_for, create_function, python_zip, wait_active, wait_until, unique

FAILED = "The operation cannot be performed at this time. The function is currently in the following state: Failed"

RECORDER = """
import json, os, time, urllib.request

def handler(event, context):
    time.sleep(float(os.environ.get("DELAY", "0")))
    body = json.dumps({"id": event.get("id"), "request_id": context.aws_request_id}).encode()
    urllib.request.urlopen(urllib.request.Request(os.environ["COLLECTOR"], data=body, method="POST"), timeout=5).read()
    return {"recorded": event.get("id")}
"""


class Collector:
    """An HTTP endpoint on loopback where the test function reports each delivery."""

    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        lock = threading.Lock()
        deliveries = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    deliveries.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self) -> set[str]:
        return {d["id"] for d in list(self.deliveries)}


@pytest.fixture
def collector() -> Iterator[Collector]:
    found = Collector()
    yield found
    found.server.shutdown()
    found.server.server_close()
    # Runtimes of a killed gateway outlive it (kill -9 reaches only the gateway): end them.
    for process in psutil.process_iter():
        try:
            if process.environ().get("COLLECTOR") == found.url:
                process.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue


def persistent_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {"PERSISTENCE": "1", "DATA_DIR": str(tmp_path / "data"), "SERVICES": "lambda",
           "TMPDIR": str(tmp_path / "tmp"), "LAMBDA_ASYNC_RETRY_BASE_MS": "100"}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(extra)
    return env


def health(process: GatewayProcess) -> dict[str, Any]:
    with urllib.request.urlopen(f"{process.url}/_gateway/health", timeout=10) as response:
        return json.loads(response.read())


def conflict_on_invoke(client: Any, name: str) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName=name, Payload=b"{}")
    return raised.value.response


# Asynchronous events ----------------------------------------------------------------------------
def test_accepted_events_are_delivered_after_kill_9(tmp_path, collector):
    env = persistent_env(tmp_path)
    accepted: list[str] = []
    lock = threading.Lock()
    first = GatewayProcess(env=env).start()
    try:
        client = client_for(first.url)
        name = create_function(client, zip_bytes=python_zip(RECORDER), Timeout=10,
                               Environment={"Variables": {"COLLECTOR": collector.url, "DELAY": "0.5"}})

        def writer(worker: int) -> None:
            own = client_for(first.url)
            for index in range(6):
                event_id = f"{worker}-{index}"
                payload = json.dumps({"id": event_id}).encode()
                if index % 3 == 2:
                    assert own.invoke_async(FunctionName=name, InvokeArgs=payload)["Status"] == 202
                else:
                    assert own.invoke(FunctionName=name, InvocationType="Event", Payload=payload)["StatusCode"] == 202
                with lock:
                    accepted.append(event_id)

        writers = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()
        first.kill()  # right after the last 202
    finally:
        first.stop()
    assert len(accepted) == 24
    assert not set(accepted) <= collector.ids(), "every event ran before the kill: the test proved nothing"

    second = GatewayProcess(env=env).start()
    try:
        # No request wakes the gateway: the provider loads at start and resumes the queue.
        wait_until(lambda: set(accepted) <= collector.ids(), timeout=90, interval=0.1,
                   message=f"delivery of all {len(accepted)} accepted events")
        assert "re-queued" in second.logs()
        journal = Path(env["DATA_DIR"]) / "lambda" / "async-events.log"
        wait_until(lambda: journal.stat().st_size == 0, message="an empty journal once every event is done")
    finally:
        second.stop()


# Damaged state ----------------------------------------------------------------------------------
def _blob_path(data_dir: Path, code_sha256: str) -> Path:
    key = b64decode(code_sha256).hex()
    return data_dir / "lambda" / "code" / key[:2] / f"{key}.zip"


def test_damaged_state_and_code_are_reported_at_start_and_kept_visible(tmp_path):
    env = persistent_env(tmp_path)
    data_dir = Path(env["DATA_DIR"])
    bad_state, bad_code, healthy = unique("state"), unique("code"), unique("ok")
    with GatewayProcess(env=env) as process:
        client = client_for(process.url)
        for index, name in enumerate((bad_state, bad_code, healthy)):
            create_function(client, name=name, zip_bytes=python_zip(extra={"marker.txt": f"{index}"}))
        blob = _blob_path(data_dir, client.get_function(FunctionName=bad_code)["Configuration"]["CodeSha256"])

    state_file = data_dir / "lambda" / "state" / "000000000000" / "us-east-1" / "functions" / f"{bad_state}.json"
    state_file.write_text('{"name": "' + bad_state + '", "latest": {"config": ')  # cut short, as a disk error would
    blob.write_bytes(blob.read_bytes()[: blob.stat().st_size // 2])

    with GatewayProcess(env=env) as process:
        start_log = process.logs()  # written before Ready.: the check ran at start
        assert f"ERROR lambda.store: damaged Lambda state file {state_file}" in start_log
        assert f"ERROR lambda.damage: damaged Lambda code {blob}" in start_log
        errors = health(process)["details"]["lambda"]["errors"]
        by_kind = {e["kind"]: e for e in errors}
        assert by_kind["state file"]["path"] == str(state_file)
        assert by_kind["code"]["path"] == str(blob)
        assert any(bad_code in arn for arn in by_kind["code"]["resources"])

        # Damaged files are moved aside, never deleted or overwritten.
        moved_state = Path(by_kind["state file"]["moved_to"])
        assert moved_state.name.startswith(f"{bad_state}.json.corrupt-") and moved_state.exists()
        assert moved_state.read_text().endswith('"config": ')
        moved_blob = Path(by_kind["code"]["moved_to"])
        assert moved_blob.parent == blob.parent and moved_blob.exists()

        client = client_for(process.url)
        listed = {f["FunctionName"] for f in client.list_functions()["Functions"]}
        assert {bad_state, bad_code, healthy} <= listed

        state_config = client.get_function(FunctionName=bad_state)["Configuration"]
        assert state_config["State"] == "Failed"
        assert state_config["StateReasonCode"] == "InternalError"
        assert moved_state.name in state_config["StateReason"]

        code_config = client.get_function(FunctionName=bad_code)["Configuration"]
        assert code_config["State"] == "Failed"
        assert code_config["StateReasonCode"] == "InvalidZipFileException"
        assert code_config["StateReason"].startswith("Lambda could not unzip the deployment package")

        for name in (bad_state, bad_code):
            error = conflict_on_invoke(client, name)
            assert error["Error"]["Code"] == "ResourceConflictException"
            assert error["Error"]["Message"] == FAILED
            assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
        assert json.loads(client.invoke(FunctionName=healthy, Payload=b'{"a": 1}')["Payload"].read())["event"] == {"a": 1}

        # Good code again brings the function back; the damaged one can be deleted and re-created.
        client.update_function_code(FunctionName=bad_code, ZipFile=python_zip())
        client.get_waiter("function_updated_v2").wait(FunctionName=bad_code, WaiterConfig={"Delay": 0.05})
        assert client.get_function(FunctionName=bad_code)["Configuration"]["State"] == "Active"
        assert json.loads(client.invoke(FunctionName=bad_code, Payload=b'{"b": 2}')["Payload"].read())["event"] == {"b": 2}
        client.delete_function(FunctionName=bad_state)
        create_function(client, name=bad_state)
    assert moved_state.exists() and moved_blob.exists()


def test_code_whose_bytes_changed_fails_its_checksum_instead_of_every_invoke(tmp_path):
    env = persistent_env(tmp_path)
    data_dir = Path(env["DATA_DIR"])
    with GatewayProcess(env=env) as process:
        client = client_for(process.url)
        name = create_function(client, zip_bytes=python_zip(extra={"data.txt": "x" * 2000}))
        sha = client.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    blob = _blob_path(data_dir, sha)
    data = bytearray(blob.read_bytes())
    data[len(data) // 3] ^= 0xFF  # same size: passes the start-up size check
    blob.write_bytes(bytes(data))

    with GatewayProcess(env=env) as process:
        client = client_for(process.url)
        assert "errors" not in health(process)["details"].get("lambda", {})
        for _ in range(2):  # the first invoke finds it; the next ones see the Failed state
            error = conflict_on_invoke(client, name)
            assert (error["Error"]["Code"], error["Error"]["Message"]) == ("ResourceConflictException", FAILED)
        config = client.get_function(FunctionName=name)["Configuration"]
        assert (config["State"], config["StateReasonCode"]) == ("Failed", "InvalidZipFileException")
        assert "SHA-256" in config["StateReason"]
        errors = health(process)["details"]["lambda"]["errors"]
        assert errors[0]["kind"] == "code" and Path(errors[0]["moved_to"]).exists()
        assert f"damaged Lambda code {blob}" in process.logs()
        assert "=> 500" not in process.logs()


# Scratch directories ----------------------------------------------------------------------------
@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc for process start times")
def test_a_killed_gateways_scratch_directory_is_removed_at_the_next_start(tmp_path):
    env = {"SERVICES": "lambda", "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    base = tmp_path / "tmp" / f"lambda-gateway-{os.getuid()}"
    crashed = GatewayProcess(env=env).start()
    running = GatewayProcess(env=env).start()
    try:
        client = client_for(crashed.url)
        name = create_function(client)
        wait_active(client, name)
        client.invoke(FunctionName=name, Payload=b"{}")  # an environment with its files
        crashed_dir, = [d for d in base.iterdir() if d.name.startswith(f"{crashed.process.pid}-")]
        running_dir, = [d for d in base.iterdir() if d.name.startswith(f"{running.process.pid}-")]
        executor_dirs = [d for d in crashed_dir.iterdir() if d.is_dir() and d.name.startswith("lambda-")]
        assert executor_dirs and any(any(d.iterdir()) for d in executor_dirs), \
            "the executor keeps its environments' files in the scratch directory"
        runtimes = psutil.Process(crashed.process.pid).children(recursive=True)
        crashed.kill()
        for runtime in runtimes:  # kill -9 reached only the gateway
            try:
                runtime.kill()
            except psutil.NoSuchProcess:
                pass
        assert crashed_dir.exists()

        with GatewayProcess(env=env) as restarted:
            assert not crashed_dir.exists()
            assert running_dir.exists()
            assert f"removed {crashed_dir}" in restarted.logs()
            own_dir, = [d for d in base.iterdir() if d.name.startswith(f"{restarted.process.pid}-")]
        assert not own_dir.exists(), "a clean stop removes the gateway's own scratch directory"
    finally:
        crashed.stop()
        running.stop()
