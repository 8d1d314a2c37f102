"""How a function container and the gateway reach each other.

Containers join ``LAMBDA_DOCKER_NETWORK`` (default: Docker's ``bridge``; a
comma-separated list joins several, the first one carries the traffic below).
The gateway never listens on every address for them: each environment's
Runtime API listens on this machine's address *on that network* (the bridge's
gateway address, e.g. ``172.17.0.1``; or, when the gateway itself runs in a
container on that network, that container's address), and the gateway's own
port is served there as well, for the functions' ``AWS_ENDPOINT_URL``.
Nothing listens on ``0.0.0.0``.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import docker

DEFAULT_NETWORK = "bridge"


class NetworkError(Exception):
    """The network is missing, or this machine has no address on it."""


@dataclass(frozen=True)
class FunctionNetwork:
    name: str  # the network containers join first
    extra: tuple[str, ...]  # further networks they join
    host_address: str  # this machine's address on ``name``


def network_names(setting: str) -> list[str]:
    names = [name.strip() for name in setting.split(",") if name.strip()]
    return names or [DEFAULT_NETWORK]


def is_bindable(address: str) -> bool:
    """Whether ``address`` belongs to this machine (a socket can bind it)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((address, 0))
    except OSError:
        return False
    return True


def resolve(api: "docker.APIClient", setting: str) -> FunctionNetwork:
    import docker.errors

    names = network_names(setting)
    primary = names[0]
    if primary in ("host", "none"):
        raise NetworkError(f"LAMBDA_DOCKER_NETWORK={primary} is not supported: functions need a network of their own")
    try:
        attrs = api.inspect_network(primary)
    except docker.errors.NotFound:
        raise NetworkError(f"the Docker network {primary!r} (LAMBDA_DOCKER_NETWORK) does not exist") from None
    address = host_address(attrs)
    if address is None:
        raise NetworkError(f"this machine has no address on the Docker network {primary!r} (is the Docker engine on "
                           f"another machine?)")
    return FunctionNetwork(primary, tuple(names[1:]), address)


def host_address(network: dict) -> Optional[str]:
    """This machine's IPv4 address on ``network`` (inspect output), or None."""
    candidates: list[str] = []
    for config in (network.get("IPAM") or {}).get("Config") or []:
        if config.get("Gateway"):
            candidates.append(config["Gateway"].split("/")[0])
        subnet = config.get("Subnet")
        if subnet:
            try:
                parsed = ipaddress.ip_network(subnet, strict=False)
            except ValueError:
                continue
            if parsed.version == 4 and parsed.num_addresses > 2:
                candidates.append(str(parsed.network_address + 1))  # Docker's default gateway address
    for container in (network.get("Containers") or {}).values():  # the gateway in a container on it
        address = (container.get("IPv4Address") or "").split("/")[0]
        if address:
            candidates.append(address)
    for candidate in candidates:
        if ":" not in candidate and is_bindable(candidate):
            return candidate
    return None
