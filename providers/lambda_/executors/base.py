"""The executor plugin interface.

An executor is chosen with ``LAMBDA_RUNTIME_EXECUTOR`` (default ``process``)
from entry point group ``gateway.lambda.executors`` and constructed once as
``ExecutorClass(config)``. For each execution environment the data plane calls
``start(spec)``; the returned handle's ``stop()`` ends it. The runtime inside
must talk to ``spec.runtime_api`` (``host:port``), given to it as
``AWS_LAMBDA_RUNTIME_API``. Output lines go to ``spec.on_output``; when the
runtime ends, the executor calls ``spec.on_exit(status)`` exactly once.
"""

from __future__ import annotations

import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from gateway.config import Config

if TYPE_CHECKING:
    from .debugger import DebugSpec


class ExecutorError(Exception):
    """The environment could not be started; the message says why, ``error_type``
    is the errorType the invoke reports (as AWS's init errors)."""

    def __init__(self, message: str, error_type: str = "Runtime.Unknown") -> None:
        super().__init__(message)
        self.error_type = error_type


@dataclass
class EnvironmentSpec:
    env_id: str
    runtime: Optional[str]  # e.g. "python3.12"; None for container images
    handler: str
    code_dir: Optional[Path]  # unpacked function code (shared and read-only: link or mount it)
    layer_dirs: list[Path]  # unpacked layers, in the function's order
    environment: dict[str, str]  # every variable the runtime gets
    runtime_api: str  # host:port of this environment's Runtime API
    memory_mb: int = 128
    architecture: str = "x86_64"
    image_uri: Optional[str] = None
    on_output: Callable[[str], None] = lambda line: None
    on_exit: Callable[[int], None] = lambda status: None
    # Called before on_exit when the runtime was killed for exceeding memory_mb.
    on_out_of_memory: Callable[[], None] = lambda: None
    ephemeral_storage_mb: int = 512  # the size of the environment's /tmp
    # code_dir is a hot-reload directory: mount or link it (edits must show), never copy it.
    code_is_hot_reload: bool = False
    # A container-image function's ImageConfig (EntryPoint, Command, WorkingDirectory).
    image_config: dict = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)
    # How the gateway recognises connections the environment's processes open (its
    # API then acts only in the function's account): before the runtime starts, the
    # id of the cgroup v2 group all of them belong to; or, for an environment on a
    # network of its own, its address there, as soon as it is known (None: unknown).
    on_cgroup: Callable[[int], None] = lambda cgroup_id: None
    on_address: Callable[[Optional[str]], None] = lambda address: None
    # The function is being debugged: start its runtime under a debugger on this
    # port (executors whose ``supports_debugging`` is False ignore it).
    debug: Optional["DebugSpec"] = None


class RunningEnvironment(ABC):
    @abstractmethod
    def stop(self) -> None:
        """End the environment and free everything it holds; idempotent."""

    def drain_output(self, timeout: float = 0.05) -> None:
        """Block until output written so far has reached ``on_output``."""

    def max_memory_mb(self) -> int:
        return 0

    def accepts_peer(self, connection: socket.socket) -> bool:
        """Whether a connection to this environment's Runtime API comes from the
        environment itself. Executors that cannot tell accept every connection
        (the README names which do)."""
        return True


class Executor(ABC):
    name = ""
    supports_debugging = False  # honours EnvironmentSpec.debug (debugger.py)

    def __init__(self, config: Config) -> None:
        self.config = config

    @abstractmethod
    def start(self, spec: EnvironmentSpec) -> RunningEnvironment:
        """Start the runtime; return at once (the runtime reports readiness by
        calling the Runtime API). Raise ExecutorError if it cannot start."""

    def describe(self) -> dict[str, str]:
        """How this executor isolates functions, for ``/_gateway/info``."""
        return {}

    def reset(self) -> None:
        """Gateway reset: drop whatever the executor keeps between environments."""

    def supports(self, runtime: Optional[str], package_type: str) -> Optional[str]:
        """None if this executor can run it, else the reason it cannot."""
        return None

    def prepare_version(self, runtime: Optional[str], package_type: str, image_uri: Optional[str] = None,
                        architecture: str = "x86_64") -> Optional[str]:
        """Before a version becomes Active: get ready what running it needs (e.g.
        pull its image); None, or the reason it cannot run here (the version goes
        Failed with it)."""
        return self.supports(runtime, package_type)

    def runtime_api_host(self) -> str:
        """This machine's address as environments reach it: each environment's
        Runtime API listens there, and the gateway is served there too (their
        ``AWS_ENDPOINT_URL``). Loopback, unless environments live on a network
        of their own (docker: the Docker network's address of this machine)."""
        return "127.0.0.1"

    def shutdown(self) -> None:
        """Gateway shutdown: nothing of this executor may be left running."""
