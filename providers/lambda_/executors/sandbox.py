"""The default executor where Linux namespaces are available: each execution
environment runs inside a bubblewrap sandbox laid out as AWS lays one out.

- Files: the code read-only at ``/var/task``, the layers at ``/opt``, the
  runtime client at ``/var/runtime``, the language at ``/var/lang``, a private
  ``/tmp`` of ``EphemeralStorage`` size; of the host only the system's
  read-only directories (``/usr``, the libraries, a few files of ``/etc``).
  Nothing of the user's home, the gateway's ``DATA_DIR`` or other
  environments is mounted; writing anywhere but ``/tmp`` fails with EROFS.
- Identity: uid 993 (``sbx_user1051``) and gid 990, as on AWS; its own user,
  pid, ipc, uts and cgroup namespaces (the host's network is shared, so the
  function reaches the gateway and the internet; its Runtime API only accepts
  the environment's own processes, see ``peer.py``).
- Limits: ``MemorySize`` through the environment's cgroup (``cgroups.py``), and
  AWS's rlimits (``RLIMITS``) set inside the sandbox.
- Ending: the sandbox's pid namespace dies with its first process, so every
  process the function started ends with the environment.

Everything the sandbox gets (its bubblewrap arguments, the function's
variables) travels through a pipe, never through the command line, where any
local user could read it.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from gateway.config import Config
from gateway.scratch import scratch_directory

from .base import EnvironmentSpec, Executor, ExecutorError, RunningEnvironment
from .cgroups import Cgroups, join_command
from .child import ChildEnvironment, Spawner
from .debugger import SANDBOX_DEBUGGER_DIR, debugger_dir, interpreter_args, python_path
from .extensions_launcher import with_extensions
from .layer_merge import MergedLayers
from .layout import SANDBOX_PATHS, RuntimeResolver, command, find_bootstrap, runtime_family, runtime_variables

log = logging.getLogger("lambda.executor.sandbox")

SANDBOX_UID, SANDBOX_GID = 993, 990
SANDBOX_USER = "sbx_user1051"
HOSTNAME = "localhost"
# AWS's limits inside an environment (python3.12, recorded from AWS), soft:hard; -1 = unlimited.
RLIMITS = {
    "nofile": (1024, 1024),
    "nproc": (1024, 1024),  # processes and threads, counted inside the sandbox's own user namespace
    "memlock": (65536, 65536),
    "core": (10737418240, 10737418240),
    "stack": (8388608, -1),
}
# Files of the host's /etc a runtime reads (name resolution, TLS roots, the dynamic linker).
ETC_FILES = (
    "resolv.conf", "hosts", "nsswitch.conf", "host.conf", "gai.conf", "protocols", "services", "mime.types",
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ssl", "ca-certificates", "ca-certificates.conf", "pki",
    "alternatives", "localtime",
)
SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")


def bubblewrap() -> Optional[str]:
    return shutil.which("bwrap")


def probe(binary: str) -> Optional[str]:
    """None if a sandbox starts on this machine, else why not."""
    try:
        result = subprocess.run(
            [binary, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
             "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
            capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    if result.returncode != 0:
        return (result.stderr.strip() or f"exit status {result.returncode}").splitlines()[-1]
    return None


def unavailable_reason() -> Optional[str]:
    """Why the sandbox executor cannot run here, or None."""
    if not os.uname().sysname == "Linux":
        return "the sandbox executor needs Linux"
    binary = bubblewrap()
    if binary is None:
        return "bubblewrap (bwrap) is not installed"
    return probe(binary)


class SandboxExecutor(Executor):
    name = "sandbox"
    supports_debugging = True  # the network is the host's: a debug port on 127.0.0.1 is the IDE's to reach

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        reason = unavailable_reason()
        if reason:
            raise ExecutorError(f"the sandbox executor cannot run here: {reason}")
        self.bwrap = bubblewrap()
        self.base_dir = scratch_directory(config, "lambda-sandbox-")
        self.runtimes = RuntimeResolver(config.env)
        self.layers = MergedLayers(self.base_dir / "layers")
        self.cgroups = Cgroups()
        self._spawner = Spawner("sandbox-spawner")  # --die-with-parent: the parent is a thread
        self._etc = self._write_identity_files()
        self._system = self._system_binds()
        self._limits = self._limits_command()
        log.info("sandbox executor: bubblewrap %s, cgroups: %s", self.bwrap, self.cgroups.describe())

    def describe(self) -> dict[str, str]:
        return {"isolation": "bubblewrap namespaces", "cgroups": self.cgroups.describe()}

    def supports(self, runtime: Optional[str], package_type: str) -> Optional[str]:
        if package_type == "Image":
            return "container images need LAMBDA_RUNTIME_EXECUTOR=docker"
        return self.runtimes.unsupported_reason(runtime)

    # Set-up, once ----------------------------------------------------------------------
    def _write_identity_files(self) -> Path:
        """/etc/passwd naming the sandbox user (AWS's gid 990 has no group name)."""
        etc = self.base_dir / "etc"
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "passwd").write_text(
            f"root:x:0:0:root:/root:/sbin/nologin\n"
            f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_GID}::/home/{SANDBOX_USER}:/sbin/nologin\n"
        )
        (etc / "group").write_text("root:x:0:\n")
        # The host's names, and the one AWS gives the environment itself (the Telemetry API's listeners).
        try:
            hosts = Path("/etc/hosts").read_text()
        except OSError:
            hosts = "127.0.0.1 localhost\n"
        (etc / "hosts").write_text(hosts.rstrip("\n") + "\n127.0.0.1 sandbox.localdomain sandbox\n")
        return etc

    def _meminfo(self, memory_mb: int) -> Path:
        """A /proc/meminfo whose total is the function's memory (a snapshot: the
        figures do not follow the function's use), as a runtime sizing itself
        (free, Node.js's heap, a JVM) would see it on AWS."""
        path = self.base_dir / "meminfo" / str(memory_mb)
        if not path.exists():
            kilobytes = memory_mb * 1024
            fields = {"MemTotal": kilobytes, "MemFree": kilobytes, "MemAvailable": kilobytes, "Buffers": 0,
                      "Cached": 0, "SwapCached": 0, "Active": 0, "Inactive": 0, "SwapTotal": 0, "SwapFree": 0,
                      "Dirty": 0, "Writeback": 0, "AnonPages": 0, "Mapped": 0, "Shmem": 0}
            path.parent.mkdir(parents=True, exist_ok=True)
            # Environments of one size may start at once: each writes its own file, then renames it.
            with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f"{memory_mb}.", suffix=".partial",
                                             delete=False) as partial:
                partial.write("".join(f"{name + ':':<16}{value:>8} kB\n" for name, value in fields.items()))
            os.replace(partial.name, path)
        return path

    @staticmethod
    def _system_binds() -> list[str]:
        args: list[str] = []
        for name in SYSTEM_DIRS:
            path = f"/{name}"
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for name in ETC_FILES:
            path = f"/etc/{name}"
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        return args

    @staticmethod
    def _limits_command() -> list[str]:
        """``prlimit`` with AWS's limits, run inside the sandbox (so that the
        process count is the sandbox's own); never above what the host allows."""
        prlimit = shutil.which("prlimit")
        if prlimit is None:
            log.warning("prlimit (util-linux) is not installed: functions keep the gateway's resource limits")
            return []
        args = [prlimit]
        for name, (soft, hard) in RLIMITS.items():
            _, host_hard = resource.getrlimit(getattr(resource, f"RLIMIT_{name.upper()}"))
            if host_hard != resource.RLIM_INFINITY:
                hard = host_hard if hard < 0 else min(hard, host_hard)
                soft = hard if soft < 0 else min(soft, hard)
            args.append(f"--{name}={_limit(soft)}:{_limit(hard)}")
        return [*args, "--"]

    # Environments ----------------------------------------------------------------------
    def start(self, spec: EnvironmentSpec) -> RunningEnvironment:
        reason = self.supports(spec.runtime, "Image" if spec.image_uri else "Zip")
        if reason:
            raise ExecutorError(reason)
        resolved = self.runtimes.resolve(spec.runtime or "")
        try:
            opt = self.layers.directory(spec.layer_dirs)
        except OSError as error:
            raise ExecutorError(f"could not prepare the layers: {error}") from error
        bootstrap = None
        if resolved.family == "provided":
            try:
                bootstrap = find_bootstrap(spec.code_dir, opt, SANDBOX_PATHS, spec.code_is_hot_reload)
            except OSError as error:
                raise ExecutorError(f"could not prepare the bootstrap: {error}") from error

        binds = [*self._system, "--ro-bind", str(self._etc / "passwd"), "/etc/passwd",
                 "--ro-bind", str(self._etc / "group"), "/etc/group",
                 "--ro-bind", str(self._etc / "hosts"), "/etc/hosts"]
        binds += ["--ro-bind", str(spec.code_dir), "/var/task"] if spec.code_dir else ["--dir", "/var/task"]
        binds += ["--ro-bind", str(opt), "/opt"] if opt else ["--dir", "/opt"]
        if resolved.runtime_dir:
            binds += ["--ro-bind", resolved.runtime_dir, "/var/runtime"]
        if resolved.lang_prefix:
            binds += ["--ro-bind", resolved.lang_prefix, "/var/lang"]
        debugger = debugger_dir(resolved.family, resolved.version, spec.debug)
        if debugger:
            binds += ["--ro-bind", debugger, SANDBOX_DEBUGGER_DIR]
        size = max(1, spec.ephemeral_storage_mb) * 1024 * 1024
        sandbox_args = [
            "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID),
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", HOSTNAME,
            "--die-with-parent", "--new-session", "--disable-userns",
            *binds,
            "--proc", "/proc", "--ro-bind", str(self._meminfo(spec.memory_mb)), "/proc/meminfo",
            "--dev", "/dev", "--size", str(size), "--perms", "1777", "--tmpfs", "/tmp",
            "--chdir", "/var/task", "--remount-ro", "/",
            "--clearenv",
        ]
        variables = dict(spec.environment)
        variables.update(runtime_variables(resolved, SANDBOX_PATHS, spec.runtime_api))
        if runtime_family(spec.runtime) == "provided":  # no shell, no language of AWS's in between
            for name in ("PWD", "SHLVL", "AWS_EXECUTION_ENV"):
                variables.pop(name, None)
        if debugger:
            variables["PYTHONPATH"] = python_path(variables.get("PYTHONPATH", ""), SANDBOX_DEBUGGER_DIR)
        for name, value in variables.items():
            sandbox_args += ["--setenv", name, value]
        inner = [*self._limits, *command(resolved, SANDBOX_PATHS, spec.handler, bootstrap,
                                         spec.environment.get("AWS_LAMBDA_EXEC_WRAPPER"),
                                         interpreter_args(resolved, spec.debug))]
        inner[len(self._limits):] = with_extensions(inner[len(self._limits):], opt, "/opt")  # extensions_launcher.py

        cgroup = self.cgroups.create(spec.env_id, spec.memory_mb)
        cgroup_id = cgroup.v2_id() if cgroup is not None else None
        if cgroup_id is not None:
            spec.on_cgroup(cgroup_id)
        read_end, write_end = os.pipe()
        try:
            payload = b"".join(arg.encode() + b"\0" for arg in sandbox_args)
            if len(payload) > 60_000:  # a pipe holds 64 KiB: the variables are limited to 4 KB anyway
                raise ExecutorError("the environment's configuration is too large")
            os.write(write_end, payload)
            os.close(write_end)
            write_end = -1
            argv = join_command(cgroup, [self.bwrap, "--args", str(read_end), "--", *inner])
            process = self._spawner.popen(
                argv, cwd="/", env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(read_end,),
            )
        except (OSError, ExecutorError) as error:
            if cgroup is not None:
                cgroup.remove()
            if isinstance(error, ExecutorError):
                raise
            raise ExecutorError(f"could not start the sandbox: {error}") from error
        finally:
            os.close(read_end)
            if write_end != -1:
                os.close(write_end)
        return ChildEnvironment(process, spec, cgroup, cleanup=lambda: None, signal_exits=True)

    def reset(self) -> None:
        self.layers.clear()

    def shutdown(self) -> None:
        self.cgroups.shutdown()
        self.layers.clear()
        self._spawner.stop()


def _limit(value: int) -> str:
    return "unlimited" if value < 0 else str(value)
