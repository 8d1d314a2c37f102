"""Lambda API family: event source mappings (``Create/Get/Update/Delete/ListEventSourceMappings``).

A mapping is stored in ``LambdaStore.event_source_mappings[uuid]`` in AWS's
``EventSourceMappingConfiguration`` shape plus private keys (``_``-prefixed,
never answered): ``_Enabled`` (the state the user asked for), ``_Tags``,
``_Created`` (list order), and a pending state change ``_Next``/``_NextAt``.

States move as AWS moves them: ``Creating`` -> ``Enabled`` (or ``Disabled``),
``Enabling``/``Disabling``/``Updating`` -> ``Enabled``/``Disabled``, ``Deleting``
-> gone, each a moment (``TRANSITION_SECONDS``) after the request. Reads derive
the current state from the clock; writes and listings settle due changes.

Polling is not done here. A poller registers with
``provider.add_event_source_mapping_listener(listener)`` and is told of every
change through ``listener.event_source_mapping_changed(account_id, region, uuid,
config, enabled)`` (``config`` None when the mapping was deleted); at start it
walks ``provider.iter_event_source_mappings()`` to pick up restored mappings.

Deleting a function does not delete its mappings (AWS keeps them; their
``FunctionArn`` then names a missing function).

CreateEventSourceMapping checks that an SQS queue, Kinesis stream or DynamoDB
stream exists, as AWS does, by asking the source service through a botocore
client aimed at the gateway itself (``SourceChecker``), as the source's account.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
import uuid as uuidlib
from typing import Any, Iterator, Optional, Protocol

from gateway.context import RequestContext
from gateway.errors import ServiceError

from ..arns import function_arn
from ..models import LATEST
from ..store import LambdaStore
from .base import LambdaApiBase, conflict, invalid_parameter, not_found
from .event_invoke_configs import describe_destination_config
from .paging import paginate, public
from .tags import validate_tags

log = logging.getLogger("lambda.esm")

TRANSITION_SECONDS = 0.3
NOT_FOUND = "The resource you requested does not exist."

SQS, KINESIS, DYNAMODB, MSK, KAFKA, MQ, DOCUMENTDB = "sqs", "kinesis", "dynamodb", "msk", "kafka", "mq", "documentdb"
STREAMS = (KINESIS, DYNAMODB)
KAFKAS = (MSK, KAFKA)
STREAM_ONLY = ("ParallelizationFactor", "BisectBatchOnFunctionError", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "TumblingWindowInSeconds")
# Members echoed back as given when present.
ECHOED = (
    "BatchSize", "MaximumBatchingWindowInSeconds", "ParallelizationFactor", "StartingPosition", "FilterCriteria",
    "KMSKeyArn", "MetricsConfig", "LoggingConfig", "ScalingConfig", "DestinationConfig", "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError", "MaximumRetryAttempts", "TumblingWindowInSeconds", "Topics", "Queues",
    "SourceAccessConfigurations", "SelfManagedEventSource", "FunctionResponseTypes",
    "AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig", "DocumentDBEventSourceConfig",
    "ProvisionedPollerConfig",
)
# Members UpdateEventSourceMapping may change (the source and where it starts are fixed).
UPDATABLE = tuple(name for name in ECHOED if name not in ("StartingPosition", "Topics", "Queues", "SelfManagedEventSource"))

DEFAULTS: dict[str, dict[str, Any]] = {
    SQS: {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 0, "FunctionResponseTypes": []},
    KINESIS: {
        "BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "ParallelizationFactor": 1, "FunctionResponseTypes": [],
        "MaximumRetryAttempts": -1, "MaximumRecordAgeInSeconds": -1, "BisectBatchOnFunctionError": False,
        "TumblingWindowInSeconds": 0, "DestinationConfig": {"OnFailure": {}}, "LastProcessingResult": "No records processed",
    },
    MSK: {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "DestinationConfig": {"OnFailure": {}}},
    KAFKA: {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "DestinationConfig": {"OnFailure": {}}},
    MQ: {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0},
    DOCUMENTDB: {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0},
}
DEFAULTS[DYNAMODB] = DEFAULTS[KINESIS]


class EventSourceMappingListener(Protocol):
    def event_source_mapping_changed(
        self, account_id: str, region: str, uuid: str, config: Optional[dict[str, Any]], enabled: bool
    ) -> None: ...


def source_type(event_source_arn: Optional[str], self_managed: Optional[dict]) -> Optional[str]:
    """Which poller an ARN needs, or None when Lambda cannot read from it."""
    if not event_source_arn:
        return KAFKA if self_managed else None
    parts = event_source_arn.split(":", 5)
    if len(parts) != 6:
        return None
    service, resource = parts[2], parts[5]
    if service == "sqs":
        return SQS
    if service == "kinesis" and resource.startswith("stream/"):
        return KINESIS
    if service == "dynamodb" and "/stream/" in resource:
        return DYNAMODB
    if service == "kafka":
        return MSK
    if service == "mq":
        return MQ
    if service in ("rds", "docdb") and resource.startswith("cluster:"):
        return DOCUMENTDB
    return None


# AWS's answers for a source that does not exist (a source in another region
# counts as missing: "The Lambda function and the Amazon SQS queue must be in
# the same AWS Region", https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html).
# Kinesis / DynamoDB: test_lambda_integration_kinesis.snapshot.json
# TestKinesisSource::test_esm_with_not_existing_kinesis_stream and
# test_lambda_integration_dynamodbstreams.snapshot.json
# TestDynamoDBEventSourceMapping::test_esm_with_not_existing_dynamodb_stream.
SQS_NOT_FOUND = (
    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
    "SQS Error Message: The specified queue does not exist for this wsdl version."
)
SOURCE_SERVICES = {SQS: "sqs", KINESIS: "kinesis", DYNAMODB: "dynamodb"}
# Answers meaning "no such source" (a ValidationException: the ARN names one that cannot exist).
_MISSING_CODES = frozenset(
    {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "ResourceNotFoundException", "ValidationException"}
)


def source_missing(kind: str, event_source_arn: str) -> ServiceError:
    return invalid_parameter(SQS_NOT_FOUND if kind == SQS else f"Stream not found: {event_source_arn}")


class SourceChecker:
    """Whether an event source exists, asked of the source service through the
    gateway itself, as the source's account (a 12-digit access key selects it)."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str, str], Any] = {}
        self._lock = threading.Lock()

    def _client(self, service: str, endpoint: str, account_id: str, region: str) -> Any:
        key = (service, endpoint, account_id, region)
        with self._lock:  # boto3 sessions are not safe to create concurrently
            client = self._clients.get(key)
            if client is None:
                import boto3
                from botocore.config import Config

                client = boto3.session.Session().client(
                    service,
                    endpoint_url=endpoint,
                    region_name=region,
                    aws_access_key_id=account_id,
                    aws_secret_access_key="lambda-internal",
                    config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
                )
                self._clients[key] = client
        return client

    def exists(self, kind: str, event_source_arn: str, endpoint: str) -> Optional[bool]:
        """True / False, or None when the source service gave no clear answer."""
        from botocore.exceptions import BotoCoreError, ClientError

        _, _, _, region, account_id, resource = event_source_arn.split(":", 5)
        # The queue's, the stream's (everything after "stream/") or the table's name.
        name = resource if kind == SQS else resource.split("/", 1)[1] if kind == KINESIS else resource.split("/")[1]
        if not name:
            return False
        client = self._client(SOURCE_SERVICES[kind], endpoint, account_id, region)
        try:
            if kind == SQS:
                # What AWS's poller reads: the queue's attributes, by its URL.
                client.get_queue_attributes(QueueUrl=f"{endpoint}/{account_id}/{name}", AttributeNames=["QueueArn"])
                return True
            if kind == KINESIS:
                # By name, in the ARN's account and region (the client's): an ARN
                # argument would route botocore through its account endpoints.
                client.describe_stream_summary(StreamName=name)
                return True
            # DynamoDB: the table's current stream must be the one named.
            table = client.describe_table(TableName=name)["Table"]
            return table.get("LatestStreamArn") == event_source_arn
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
                return False
            log.warning("could not check event source %s: %s", event_source_arn, error)
            return None
        except (BotoCoreError, ValueError) as error:
            log.warning("could not check event source %s: %s", event_source_arn, error)
            return None


