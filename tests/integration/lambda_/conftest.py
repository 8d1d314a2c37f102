"""Fixtures for the data-plane tests (functions that really run).

- Zip builders for python / node / provided handlers (sources in ``functions/``).
- ``create_function``: create, then wait for ``Active`` with boto3's
  ``function_active_v2`` waiter (polling fast).
- ``special_gateway(**env)``: a gateway process with its own settings
  (``LAMBDA_KEEPALIVE_MS=0``, ``DEBUG=1``...), started once per session per
  settings and shared by every module asking for the same ones.
- ``runtime_processes(gateway)``: the gateway's descendant processes (psutil),
  to prove environments are reused, scaled out and cleaned up.
"""

from __future__ import annotations

import io
import os
import json
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Union

import boto3
import psutil
import pytest
from botocore.config import Config as BotoConfig

from tests.support.gateway_process import GatewayProcess

FUNCTIONS = Path(__file__).resolve().parent / "functions"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
REGION = "us-east-1"


# Names, polling ---------------------------------------------------------------------
def unique(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02,
               message: str = "condition") -> Any:
    """Poll until ``predicate()`` is truthy and return its value; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout}s")
        time.sleep(interval)


# Zips -----------------------------------------------------------------------------------
Files = dict[str, Union[str, bytes]]


def make_zip(files: Files, executable: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = ((0o755 if name in executable else 0o644) | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def source(name: str) -> str:
    return (FUNCTIONS / name).read_text()


def python_zip(code: Optional[str] = None, module: str = "index", extra: Optional[Files] = None) -> bytes:
    """``index.py`` (default: the multi-purpose ``functions/echo.py``)."""
    files: Files = {f"{module}.py": code if code is not None else source("echo.py")}
    files.update(extra or {})
    return make_zip(files)


def node_zip(code: Optional[str] = None, filename: str = "index.js", extra: Optional[Files] = None) -> bytes:
    """``index.js`` (default: the multi-purpose ``functions/echo.js``)."""
    files: Files = {filename: code if code is not None else source("echo.js")}
    files.update(extra or {})
    return make_zip(files)


def provided_zip(bootstrap: Optional[str] = None, extra: Optional[Files] = None) -> bytes:
    """An executable ``bootstrap`` (default: the bash/curl loop ``functions/bootstrap.sh``)."""
    files: Files = {"bootstrap": bootstrap if bootstrap is not None else source("bootstrap.sh")}
    files.update(extra or {})
    return make_zip(files, executable=("bootstrap",))


RUNTIME_ZIPS = {
    "python": ("python3.12", "index.handler", python_zip),
    "node": ("nodejs20.x", "index.handler", node_zip),
}


# Clients and functions -------------------------------------------------------------------
def client_for(url: str, service: str = "lambda", region: str = REGION, access_key: str = "test",
               **config: Any) -> Any:
    config.setdefault("retries", {"max_attempts": 1})
    config.setdefault("read_timeout", 60)
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key="test",
        config=BotoConfig(**config),
    )


def wait_active(client: Any, name: str, qualifier: Optional[str] = None) -> None:
    kwargs = {"FunctionName": name}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    # Delay is a float here on purpose: tests poll fast instead of the waiter's 5 s default.
    client.get_waiter("function_active_v2").wait(WaiterConfig={"Delay": 0.05, "MaxAttempts": 400}, **kwargs)


def wait_updated(client: Any, name: str) -> None:
    client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 400})


def create_function(client: Any, kind: str = "python", *, name: Optional[str] = None, zip_bytes: Optional[bytes] = None,
                    runtime: Optional[str] = None, handler: Optional[str] = None, wait: bool = True,
                    **kwargs: Any) -> str:
    """Create a function (``kind`` python/node/provided) and wait until it is Active; returns its name."""
    name = name or unique(kind)
    if kind == "provided":
        defaults = ("provided.al2023", "function.handler", provided_zip)
    else:
        defaults = RUNTIME_ZIPS[kind]
    client.create_function(
        FunctionName=name,
        Runtime=runtime or defaults[0],
        Role=kwargs.pop("Role", ROLE),
        Handler=handler or defaults[1],
        Code={"ZipFile": zip_bytes if zip_bytes is not None else defaults[2]()},
        **kwargs,
    )
    if wait:
        wait_active(client, name)
    return name


def invoke_json(client: Any, name: str, event: Any = None, **kwargs: Any) -> tuple[dict, Any]:
    """Invoke synchronously; returns (response without the stream, decoded JSON payload)."""
    payload = json.dumps(event if event is not None else {}).encode()
    response = client.invoke(FunctionName=name, Payload=payload, **kwargs)
    body = response.pop("Payload").read()
    return response, json.loads(body) if body else None


def headers(response: dict) -> dict:
    return response["ResponseMetadata"]["HTTPHeaders"]


# Processes ---------------------------------------------------------------------------------
def runtime_processes(gateway: GatewayProcess) -> list[psutil.Process]:
    """Every live process below the gateway (runtimes and whatever they started)."""
    assert gateway.process is not None
    try:
        children = psutil.Process(gateway.process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [p for p in children if _alive(p)]


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def process_alive(pid: int) -> bool:
    try:
        return _alive(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return False


def _identity(pid: int) -> Optional[str]:
    """``<pid as the process sees it>/<its mount namespace>`` of a host process
    (inside a sandbox, its pid namespace's pid: unique with the sandbox's own
    mount namespace)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            nspid = next(line.split()[-1] for line in handle if line.startswith("NSpid:"))
        namespace = os.readlink(f"/proc/{pid}/ns/mnt")
    except (OSError, StopIteration, IndexError):
        return None
    return f"{nspid}/{namespace}"


