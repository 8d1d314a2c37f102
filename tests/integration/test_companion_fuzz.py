"""Generated requests for every operation of the moto-backed companion services.

For each operation of kinesis, dynamodb, dynamodbstreams, logs, events, sns, iam,
sqs, sts, s3 and kafka, and EC2's VPC, subnet and security-group family (what Lambda's
``VpcConfig`` asks EC2 about: all 830 EC2 operations would take minutes), a seeded generator builds a few parameter sets from the
botocore input shape:

- ``full``: every member, with values that satisfy the model (pattern, length,
  range, enum) where the generator can, so the request reaches moto and asks
  for resources that do not exist;
- ``required``: only the required members, again model-valid;
- ``junk``: some members, with values that break the model's constraints
  (empty, overlong, out of range, outside the enum, off-pattern), sometimes a
  required member left out;
- ``existing``: like ``full``, but members that name a resource (``StreamName``,
  ``TableName``, ``QueueUrl``, ``Bucket``...) name one the module created, and
  a quarter of the other values are junk, to reach deeper into moto (not for
  ``Delete*`` operations, which would take the resources away).

botocore's own client serializer puts each set on the wire (no client-side
validation), the request is signed for the service (the signature is not
checked) and sent through the real gateway. Whatever the outcome, the gateway
answers below 500 (except 501 for an operation moto lacks), every error parses
with botocore's response parser for the protocol into an error code, no
traceback leaks, and the gateway keeps serving.

Deterministic (``random.Random`` seeded per operation) and bounded:
``COMPANION_FUZZ_SETS`` rounds of the four sets per operation (default 2:
about 5,000 requests, some 10 seconds).
"""

from __future__ import annotations

import os
import random
import re
import string
from datetime import datetime, timedelta, timezone
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Optional
from urllib.parse import urlsplit

import botocore.session
import pytest
import requests
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.parsers import create_parser as create_response_parser
from botocore.serialize import create_serializer

SERVICES = ["kinesis", "dynamodb", "dynamodbstreams", "logs", "events", "sns", "iam", "sqs", "sts", "s3", "kafka", "ec2"]
# Services fuzzed on part of their operations (the rest: every operation).
OPERATION_FAMILIES = {
    "ec2": re.compile(
        r"^(Create|Delete|Describe|Modify|Associate|Disassociate|Authorize|Revoke|Update)"
        r"(Default)?(Vpcs?|VpcAttribute|VpcCidrBlock|Subnets?|Subnet(Attribute|CidrBlock|CidrReservation)"
        r"|SecurityGroup\w*)$"
    ),
}
ROUNDS = int(os.environ.get("COMPANION_FUZZ_SETS", "2"))
KINDS = ["full", "required", "junk", "existing"]
ACCOUNT = "000000000000"
REGION = "us-east-1"
MAX_DEPTH = 5
BASE = "http://gateway"

_SESSION = botocore.session.get_session()
MODELS: dict[str, ServiceModel] = {name: _SESSION.get_service_model(name) for name in SERVICES}


def fuzzed_operations(service: str) -> list[str]:
    family = OPERATION_FAMILIES.get(service)
    names = MODELS[service].operation_names
    return [name for name in names if family.match(name)] if family else list(names)

JUNK_STRINGS = [
    "",
    " ",
    "x" * 2100,
    "../../etc/passwd",
    "%2F%00%ZZ",
    "f\u00e9\u20ac\U0001F600",
    "\x00\x01\x1f",
    "line\nbreak",
    "{}",
    "null",
    "arn:aws:nope",
    "*",
]


# -- values ----------------------------------------------------------------------------------