def transition_reason(kind: str) -> str:
    return "User action" if kind in STREAMS else "USER_INITIATED"


def mapping_view(record: dict[str, Any], now: Optional[float] = None) -> Optional[dict[str, Any]]:
    """The mapping as AWS shows it now (None once a deletion completed)."""
    now = time.time() if now is None else now
    view = public(record)
    if record.get("_NextAt") is not None and now >= record["_NextAt"]:
        if not record.get("_Next"):
            return None
        view["State"] = record["_Next"]
    return view


def esm_arn(region: str, account_id: str, uuid: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:event-source-mapping:{uuid}"


class EventSourceMappingsApi(LambdaApiBase):
    # Listeners (the poller) --------------------------------------------------------
    def _esm_listeners(self) -> list[EventSourceMappingListener]:
        listeners = self.__dict__.get("_esm_listener_list")
        if listeners is None:
            listeners = self.__dict__.setdefault("_esm_listener_list", [])
        return listeners

    def add_event_source_mapping_listener(self, listener: EventSourceMappingListener) -> None:
        self._esm_listeners().append(listener)

    def iter_event_source_mappings(self) -> Iterator[tuple[str, str, str, dict[str, Any], bool]]:
        """(account, region, uuid, config, enabled) of every mapping that exists now."""
        now = time.time()
        for store in self.stores.all():
            for uuid, record in list(store.event_source_mappings.items()):
                view = mapping_view(record, now)
                if view is not None:
                    yield store.account_id, store.region, uuid, view, bool(record.get("_Enabled", True))

    def _esm_notify(self, store: LambdaStore, uuid: str, record: Optional[dict[str, Any]]) -> None:
        view = mapping_view(record) if record is not None else None
        enabled = bool(record.get("_Enabled", True)) if record is not None else False
        for listener in list(self._esm_listeners()):
            try:
                listener.event_source_mapping_changed(store.account_id, store.region, uuid, view, enabled)
            except Exception:  # noqa: BLE001 - a poller's failure must not fail the API call
                log.exception("event source mapping listener failed for %s", uuid)

    # Settling pending state changes ----------------------------------------------------
    def _esm_settle(self, store: LambdaStore, uuids: Optional[list[str]] = None) -> None:
        """Apply due state changes (under ``store.lock``), persisting them."""
        now = time.time()
        for uuid in uuids if uuids is not None else list(store.event_source_mappings):
            record = store.event_source_mappings.get(uuid)
            if record is None or record.get("_NextAt") is None or now < record["_NextAt"]:
                continue
            if not record.get("_Next"):
                del store.event_source_mappings[uuid]
                store.delete_event_source_mapping(uuid)
                continue
            record["State"] = record.pop("_Next")
            record.pop("_NextAt", None)
            store.save_event_source_mapping(uuid)

    @staticmethod
    def _esm_schedule(record: dict[str, Any], state: str, then: Optional[str]) -> None:
        record["State"] = state
        record["_Next"] = then or ""
        record["_NextAt"] = time.time() + TRANSITION_SECONDS

    def _esm_live_record(self, store: LambdaStore, uuid: str) -> dict[str, Any]:
        """A mapping not being deleted, with due changes settled (under ``store.lock``)."""
        self._esm_settle(store, [uuid])
        record = store.event_source_mappings.get(uuid)
        if record is None or (record["State"] == "Deleting"):
            raise not_found(NOT_FOUND)
        return record

    # Validation ---------------------------------------------------------------------
    def _esm_function_arn(self, context: RequestContext, store: LambdaStore, function_name: str) -> str:
        """The mapping's FunctionArn: qualified only when the caller qualified it."""
        ref = self.resolve(context, function_name)
        function = store.functions.get(ref.name)
        qualifier = ref.qualifier
        if function is None or (
            qualifier not in (None, LATEST) and qualifier not in function.versions and qualifier not in function.aliases
        ):
            raise invalid_parameter("Function does not exist")
        return function_arn(ref.region, ref.account_id, ref.name, qualifier)

    @staticmethod
    def _esm_validate(kind: str, config: dict[str, Any], event_source_arn: str) -> None:
        """Checks that depend on the source type, on the merged configuration."""
        if kind == SQS:
            if config.get("StartingPosition") or config.get("StartingPositionTimestamp") is not None:
                raise invalid_parameter("StartingPosition is not valid for SQS event sources.")
            fifo = event_source_arn.endswith(".fifo")
            batch, window = config.get("BatchSize", 10), config.get("MaximumBatchingWindowInSeconds", 0)
            if fifo and window:
                raise invalid_parameter("Batching window is not supported for FIFO queues")
            if fifo and batch > 10:
                raise invalid_parameter("Batch size must not exceed 10 for FIFO queues")
            if batch > 10 and not window:
                raise invalid_parameter(
                    "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
                )
        if kind in STREAMS + KAFKAS + (DOCUMENTDB,):
            position = config.get("StartingPosition")
            if not position:
                raise invalid_parameter(
                    "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
                    "Member must not be null."
                )
            if config.get("StartingPositionTimestamp") is not None and position != "AT_TIMESTAMP":
                raise invalid_parameter("Timestamp only valid with StartingPosition AT_TIMESTAMP")
            if position == "AT_TIMESTAMP" and kind == DYNAMODB:
                raise invalid_parameter(f"Unsupported starting position for arn type: {event_source_arn}")
        if kind not in STREAMS:
            for name in STREAM_ONLY:
                if name in config:
                    raise invalid_parameter(f"Unsupported {name} parameter for given event source mapping type.")
        if kind != SQS and "ScalingConfig" in config:
            raise invalid_parameter("Unsupported ScalingConfig parameter for given event source mapping type.")
        destinations = config.get("DestinationConfig")
        if destinations:
            if kind in (SQS, MQ, DOCUMENTDB):
                raise invalid_parameter("Unsupported DestinationConfig parameter for given event source mapping type.")
            for kind_name, services in (("OnFailure", {"sqs", "sns", "s3"}), ("OnSuccess", {"sqs", "sns", "s3"})):
                target = (destinations.get(kind_name) or {}).get("Destination")
                if not target:
                    continue
                service = target.split(":")[2] if target.startswith("arn:") and target.count(":") >= 5 else ""
                if service not in services or (kind_name == "OnSuccess" and kind not in KAFKAS):
                    raise invalid_parameter(f"The provided destination config {describe_destination_config(destinations)} is invalid.")
        for item in (config.get("FilterCriteria") or {}).get("Filters") or []:
            try:
                pattern = json.loads(item.get("Pattern") or "")
            except ValueError:
                pattern = None
            if not isinstance(pattern, dict):
                raise invalid_parameter("Invalid filter pattern definition.")

    # Source checks ---------------------------------------------------------------------
    def _esm_source_checker(self) -> SourceChecker:
        checker = self.__dict__.get("_esm_source_checker_instance")
        if checker is None:
            checker = self.__dict__.setdefault("_esm_source_checker_instance", SourceChecker())
        return checker

    def _esm_check_source(self, context: RequestContext, kind: str, event_source_arn: str) -> None:
        """AWS's InvalidParameterValueException when an SQS queue, Kinesis stream or
        DynamoDB stream does not exist (in the function's region). Not under the
        store lock: this is a request to the gateway itself."""
        if kind not in SOURCE_SERVICES:
            return
        parts = event_source_arn.split(":", 5)
        region, account_id = parts[3], parts[4]
        if region != context.region or not (account_id.isdigit() and len(account_id) == 12):
            raise source_missing(kind, event_source_arn)
        service = SOURCE_SERVICES[kind]
        if not self.gateway.config.service_enabled(service):
            log.warning("%s is not served (SERVICES); cannot check event source %s", service, event_source_arn)
            return
        if self._esm_source_checker().exists(kind, event_source_arn, self.gateway_endpoint(context)) is False:
            raise source_missing(kind, event_source_arn)

    # Operations -----------------------------------------------------------------------
    def create_event_source_mapping(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        event_source_arn = request.get("EventSourceArn")
        kind = source_type(event_source_arn, request.get("SelfManagedEventSource"))
        if kind is None:
            raise invalid_parameter("Unrecognized event source.")
        with store.lock:
            self._esm_function_arn(context, store, request["FunctionName"])
        config: dict[str, Any] = copy.deepcopy(DEFAULTS[kind])
        config.update({name: request[name] for name in ECHOED if request.get(name) is not None})
        if request.get("StartingPositionTimestamp") is not None:
            config["StartingPositionTimestamp"] = _epoch(request["StartingPositionTimestamp"])
        self._esm_validate(kind, config, event_source_arn or "")
        tags = dict(request.get("Tags") or {})
        validate_tags(tags)
        if event_source_arn:
            self._esm_check_source(context, kind, event_source_arn)
        with store.lock:
            # Again: the function may have gone while the source was checked.
            function_arn_value = self._esm_function_arn(context, store, request["FunctionName"])
            uuid = str(uuidlib.uuid4())
            # Kafka consumers join the group named after the mapping unless told otherwise.
            if kind == MSK and "AmazonManagedKafkaEventSourceConfig" not in config:
                config["AmazonManagedKafkaEventSourceConfig"] = {"ConsumerGroupId": uuid}
            if kind == KAFKA and "SelfManagedKafkaEventSourceConfig" not in config:
                config["SelfManagedKafkaEventSourceConfig"] = {"ConsumerGroupId": uuid}
            self._esm_settle(store)
            if event_source_arn:
                self._esm_check_duplicate(store, kind, event_source_arn, function_arn_value)
            enabled = request.get("Enabled", True) is not False
            now = time.time()
            record = {
                **config,
                "UUID": uuid,
                "FunctionArn": function_arn_value,
                "LastModified": now,
                "StateTransitionReason": transition_reason(kind),
                "EventSourceMappingArn": esm_arn(store.region, store.account_id, uuid),
                "_Enabled": enabled,
                "_Tags": tags,
                "_Created": now,
                "_Kind": kind,
            }
            if event_source_arn:
                record["EventSourceArn"] = event_source_arn
            self._esm_schedule(record, "Creating", "Enabled" if enabled else "Disabled")
            store.event_source_mappings[uuid] = record
            store.save_event_source_mapping(uuid)
        self._esm_notify(store, uuid, record)
        return public(record)

    @staticmethod
    def _esm_check_duplicate(store: LambdaStore, kind: str, event_source_arn: str, function_arn_value: str) -> None:
        for uuid, other in store.event_source_mappings.items():
            if (
                other.get("EventSourceArn") == event_source_arn
                and other.get("FunctionArn") == function_arn_value
                and other.get("State") != "Deleting"
            ):
                name = function_arn_value.split(":")[6]
                if kind == SQS:
                    # test_lambda_integration_sqs.snapshot.json
                    # TestSQSEventSourceMapping::test_duplicate_event_source_mappings
                    raise conflict(
                        f'An event source mapping with SQS arn (" {event_source_arn} ") and function (" {name} ") '
                        f"already exists. Please update or delete the existing mapping with UUID {uuid}"
                    )
                raise conflict(
                    f'The event source arn (" {event_source_arn} ") and function (" {name} ") provided mapping already '
                    f"exists. Please update or delete the existing mapping with UUID {uuid}"
                )

    def get_event_source_mapping(self, context: RequestContext, request: dict) -> dict:
        record = self.store(context).event_source_mappings.get(request["UUID"])
        view = mapping_view(record) if record is not None else None
        if view is None:
            raise not_found(NOT_FOUND)
        return view

    def update_event_source_mapping(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        uuid = request["UUID"]
        with store.lock:
            record = self._esm_live_record(store, uuid)
            updated = dict(record)
            if request.get("FunctionName"):
                updated["FunctionArn"] = self._esm_function_arn(context, store, request["FunctionName"])
            updated.update({name: request[name] for name in UPDATABLE if request.get(name) is not None})
            kind = record.get("_Kind") or source_type(record.get("EventSourceArn"), record.get("SelfManagedEventSource")) or SQS
            self._esm_validate(kind, public(updated), record.get("EventSourceArn") or "")
            was_enabled = bool(record.get("_Enabled", True))
            enabled = was_enabled if request.get("Enabled") is None else bool(request["Enabled"])
            updated["_Enabled"] = enabled
            updated["LastModified"] = time.time()
            if enabled != was_enabled:
                self._esm_schedule(updated, "Enabling" if enabled else "Disabling", "Enabled" if enabled else "Disabled")
            else:
                self._esm_schedule(updated, "Updating", "Enabled" if enabled else "Disabled")
            store.event_source_mappings[uuid] = updated
            store.save_event_source_mapping(uuid)
        self._esm_notify(store, uuid, updated)
        return public(updated)

    def delete_event_source_mapping(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        uuid = request["UUID"]
        with store.lock:
            self._esm_settle(store, [uuid])
            record = store.event_source_mappings.get(uuid)
            if record is None:
                raise not_found(NOT_FOUND)
            if record["State"] != "Deleting":
                self._esm_schedule(record, "Deleting", None)
                store.save_event_source_mapping(uuid)
        self._esm_notify(store, uuid, None)
        return public(record)

    def list_event_source_mappings(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        source_filter = request.get("EventSourceArn")
        name_filter = qualifier_filter = None
        if request.get("FunctionName"):
            ref = self.resolve(context, request["FunctionName"])
            name_filter, qualifier_filter = ref.name, ref.qualifier
        with store.lock:
            self._esm_settle(store)
            records = sorted(store.event_source_mappings.values(), key=lambda r: r.get("_Created", 0))
        now = time.time()
        items = []
        for record in records:
            if source_filter and record.get("EventSourceArn") != source_filter:
                continue
            if name_filter:
                arn_parts = record["FunctionArn"].split(":")
                qualifier = arn_parts[7] if len(arn_parts) > 7 else None
                if arn_parts[6] != name_filter or (qualifier_filter and qualifier != qualifier_filter):
                    continue
            view = mapping_view(record, now)
            if view is not None:
                items.append(view)
        page, next_marker = paginate(items, lambda item: item["UUID"], request.get("Marker"), request.get("MaxItems"), 100)
        response: dict[str, Any] = {"EventSourceMappings": page}
        if next_marker:
            response["NextMarker"] = next_marker
        return response


def _epoch(value: Any) -> float:
    """A timestamp parameter (datetime or number) as epoch seconds, as it persists."""
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value)