def runtime_alive(gateway: GatewayProcess, identity: str) -> bool:
    """Whether the runtime that reported ``identity`` (the echo functions'
    ``process``: its own pid and mount namespace) still runs below ``gateway``."""
    return any(_identity(p.pid) == identity for p in runtime_processes(gateway))


# Signals from functions -----------------------------------------------------------------------
class SignalServer:
    """A loopback HTTP endpoint a function calls to say "I am running" (a function
    in a sandbox cannot touch the test's files, but shares its network), and one
    it calls to wait until the test releases it (``release()``): an invocation held
    running for as long as the test needs, whatever the machine's load."""

    def __init__(self) -> None:
        import http.server
        import threading

        self._hits: list[str] = []
        self._released = threading.Event()
        hits, released = self._hits, self._released

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/hold":
                    released.wait(60)
                else:
                    hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/started"
        self.hold_url = f"http://127.0.0.1:{self._server.server_address[1]}/hold"

    def hits(self) -> int:
        return len(self._hits)

    def release(self) -> None:
        """Let every invocation waiting at ``hold_url`` go on."""
        self._released.set()

    def __enter__(self) -> "SignalServer":
        import threading

        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


def signal_server() -> SignalServer:
    return SignalServer()


def environment_count(gateway: GatewayProcess) -> int:
    """Execution environments the gateway runs (``/_gateway/health``)."""
    import urllib.request

    with urllib.request.urlopen(f"{gateway.url}/_gateway/health") as response:
        return json.loads(response.read())["details"].get("lambda", {}).get("environments", 0)


def executor_of(gateway: GatewayProcess) -> str:
    """The executor a gateway runs functions with (``/_gateway/info``, once Lambda has loaded)."""
    import urllib.request

    client_for(gateway.url).list_functions(MaxItems=1)
    with urllib.request.urlopen(f"{gateway.url}/_gateway/info") as response:
        return json.loads(response.read())["lambda"]["executor"]


# Gateways -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def special_gateway() -> Iterator[Callable[..., GatewayProcess]]:
    """``special_gateway(LAMBDA_KEEPALIVE_MS="0")``: a gateway with these settings,
    started on first use and shared by the session."""
    started: dict[tuple, GatewayProcess] = {}

    def get(**env: str) -> GatewayProcess:
        key = tuple(sorted(env.items()))
        if key not in started:
            started[key] = GatewayProcess(env=dict(env)).start()
        return started[key]

    yield get
    for process in started.values():
        process.__exit__(None, None, None)


@pytest.fixture(scope="session")
def lambda_client(gateway_url: str) -> Any:
    """A session-wide Lambda client for the shared gateway (reads up to 60 s)."""
    return client_for(gateway_url)


@pytest.fixture(scope="session")
def echo_functions(lambda_client: Any) -> dict[str, str]:
    """One multi-purpose function per runtime on the shared gateway, created once
    (``functions/echo.py``, ``functions/echo.js``; tests that only invoke share them)."""
    names = {}
    for kind in ("python", "node"):
        names[kind] = create_function(lambda_client, kind, wait=False, Timeout=5,
                                      Environment={"Variables": {"MY_VARIABLE": "my-value"}})
    for name in names.values():
        wait_active(lambda_client, name)
    return names
