"""The executor for machines without namespaces: each execution environment is
a plain local process of the gateway's user. It does NOT isolate functions.

- ``python3.x``: AWS's runtime interface client (``awslambdaric``) under the
  matching CPython (``pythons.py``), its ``/var/runtime`` directory on
  ``PYTHONPATH``.
- ``nodejsNN.x``: our bootstrap (``node_bootstrap/index.mjs``, AWS's runtime
  client semantics) under the node of major NN (``nodes.py``).
- ``provided.al2``/``provided.al2023``: the function's own ``bootstrap``.

Each environment gets a directory with ``task`` (a link to the unpacked code, or
to the hot-reload directory), ``opt`` (a link to the merged layers) and its own
``tmp`` (``TMPDIR``). The variables are AWS's, with host paths. What it does not
give: another user, a private view of the file system, of other processes or
of their variables; a memory limit only where a cgroup can be created.
Every process the runtime starts ends with the environment (its cgroup, else
its process tree and a marker variable).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional

from gateway.config import Config
from gateway.scratch import scratch_directory

from .base import EnvironmentSpec, Executor, ExecutorError, RunningEnvironment
from .cgroups import Cgroups, join_command
from .child import ENV_MARKER, ChildEnvironment
from .debugger import debugger_dir, interpreter_args, python_path
from .extensions_launcher import with_extensions
from .layer_merge import MergedLayers
from .layout import Paths, RuntimeResolver, command, find_bootstrap, runtime_family, runtime_variables

log = logging.getLogger("lambda.executor.process")

# Variables of the gateway's own environment a function may need (never
# NODE_EXTRA_CA_CERTS: loading it costs a Node.js start ~50 ms).
PASSED_THROUGH = ("SSL_CERT_FILE", "SSL_CERT_DIR")


class ProcessExecutor(Executor):
    name = "process"
    supports_debugging = True

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.base_dir = scratch_directory(config, "lambda-envs-")  # a crash's leftovers go at the next start
        self.runtimes = RuntimeResolver(config.env)
        self.layers = MergedLayers(self.base_dir / "layers")
        self.cgroups = Cgroups()

    def describe(self) -> dict[str, str]:
        return {"isolation": "none (local processes)", "cgroups": self.cgroups.describe()}

    def supports(self, runtime: Optional[str], package_type: str) -> Optional[str]:
        if package_type == "Image":
            return "container images need LAMBDA_RUNTIME_EXECUTOR=docker"
        return self.runtimes.unsupported_reason(runtime)

    def start(self, spec: EnvironmentSpec) -> RunningEnvironment:
        reason = self.supports(spec.runtime, "Image" if spec.image_uri else "Zip")
        if reason:
            raise ExecutorError(reason)
        resolved = self.runtimes.resolve(spec.runtime or "")
        workdir = self.base_dir / spec.env_id
        task, opt, tmp = workdir / "task", workdir / "opt", workdir / "tmp"
        try:
            tmp.mkdir(parents=True)
            layers = self.layers.directory(spec.layer_dirs)
            _link_or_dir(spec.code_dir, task)
            _link_or_dir(layers, opt)
        except OSError as error:
            shutil.rmtree(workdir, ignore_errors=True)
            raise ExecutorError(f"could not prepare the environment: {error}") from error
        lang = os.path.dirname(os.path.dirname(resolved.binary)) if resolved.binary else None
        paths = Paths(task=str(task), opt=str(opt), runtime=resolved.runtime_dir or str(workdir), lang=lang,
                      tmp=str(tmp))
        try:
            bootstrap = (find_bootstrap(spec.code_dir, layers, paths, spec.code_is_hot_reload)
                         if resolved.family == "provided" else None)
            debugger = debugger_dir(resolved.family, resolved.version, spec.debug)
        except (ExecutorError, OSError) as error:
            shutil.rmtree(workdir, ignore_errors=True)
            raise error if isinstance(error, ExecutorError) else ExecutorError(str(error)) from error

        env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
        env.update(spec.environment)
        env.update(runtime_variables(resolved, paths, spec.runtime_api))
        env["TMPDIR"] = str(tmp)
        if debugger:
            env["PYTHONPATH"] = python_path(env.get("PYTHONPATH", ""), debugger)
        if runtime_family(spec.runtime) == "provided":
            for name in ("PWD", "SHLVL", "AWS_EXECUTION_ENV"):
                env.pop(name, None)
        cgroup = self.cgroups.create(spec.env_id, spec.memory_mb)
        cgroup_id = cgroup.v2_id() if cgroup is not None else None
        if cgroup_id is not None:
            spec.on_cgroup(cgroup_id)
        marker = None
        if cgroup is None:  # no cgroup tracks the processes: each carries a marker instead
            marker = spec.env_id
            env[ENV_MARKER] = marker
        try:
            process = subprocess.Popen(
                join_command(cgroup, with_extensions(command(resolved, paths, spec.handler, bootstrap,
                                             spec.environment.get("AWS_LAMBDA_EXEC_WRAPPER"),
                                             interpreter_args(resolved, spec.debug)),
                                                     layers, str(opt))),
                cwd=str(task), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            if cgroup is not None:
                cgroup.remove()
            shutil.rmtree(workdir, ignore_errors=True)
            raise ExecutorError(f"could not start the runtime: {error}") from error
        return ChildEnvironment(process, spec, cgroup, cleanup=lambda: shutil.rmtree(workdir, ignore_errors=True),
                                marker=marker)

    def reset(self) -> None:
        self.layers.clear()

    def shutdown(self) -> None:
        self.cgroups.shutdown()
        shutil.rmtree(self.base_dir, ignore_errors=True)


def _link_or_dir(source: Optional[Path], link: Path) -> None:
    if source is None:
        link.mkdir()
    else:
        link.symlink_to(source, target_is_directory=True)

