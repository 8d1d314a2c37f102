"""The invocation service: turns an invoke into an environment, a run and a result.

Version pools per (account, region, function, version), concurrency accounting
(reserved per function, the account's limit for the rest: over either, 429),
environment start-up through the chosen executor, the log lines AWS prints.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Callable, Optional

from gateway.config import Config, ConfigError

from ..backend.errors import FunctionNotActive, TooManyRequests
from ..damage import checksum_problem
from ..models import CodeInfo
from ..store import Stores
from .credentials import Credentials, ExecutionRoleCredentials
from . import debug_config
from .debugging import Debugging
from . import telemetry_events
from .environment import ExecutionEnvironment, error_payload
from .extensions import FunctionFacts
from .environment_origins import EnvironmentOrigins
from . import invocation_log
from .logs import EnvironmentLog, LogShipper, log_stream_name, tail
from .platform_log import PlatformLog
from .models import Invocation, InvocationResult
from .hot_layers import HotLayerTrees
from .hot_reload import HotReloadWatcher
from .pool import VersionPool
from .runtime_api import RuntimeApiServer
from .unpack import UnpackCache
from ..hot_reload_rules import HotReloadRefused, HotReloadRules
from ..limits import account_limits
from ..provisioned import provisioned_total
from ..executors.base import EnvironmentSpec, Executor, ExecutorError

log = logging.getLogger("lambda.invocation")

EXECUTOR_GROUP = "gateway.lambda.executors"
DEFAULT_EXECUTOR = "sandbox"
INIT_PHASE_SECONDS = 10  # AWS's limit on an on-demand environment's Init phase
FALLBACK_EXECUTOR = "process"


@dataclass
class InvokeTarget:
    """Everything needed to run one version, copied from the store at invoke time."""

    account_id: str
    region: str
    function_name: str
    version: str
    config: dict
    code: CodeInfo
    layers: list[CodeInfo] = field(default_factory=list)
    reserved_concurrency: Optional[int] = None
    provisioned_concurrency: int = 0  # provisioned environments serving this version
    function_provisioned: int = 0  # all the function's provisioned configs request (out of its reservation)
    gateway_port: int = 4566
    invoked_arn: str = ""

    @property
    def pool_key(self) -> tuple:
        return (self.account_id, self.region, self.function_name, self.version)

    @property
    def function_key(self) -> tuple:
        return (self.account_id, self.region, self.function_name)


def load_executor(config: Config) -> Executor:
    """The executor ``LAMBDA_RUNTIME_EXECUTOR`` names; unset: the sandbox where it
    can run, else the process executor (with one log line saying why)."""
    requested = config.string("LAMBDA_RUNTIME_EXECUTOR", "")
    name = requested or DEFAULT_EXECUTOR
    available = {ep.name: ep for ep in entry_points(group=EXECUTOR_GROUP)}
    if name not in available:
        raise ConfigError(
            f"LAMBDA_RUNTIME_EXECUTOR={name!r} is not valid; allowed values: {', '.join(sorted(available))}"
        )
    try:
        return available[name].load()(config)
    except ExecutorError as error:
        if requested or name == FALLBACK_EXECUTOR:
            raise ConfigError(f"LAMBDA_RUNTIME_EXECUTOR={name}: {error}") from None
        log.warning("%s; functions run under the %s executor, which does not isolate them from each other or "
                    "from this machine", error, FALLBACK_EXECUTOR)
        return available[FALLBACK_EXECUTOR].load()(config)


class InvocationService:
    def __init__(self, config: Config, stores: Stores) -> None:
        self.config = config
        self.stores = stores
        self.keepalive_seconds = config.integer("LAMBDA_KEEPALIVE_MS", 600_000) / 1000
        self.start_timeout = config.integer("LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT", 20, 1)
        self.truncate = config.integer("LAMBDA_TRUNCATE_STDOUT", 2000, 1)
        self.log_functions = config.flag("LAMBDA_LOG_FUNCTIONS")  # their output in the gateway's log
        self.account_limit = config.integer("LAMBDA_LIMITS_CONCURRENT_EXECUTIONS", 1000, 1)
        self.hostname = config.string("HOSTNAME_FROM_LAMBDA")  # unset: where the executor says environments reach us
        # Told each address (not loopback) environments reach this machine at: the
        # gateway must be served there too (the provider wires Gateway.listen_also).
        self.serve_also: Optional[Callable[[str], None]] = None
        self._served_hosts: set[str] = set()
        self._executor: Optional[Executor] = None
        self.credentials = ExecutionRoleCredentials(config)
        self.debugging = Debugging(debug_config.load(config.env))  # checked at start-up (config_check)
        # Connections from inside environments, recognised for the gateway (the provider registers it).
        self.origins = EnvironmentOrigins()
        self._unpacked = UnpackCache(stores.state_dir / "unpacked", account_limits(config).code_size_unzipped)
        self._hot_reload_rules = HotReloadRules.from_config(config, [stores.state_dir.parent])
        self._verified: set[str] = set()  # blobs whose SHA-256 was checked in this process
        self._verify_lock = threading.Lock()
        # Called with (target, damaged code, problem) when a blob fails its check;
        # the provider moves the version to Failed (damage.py).
        self.on_code_damaged: Optional[Callable[[InvokeTarget, CodeInfo, str], None]] = None
        self._pools: dict[tuple, VersionPool] = {}
        self._inflight: dict[tuple, int] = {}  # on-demand invocations per function
        self._provisioned_inflight: dict[tuple, int] = {}  # invocations on provisioned concurrency per version
        self._unreserved_inflight = 0
        # Told the function key each time one of its concurrency slots frees (the async queue wakes an event).
        self.on_slot_released: Optional[Callable[[tuple], None]] = None
        self._lock = threading.Lock()
        self._shipper = LogShipper()
        self._stopping = threading.Event()
        self._hot_reload = HotReloadWatcher(lambda key: self.retire_function(*key))
        self._hot_layers = HotLayerTrees(stores.state_dir / "hot-layers")
        self._reaper = threading.Thread(target=self._reap_loop, name="lambda-reaper", daemon=True)
        self._reaper.start()

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = load_executor(self.config)
        return self._executor

    # Invoking ------------------------------------------------------------------------------
    def invoke(self, target: InvokeTarget, invocation: Invocation) -> InvocationResult:
        """Run one invocation. For a streamed response the environment and the
        concurrency slot stay taken until ``result.chunks`` is exhausted or closed.
        Raises the backend's TooManyRequests (over the reserved or the account's
        concurrency) and FunctionNotActive (its code was found damaged)."""
        self._check_code(target)
        debug = self._debug_entry(target)
        if debug is not None:  # one environment at a time while debugged (debugging.py)
            self.debugging.acquire(debug, target.pool_key)
        try:
            slot = self._acquire_slot(target)
        except TooManyRequests:
            if debug is not None:
                self.debugging.release(debug)
            raise
        deferred = False
        try:
            pool = self._pool(target)
            env, cold = pool.acquire()
            keep = False
            try:
                result = self._run(target, env, invocation, cold)
                if result.never_ran or result.init_timed_out:
                    # The environment died before taking it (a warm one: once more on a fresh one), or its
                    # init crashed or outlasted its window: AWS retries the init within the invocation's
                    # timeout (a suppressed init), on a new environment here.
                    retried_init = cold or result.init_timed_out
                    if retried_init:
                        self._end_failed_init(env, invocation, result)
                    pool.release(env, False)
                    env, cold = pool.acquire(suppressed_init=retried_init)
                    result = self._run(target, env, invocation, cold, again=True)
                keep = not result.timed_out and (self.keepalive_seconds > 0 or env.debugged)
                if result.chunks is not None:
                    result.chunks = self._release_after(result.chunks, result, invocation, target, pool, env, keep,
                                                        slot)
                    deferred = True
                elif result.extensions_running:  # the client has its answer; the environment waits for them
                    threading.Thread(target=self._finish_after_extensions, name=f"ext-{env.id[:8]}", daemon=True,
                                     args=(dataclasses.replace(result), invocation, target, pool, env, keep,
                                           slot)).start()
                    deferred = True
                return result
            finally:
                if not deferred:
                    pool.release(env, keep)
        finally:
            if not deferred:
                self._release_slot(target, slot)

    def _release_after(self, chunks, result: InvocationResult, invocation: Invocation, target: InvokeTarget,
                       pool: VersionPool, env: ExecutionEnvironment, keep: bool, slot: str):
        started = time.monotonic() - result.duration_ms / 1000
        try:
            yield from chunks
        finally:
            if env.extensions.active and not env.extensions.wait_invoke(started + env.timeout_seconds):
                result.timed_out = True
            if not result.timed_out:
                result.duration_ms = (time.monotonic() - started) * 1000
            self._finish(env, invocation, result)
            pool.release(env, keep and not result.timed_out)
            self._release_slot(target, slot)

    def _set_aside(self, target: InvokeTarget) -> int:
        """Concurrency the owner's account holds back from unreserved functions: every
        reservation, and the provisioned concurrency of functions without one."""
        store = self.stores.get(target.account_id, target.region)
        return sum(
            f.reserved_concurrency if f.reserved_concurrency is not None else provisioned_total(f)
            for f in list(store.functions.values())
        )

    def _acquire_slot(self, target: InvokeTarget) -> str:
        """A slot for one invocation, as AWS counts them: a free provisioned
        environment of the version first; else on-demand, within the function's
        reservation less what its provisioned configs hold (so $LATEST is throttled
        while a version with provisioned concurrency runs), or within the account's
        unreserved concurrency. Returns the slot's kind (for ``_release_slot``)."""
        set_aside = self._set_aside(target) if target.reserved_concurrency is None else 0
        with self._lock:
            if target.provisioned_concurrency:
                running = self._provisioned_inflight.get(target.pool_key, 0)
                if running < target.provisioned_concurrency:
                    self._provisioned_inflight[target.pool_key] = running + 1
                    return "provisioned"
            current = self._inflight.get(target.function_key, 0)
            if target.reserved_concurrency is not None:
                if current >= target.reserved_concurrency - target.function_provisioned:
                    raise TooManyRequests("ReservedFunctionConcurrentInvocationLimitExceeded")
                kind = "reserved"
            else:
                if self._unreserved_inflight >= self.account_limit - set_aside:
                    raise TooManyRequests("ConcurrentInvocationLimitExceeded")
                self._unreserved_inflight += 1
                kind = "unreserved"
            self._inflight[target.function_key] = current + 1
            return kind

    def _release_slot(self, target: InvokeTarget, kind: str) -> None:
        with self._lock:
            counts, key = (self._provisioned_inflight, target.pool_key) if kind == "provisioned" else \
                (self._inflight, target.function_key)
            if kind == "unreserved":
                self._unreserved_inflight -= 1
            remaining = counts[key] - 1
            if remaining:
                counts[key] = remaining
            else:
                del counts[key]
        debug = self._debug_entry(target)
        if debug is not None:
            self.debugging.release(debug)
        if self.on_slot_released is not None:
            self.on_slot_released(target.function_key)

    def _pool(self, target: InvokeTarget) -> VersionPool:
        revision = target.config.get("RevisionId", "")
        with self._lock:
            pool = self._pools.get(target.pool_key)
            if pool is not None and pool.revision == revision:
                return pool
            old = pool
            pool = self._pools[target.pool_key] = VersionPool(
                target.pool_key, revision, lambda **kwargs: self._start_environment(target, **kwargs)
            )
        if old is not None:
            old.retire()
        return pool

    def _run(self, target: InvokeTarget, env: ExecutionEnvironment, invocation: Invocation, cold: bool,
             again: bool = False) -> InvocationResult:
        env_log: EnvironmentLog = env.log  # type: ignore[attr-defined]
        platform: PlatformLog = env.platform  # type: ignore[attr-defined]
        invocation.invoked_function_arn = target.invoked_arn
        env_log.system_lines(platform.start(invocation.request_id, target.version))
        if not again:
            invocation_log.started(env_log.label, invocation.request_id, cold)
        env.in_flight = True  # type: ignore[attr-defined]
        result = env.invoke(invocation)
        if not again and (result.init_timed_out or (result.never_ran and cold)):
            return result  # to be run again, on a new environment (``invoke``)
        # A suppressed init ran within the invocation: it is part of Duration, and REPORT has no Init Duration.
        result.init_duration_ms = env.init_duration_ms if cold and not env.init_suppressed else None
        telemetry_events.runtime_done(env.telemetry, invocation, result)
        if result.chunks is None:
            if env.extensions.active and env.extensions.invoke_pending():
                result.extensions_running = True
                env.running.drain_output()  # type: ignore[attr-defined]
                lines = env_log.take()  # the response's log tail: what came before the runtime's answer
                result.logs = tail(lines).decode("utf-8", "replace")
                env_log.ship(lines)
            else:
                self._finish(env, invocation, result)
        return result

    def _finish_after_extensions(self, result: InvocationResult, invocation: Invocation, target: InvokeTarget,
                                 pool: VersionPool, env: ExecutionEnvironment, keep: bool, slot: str) -> None:
        """AWS's Invoke phase ends once every extension that got INVOKE called
        next again, within the function's timeout: REPORT's Duration covers it
        all (the runtime's own is platform.runtimeDone's), and only then does the
        environment serve another invocation."""
        started = time.monotonic() - result.duration_ms / 1000
        try:
            if env.extensions.wait_invoke(started + env.timeout_seconds):
                result.duration_ms = (time.monotonic() - started) * 1000
            else:  # the timeout ends the invocation's environment, as a runtime's would
                result.timed_out, keep = True, False
                result.duration_ms = env.timeout_seconds * 1000
                env.shutdown_reason = "timeout"
            self._finish(env, invocation, result)
        except Exception:  # noqa: BLE001
            log.exception("finishing invocation %s failed", invocation.request_id)
            keep = False
        finally:
            pool.release(env, keep)
            self._release_slot(target, slot)

    @staticmethod
    def _end_failed_init(env: ExecutionEnvironment, invocation: Invocation, result: InvocationResult) -> None:
        """An init that crashed or outlasted its window: what it wrote goes to the log
        (without the START line, which the retried init's environment writes), then INIT_REPORT."""
        env.running.drain_output()  # type: ignore[attr-defined]
        env_log: EnvironmentLog = env.log  # type: ignore[attr-defined]
        platform: PlatformLog = env.platform  # type: ignore[attr-defined]
        start = platform.start(invocation.request_id, env.executed_version)
        lines = [line for line in env_log.take() if line[1] not in start]
        if result.init_timed_out:
            report = platform.init_report(env.init_timeout_seconds * 1000, "timeout")
        else:
            error_type = "Runtime.OutOfMemory" if env.out_of_memory else "Runtime.ExitError"
            report = platform.init_report((time.monotonic() - env.started_at) * 1000, "error", error_type)
        env_log.ship(lines + [(int(time.time() * 1000), line) for line in report])

    def _finish(self, env: ExecutionEnvironment, invocation: Invocation, result: InvocationResult) -> None:
        """The invocation's END/REPORT lines, its log tail, and its logs' delivery."""
        env_log: EnvironmentLog = env.log  # type: ignore[attr-defined]
        platform: PlatformLog = env.platform  # type: ignore[attr-defined]
        running = env.running  # type: ignore[attr-defined]
        running.drain_output()
        if result.timed_out:
            env_log.system_lines(platform.timed_out(invocation.request_id, env.timeout_seconds))
        result.max_memory_mb = running.max_memory_mb()
        error_type = None
        if result.function_error:
            try:
                error_type = json.loads(result.stream_error[1] if result.stream_error else result.payload).get("errorType")
            except (ValueError, AttributeError, TypeError):
                error_type = None
        if env.out_of_memory and result.function_error:
            error_type = "Runtime.OutOfMemory"  # REPORT names it; the payload stays Runtime.ExitError, as on AWS
        env_log.system_lines(platform.end(invocation.request_id))
        env_log.system_lines(platform.report(invocation.request_id, result.duration_ms, result.max_memory_mb,
                                             result.init_duration_ms, result.timed_out, error_type))
        invocation_log.finished(env_log.label, invocation.request_id, result, platform.memory, error_type)
        telemetry_events.report(env.telemetry, invocation, result, platform.memory, error_type)
        lines = env_log.take()
        env.in_flight = False  # type: ignore[attr-defined]
        result.logs = tail(lines).decode("utf-8", "replace")
        env_log.ship(lines)

    # Environments ------------------------------------------------------------------------------
    def _start_environment(self, target: InvokeTarget, initialization_type: str = "on-demand",
                           suppressed_init: bool = False) -> ExecutionEnvironment:
        config = target.config
        # Assumed before the environment exists, as on AWS (not part of Init Duration); raises ServiceException.
        credentials = self.credentials.for_environment(config.get("Role", ""), target.function_name,
                                                       target.account_id, target.region, target.gateway_port)
        env_id = uuid.uuid4().hex
        debug = self._debug_entry(target)
        # AWS limits an on-demand Init phase to 10 s (LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT may only shorten
        # it); the limit does not apply to provisioned concurrency.
        timeout, init_timeout = int(config.get("Timeout", 3)), self.start_timeout
        if initialization_type == "on-demand":
            init_timeout = min(INIT_PHASE_SECONDS, init_timeout)
        if debug is not None:  # lifted while debugged (debugging.py)
            timeout, init_timeout = self.debugging.timeouts(debug, timeout, init_timeout)
        env = ExecutionEnvironment(env_id, timeout, target.version, init_timeout_seconds=init_timeout,
                                   suppressed_init=suppressed_init)
        group = (config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{target.function_name}"
        stream = log_stream_name(target.version)
        env_log = EnvironmentLog(group, stream, self._shipper, (target.account_id, target.region, target.gateway_port),
                                 self.truncate, self.config.debug,
                                 label=invocation_log.label(target.function_name, target.version), echo=self.log_functions)
        env.log = env_log  # type: ignore[attr-defined]
        env.platform = PlatformLog(config)  # type: ignore[attr-defined]
        telemetry_events.attach(env, FunctionFacts(target.function_name, target.version, config.get("Handler", ""),
                                                   target.account_id), env.platform, initialization_type)
        # INIT_START goes to CloudWatch Logs only, not into the first invoke's LogResult.
        env_log.ship([(int(time.time() * 1000), line) for line in env.platform.init_start(initialization_type)])
        started = threading.Event()

        def accepts_peer(connection) -> bool:
            """Only the environment's own processes talk to its Runtime API."""
            if not started.wait(self.start_timeout):
                return False
            if env.running.accepts_peer(connection):  # type: ignore[attr-defined]
                return True
            log.warning("refused a connection to the Runtime API of %s (environment %s) from a process outside "
                        "the environment", target.function_name, env_id[:8])
            return False

        host = self._environment_host()
        api = RuntimeApiServer(env, host, accepts_peer=accepts_peer)
        api.start()
        env.on_stop(api.stop)
        self.origins.expect(env_id, target.account_id, address_coming=host != "127.0.0.1")
        env.on_stop(lambda: self.origins.forget(env_id))
        try:
            spec = EnvironmentSpec(
                env_id=env_id,
                runtime=config.get("Runtime"),
                handler=config.get("Handler", ""),
                code_dir=self._watched_code_dir(target.code, target),
                layer_dirs=self._layer_dirs(target),
                environment=self._variables(target, group, stream, initialization_type, credentials),
                runtime_api=api.address,
                memory_mb=int(config.get("MemorySize", 128)),
                architecture=(config.get("Architectures") or ["x86_64"])[0],
                image_uri=target.code.image_uri,
                on_output=telemetry_events.route_output(env.telemetry, env_log.line, env.platform.json),
                on_exit=env.on_exit,
                on_out_of_memory=env.on_out_of_memory,
                ephemeral_storage_mb=int((config.get("EphemeralStorage") or {}).get("Size", 512)),
                code_is_hot_reload=bool(target.code.hot_reload_dir),
                image_config=(config.get("ImageConfigResponse") or {}).get("ImageConfig") or {},
                on_cgroup=lambda cgroup_id: self.origins.cgroup(env_id, cgroup_id),
                on_address=lambda address: self._environment_address(env, address),
            )
            if debug is not None:
                spec.debug = self.debugging.starting(debug, target.pool_key, env)
                self._log_debugger(target, spec)
            running = self.executor.start(spec)
        except ExecutorError as error:
            env.stop()
            message = str(error)
            env_log.system(message)
            env.init_error = error_payload(error.error_type, message)
            env.running = _NotRunning()  # type: ignore[attr-defined]
            started.set()
            return env
        env.running = running  # type: ignore[attr-defined]
        started.set()
        env.on_stop(running.stop)
        env.on_shutdown_phase_end = lambda: self._ship_leftovers(env)
        return env

    def _debug_entry(self, target: InvokeTarget) -> Optional[debug_config.DebugEntry]:
        return self.debugging.entry_for(target.account_id, target.region, target.function_name, target.version)

    def _log_debugger(self, target: InvokeTarget, spec: EnvironmentSpec) -> None:
        if spec.debug is None:
            return
        name = f"{target.function_name}:{target.version}"
        if not self.executor.supports_debugging:
            log.warning("%s is configured for debugging on port %s, but the %s executor does not open debug ports: "
                        "it runs without a debugger (its timeout is still lifted)", name, spec.debug.port,
                        self.executor.name)
            spec.debug = None
            return
        log.info("%s: debugger on 127.0.0.1:%s%s", name, spec.debug.port,
                 ", waiting for it to attach before the handler loads" if spec.debug.wait_for_attach else "")

    def _environment_address(self, env: ExecutionEnvironment, address: Optional[str]) -> None:
        """An environment on a network of its own has an address: its connections
        are recognised by it, and its Telemetry API listeners are reached there."""
        self.origins.address(env.id, address)
        if address:
            env.telemetry.listener_host = address

    @staticmethod
    def _ship_leftovers(env: ExecutionEnvironment) -> None:
        """Lines written after the last invocation (the extensions' at SHUTDOWN) go
        to the log too (an invocation in flight takes its own, with its REPORT)."""
        if getattr(env, "in_flight", False):
            return
        env.running.drain_output()  # type: ignore[attr-defined]
        env_log: EnvironmentLog = env.log  # type: ignore[attr-defined]
        env_log.ship(env_log.take())

    def _environment_host(self) -> str:
        """This machine's address as environments reach it (the executor's answer)."""
        host = self.executor.runtime_api_host()
        if host not in self._served_hosts:
            self._served_hosts.add(host)
            if host != "127.0.0.1" and self.serve_also is not None:
                self.serve_also(host)
        return host

    def _check_code(self, target: InvokeTarget) -> None:
        """Before a stored zip is first unpacked in this process, its SHA-256 must
        be its CodeSha256: a damaged blob fails the version (AWS's conflict for a
        Failed function) instead of failing every invoke with a 500."""
        for code in (target.code, *target.layers):
            key = self.stores.code.key_of(code)
            if key is None or key in self._verified or not code.zip_path:
                continue
            with self._verify_lock:
                if key in self._verified:
                    continue
                problem = checksum_problem(Path(code.zip_path), code.sha256)
                if problem is None:
                    self._verified.add(key)
                    continue
            if self.on_code_damaged is not None:
                self.on_code_damaged(target, code, problem)
            raise FunctionNotActive("Failed")

    def prepare(self, code: CodeInfo) -> None:
        """Unpack a version's code ahead of its first invocation (a hot-reload
        directory is checked when an environment starts: it may not exist yet)."""
        if not code.hot_reload_dir:
            self._code_dir(code)

    def _watched_code_dir(self, code: CodeInfo, target: InvokeTarget) -> Optional[Path]:
        """``_code_dir``; a hot-reload directory is followed (hot_reload.py) before
        the environment starts, so no edit made once it runs is missed."""
        directory = self._code_dir(code)
        if code.hot_reload_dir and directory is not None:
            self._hot_reload.watch(str(directory), target.pool_key)
        return directory

    def _layer_dirs(self, target: InvokeTarget) -> list[Path]:
        """The version's layers, unpacked or hot-reload directories, in order
        (several of them with a hot-reload one: merged per revision, hot_layers.py)."""
        layers = [layer for layer in target.layers if layer.zip_path or layer.hot_reload_dir]
        directories = [self._watched_code_dir(layer, target) for layer in layers]
        found = [directory for directory in directories if directory is not None]
        if len(found) > 1 and any(layer.hot_reload_dir for layer in layers):
            revisions = [self._hot_reload.revision(str(directory)) for directory in found]
            return [self._hot_layers.directory(found, revisions)]
        return found

    def _code_dir(self, code: CodeInfo) -> Optional[Path]:
        if code.hot_reload_dir:  # checked again: it, or a link on its path, may have changed
            try:
                directory = self._hot_reload_rules.check(code.hot_reload_dir)
            except HotReloadRefused as refused:
                raise ExecutorError(str(refused)) from None
            if not directory.is_dir():
                raise ExecutorError(f"the hot-reload directory {code.hot_reload_dir} does not exist")
            return directory
        if not code.zip_path:
            return None
        return self._unpacked.directory(code.sha256, Path(code.zip_path))

    def _variables(self, target: InvokeTarget, group: str, stream: str, initialization_type: str,
                   credentials: Credentials) -> dict[str, str]:
        config = target.config
        runtime = config.get("Runtime") or ""
        variables = {
            "AWS_LAMBDA_FUNCTION_NAME": target.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": target.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.get("MemorySize", 128)),
            "AWS_LAMBDA_LOG_GROUP_NAME": group,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
            "AWS_REGION": target.region,
            "AWS_DEFAULT_REGION": target.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}" if runtime else "AWS_Lambda_Image",
            **credentials.variables(),  # the execution role's, this environment's own (credentials.py)
            "AWS_ENDPOINT_URL": f"http://{self.hostname or self._environment_host()}:{target.gateway_port}",
            "_HANDLER": config.get("Handler", ""),
        }
        log_format = (config.get("LoggingConfig") or {}).get("LogFormat")
        if log_format == "JSON":
            variables["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            level = (config.get("LoggingConfig") or {}).get("ApplicationLogLevel")
            if level:
                variables["AWS_LAMBDA_LOG_LEVEL"] = level
        if target.code.hot_reload_dir or any(layer.hot_reload_dir for layer in target.layers):
            # Python's .pyc files are valid for a source of the same size and modification second: one
            # written into the directory would run an edit made within that second as the old code.
            variables["PYTHONDONTWRITEBYTECODE"] = "1"
        variables.update((config.get("Environment") or {}).get("Variables") or {})
        return variables

    # Lifecycle -------------------------------------------------------------------------------------
    def retire_function(self, account_id: str, region: str, name: str, version: Optional[str] = None) -> None:
        """Code/config changed or the function is gone: new invokes get new environments."""
        with self._lock:
            keys = [k for k in self._pools if k[:3] == (account_id, region, name) and (version is None or k[3] == version)]
            pools = [self._pools.pop(k) for k in keys]
        for pool in pools:
            pool.retire()  # in-flight invocations finish; idle environments stop now

    def prestart(self, target: InvokeTarget, count: int) -> bool:
        """Provisioned concurrency: ``count`` environments started and initialised
        ahead of invokes; False (and the failed ones stopped) when an init failed."""
        self._check_code(target)
        pool = self._pool(target)
        started = pool.prestart(count)
        failed = [env for env in started if not env.wait_ready(self.start_timeout + int(target.config.get("Timeout", 3)))]
        for env in failed:
            pool.discard(env)
        return not failed

    def environment_count(self) -> int:
        with self._lock:
            pools = list(self._pools.values())
        return sum(p.size() for p in pools)

    def _reap_loop(self) -> None:
        interval = max(0.05, min(1.0, self.keepalive_seconds / 4)) if self.keepalive_seconds else 1.0
        while not self._stopping.wait(interval):
            with self._lock:
                pools = list(self._pools.values())
            for pool in pools:
                try:
                    pool.reap(self.keepalive_seconds)
                except Exception:  # noqa: BLE001
                    log.exception("reaping %s failed", pool.key)

    def reset(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.stop_all()
        self._hot_reload.clear()
        self._hot_layers.clear()
        self._unpacked.clear()
        if self._executor is not None:
            self._executor.reset()
        self._verified.clear()
        self.credentials.forget()
        self.debugging.reset()

    def shutdown(self) -> None:
        self._stopping.set()
        self._hot_reload.stop()
        self.reset()
        self._shipper.stop()
        if self._executor is not None:
            self._executor.shutdown()

    def flush_logs(self) -> None:
        self._shipper.flush()


class _NotRunning:
    def drain_output(self, timeout: float = 0.0) -> None:
        pass

    def accepts_peer(self, connection) -> bool:
        return False

    def max_memory_mb(self) -> int:
        return 0

    def stop(self) -> None:
        pass