class RegexSampler:
    """A string matching a Python-compatible regular expression (None if it is not one)."""

    MAX_REPEAT = 12

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sample(self, pattern: str) -> Optional[str]:
        try:
            parsed = sre_parse.parse(pattern)
            compiled = re.compile(pattern)
        except (re.error, OverflowError, RecursionError):
            return None
        for _ in range(5):
            try:
                text = self._emit(parsed)
            except (_Unsupported, RecursionError):
                return None
            if compiled.fullmatch(text):
                return text
        return None

    def _emit(self, items: Any) -> str:
        return "".join(self._item(op, arg) for op, arg in items)

    def _item(self, op: Any, arg: Any) -> str:
        rng = self.rng
        if op is sre_constants.LITERAL:
            return chr(arg)
        if op is sre_constants.NOT_LITERAL:
            return "a" if arg != ord("a") else "b"
        if op is sre_constants.ANY:
            return rng.choice(string.ascii_letters)
        if op is sre_constants.IN:
            return self._in(arg)
        if op is sre_constants.BRANCH:
            return self._emit(rng.choice(arg[1]))
        if op is sre_constants.SUBPATTERN:
            return self._emit(arg[-1])
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)):
            low, high, body = arg
            high = min(high, low + self.MAX_REPEAT) if high != sre_constants.MAXREPEAT else low + self.MAX_REPEAT
            return "".join(self._emit(body) for _ in range(rng.randint(low, max(low, min(high, low + 8)))))
        if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            return ""
        if op is sre_constants.CATEGORY:
            return self._category(arg)
        raise _Unsupported(op)

    def _in(self, items: list) -> str:
        if items and items[0][0] is sre_constants.NEGATE:
            excluded = set()
            for op, arg in items[1:]:
                if op is sre_constants.LITERAL:
                    excluded.add(chr(arg))
                elif op is sre_constants.RANGE:
                    excluded.update(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 512) + 1))
            choices = [c for c in string.ascii_letters + string.digits if c not in excluded]
            if not choices:
                raise _Unsupported("negated class")
            return self.rng.choice(choices)
        op, arg = self.rng.choice(items)
        if op is sre_constants.LITERAL:
            return chr(arg)
        if op is sre_constants.RANGE:
            low, high = arg
            if low <= ord("z") and high >= ord("a"):  # prefer readable letters inside wide ranges
                low, high = max(low, ord("a")), min(high, ord("z"))
            elif low <= ord("9") and high >= ord("0"):
                low, high = max(low, ord("0")), min(high, ord("9"))
            return chr(self.rng.randint(low, high))
        if op is sre_constants.CATEGORY:
            return self._category(arg)
        raise _Unsupported(op)

    def _category(self, category: Any) -> str:
        name = str(category)
        if "NOT" in name:
            return "-"
        if "DIGIT" in name:
            return self.rng.choice(string.digits)
        if "SPACE" in name:
            return " "
        return self.rng.choice(string.ascii_lowercase)


class _Unsupported(Exception):
    pass


