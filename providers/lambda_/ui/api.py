"""The pages' only way to the Lambda functions: the gateway's own API, over HTTP.

Every read and every action of the resource browser is a botocore call to this
gateway (Lambda, and CloudWatch Logs for log events), exactly as boto3 or the
AWS CLI would make it: the pages never touch the Lambda stores. The account is
named by the access key id (12 digits), the region by the client's region.
Retries are off (an ``Invoke`` must run once); client-side parameter validation
is off, so what the user typed is judged by the API, in AWS's words.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from gateway.app import Gateway

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
# The longest a synchronous invoke can take (900 s timeout) and then some.
READ_TIMEOUT_SECONDS = 930
#: Clients kept (the least recently used goes): each account and region viewed costs two.
CLIENTS_KEPT = 32


class ScopeError(ValueError):
    pass


@dataclass(frozen=True)
class Scope:
    """The account and region the pages show and act in."""

    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION

    @classmethod
    def read(cls, values: Mapping[str, str]) -> "Scope":
        account = values.get("account") or DEFAULT_ACCOUNT
        region = values.get("region") or DEFAULT_REGION
        if not _ACCOUNT.match(account):
            raise ScopeError("account must be 12 digits")
        if not _REGION.match(region):
            raise ScopeError("region must look like us-east-1")
        return cls(account, region)

    def is_default(self) -> bool:
        return self.account == DEFAULT_ACCOUNT and self.region == DEFAULT_REGION


class GatewayApi:
    """botocore clients aimed at this gateway, one per (service, account, region)."""

    def __init__(self, gateway: "Gateway") -> None:
        self._gateway = gateway
        self._clients: "OrderedDict[tuple[str, Scope], Any]" = OrderedDict()
        self._lock = threading.Lock()
        self._session: Any = None
        self._downloads: Any = None

    def endpoint(self) -> str:
        host = self._gateway.config.host
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
        port = self._gateway.port
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def open_code(self, location: str) -> Any:
        """A streamed GET of a ``Code.Location`` the API handed out (a presigned URL
        of this gateway, and nothing else: the pages never fetch other URLs)."""
        if not location.startswith(self.endpoint() + "/"):
            raise ValueError(f"not a code location of this gateway: {location[:200]}")
        with self._lock:
            if self._downloads is None:
                import urllib3

                self._downloads = urllib3.PoolManager(num_pools=2, maxsize=4, retries=False)
        return self._downloads.request("GET", location, preload_content=False, timeout=60.0)

    def lambda_(self, scope: Scope) -> Any:
        return self._client("lambda", scope)

    def logs(self, scope: Scope) -> Any:
        return self._client("logs", scope)

    def _client(self, service: str, scope: Scope) -> Any:
        key = (service, scope)
        with self._lock:
            client = self._clients.get(key)
            if client is not None:
                self._clients.move_to_end(key)
            else:
                import botocore.session
                from botocore.config import Config as BotoConfig

                if self._session is None:
                    self._session = botocore.session.Session()
                client = self._clients[key] = self._session.create_client(
                    service,
                    region_name=scope.region,
                    endpoint_url=self.endpoint(),
                    aws_access_key_id=scope.account,
                    aws_secret_access_key="resource-browser",
                    config=BotoConfig(
                        retries={"total_max_attempts": 1},
                        parameter_validation=False,
                        connect_timeout=10,
                        read_timeout=READ_TIMEOUT_SECONDS,
                        max_pool_connections=4,
                    ),
                )
                if len(self._clients) > CLIENTS_KEPT:
                    self._clients.popitem(last=False)
        return client


def error_text(error: Exception) -> tuple[str, str]:
    """(code, message) of an API error, as botocore parsed it."""
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return details.get("Code") or "Error", details.get("Message") or str(error)
    return type(error).__name__, str(error)
