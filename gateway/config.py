"""Configuration: read once from the environment into one typed object.

Every variable is documented in ``ENVIRONMENT`` (shown by ``--help`` and in the
README). Unknown values are a startup error naming the variable and the allowed
values; discontinued LocalStack options log a warning naming the replacement.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Optional

if TYPE_CHECKING:
    from .serving.limits import ServerLimits

log = logging.getLogger("gateway.config")


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the variable."""


# name -> (default shown in docs, description)
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "GATEWAY_LISTEN": ("127.0.0.1:4566", "host:port to listen on. Binding beyond loopback is an explicit choice."),
    "SERVICES": ("(all)", "Comma-separated services to serve, e.g. `lambda,sqs`; others answer 4xx."),
    "DEBUG": ("0", "`1` logs more: timings, account and region per request, plugin loading, function output."),
    "NO_COLOR": ("", "Set to anything to disable coloured log output (colour is only used on a TTY)."),
    "PERSISTENCE": ("0", "`1` keeps state under DATA_DIR across restarts."),
    "DATA_DIR": ("./.data", "Where persisted state lives when PERSISTENCE=1."),
    "PROVIDER_OVERRIDE_<SERVICE>": ("default", "Provider to use for a service, e.g. `PROVIDER_OVERRIDE_LAMBDA=mine`."),
    "GATEWAY_MAX_BODY_BYTES": ("104857600", "Largest request body accepted (413 beyond)."),
    "GATEWAY_THREADS": (
        "2048",
        "Most requests handled at once: worker threads, started on demand and ended when idle. Idle and slow "
        "connections hold none (an event loop owns them until a request has fully arrived).",
    ),
    "GATEWAY_HEADER_TIMEOUT": ("20", "Seconds a request's head (request line and headers) has to arrive whole; "
                               "then 408 and the connection is closed."),
    "GATEWAY_BODY_TIMEOUT": ("20", "Longest silence, in seconds, while a request body arrives or a response is "
                             "read; then the connection is closed (408 if a request had begun)."),
    "GATEWAY_IDLE_TIMEOUT": ("60", "Seconds a keep-alive connection may wait for its next request before it is "
                             "closed."),
    "GATEWAY_MAX_HEADER_BYTES": ("65536", "Largest request head (request line and headers; 431 beyond)."),
    "GATEWAY_SPOOL_BODY_BYTES": ("1048576", "Request bodies larger than this are written to an unnamed temporary "
                                 "file as they arrive instead of held in memory."),
    "GATEWAY_HOSTNAMES": ("", "Comma-separated extra names the gateway answers to in `Host` (`name` also covers names under it, `*.name` only those), e.g. `gateway.test`. Other names are refused (DNS rebinding)."),
    "DISABLE_HOST_CHECKS": ("0", "`1` accepts any `Host` name (turns off the DNS-rebinding protection)."),
    "EXTRA_CORS_ALLOWED_ORIGINS": ("", "Comma-separated web origins allowed to call the gateway from a browser besides localhost ones, e.g. `https://app.example.com`; `*` allows all."),
    "DISABLE_CORS_CHECKS": ("0", "`1` lets any web origin call the gateway from a browser (state-changing `/_gateway` calls stay refused to browsers)."),
}

# Discontinued LocalStack options -> what replaces them.
DISCONTINUED: dict[str, str] = {
    "LAMBDA_EXECUTOR": "LAMBDA_RUNTIME_EXECUTOR",
    "LAMBDA_REMOTE_DOCKER": "nothing (code is copied automatically)",
    "LAMBDA_STAY_OPEN_MODE": "LAMBDA_KEEPALIVE_MS",
    "LAMBDA_CODE_EXTRACT_TIME": "nothing (creation is asynchronous)",
    "LAMBDA_CONTAINER_REGISTRY": "LAMBDA_RUNTIME_IMAGE_MAPPING",
    "LAMBDA_XRAY_INIT": "nothing",
    "LAMBDA_FALLBACK_URL": "nothing (not supported)",
    "LAMBDA_FORWARD_URL": "nothing (not supported)",
    "LAMBDA_DEBUG_MODE": "LAMBDA_DEBUG_MODE_CONFIG_PATH or LAMBDA_DEBUG_PORT (either alone turns debugging on)",
    "EDGE_PORT": "GATEWAY_LISTEN",
    "GATEWAY_LISTEN_ALL": "GATEWAY_LISTEN",
}

_LISTEN = re.compile(r"^(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(?P<port>\d{1,5})$")


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={env[name]!r} is not valid; allowed values: 1, 0, true, false")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not valid; expected an integer >= {minimum}") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} is not valid; expected an integer >= {minimum}")
    return value


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name}={raw!r} is not valid; expected a number of seconds > 0")
    return value


