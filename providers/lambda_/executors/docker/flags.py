"""``LAMBDA_DOCKER_FLAGS``: extra ``docker run`` flags for every function container.

LocalStack's option, with the ``docker run`` syntax. A safe subset is
accepted; anything else is a start-up error naming the flag, so a setting is
never silently ignored:

- ``-e``/``--env KEY=VALUE`` (``-e KEY`` takes the gateway's own value), ``--env-file FILE``
- ``-v``/``--volume HOST:CONTAINER[:ro|rw]`` (HOST an absolute path or a volume name)
- ``--add-host NAME:IP``, ``--dns IP``, ``-l``/``--label KEY=VALUE``
- ``--ulimit NAME=SOFT[:HARD]``
- ``--network NAME`` (joined besides ``LAMBDA_DOCKER_NETWORK``)
- ``-p``/``--publish [IP:]HOST:CONTAINER[/PROTO]``: without an IP the port is
  published on 127.0.0.1 only (binding beyond loopback is an explicit choice)

Refused because they would undo what makes an environment AWS's (and contained):
``--privileged``, ``-u``/``--user``, ``--platform`` (comes from
``Architectures``), ``--cap-add``, ``--security-opt``, ``--pid``, ``--ipc``,
``--userns``, ``--device``, ``--entrypoint``, ``--read-only``... (every flag not
listed above).

Kept free of the ``docker`` SDK: the gateway's configuration check imports it.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Mapping, Optional

VARIABLE = "LAMBDA_DOCKER_FLAGS"

_ULIMIT_NAMES = ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss",
                 "rtprio", "rttime", "sigpending", "stack")
_IP = re.compile(r"^(\d{1,3}(\.\d{1,3}){3}|\[?[0-9a-fA-F:]+\]?)$")
_VOLUME_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


class FlagError(ValueError):
    """A flag that is not accepted or not well formed; the message names it."""


@dataclass
class Volume:
    source: str  # an absolute host path, or a named volume
    target: str
    read_only: bool = False


@dataclass
class PortBinding:
    host_ip: str
    host_port: str  # "8080", or "" for any free port
    container_port: str  # "80/tcp"


@dataclass
class DockerFlags:
    env: dict[str, str] = field(default_factory=dict)
    volumes: list[Volume] = field(default_factory=list)
    extra_hosts: dict[str, str] = field(default_factory=dict)
    dns: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    ulimits: dict[str, tuple[int, int]] = field(default_factory=dict)
    networks: list[str] = field(default_factory=list)
    ports: list[PortBinding] = field(default_factory=list)


_WITH_VALUE = {
    "-e": "env", "--env": "env", "--env-file": "env_file", "-v": "volume", "--volume": "volume",
    "--add-host": "add_host", "--dns": "dns", "-l": "label", "--label": "label", "--ulimit": "ulimit",
    "--network": "network", "--net": "network", "-p": "publish", "--publish": "publish",
}


def parse(text: str, gateway_env: Optional[Mapping[str, str]] = None) -> DockerFlags:
    """``LAMBDA_DOCKER_FLAGS`` as DockerFlags; FlagError names what is wrong."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise FlagError(f"{VARIABLE} cannot be parsed: {error}") from None
    flags = DockerFlags()
    index = 0
    while index < len(words):
        word = words[index]
        name, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if not equals and word.startswith("-") and not word.startswith("--") and len(word) > 2:
            name, value, equals = word[:2], word[2:], "attached"  # -eKEY=VALUE, as docker accepts
        kind = _WITH_VALUE.get(name)
        if kind is None:
            raise FlagError(f"{VARIABLE}: {name!r} is not supported (accepted: -e/--env, --env-file, -v/--volume, "
                            f"--add-host, --dns, -l/--label, --ulimit, --network, -p/--publish)")
        if not equals:
            index += 1
            if index >= len(words):
                raise FlagError(f"{VARIABLE}: {name} needs a value")
            value = words[index]
        _apply(flags, kind, name, value, gateway_env if gateway_env is not None else os.environ)
        index += 1
    return flags