class Generator:
    """Parameter sets for one operation; every choice comes from ``rng``."""

    def __init__(self, service: str, rng: random.Random, known: Optional[dict[str, Any]] = None) -> None:
        self.service = service
        self.rng = rng
        self.regex = RegexSampler(rng)
        self.known = known or {}

    def params(self, operation: OperationModel, kind: str) -> dict:
        shape = operation.input_shape
        if shape is None:
            return {}
        return self.structure(shape, kind, 0, top=True)

    def structure(self, shape: Shape, kind: str, depth: int, top: bool = False) -> dict:
        if depth >= MAX_DEPTH:
            return {}
        required = set(shape.required_members)
        members = list(shape.members.items())
        if shape.metadata.get("union"):  # exactly one member
            members = [self.rng.choice(members)] if members else []
            required = {name for name, _ in members}
        chosen = {}
        for name, member in members:
            if kind == "junk":
                keep = name in required and (not top or self.rng.random() > 0.2)
                keep = keep or self.rng.random() < 0.4
            elif kind == "required" and top:
                keep = name in required
            else:
                keep = name in required or self.rng.random() < (0.9 if depth == 0 else 0.5)
            if not keep:
                continue
            if kind == "existing" and name in self.known and self.rng.random() < 0.85:
                chosen[name] = self.known[name]
            else:
                chosen[name] = self.value(member, kind, depth + 1, name)
        return chosen

    def value(self, shape: Shape, kind: str, depth: int, name: str = "") -> Any:
        junk = self.rng.random() < {"junk": 0.6, "existing": 0.25}.get(kind, 0)
        type_name = shape.type_name
        meta = shape.metadata
        if type_name == "structure":
            if shape.is_document_type:
                return {"fuzz": [1, "two", None]}
            return self.structure(shape, kind, depth)
        if type_name == "list":
            if depth >= MAX_DEPTH:
                return []
            low = meta.get("min", 0)
            count = self.rng.choice([0, low + 60]) if junk else max(low, min(self.rng.randint(0, 2), meta.get("max", 2)))
            count = min(count, 120)
            return [self.value(shape.member, kind, depth + 1, name) for _ in range(count)]
        if type_name == "map":
            if depth >= MAX_DEPTH:
                return {}
            count = max(meta.get("min", 0), min(self.rng.randint(0, 2), meta.get("max", 2)))
            return {
                str(self.value(shape.key, kind, depth + 1)) or "k": self.value(shape.value, kind, depth + 1)
                for _ in range(count)
            }
        if type_name == "string":
            return self.string(shape, junk, name)
        if type_name in ("integer", "long"):
            low, high = int(meta.get("min", 0)), int(meta.get("max", 1000))
            if junk:
                return self.rng.choice([low - 1, high + 1, -1, 2**31 - 1, 0])
            return self.rng.randint(low, max(low, min(high, low + 1000)))
        if type_name in ("float", "double"):
            return self.rng.choice([-1.5, 0.0, 1.5, 1e300]) if junk else float(self.rng.randint(0, 100))
        if type_name == "boolean":
            return self.rng.random() < 0.5
        if type_name == "blob":
            return b"\x00\xff" * 40 if junk else b"fuzz"
        if type_name == "timestamp":
            now = datetime(2024, 6, 1, tzinfo=timezone.utc)
            return now + timedelta(days=self.rng.randint(-4000, 4000) if junk else self.rng.randint(-30, 0))
        return None

    def string(self, shape: Shape, junk: bool, name: str) -> str:
        meta = shape.metadata
        low, high = int(meta.get("min", 0)), int(meta.get("max", 256))
        if junk:
            choice = self.rng.random()
            if choice < 0.3 and low > 0:
                return ""
            if choice < 0.5:
                return "x" * (high + 1) if high < 3000 else "x" * 3000
            if "enum" in meta and choice < 0.7:
                return "NotAnEnumValue"
            return self.rng.choice(JUNK_STRINGS)
        if "enum" in meta:
            return self.rng.choice(meta["enum"])
        pattern = meta.get("pattern")
        if pattern:
            text = self.regex.sample(pattern)
            if text is not None and low <= len(text) <= high:
                return text
        return self.plausible(name, low, high)

    def plausible(self, name: str, low: int, high: int) -> str:
        lowered = name.lower()
        suffix = "".join(self.rng.choice(string.ascii_lowercase) for _ in range(8))
        if lowered.endswith("arn") or lowered.endswith("arns"):
            text = f"arn:aws:{self.service}:{REGION}:{ACCOUNT}:fuzz/{suffix}"
        elif "url" in lowered and self.service == "sqs":
            text = f"http://localhost:4566/{ACCOUNT}/fuzz-{suffix}"
        elif "policy" in lowered or "document" in lowered or "pattern" in lowered:
            text = '{"Version": "2012-10-17", "Statement": []}'
        elif "json" in lowered or "detail" in lowered:
            text = "{}"
        else:
            text = f"fuzz-{suffix}"
        if len(text) > high:
            text = text[:high]
        if len(text) < low:
            text = text + "x" * (low - len(text))
        return text


# -- requests --------------------------------------------------------------------------------


