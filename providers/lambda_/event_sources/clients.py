"""botocore clients for pollers: the source services as AWS's pollers reach them.

A poller reads its source through the service's ordinary API, against the
gateway itself (its companion services), or against the endpoint
``LAMBDA_EVENT_SOURCE_ENDPOINT_<SERVICE>`` names (``SERVICE``: botocore's name,
upper-cased: ``SQS``, ``KINESIS``, ``DYNAMODBSTREAMS``, ``DYNAMODB``, ``KAFKA``,
``SNS``, ``S3``). The access key is the account id, which is how the gateway
picks the account (``AWS_ACCESS_KEY_ID`` of 12 digits).

Clients are shared by every poller with the same (service, account, region,
endpoint, settings): botocore clients are thread-safe, their creation is not
(and costs milliseconds), so they are created once under a lock.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Optional

from .plugins import endpoint_variable

if TYPE_CHECKING:
    from gateway.config import Config
    from gateway.notices import ChangeNotices

    from ..backend.values import EventSourceMapping

# A long poll (SQS waits up to 20 s) must fit in the read timeout; one attempt
# only: pollers decide themselves when to try again. Pools large enough for
# every poller of one account to hold a connection at once.
DEFAULT_SETTINGS: dict[str, Any] = {
    "connect_timeout": 5,
    "read_timeout": 65,
    "retries": {"total_max_attempts": 1},
    "max_pool_connections": 64,
}


class ClientCache:
    """Every poller's clients (owned by the poller manager)."""

    def __init__(self, config: "Config", gateway_endpoint: Callable[[], str],
                 notices: Optional["ChangeNotices"] = None) -> None:
        self._config = config
        self._gateway_endpoint = gateway_endpoint
        self.notices = notices  # the gateway's change notices (gateway/notices.py)
        self._clients: dict[tuple, Any] = {}
        self._lock = threading.Lock()
        self._session: Any = None

    def gateway_endpoint(self) -> str:
        return self._gateway_endpoint()

    def endpoint(self, service: str) -> str:
        """Where ``service`` is reached: its configured endpoint, else the gateway."""
        return self._config.string(endpoint_variable(service)).strip().rstrip("/") or self._gateway_endpoint()

    def client(self, service: str, account_id: str, region: str, **settings: Any) -> Any:
        merged = {**DEFAULT_SETTINGS, **settings}
        endpoint = self.endpoint(service)
        key = (service, account_id, region, endpoint, repr(sorted(merged.items())))
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                import botocore.session
                from botocore.config import Config as BotoConfig

                if self._session is None:
                    self._session = botocore.session.Session()
                client = self._session.create_client(
                    service,
                    region_name=region,
                    endpoint_url=endpoint,
                    aws_access_key_id=account_id,
                    aws_secret_access_key="lambda-event-source",
                    config=BotoConfig(**merged),
                )
                self._clients[key] = client
        return client


class SourceClients:
    """What a poller receives as ``clients``: clients for its mapping."""

    def __init__(self, cache: ClientCache, mapping: "EventSourceMapping") -> None:
        self._cache = cache
        self._mapping = mapping

    def client(self, service: str, *, account_id: Optional[str] = None, region: Optional[str] = None,
               **settings: Any) -> Any:
        """A botocore client of ``service`` (``"sqs"``, ``"kinesis"``, ``"dynamodbstreams"``...),
        by default in the account and region of the mapping's event source ARN
        (a queue of another account is read in that account), else the mapping's.
        ``settings``: ``botocore.config.Config`` arguments (e.g. ``read_timeout``)."""
        source_account, source_region = self._source_account_region()
        return self._cache.client(service, account_id or source_account, region or source_region, **settings)

    def endpoint(self, service: str) -> str:
        """The URL clients of ``service`` use."""
        return self._cache.endpoint(service)

    def notices(self, service: str) -> Optional["ChangeNotices"]:
        """The gateway's change notices when ``service`` is its own companion (a
        stream poller sleeps until its source changes); None when the service
        has an endpoint of its own (poll it)."""
        if self._cache.notices is None or self._cache.endpoint(service) != self._cache.gateway_endpoint():
            return None
        return self._cache.notices

    def _source_account_region(self) -> tuple[str, str]:
        parts = (self._mapping.event_source_arn or "").split(":")
        if len(parts) >= 6 and parts[3] and parts[4].isdigit() and len(parts[4]) == 12:
            return parts[4], parts[3]
        return self._mapping.key.account_id, self._mapping.key.region
