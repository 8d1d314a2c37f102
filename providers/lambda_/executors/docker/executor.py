"""The ``docker`` executor: each execution environment is a container of AWS's
image for the runtime (``images.py``), laid out and limited as AWS runs one.

- Files: the code read-only at ``/var/task`` (a hot-reload directory mounted
  live), the layers merged read-only at ``/opt``, a private ``/tmp`` of
  ``EphemeralStorage`` size (tmpfs: it counts against the container's memory),
  a read-only root file system, ``/etc/passwd`` naming ``sbx_user1051``.
- Identity and limits: user 993:990 as on AWS, no capabilities, no new
  privileges; ``MemorySize`` as the memory limit (swap included, so none);
  at most 1024 processes (a pids limit: an rlimit on processes would be shared
  by every container of uid 993); AWS's ``nofile``, ``memlock``, ``core`` and
  ``stack`` rlimits; ``--platform`` from ``Architectures``.
- Start: zip functions run AWS's ``/lambda-entrypoint.sh <handler>`` (a
  ``provided.*`` function its ``bootstrap``) with the variables AWS sets
  (``layout.runtime_variables``, AWS's paths); container images run their own
  entry point, command and working directory unless ``ImageConfig`` overrides them.
- Network: ``network.py``; the Runtime API only answers the container's own address.
  ``sandbox.localdomain`` (and ``sandbox``), where Telemetry API subscribers
  listen, name ``0.0.0.0`` in the container: a listener bound to that name
  listens on the container's loopback and on its address on the network, where
  the gateway delivers (it runs outside the container, so a loopback-only
  listener could not be reached); connecting to it from inside reaches the
  container itself.
- Debugging: ``debug.py`` (the debug port published on the host's 127.0.0.1).
- Ending: removing the container ends every process in it.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Optional

from gateway.config import Config, ConfigError
from gateway.scratch import scratch_directory

from ..base import EnvironmentSpec, Executor, ExecutorError, RunningEnvironment
from ..extensions_launcher import with_extensions
from ..layer_merge import MergedLayers
from ..layout import SANDBOX_PATHS, ResolvedRuntime, find_bootstrap, runtime_family, runtime_variables
from ..layout import XRAY_DAEMON_HOST, XRAY_DAEMON_PORT
from ..sandbox import HOSTNAME, RLIMITS, SANDBOX_GID, SANDBOX_UID, SANDBOX_USER
from . import debug
from .container import FIFO_NAME, ContainerEnvironment, OutputFifo
from .engine import ENVIRONMENT_LABEL, FUNCTION_LABEL, NOT_AVAILABLE, OWNER_LABEL, DockerNotAvailable, Engine
from .flags import DockerFlags, FlagError, parse
from .images import PLATFORMS, ImageMapping, ImageStore, MappingError
from .network import FunctionNetwork, NetworkError, resolve

log = logging.getLogger("lambda.executor.docker")

PIDS_LIMIT = 1024  # AWS's 1024 processes and threads, per container
# The rlimits AWS reports; nproc is left out (see the module docstring).
ULIMITS = {name: limits for name, limits in RLIMITS.items() if name != "nproc"}
# A zip function's runtime starts through a shell that sends its output to the FIFO at
# /var/rapid (container.py) and drops what Docker adds to every container's variables
# (HOME, HOSTNAME: AWS sets neither); a custom runtime's bootstrap gets no PWD or SHLVL either.
RAPID_DIR = "/var/rapid"
_START = 'unset {names}; exec "$@" >{fifo} 2>&1'
START_RUNTIME = ["/bin/sh", "-c", _START.format(names="HOME HOSTNAME", fifo=f"{RAPID_DIR}/{FIFO_NAME}"), "sh"]
START_BOOTSTRAP = ["/bin/sh", "-c", _START.format(names="HOME HOSTNAME PWD SHLVL", fifo=f"{RAPID_DIR}/{FIFO_NAME}"),
                   "sh"]
_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_.-]")
# The names AWS gives the environment itself (the Telemetry API's listeners): see the module docstring.
SANDBOX_HOSTS = {"sandbox.localdomain": "0.0.0.0", "sandbox": "0.0.0.0"}


class DockerExecutor(Executor):
    name = "docker"
    supports_debugging = True  # the debug port is published on the host's 127.0.0.1 (debug.py)

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        try:
            self.mapping = ImageMapping(config.string("LAMBDA_RUNTIME_IMAGE_MAPPING"))
            self.flags: DockerFlags = parse(config.string("LAMBDA_DOCKER_FLAGS"), config.env)
        except (MappingError, FlagError) as error:
            raise ConfigError(str(error)) from None
        self.network_setting = config.string("LAMBDA_DOCKER_NETWORK")
        self.dns = [d.strip() for d in config.string("LAMBDA_DOCKER_DNS").split(",") if d.strip()]
        self.remove_containers = config.flag("LAMBDA_REMOVE_CONTAINERS", True)
        self.engine = Engine(config.env)
        self.base_dir = scratch_directory(config, "lambda-docker-")
        self.layers = MergedLayers(self.base_dir / "layers")
        self.passwd = self._write_identity_files()
        self._images: Optional[ImageStore] = None
        self._network: Optional[FunctionNetwork] = None
        self._lock = threading.Lock()
        self._swept = False
        if self.engine.unavailable_reason() is None:
            self._connected()
        else:
            log.warning("docker executor: %s (DOCKER_HOST=%s); functions go Failed until it is", NOT_AVAILABLE,
                        config.env.get("DOCKER_HOST", "unix:///var/run/docker.sock"))

    # Engine, network, images ------------------------------------------------------------
    def _connected(self) -> None:
        """The engine answers: sweep what dead gateways left, once."""
        with self._lock:
            if self._swept:
                return
            self._swept = True
        self.engine.sweep_dead_owners(self.remove_containers)
        try:
            network = self.network()
            log.info("docker executor: network %s, this machine is %s on it", network.name, network.host_address)
        except (NetworkError, DockerNotAvailable) as error:
            log.warning("docker executor: %s", error)

    def images(self) -> ImageStore:
        api = self.engine.api()
        with self._lock:
            if self._images is None:
                self._images = ImageStore(api)
            return self._images

    def network(self) -> FunctionNetwork:
        with self._lock:
            if self._network is not None:
                return self._network
        network = resolve(self.engine.api(), self.network_setting)
        with self._lock:
            self._network = network
        return network

    def runtime_api_host(self) -> str:
        try:
            return self.network().host_address
        except (NetworkError, DockerNotAvailable):
            return "127.0.0.1"  # nothing will start: keep the Runtime API off every network

    def image_for(self, runtime: Optional[str], image_uri: Optional[str]) -> Optional[str]:
        return image_uri or (self.mapping.image_for(runtime) if runtime else None)

    # Versions ------------------------------------------------------------------------------
    def supports(self, runtime: Optional[str], package_type: str) -> Optional[str]:
        reason = self.engine.unavailable_reason()
        if reason:
            return reason
        self._connected()
        if package_type != "Image" and (not runtime or self.mapping.image_for(runtime) is None):
            return f"runtime {runtime} is not supported by the docker executor"
        try:
            self.network()
        except NetworkError as error:
            return str(error)
        return None

    def prepare_version(self, runtime: Optional[str], package_type: str, image_uri: Optional[str] = None,
                        architecture: str = "x86_64") -> Optional[str]:
        reason = self.supports(runtime, package_type)
        if reason:
            return reason
        image = self.image_for(runtime if package_type != "Image" else None, image_uri)
        if image is None:
            return "a container-image function needs Code.ImageUri"
        platform = PLATFORMS.get(architecture, "linux/amd64")
        try:
            return self.images().ensure(image, platform)
        except DockerNotAvailable:
            return NOT_AVAILABLE

    def describe(self) -> dict[str, str]:
        described = {"isolation": "docker containers", "remove_containers": str(self.remove_containers).lower()}
        try:
            described["engine"] = self.engine.api().version().get("Version", "")
            described["network"] = self.network().name
        except Exception:  # noqa: BLE001
            described["engine"] = NOT_AVAILABLE
        return described

    # Environments ----------------------------------------------------------------------
    def start(self, spec: EnvironmentSpec) -> RunningEnvironment:
        import docker.errors

        try:
            api = self.engine.api()
            network = self.network()
        except DockerNotAvailable:
            raise ExecutorError(NOT_AVAILABLE) from None
        except NetworkError as error:
            raise ExecutorError(str(error)) from None
        image = self.image_for(spec.runtime, spec.image_uri)
        if image is None:
            raise ExecutorError(f"runtime {spec.runtime} is not supported by the docker executor")
        platform = PLATFORMS.get(spec.architecture, "linux/amd64")
        reason = self.images().ensure(image, platform)
        if reason:
            raise ExecutorError(reason)
        try:
            opt = self.layers.directory(spec.layer_dirs)
        except OSError as error:
            raise ExecutorError(f"could not prepare the layers: {error}") from error
        entrypoint, command, workdir = self._command(spec, image, opt)
        variables = self._variables(spec)
        debugger = debug.debugger_mount(spec)
        if debugger is not None:
            debug.with_debugger_path(variables)

        binds = {str(self.passwd): {"bind": "/etc/passwd", "mode": "ro"}}
        if spec.code_dir is not None:
            binds[str(spec.code_dir)] = {"bind": "/var/task", "mode": "ro"}
        if opt is not None:
            binds[str(opt)] = {"bind": "/opt", "mode": "ro"}
        for volume in self.flags.volumes:
            binds[volume.source] = {"bind": volume.target, "mode": "ro" if volume.read_only else "rw"}
        fifo = None if spec.image_uri else OutputFifo(self.base_dir / "rapid" / spec.env_id)
        if fifo is not None:
            binds[str(fifo.directory)] = {"bind": RAPID_DIR, "mode": "ro"}
        if debugger is not None:
            binds[debugger[0]] = {"bind": debugger[1], "mode": "ro"}
        ports = self._port_bindings()
        published = debug.published_port(spec.debug)
        if published is not None:
            ports[published[0]] = [published[1]]
        host_config = api.create_host_config(
            binds=binds,
            tmpfs={"/tmp": f"size={max(1, spec.ephemeral_storage_mb)}m,mode=1777"},
            read_only=True,
            mem_limit=f"{spec.memory_mb}m",
            memswap_limit=f"{spec.memory_mb}m",
            pids_limit=PIDS_LIMIT,
            ulimits=[docker.types.Ulimit(name=name, soft=soft, hard=hard)
                     for name, (soft, hard) in {**ULIMITS, **self.flags.ulimits}.items()],
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            init=True,
            network_mode=network.name,
            dns=[*self.dns, *self.flags.dns] or None,
            extra_hosts={**SANDBOX_HOSTS, **self.flags.extra_hosts},
            port_bindings=ports or None,
            log_config=docker.types.LogConfig(type="none" if self.remove_containers else "json-file"),
        )
        try:
            container_id, attach = self._create(api, spec, network, image, platform, entrypoint, command, workdir,
                                                variables, host_config, list(ports))
        except BaseException:
            if fifo is not None:
                fifo.remove()
            raise
        environment = ContainerEnvironment(api, container_id, spec, attach, fifo,
                                           lambda cid: self.engine.remove_later(cid, self.remove_containers),
                                           network.name)  # it owns the FIFO from now on
        try:
            api.start(container_id)
        except docker.errors.DockerException as error:
            environment.stop()
            raise ExecutorError(f"could not start the container: {_brief(error)}") from error
        environment.started()
        return environment

    def _create(self, api, spec: EnvironmentSpec, network: FunctionNetwork, image: str, platform: str,
                entrypoint: list[str], command: list[str], workdir: str, variables: dict[str, str],
                host_config: dict, ports: list[str]) -> tuple[str, object]:
        """The container, created and attached to (not started)."""
        import docker.errors

        function = spec.environment.get("AWS_LAMBDA_FUNCTION_NAME", "function")
        labels = {**self.flags.labels, OWNER_LABEL: self.engine.owner, FUNCTION_LABEL: function,
                  ENVIRONMENT_LABEL: spec.env_id}
        try:
            created = api.create_container(
                image, command=command, entrypoint=entrypoint, environment=variables, working_dir=workdir,
                user=f"{SANDBOX_UID}:{SANDBOX_GID}", hostname=HOSTNAME, labels=labels, host_config=host_config,
                name=_NAME_UNSAFE.sub("-", f"lambda-{function[:40]}-{spec.env_id[:12]}"), platform=platform,
                ports=[tuple(port.split("/", 1)) for port in ports] or None,  # ("80", "tcp"): the SDK's form
                stdin_open=False, tty=False,
            )
        except docker.errors.DockerException as error:
            raise ExecutorError(f"could not create the container: {_brief(error)}") from error
        container_id = created["Id"]
        try:
            for extra in network.extra + tuple(self.flags.networks):
                api.connect_container_to_network(container_id, extra)
            attach = api.attach_socket(container_id, params={"stdout": 1, "stderr": 1, "stream": 1, "logs": 0})
        except docker.errors.DockerException as error:
            self.engine.remove_later(container_id, True)
            raise ExecutorError(f"could not prepare the container: {_brief(error)}") from error
        return container_id, attach

    def _command(self, spec: EnvironmentSpec, image: str, opt: Optional[Path]) -> tuple[list[str], list[str], str]:
        """Entry point, command and working directory of the container."""
        if spec.image_uri:
            own = self.images().config_of(image) or {}
            wanted = spec.image_config or {}
            entrypoint = wanted.get("EntryPoint") or own.get("Entrypoint") or []
            command = wanted.get("Command") or own.get("Cmd") or []
            workdir = wanted.get("WorkingDirectory") or own.get("WorkingDir") or "/"
            if not entrypoint and not command:
                raise ExecutorError("the image has neither an entry point nor a command", "Runtime.InvalidEntrypoint")
            return list(entrypoint), list(command), workdir
        if runtime_family(spec.runtime) == "provided":
            try:
                bootstrap = find_bootstrap(spec.code_dir, opt, SANDBOX_PATHS, spec.code_is_hot_reload)
            except OSError as error:
                raise ExecutorError(f"could not prepare the bootstrap: {error}") from error
            return [*START_BOOTSTRAP, *with_extensions([bootstrap], opt, "/opt")], [], "/var/task"
        debugged = debug.runtime_command(spec)
        if debugged is not None:  # the interpreter under its debugger, without the image's bootstrap (debug.py)
            return [*START_RUNTIME, *with_extensions(debugged, opt, "/opt")], [], "/var/task"
        # The layers' external extensions start first (extensions_launcher.py).
        return [*START_RUNTIME, *with_extensions(["/lambda-entrypoint.sh"], opt, "/opt")], [spec.handler], "/var/task"

    def _variables(self, spec: EnvironmentSpec) -> dict[str, str]:
        variables = dict(spec.environment)
        platform = {
            "AWS_LAMBDA_RUNTIME_API": spec.runtime_api,
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": f"{XRAY_DAEMON_HOST}:{XRAY_DAEMON_PORT}",
            "_AWS_XRAY_DAEMON_ADDRESS": XRAY_DAEMON_HOST,
            "_AWS_XRAY_DAEMON_PORT": XRAY_DAEMON_PORT,
        }
        if spec.runtime and not spec.image_uri:  # an image keeps its own PATH, TZ...: only the platform's are set
            family = runtime_family(spec.runtime)
            version = spec.runtime[len("python"):] if family == "python" else ""
            if family == "nodejs":
                version = spec.runtime[len("nodejs"):].split(".")[0]
            platform = runtime_variables(ResolvedRuntime(spec.runtime, family, version=version), SANDBOX_PATHS,
                                         spec.runtime_api)
            if family == "provided":  # no shell, no language of AWS's in between
                for name in ("PWD", "SHLVL", "AWS_EXECUTION_ENV"):
                    variables.pop(name, None)
                    platform.pop(name, None)
        variables.update(platform)
        for name, value in self.flags.env.items():  # LAMBDA_DOCKER_FLAGS -e: the user's last word
            if name != "AWS_LAMBDA_RUNTIME_API":
                variables[name] = value
        return variables

    def _port_bindings(self) -> dict[str, list[tuple[str, ...]]]:
        bindings: dict[str, list[tuple[str, ...]]] = {}
        for binding in self.flags.ports:
            host = (binding.host_ip, binding.host_port) if binding.host_port else (binding.host_ip,)
            bindings.setdefault(binding.container_port, []).append(host)
        return bindings

    def _write_identity_files(self) -> Path:
        """/etc/passwd naming the sandbox user, mounted read-only as AWS does (gid 990 has no name)."""
        path = self.base_dir / "passwd"
        path.write_text(f"root:x:0:0:root:/root:/sbin/nologin\n"
                        f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_GID}::/home/{SANDBOX_USER}:/sbin/nologin\n")
        path.chmod(0o644)
        return path

    def reset(self) -> None:
        self.layers.clear()
        if self._images is not None:
            self._images.forget()

    def shutdown(self) -> None:
        self.engine.end_own(self.remove_containers)
        self.layers.clear()


def _brief(error: Exception) -> str:
    explanation = getattr(error, "explanation", None)
    text = explanation if isinstance(explanation, str) and explanation else str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
