"""How each runtime runs: the pieces it needs from the host, the command that
starts it, and the variables AWS sets for its family.

AWS lays a function out as ``/var/task`` (the code), ``/opt`` (the layers),
``/var/runtime`` (the runtime client), ``/var/lang`` (the language's
installation) and a writable ``/tmp``. The sandbox executor mounts exactly
that; the process executor uses host paths in the same roles (``Paths``). The
variables follow what AWS sets, variable by variable (recorded from AWS in
LocalStack's introspection snapshots and AWS's base image Dockerfiles).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

from . import nodes, pythons
from .base import ExecutorError

log = logging.getLogger("lambda.executor.layout")

NODE_BOOTSTRAP_DIR = Path(__file__).resolve().parent / "node_bootstrap"
# AWS's X-Ray daemon address inside every environment.
XRAY_DAEMON_HOST, XRAY_DAEMON_PORT = "169.254.79.129", "2000"


@dataclass(frozen=True)
class Paths:
    """Where a function finds its pieces."""

    task: str
    opt: str
    runtime: str
    lang: Optional[str]  # the language's installation (None: the system's own directories)
    tmp: str
    aws_layout: bool = False  # AWS's own paths (sandbox), not host paths


SANDBOX_PATHS = Paths(task="/var/task", opt="/opt", runtime="/var/runtime", lang="/var/lang", tmp="/tmp",
                      aws_layout=True)


def runtime_family(runtime: Optional[str]) -> str:
    if not runtime:
        return "image"
    for family in ("python", "nodejs", "provided"):
        if runtime.startswith(family):
            return family
    return runtime


@dataclass(frozen=True)
class ResolvedRuntime:
    """A runtime identifier resolved to what this machine has for it."""

    name: str
    family: str  # python | nodejs | provided
    binary: Optional[str] = None  # host path of the interpreter
    lang_prefix: Optional[str] = None  # host directory in the role of /var/lang, if any
    runtime_dir: Optional[str] = None  # host directory in the role of /var/runtime, if any
    version: str = ""  # "3.12" for python3.12, "22" for nodejs22.x

    def binary_at(self, paths: Paths) -> str:
        """The interpreter's path as the function sees it."""
        assert self.binary is not None
        if paths.lang and self.lang_prefix and paths.lang != self.lang_prefix:
            return paths.lang + self.binary[len(self.lang_prefix):]
        return self.binary


class RuntimeResolver:
    """Resolves ``python3.x`` / ``nodejsNN.x`` / ``provided.*`` once per runtime."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._configured = pythons.configured_interpreters(env)
        self._cache: dict[str, ResolvedRuntime] = {}
        self._lock = threading.Lock()

    def unsupported_reason(self, runtime: Optional[str]) -> Optional[str]:
        family = runtime_family(runtime)
        if family not in ("python", "nodejs", "provided"):
            return f"runtime {runtime} is not supported by this executor"
        try:
            self.resolve(runtime or "")
        except ExecutorError as error:
            return str(error)
        return None

    def resolve(self, runtime: str) -> ResolvedRuntime:
        with self._lock:
            cached = self._cache.get(runtime)
        if cached is None:
            cached = self._resolve(runtime)
            with self._lock:
                self._cache[runtime] = cached
        return cached

    def _resolve(self, runtime: str) -> ResolvedRuntime:
        family = runtime_family(runtime)
        if family == "python":
            return self._python(runtime)
        if family == "nodejs":
            return self._node(runtime)
        if family == "provided":
            return ResolvedRuntime(runtime, "provided")
        raise ExecutorError(f"runtime {runtime} is not supported by this executor")

    def _python(self, runtime: str) -> ResolvedRuntime:
        version = runtime[len("python"):]
        interpreter = pythons.find_interpreter(version, {pythons.INTERPRETERS_VARIABLE: self._env_value()})
        if not interpreter or not pythons.has_ric(version):
            own = pythons.own_version()
            if not pythons.has_ric(own):
                raise ExecutorError(f"No Python runtime is installed for {runtime}: run `make install`")
            log.info("runtime %s runs under Python %s (no python%s with awslambdaric found; `make install` "
                     "installs it for every interpreter it finds, %s names one)", runtime, own, version,
                     pythons.INTERPRETERS_VARIABLE)
            version, interpreter = own, pythons.own_interpreter()
        pythons.ensure_sitecustomize(version)
        return ResolvedRuntime(runtime, "python", interpreter, pythons.installation_prefix(interpreter, version),
                               str(pythons.ric_dir(version)), version)

    def _node(self, runtime: str) -> ResolvedRuntime:
        major = nodes.runtime_major(runtime)
        node = nodes.find_node(major, self._configured.get(runtime))
        if node is None:
            node = nodes.machine_node()
            if node is None:
                raise ExecutorError("Node.js is not installed")
            log.info("runtime %s runs under the machine's Node.js v%s (no node %s found; `make install` installs it)",
                     runtime, nodes.node_version(node), major)
        return ResolvedRuntime(runtime, "nodejs", node, nodes.installation_prefix(node), str(NODE_BOOTSTRAP_DIR),
                               major)

    def _env_value(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self._configured.items())


def find_bootstrap(code_dir: Optional[Path], layers_dir: Optional[Path], paths: Paths,
                   hot_reload: bool = False) -> str:
    """A ``provided.*`` function's ``bootstrap`` as the function sees it (AWS
    looks in the code first, then the layers). A bootstrap unpacked without an
    executable bit gets one; a hot-reload directory's files are never changed."""
    for host_dir, seen_dir, editable in ((code_dir, paths.task, not hot_reload), (layers_dir, paths.opt, True)):
        if host_dir is not None and (host_dir / "bootstrap").is_file():
            host = host_dir / "bootstrap"
            mode = host.stat().st_mode
            if editable and mode & 0o111 != 0o111:
                host.chmod(mode | 0o111)
            return f"{seen_dir}/bootstrap"
    raise ExecutorError("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
                        "Runtime.InvalidEntrypoint")


