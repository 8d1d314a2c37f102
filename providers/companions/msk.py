"""Amazon MSK (botocore's ``kafka``) as a companion: moto's ``kafka`` backend,
with the cluster records pointed at brokers the user runs (``msk_brokers``).

What this adds to moto:

- ``GetBootstrapBrokers`` (moto lacks it) answers the configured broker
  addresses in the forms AWS gives for the cluster's settings: the plaintext
  ``BootstrapBrokerString`` when client-broker encryption allows plaintext
  (``TLS_PLAINTEXT``, ``PLAINTEXT``), ``BootstrapBrokerStringTls`` when it allows
  TLS (``TLS``, AWS's default, or ``TLS_PLAINTEXT``), ``...SaslScram`` and
  ``...SaslIam`` when those authentications are on; a serverless cluster has
  IAM only. Every form names the same configured brokers: the broker is the
  user's, and speaks whatever it speaks.
- a cluster's ARN in AWS's shape, ``cluster/<name>/<uuid>-<n>`` (moto leaves
  the name out), and its state ``ACTIVE`` once created (moto keeps
  ``CREATING`` forever; AWS answers ``CREATING`` to the create call);
- ``NotFoundException`` (404) for a cluster ARN that names no cluster, where
  moto would fail with a ``KeyError`` (a 500).

moto's kafka backend is not thread-safe: requests run one at a time.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError
from gateway.http import HttpRequest, HttpResponse

from .checks.common import Answer
from .moto_provider import MotoProvider
from .msk_brokers import BrokerMap

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from gateway.app import Gateway

_NEEDS_CLUSTER = frozenset({"DescribeCluster", "DescribeClusterV2", "DeleteCluster", "GetBootstrapBrokers"})
_CREATES = frozenset({"CreateCluster", "CreateClusterV2"})
_OPERATION = "msk.operation"  # context.extras: the operation, for ``after``


def not_found(cluster_arn: str) -> ServiceError:
    return ServiceError("NotFoundException", f"Resource not found: {cluster_arn}", 404)


class KafkaProvider(MotoProvider):
    service = moto_service = "kafka"
    backends = ("kafka",)

    def __init__(self, gateway: "Gateway") -> None:
        super().__init__(gateway)
        self._lock = threading.Lock()
        self._brokers: Optional[BrokerMap] = None

    def broker_map(self) -> BrokerMap:
        if self._brokers is None:
            from gateway.config import Config

            self._brokers = BrokerMap.from_config(getattr(self.gateway, "config", None) or Config())
        return self._brokers

    def handle(self, context: RequestContext, request: HttpRequest) -> HttpResponse:
        with self._lock:
            return super().handle(context, request)

    def check_params(self, context: RequestContext, operation: "OperationModel", params: dict[str, Any]) -> None:
        context.extras[_OPERATION] = operation.name
        if operation.name == "CreateClusterV2" and not (params.get("Provisioned") or params.get("Serverless")):
            raise ServiceError("BadRequestException", "Either Provisioned or Serverless must be specified.", 400)
        if operation.name not in _NEEDS_CLUSTER:
            return
        arn = params.get("ClusterArn") or ""
        cluster = _cluster(context, arn)
        if cluster is None:
            raise not_found(arn)
        if operation.name == "GetBootstrapBrokers":
            raise Answer(bootstrap_brokers(cluster, self.broker_map().brokers(cluster.cluster_name)))

    def check_unparsed(self, context: RequestContext, request: HttpRequest) -> Optional[HttpResponse]:
        """A path whose cluster ARN is empty (``/v1/clusters//nodes``) names no cluster."""
        if "/clusters//" in request.path:
            return self._error(context, request, 404, "NotFoundException", "Resource not found: ")
        return None

    def after(self, context: RequestContext, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if context.extras.get(_OPERATION) not in _CREATES or response.status != 200:
            return response
        body = json.loads(bytes(response.body or b"{}"))
        backend = _backend(context)
        cluster = backend.clusters.pop(body["clusterArn"])
        tags = backend.list_tags_for_resource(cluster.arn)
        backend.tagger.delete_all_tags_for_resource(cluster.arn)
        cluster.arn = _aws_arn(cluster)
        backend.clusters[cluster.arn] = cluster
        if tags:
            backend.tag_resource(cluster.arn, tags)
        cluster.state = "ACTIVE"  # this answer still says CREATING, as AWS's does
        body["clusterArn"] = cluster.arn
        response.body = json.dumps(body).encode()
        if "Content-Length" in response.headers:
            response.headers["Content-Length"] = str(len(response.body))
        return response


def _backend(context: RequestContext) -> Any:
    from moto.kafka.models import kafka_backends

    return kafka_backends[context.account_id][context.region]


def _cluster(context: RequestContext, arn: str) -> Any:
    return _backend(context).clusters.get(arn)


def _aws_arn(cluster: Any) -> str:
    """``arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>-<n>``, as AWS names clusters."""
    prefix = cluster.arn.split(":cluster/")[0].split(":serverless-cluster/")[0]
    return f"{prefix}:cluster/{cluster.cluster_name}/{cluster.cluster_id}-1"


def bootstrap_brokers(cluster: Any, brokers: str) -> dict[str, str]:
    """GetBootstrapBrokers' members for ``cluster`` (a moto ``FakeKafkaCluster``), all naming ``brokers``."""
    if cluster.cluster_type == "SERVERLESS":
        return {"BootstrapBrokerStringSaslIam": brokers}
    in_transit = (cluster.encryption_info or {}).get("encryptionInTransit") or {}
    client_broker = in_transit.get("clientBroker") or "TLS"
    auth = cluster.client_authentication or {}
    sasl = auth.get("sasl") or {}
    answer: dict[str, str] = {}
    if client_broker in ("TLS_PLAINTEXT", "PLAINTEXT"):
        answer["BootstrapBrokerString"] = brokers
    if client_broker in ("TLS", "TLS_PLAINTEXT"):
        answer["BootstrapBrokerStringTls"] = brokers
    if (sasl.get("scram") or {}).get("enabled"):
        answer["BootstrapBrokerStringSaslScram"] = brokers
    if (sasl.get("iam") or {}).get("enabled"):
        answer["BootstrapBrokerStringSaslIam"] = brokers
    return answer
