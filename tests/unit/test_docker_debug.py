"""How the docker executor starts a debugged function (executors/docker/debug.py);
test_docker.py attaches real debuggers to such functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.lambda_.executors import pythons
from providers.lambda_.executors.base import EnvironmentSpec
from providers.lambda_.executors.debugger import DebugSpec
from providers.lambda_.executors.docker import debug


def spec(runtime: str | None, handler: str = "index.handler", wait: bool = True, image_uri: str | None = None,
         port: int | None = 19891, **variables: str) -> EnvironmentSpec:
    return EnvironmentSpec(env_id="e", runtime=runtime, handler=handler, code_dir=Path("/nowhere"), layer_dirs=[],
                           environment=dict(variables), runtime_api="172.17.0.1:1234", image_uri=image_uri,
                           debug=DebugSpec(port, wait) if port else None)


def test_python_runs_its_interpreter_under_debugpy_listening_in_the_container() -> None:
    assert debug.runtime_command(spec("python3.12")) == [
        "/var/lang/bin/python3.12", "-X", "frozen_modules=off", "-m", "debugpy", "--listen", "0.0.0.0:19891",
        "--wait-for-client", "-m", "awslambdaric", "index.handler"]
    assert debug.runtime_command(spec("python3.10", wait=False))[1:5] == ["-m", "debugpy", "--listen", "0.0.0.0:19891"]


def test_node_waits_with_inspect_wait_from_nodejs20_and_inspect_brk_before() -> None:
    assert debug.runtime_command(spec("nodejs20.x", "app.handler")) == [
        "/var/lang/bin/node", "--inspect-wait=0.0.0.0:19891", "/var/runtime/index.mjs"]
    assert debug.runtime_command(spec("nodejs18.x", "app.handler"))[1] == "--inspect-brk=0.0.0.0:19891"
    assert debug.runtime_command(spec("nodejs22.x", "app.handler", wait=False))[1] == "--inspect=0.0.0.0:19891"


def test_the_exec_wrapper_still_starts_the_debugged_runtime() -> None:
    command = debug.runtime_command(spec("python3.12", AWS_LAMBDA_EXEC_WRAPPER="/opt/wrapper.sh"))
    assert command[:4] == ["/bin/sh", "-c", 'exec "$0" "$@"', "/opt/wrapper.sh"]
    assert command[4:7] == ["/var/lang/bin/python3.12", "-X", "frozen_modules=off"]


def test_custom_runtimes_images_and_undebugged_functions_start_as_always() -> None:
    assert debug.runtime_command(spec("provided.al2023")) is None
    assert debug.runtime_command(spec(None, image_uri="my/image:1")) is None
    assert debug.runtime_command(spec("python3.12", port=None)) is None
    assert debug.debugger_mount(spec("nodejs20.x")) is None


def test_the_port_is_published_on_loopback_only() -> None:
    assert debug.published_port(DebugSpec(19891)) == ("19891/tcp", ("127.0.0.1", 19891))
    assert debug.published_port(None) is None


@pytest.mark.skipif(not pythons.has_debugger("3.12"), reason="debugpy is not installed for python3.12 (make install)")
def test_debugpy_is_mounted_at_var_debugger_and_put_last_on_the_path() -> None:
    assert debug.debugger_mount(spec("python3.12")) == (str(pythons.debugger_dir("3.12")), "/var/debugger")
    variables = {"PYTHONPATH": "/var/runtime"}
    debug.with_debugger_path(variables)
    assert variables["PYTHONPATH"] == "/var/runtime:/var/debugger"