def command(resolved: ResolvedRuntime, paths: Paths, handler: str, bootstrap: Optional[str] = None,
            exec_wrapper: Optional[str] = None, interpreter_args: Sequence[str] = ()) -> list[str]:
    """The runtime's command line. A managed runtime with ``AWS_LAMBDA_EXEC_WRAPPER``
    starts through the wrapper, as AWS's runtime bootstrap does (``exec wrapper
    runtime...`` in a shell: a missing wrapper exits 127, one that cannot run 126);
    custom runtimes ignore it, as on AWS. ``interpreter_args`` follow the
    interpreter (a debugger's, ``debugger.py``)."""
    if resolved.family == "python":
        runtime = [resolved.binary_at(paths), *interpreter_args, "-m", "awslambdaric", handler]
    elif resolved.family == "nodejs":
        runtime = [resolved.binary_at(paths), *interpreter_args, f"{paths.runtime}/index.mjs"]
    else:
        assert bootstrap is not None
        return [bootstrap]
    if exec_wrapper:
        return ["/bin/sh", "-c", 'exec "$0" "$@"', _in_layout(exec_wrapper, paths), *runtime]
    return runtime


def _in_layout(path: str, paths: Paths) -> str:
    """An AWS path (``/opt/...``, ``/var/task/...``) where this layout keeps it."""
    if paths.aws_layout:
        return path
    for aws_dir, here in (("/opt", paths.opt), ("/var/task", paths.task)):
        if path == aws_dir or path.startswith(aws_dir + "/"):
            return here + path[len(aws_dir):]
    return path


def runtime_variables(resolved: ResolvedRuntime, paths: Paths, runtime_api: str) -> dict[str, str]:
    """The variables AWS's platform sets for this runtime family (the function's
    own, its name, credentials, ... come from the invocation service)."""
    task, opt, runtime = paths.task, paths.opt, paths.runtime
    lang = paths.lang if resolved.family != "provided" else None  # custom runtimes have no /var/lang
    lang_bin = f"{lang}/bin:" if lang else ""
    lang_lib = f"{lang}/lib:" if lang else ""
    variables = {
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "LAMBDA_TASK_ROOT": task,
        "LAMBDA_RUNTIME_DIR": runtime,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": f"{lang_bin}/usr/local/bin:/usr/bin/:/bin:{opt}/bin",
        "LD_LIBRARY_PATH": f"{lang_lib}/lib64:/usr/lib64:{runtime}:{runtime}/lib:{task}:{task}/lib:{opt}/lib",
        "PWD": task,
        "SHLVL": "0",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": f"{XRAY_DAEMON_HOST}:{XRAY_DAEMON_PORT}",
        "_AWS_XRAY_DAEMON_ADDRESS": XRAY_DAEMON_HOST,
        "_AWS_XRAY_DAEMON_PORT": XRAY_DAEMON_PORT,
    }
    if resolved.family == "python":
        if paths.aws_layout:
            variables["PYTHONPATH"] = runtime  # the code and layers come first through sitecustomize
        else:
            version = resolved.version
            variables["PYTHONPATH"] = os.pathsep.join(
                [task, f"{opt}/python/lib/python{version}/site-packages", f"{opt}/python", runtime])
    elif resolved.family == "nodejs":
        variables["NODE_PATH"] = os.pathsep.join([
            f"{opt}/nodejs/node{resolved.version}/node_modules", f"{opt}/nodejs/node_modules",
            f"{runtime}/node_modules", runtime, task,
        ])
    return variables