def build_request(service: str, operation: OperationModel, params: dict) -> Optional[dict]:
    model = MODELS[service]
    protocol = model.metadata["protocol"]
    serializer = create_serializer(protocol, include_validation=False)
    try:
        request_dict = serializer.serialize_to_request(params, operation)
        prepare_request_dict(request_dict, endpoint_url=BASE)
        prepared = create_request_object(request_dict).prepare()
    except Exception:  # noqa: BLE001 - values botocore itself cannot put on the wire
        return None
    headers = {_header_name(name): _header_value(value) for name, value in prepared.headers.items()}
    signing = model.metadata.get("signingName") or model.metadata["endpointPrefix"]
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential=test/20240101/{REGION}/{signing}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0000"
    )
    headers["X-Amz-Date"] = "20240101T000000Z"
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, (bytes, bytearray)):
        body = body.read()
    headers["Content-Length"] = str(len(body))  # a ContentLength member must not stall the request
    # A host prefix (``streaming-`` for CloudWatch Logs' event streams) is for AWS's DNS.
    parts = urlsplit(prepared.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return {"method": prepared.method, "url": path, "headers": headers, "body": body}


def _header_name(name: str) -> str:
    """What an HTTP client can send as a name: ASCII (a generated S3 metadata key may not be)."""
    return name if name.isascii() else name.encode("ascii", "replace").decode().replace("?", "x")


def _header_value(value: Any) -> str:
    """What an HTTP client can send: latin-1, no line breaks, no leading blank."""
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return "fuzz"
    if any(c in text for c in "\r\n\x00") or text[:1].isspace():
        return "fuzz"
    return text


def check_response(service: str, operation: OperationModel, request: dict, response: requests.Response) -> None:
    status = response.status_code
    context = (
        f"{service}.{operation.name} {request['method']} {request['url']} {request['body'][:300]!r}"
        f" -> {status}: {response.text[:600]}"
    )
    assert "Traceback" not in response.text, context
    if status >= 500:
        assert status == 501 and "not implemented" in response.text.lower(), context
    if status < 300:
        return
    parser = create_response_parser(MODELS[service].metadata["protocol"])
    parsed = parser.parse(
        {"status_code": status, "headers": response.headers, "body": response.content}, operation.output_shape
    )
    if request["method"] == "HEAD":  # no body: botocore names the error by its status
        return
    assert parsed.get("Error", {}).get("Code"), context


def send(session: requests.Session, gateway_url: str, request: dict) -> requests.Response:
    url = gateway_url + request["url"]
    return session.request(request["method"], url, headers=request["headers"], data=request["body"], timeout=60)


# -- tests -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def session(gateway_url: str):
    requests.post(gateway_url + "/_gateway/reset", timeout=30)
    with requests.Session() as session:
        yield session
    requests.post(gateway_url + "/_gateway/reset", timeout=30)


@pytest.fixture(scope="module")
def known(gateway_url: str, session: requests.Session) -> dict[str, dict[str, Any]]:
    """Resources of each service, created once, and the member values naming them."""
    import boto3
    from botocore.config import Config

    def client(service: str) -> Any:
        return boto3.client(
            service, endpoint_url=gateway_url, region_name=REGION, aws_access_key_id="test",
            aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}),
        )

    kinesis = client("kinesis")
    kinesis.create_stream(StreamName="fuzz-stream", ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName="fuzz-stream")["StreamDescription"]["StreamARN"]
    kinesis.put_record(StreamName="fuzz-stream", Data=b"fuzz", PartitionKey="p")
    kinesis_iterator = kinesis.get_shard_iterator(
        StreamName="fuzz-stream", ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    dynamodb = client("dynamodb")
    table = dynamodb.create_table(
        TableName="fuzz-table", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    dynamodb.put_item(TableName="fuzz-table", Item={"pk": {"S": "fuzz"}, "n": {"N": "1"}})
    streams = client("dynamodbstreams")
    table_stream = table["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=table_stream)["StreamDescription"]["Shards"][0]["ShardId"]
    streams_iterator = streams.get_shard_iterator(
        StreamArn=table_stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    logs = client("logs")
    logs.create_log_group(logGroupName="fuzz-group")
    logs.create_log_stream(logGroupName="fuzz-group", logStreamName="fuzz-stream")
    logs.put_log_events(logGroupName="fuzz-group", logStreamName="fuzz-stream",
                        logEvents=[{"timestamp": 1717200000000, "message": "fuzz"}])
    events = client("events")
    bus_arn = events.create_event_bus(Name="fuzz-bus")["EventBusArn"]
    rule_arn = events.put_rule(Name="fuzz-rule", EventBusName="fuzz-bus", EventPattern='{"source": ["fuzz"]}')["RuleArn"]
    sns = client("sns")
    topic_arn = sns.create_topic(Name="fuzz-topic")["TopicArn"]
    sqs = client("sqs")
    queue_url = sqs.create_queue(QueueName="fuzz-queue")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="fuzz")
    iam = client("iam")
    trust = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
    role_arn = iam.create_role(RoleName="fuzz-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.create_user(UserName="fuzz-user")
    iam.create_group(GroupName="fuzz-group")
    policy_arn = iam.create_policy(
        PolicyName="fuzz-policy",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
    )["Policy"]["Arn"]
    ec2 = client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.99.1.0/24")["Subnet"]["SubnetId"]
    group_id = ec2.create_security_group(GroupName="fuzz-group", Description="fuzz", VpcId=vpc_id)["GroupId"]
    s3 = client("s3")
    s3.create_bucket(Bucket="fuzz-bucket")
    s3.put_object(Bucket="fuzz-bucket", Key="fuzz-key", Body=b"fuzz")
    return {
        "kinesis": {"StreamName": "fuzz-stream", "StreamARN": stream_arn, "ShardId": "shardId-000000000000",
                    "ShardIterator": kinesis_iterator, "ResourceARN": stream_arn},
        "dynamodb": {"TableName": "fuzz-table", "TableArn": table["TableArn"], "ResourceArn": table["TableArn"],
                     "Key": {"pk": {"S": "fuzz"}}, "Item": {"pk": {"S": "fuzz"}, "n": {"N": "2"}}},
        "dynamodbstreams": {"StreamArn": table_stream, "ShardId": shard, "ShardIterator": streams_iterator,
                            "TableName": "fuzz-table"},
        "logs": {"logGroupName": "fuzz-group", "logStreamName": "fuzz-stream", "logGroupIdentifier": "fuzz-group",
                 "logGroupIdentifiers": ["fuzz-group"], "logGroupNames": ["fuzz-group"]},
        "events": {"EventBusName": "fuzz-bus", "Name": "fuzz-rule", "Rule": "fuzz-rule", "Arn": rule_arn,
                   "ResourceARN": bus_arn},
        "sns": {"TopicArn": topic_arn, "ResourceArn": topic_arn, "TargetArn": topic_arn},
        "sqs": {"QueueUrl": queue_url, "QueueName": "fuzz-queue"},
        "iam": {"RoleName": "fuzz-role", "UserName": "fuzz-user", "GroupName": "fuzz-group", "PolicyArn": policy_arn},
        "sts": {"RoleArn": role_arn},
        "s3": {"Bucket": "fuzz-bucket", "Key": "fuzz-key"},
        "kafka": {},
        "ec2": {"VpcId": vpc_id, "SubnetId": subnet_id, "GroupId": group_id, "SubnetIds": [subnet_id],
                "GroupIds": [group_id], "VpcIds": [vpc_id]},
    }


@pytest.mark.parametrize("service", SERVICES)
def test_fuzz_service(gateway_url: str, session: requests.Session, known: dict, service: str) -> None:
    """Every operation of ``service``, a few generated parameter sets each."""
    failures = []
    sent = 0
    model = MODELS[service]
    operations = fuzzed_operations(service)
    for operation_name in operations:
        operation = model.operation_model(operation_name)
        rng = random.Random(f"{service}.{operation_name}")
        generator = Generator(service, rng, known[service])
        for _ in range(ROUNDS):
            for kind in KINDS:
                if kind == "existing" and operation_name.startswith("Delete"):
                    continue
                params = generator.params(operation, kind)
                request = build_request(service, operation, params)
                if request is None:
                    continue
                sent += 1
                response = send(session, gateway_url, request)
                try:
                    check_response(service, operation, request, response)
                except AssertionError as failure:
                    failures.append(f"[{kind}] {failure}")
    assert sent >= len(operations), f"only {sent} requests were sent"
    assert not failures, f"{len(failures)} bad answers:\n" + "\n\n".join(failures[:40])


def test_gateway_still_serves_after_fuzzing(gateway_url: str, session: requests.Session) -> None:
    health = requests.get(gateway_url + "/_gateway/health", timeout=10).json()
    assert health["services"]["sqs"] == "running"
    listed = session.post(
        gateway_url + "/",
        data="Action=ListQueues&Version=2012-11-05",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert listed.status_code == 200 and "ListQueuesResponse" in listed.text, listed.text[:500]