def _apply(flags: DockerFlags, kind: str, name: str, value: str, gateway_env: Mapping[str, str]) -> None:
    if kind == "env":
        key, equals, content = value.partition("=")
        if not _KEY.match(key):
            raise FlagError(f"{VARIABLE}: {name} {value!r}: expected KEY=VALUE")
        if equals:
            flags.env[key] = content
        elif key in gateway_env:
            flags.env[key] = gateway_env[key]
    elif kind == "env_file":
        flags.env.update(_env_file(value))
    elif kind == "volume":
        flags.volumes.append(_volume(name, value))
    elif kind == "add_host":
        host, colon, address = value.partition(":")
        if not colon or not host or not (_IP.match(address) or address == "host-gateway"):
            raise FlagError(f"{VARIABLE}: --add-host {value!r}: expected NAME:IP")
        flags.extra_hosts[host] = address
    elif kind == "dns":
        if not _IP.match(value):
            raise FlagError(f"{VARIABLE}: --dns {value!r}: expected an IP address")
        flags.dns.append(value)
    elif kind == "label":
        key, _, content = value.partition("=")
        if not key:
            raise FlagError(f"{VARIABLE}: {name} {value!r}: expected KEY=VALUE")
        flags.labels[key] = content
    elif kind == "ulimit":
        flags.ulimits.update([_ulimit(value)])
    elif kind == "network":
        if not value or value in ("host", "none") or value.startswith("container:"):
            raise FlagError(f"{VARIABLE}: --network {value!r}: functions need a bridge-like network of their own")
        flags.networks.append(value)
    elif kind == "publish":
        flags.ports.append(_publish(value))


def _env_file(path: str) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        with open(path) as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        raise FlagError(f"{VARIABLE}: --env-file {path}: {error.strerror}") from None
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if not _KEY.match(key):
            raise FlagError(f"{VARIABLE}: --env-file {path}: {line!r} is not KEY=VALUE")
        if equals:
            values[key] = value
        elif key in os.environ:
            values[key] = os.environ[key]
    return values


def _volume(name: str, value: str) -> Volume:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1].startswith("/"):
        raise FlagError(f"{VARIABLE}: {name} {value!r}: expected HOST:CONTAINER[:ro|rw]")
    mode = parts[2] if len(parts) == 3 else "rw"
    if mode not in ("ro", "rw"):
        raise FlagError(f"{VARIABLE}: {name} {value!r}: the mode must be ro or rw")
    if not (os.path.isabs(parts[0]) or _VOLUME_NAME.match(parts[0])):
        raise FlagError(f"{VARIABLE}: {name} {value!r}: the source must be an absolute path or a volume name")
    if os.path.normpath(parts[1]) in ("/", "/var/task", "/opt", "/tmp", "/var/runtime", "/var/lang", "/proc",
                                      "/dev", "/etc/passwd"):
        raise FlagError(f"{VARIABLE}: {name} {value!r}: {parts[1]} is where the function's own files live")
    return Volume(parts[0], parts[1], mode == "ro")


def _ulimit(value: str) -> tuple[str, tuple[int, int]]:
    key, equals, limits = value.partition("=")
    soft, _, hard = limits.partition(":")
    try:
        parsed = (int(soft), int(hard or soft))
    except ValueError:
        parsed = None
    if not equals or key not in _ULIMIT_NAMES or parsed is None:
        raise FlagError(f"{VARIABLE}: --ulimit {value!r}: expected NAME=SOFT[:HARD] with NAME one of "
                        f"{', '.join(_ULIMIT_NAMES)}")
    return key, parsed


def _publish(value: str) -> PortBinding:
    spec, _, protocol = value.partition("/")
    protocol = protocol or "tcp"
    if spec.startswith("["):  # [::1]:8080:80
        end = spec.find("]")
        host_ip, rest = spec[1:end], spec[end + 2:]
        parts = [host_ip, *rest.split(":")]
    else:
        parts = spec.split(":")
    if len(parts) == 2:
        parts = ["127.0.0.1", *parts]
    elif len(parts) == 1:
        parts = ["127.0.0.1", "", parts[0]]
    host_ip, host_port, container_port = parts if len(parts) == 3 else ("", "", "")
    if (protocol not in ("tcp", "udp", "sctp") or not container_port.isdigit()
            or (host_port and not host_port.isdigit()) or not _IP.match(host_ip)):
        raise FlagError(f"{VARIABLE}: --publish {value!r}: expected [IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]")
    return PortBinding(host_ip, host_port, f"{container_port}/{protocol}")
