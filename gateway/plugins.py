"""The plugin registry: providers found through entry points, loaded lazily.

Entry point group ``gateway.providers``, names ``<service>:<provider>``. For each
service the provider is ``PROVIDER_OVERRIDE_<SERVICE>`` if set, else the one
named ``default``, else ``moto``, else the only one. An override naming a
provider that does not exist is a startup error listing the available ones.
"""

from __future__ import annotations

import logging
import threading
import traceback
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Callable, Optional

from .config import Config, ConfigError
from .provider import Provider

if TYPE_CHECKING:
    from .app import Gateway

log = logging.getLogger("gateway.plugins")

PROVIDER_GROUP = "gateway.providers"
ROUTE_GROUP = "gateway.routes"
CONFIG_GROUP = "gateway.config"
STARTUP_GROUP = "gateway.startup"
PREFERRED = ("default", "moto")


class ProviderLoadError(Exception):
    pass


def discover(group: str) -> list[EntryPoint]:
    return list(entry_points(group=group))


class ProviderRegistry:
    """Knows every provider entry point; instantiates the chosen one on first use."""

    def __init__(self, gateway: "Gateway", config: Config, group: str = PROVIDER_GROUP) -> None:
        self._gateway = gateway
        self._config = config
        self.available: dict[str, dict[str, EntryPoint]] = {}
        for ep in discover(group):
            service, sep, name = ep.name.partition(":")
            if not sep:
                log.warning("ignoring provider entry point %r: name must be <service>:<provider>", ep.name)
                continue
            self.available.setdefault(service, {})[name] = ep
        unknown = sorted(set(config.services or ()) - set(self.available))
        if unknown:
            raise ConfigError(
                f"SERVICES names services nobody serves: {', '.join(unknown)}; available: {', '.join(sorted(self.available))}"
            )
        self.selected: dict[str, str] = {}
        for service, providers in self.available.items():
            self.selected[service] = self._choose(service, providers)
        for service, name in config.provider_overrides.items():
            if service not in self.available:
                known = ", ".join(sorted(self.available)) or "(none)"
                raise ConfigError(
                    f"PROVIDER_OVERRIDE_{service.upper().replace('-', '_')}={name!r}: no provider is registered "
                    f"for service {service!r}; services with providers: {known}"
                )
        self._instances: dict[str, Provider] = {}
        self.load_errors: dict[str, str] = {}
        self._lock = threading.RLock()

    def _choose(self, service: str, providers: dict[str, EntryPoint]) -> str:
        override = self._config.provider_overrides.get(service)
        if override:
            if override not in providers:
                raise ConfigError(
                    f"PROVIDER_OVERRIDE_{service.upper().replace('-', '_')}={override!r} is not a provider of "
                    f"{service!r}; available: {', '.join(sorted(providers))}"
                )
            return override
        for name in PREFERRED:
            if name in providers:
                return name
        return sorted(providers)[0]

    # Queries ------------------------------------------------------------------
    def services(self) -> list[str]:
        """Services that have a provider and are enabled by SERVICES."""
        return sorted(s for s in self.available if self._config.service_enabled(s))

    def is_served(self, service: str) -> bool:
        return service in self.available and self._config.service_enabled(service)

    def loaded(self) -> dict[str, Provider]:
        with self._lock:
            return dict(self._instances)

    def get(self, service: str) -> Provider:
        """The provider instance for ``service``, created on first use."""
        instance = self._instances.get(service)
        if instance is not None:
            return instance
        with self._lock:
            instance = self._instances.get(service)
            if instance is None:
                instance = self._load(service)
                self._instances[service] = instance
        return instance

    def _load(self, service: str) -> Provider:
        name = self.selected[service]
        ep = self.available[service][name]
        log.debug("loading provider %s:%s from %s", service, name, ep.value)
        try:
            cls = ep.load()
            instance = cls(self._gateway)
            if not getattr(instance, "service", None):
                instance.service = service
            instance.on_start()
        except Exception as error:
            self.load_errors[service] = f"{ep.name} ({ep.value}): {error!r}"
            log.error("provider %s failed to load:\n%s", ep.name, traceback.format_exc())
            raise ProviderLoadError(f"provider {ep.name} failed to load: {error}") from error
        self.load_errors.pop(service, None)
        return instance

    # Lifecycle ----------------------------------------------------------------
    def for_each_loaded(self, action: Callable[[Provider], Any], what: str) -> None:
        for service, provider in self.loaded().items():
            try:
                action(provider)
            except Exception:  # noqa: BLE001 - one provider must not stop the others
                log.exception("%s failed for provider %s", what, service)


class RoutePlugins:
    """Plugins contributing their own HTTP routes (e.g. function URLs).

    Group ``gateway.routes``: each entry point is a callable ``(gateway) -> router``
    where ``router.match(request) -> Optional[handler]`` is cheap, and
    ``handler(request) -> HttpResponse``. Loaded on the first request.
    """

    def __init__(self, gateway: "Gateway", config: Config, group: str = ROUTE_GROUP) -> None:
        self._gateway = gateway
        self._config = config
        self._group = group
        self._routers: Optional[list[Any]] = None
        self._lock = threading.Lock()
        self.load_errors: dict[str, str] = {}

    def routers(self) -> list[Any]:
        if self._routers is None:
            with self._lock:
                if self._routers is None:
                    self._routers = self._load()
        return self._routers

    def _load(self) -> list[Any]:
        routers = []
        for ep in discover(self._group):
            service = ep.name.partition(":")[0]
            if not self._config.service_enabled(service):
                continue
            try:
                routers.append(ep.load()(self._gateway))
            except Exception as error:  # noqa: BLE001
                self.load_errors[ep.name] = repr(error)
                log.error("route plugin %s failed to load:\n%s", ep.name, traceback.format_exc())
        return routers

    def match(self, request) -> Optional[Callable]:
        for router in self.routers():
            handler = router.match(request)
            if handler is not None:
                return handler
        return None


def config_plugins(group: str = CONFIG_GROUP) -> list[Any]:
    """Plugins' configuration modules: each has ``ENVIRONMENT`` (name -> (default,
    description)) and ``check(config)``, which raises ConfigError. Loaded at
    start-up, so they must be light."""
    modules = []
    for ep in discover(group):
        try:
            modules.append(ep.load())
        except Exception as error:  # noqa: BLE001
            log.error("configuration plugin %s failed to load: %r", ep.name, error)
    return modules


def check_plugin_config(config: Config) -> None:
    for module in config_plugins():
        module.check(config)


def run_startup_hooks(gateway: "Gateway", group: str = STARTUP_GROUP) -> None:
    """Group ``gateway.startup``: callables ``(gateway) -> None`` run once the
    server listens (``gateway.port`` is known) and before ``Ready.``; e.g. a
    provider with persisted state loads now, so damage is reported at start and
    queued work resumes without waiting for a request. A failing hook is logged
    and the gateway starts anyway."""
    for ep in discover(group):
        service = ep.name.partition(":")[0]
        if not gateway.config.service_enabled(service):
            continue
        try:
            ep.load()(gateway)
        except Exception:  # noqa: BLE001 - one plugin must not stop the gateway
            log.error("start-up hook %s failed:\n%s", ep.name, traceback.format_exc())