def parse_listen(value: str) -> tuple[str, int]:
    match = _LISTEN.match(value.strip())
    if not match or not 0 <= int(match["port"]) <= 65535:
        raise ConfigError(f"GATEWAY_LISTEN={value!r} is not valid; expected host:port, e.g. 127.0.0.1:4566")
    return match["host"].strip("[]"), int(match["port"])


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 4566
    services: Optional[frozenset[str]] = None  # None = all
    debug: bool = False
    no_color: bool = False
    persistence: bool = False
    data_dir: Path = Path(".data")
    provider_overrides: dict[str, str] = field(default_factory=dict)
    max_body_bytes: int = 100 * 1024 * 1024
    threads: int = 2048
    header_timeout: float = 20.0
    body_timeout: float = 20.0
    idle_timeout: float = 60.0
    max_header_bytes: int = 65536
    spool_body_bytes: int = 1024 * 1024
    # Browser protection (gateway/security/): extra Host names, extra origins, switches.
    gateway_hostnames: tuple[str, ...] = ()
    disable_host_checks: bool = False
    extra_cors_allowed_origins: tuple[str, ...] = ()
    disable_cors_checks: bool = False
    # Everything else, for plugins to read with the helpers below.
    env: dict[str, str] = field(default_factory=dict)
    # Not read from the environment: the running gateway's scratch directory
    # (gateway/scratch.py), where plugins put temporary files.
    scratch_dir: Optional[Path] = None

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Config":
        env = dict(os.environ if env is None else env)
        host, port = parse_listen(env.get("GATEWAY_LISTEN") or "127.0.0.1:4566")
        services = None
        if env.get("SERVICES", "").strip():
            services = frozenset(s.strip().lower() for s in env["SERVICES"].split(",") if s.strip())
        overrides = {
            key[len("PROVIDER_OVERRIDE_"):].lower().replace("_", "-"): value.strip()
            for key, value in env.items()
            if key.startswith("PROVIDER_OVERRIDE_") and value.strip()
        }
        return cls(
            host=host,
            port=port,
            services=services,
            debug=_flag(env, "DEBUG"),
            no_color=bool(env.get("NO_COLOR")),
            persistence=_flag(env, "PERSISTENCE"),
            data_dir=Path(env.get("DATA_DIR") or ".data"),
            provider_overrides=overrides,
            max_body_bytes=_int(env, "GATEWAY_MAX_BODY_BYTES", 100 * 1024 * 1024, 1),
            threads=_int(env, "GATEWAY_THREADS", 2048, 1),
            header_timeout=_seconds(env, "GATEWAY_HEADER_TIMEOUT", 20.0),
            body_timeout=_seconds(env, "GATEWAY_BODY_TIMEOUT", 20.0),
            idle_timeout=_seconds(env, "GATEWAY_IDLE_TIMEOUT", 60.0),
            max_header_bytes=_int(env, "GATEWAY_MAX_HEADER_BYTES", 65536, 1024),
            spool_body_bytes=_int(env, "GATEWAY_SPOOL_BODY_BYTES", 1024 * 1024, 0),
            gateway_hostnames=_list(env, "GATEWAY_HOSTNAMES"),
            disable_host_checks=_flag(env, "DISABLE_HOST_CHECKS"),
            extra_cors_allowed_origins=_list(env, "EXTRA_CORS_ALLOWED_ORIGINS"),
            disable_cors_checks=_flag(env, "DISABLE_CORS_CHECKS"),
            env=env,
        )

    def server_limits(self) -> "ServerLimits":
        """What the gateway's HTTP server accepts, and for how long it waits."""
        from .serving.limits import ServerLimits

        return ServerLimits(
            max_body_bytes=self.max_body_bytes,
            spool_body_bytes=self.spool_body_bytes,
            max_header_bytes=self.max_header_bytes,
            header_timeout=self.header_timeout,
            body_timeout=self.body_timeout,
            idle_timeout=self.idle_timeout,
            max_workers=self.threads,
        )

    # Helpers for plugins reading their own variables -----------------------
    def warn_discontinued(self) -> None:
        """Log a warning for each discontinued LocalStack option set (once logging is up)."""
        for old, new in DISCONTINUED.items():
            if old in self.env:
                log.warning("%s is discontinued and ignored; use %s", old, new)

    def flag(self, name: str, default: bool = False) -> bool:
        return _flag(self.env, name, default)

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        return _int(self.env, name, default, minimum)

    def choice(self, name: str, default: str, allowed: list[str]) -> str:
        value = self.env.get(name, "").strip() or default
        if value not in allowed:
            raise ConfigError(f"{name}={value!r} is not valid; allowed values: {', '.join(allowed)}")
        return value

    def string(self, name: str, default: str = "") -> str:
        return self.env.get(name, "").strip() or default

    def service_enabled(self, service: str) -> bool:
        return self.services is None or service in self.services
