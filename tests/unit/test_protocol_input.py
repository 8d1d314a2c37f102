"""botocore's client-side protocol tests, run backwards through our parsers.

Each case of ``<protocol-tests>/input/<protocol>.json`` gives an operation
model, the client ``params`` and the HTTP request a client ``serialized`` from
them. A server-side parser must turn that request back into the same params.

Values are compared after normalisation: timestamps as instants, blobs as
bytes, special floats by name, ``null`` params dropped (absent == null).
Cases that cannot hold on a server say why in ``pytest.skip``.

The cases come from the sdist of the installed botocore, cached on first use
(``tests/support/protocol_data.py``; ``$PROTOCOL_TESTS_DIR`` overrides). Without
them the module fails to load: the suite never shrinks silently.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Iterator

import pytest
from botocore.model import ServiceModel, Shape
from botocore.utils import parse_timestamp
from werkzeug.datastructures import Headers

from gateway.http import HttpRequest
from tests.support.protocol_data import UNSERVED_PROTOCOLS, protocol_tests_dir
from gateway.protocol.parsers import create_parser

DATA_DIR = protocol_tests_dir()
INPUT_DIR = DATA_DIR / "input"
REST_PROTOCOLS = ("rest-json", "rest-xml")


# -- why some cases cannot pass on a server -----------------------------------

COMPRESSED_BODY = (
    "the request body is gzip (binary) and is not part of the fixture; botocore skips this "
    "suite too. gzip intake is covered in test_parsers.py"
)
BASE_PATH = (
    "client endpoint has a base path (/custom/...); the gateway serves operations at the root"
)
TOKEN_AUTOFILL = (
    "idempotency token autofill is client-side: the wire carries a token the params do not"
)
SERVER_QUERY_MAP = (
    "client-side precedence case: a server puts every query parameter in the map, the "
    "named ones included (Smithy's RestJsonServersPutAllQueryParamsInMap), as "
    "RestJsonAllQueryStringTypes checks"
)
SKIPPED_CASES = {
    "RestJsonQueryParamsStringListMap": SERVER_QUERY_MAP,
    "RestXmlQueryParamsStringListMap": SERVER_QUERY_MAP,
    "RestJsonQueryPrecedence": (
        "the client drops the map entry shadowed by a named query parameter; the value is not "
        "on the wire (botocore ignores this case)"
    ),
    "RestXmlQueryPrecedence": (
        "the client drops the map entry shadowed by a named query parameter; the value is not "
        "on the wire (botocore ignores this case)"
    ),
    "MediaTypeHeaderInputBase64": (
        "Smithy @mediaType header carries base64 of the raw string; botocore sends jsonvalue "
        "headers as base64 JSON, and we parse what botocore sends (botocore ignores this case)"
    ),
}


def _load_suites() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for path in sorted(INPUT_DIR.glob("*.json")):
        for suite in json.loads(path.read_text()):
            for case in suite["cases"]:
                yield path.stem, suite, case


def _cases() -> list[Any]:
    seen: Counter[str] = Counter()
    params = []
    for stem, suite, case in _load_suites():
        case_id = case.get("id") or case.get("description", "case")
        seen[(stem, case_id)] += 1
        suffix = f"-{seen[(stem, case_id)]}" if seen[(stem, case_id)] > 1 else ""
        params.append(pytest.param(stem, suite, case, id=f"{stem}:{case_id}{suffix}"))
    return params


def _service(suite: dict[str, Any], operations: dict[str, Any]) -> ServiceModel:
    description = {
        "metadata": suite["metadata"],
        "shapes": suite["shapes"],
        "operations": operations,
    }
    return ServiceModel(description, service_name="protocoltest")


def _request(serialized: dict[str, Any], suite: dict[str, Any] | None = None, operation: str = "") -> HttpRequest:
    path, _, query = serialized.get("uri", "/").partition("?")
    headers = Headers()
    for name, value in serialized.get("headers", {}).items():
        headers.add(name, value)
    metadata = (suite or {}).get("metadata", {})
    if metadata.get("protocol") == "json" and "X-Amz-Target" not in headers:
        # Some json_1_0 fixtures list only the headers they assert on; every
        # botocore json request carries X-Amz-Target (serialize.JSONSerializer).
        headers["X-Amz-Target"] = f"{metadata['targetPrefix']}.{operation}"
    body = serialized.get("body", "").encode("utf-8")
    if "host" in serialized:
        headers["Host"] = serialized["host"]
    if body and "Content-Length" not in headers:
        headers["Content-Length"] = str(len(body))
    return HttpRequest(
        method=serialized.get("method", "POST"),
        path=path,
        query_string=query,
        headers=headers,
        body=body,
    )


def skip_reason(protocol: str, suite: dict[str, Any], case: dict[str, Any], service: ServiceModel) -> str | None:
    case_id = case.get("id", "")
    if protocol in UNSERVED_PROTOCOLS:
        return UNSERVED_PROTOCOLS[protocol]
    if case_id in SKIPPED_CASES:
        return SKIPPED_CASES[case_id]
    serialized = case["serialized"]
    if "body" not in serialized and "Content-Encoding" in serialized.get("headers", {}):
        return COMPRESSED_BODY
    if protocol in REST_PROTOCOLS and serialized.get("uri", "").startswith("/custom/"):
        return BASE_PATH
    shape = service.operation_model(case["given"]["name"]).input_shape
    if shape is not None:
        for name, member in shape.members.items():
            if member.metadata.get("idempotencyToken") and name not in case["params"]:
                return TOKEN_AUTOFILL
    return None


# -- normalisation -------------------------------------------------------------


def drop_wireless_empties(
    protocol: str, shape: Shape, params: dict[str, Any], request: HttpRequest
) -> dict[str, Any]:
    """Empty collections the client sent nothing for are absent to a server:
    query/ec2 maps, ec2 lists, and rest lists/maps bound to a header or the
    query string when that header or parameter is not in the request."""
    kept = {}
    for name, value in params.items():
        member = shape.members[name]
        if value == [] or value == {}:
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if protocol == "ec2" or (protocol == "query" and member.type_name == "map"):
                continue
            if location == "header" and wire not in request.headers:
                continue
            if location == "headers" and not any(
                header.lower().startswith(wire.lower()) for header in request.headers.keys()
            ):
                continue
            if location == "querystring" and (member.type_name == "map" or wire not in request.query_args):
                continue
        kept[name] = value
    return kept


def drop_named_params_from_query_map(
    shape: Shape, actual: dict[str, Any], expected: dict[str, Any]
) -> dict[str, Any]:
    """Servers put every query parameter in a querystring map, the ones bound to
    named members too (Smithy: RestJsonServersPutAllQueryParamsInMap). Older
    fixtures leave the map unset then: accept a map holding only named ones."""
    named = {
        member.serialization.get("name", name)
        for name, member in shape.members.items()
        if member.serialization.get("location") == "querystring" and member.type_name != "map"
    }
    result = dict(actual)
    for name, member in shape.members.items():
        if member.serialization.get("location") == "querystring" and member.type_name == "map":
            if name in actual and name not in expected:
                assert set(actual[name]) <= named, f"{name} holds unbound parameters"
                del result[name]
    return result


def canonical(shape: Shape, value: Any) -> Any:
    """A comparable form of params, client-side (as in the fixture) or ours."""
    type_name = shape.type_name
    if type_name == "structure":
        if shape.is_document_type:
            return value
        members = shape.members
        return {k: canonical(members[k], v) for k, v in value.items() if v is not None}
    if type_name == "list":
        return [canonical(shape.member, v) for v in value if v is not None]
    if type_name == "map":
        return {k: canonical(shape.value, v) for k, v in value.items() if v is not None}
    if type_name == "timestamp":
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, (int, float)):
            return float(value)
        return parse_timestamp(value).timestamp()
    if type_name == "blob":
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if type_name in ("float", "double"):
        if isinstance(value, str):
            return value
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return float(value)
    return value


def check_types(shape: Shape, value: Any, path: str = "") -> None:
    """Our params use Python types a provider can rely on."""
    assert value is not None, f"None at {path or '<root>'}"
    type_name = shape.type_name
    if type_name == "structure" and not shape.is_document_type:
        assert isinstance(value, dict), path
        for key, item in value.items():
            assert key in shape.members, f"unknown member {key} at {path}"
            check_types(shape.members[key], item, f"{path}.{key}")
    elif type_name == "list":
        assert isinstance(value, list), path
        for index, item in enumerate(value):
            check_types(shape.member, item, f"{path}[{index}]")
    elif type_name == "map":
        assert isinstance(value, dict), path
        for key, item in value.items():
            assert isinstance(key, str), path
            check_types(shape.value, item, f"{path}.{key}")
    elif type_name == "timestamp":
        assert isinstance(value, datetime), path
        assert value.utcoffset() is not None and value.utcoffset().total_seconds() == 0, path
        assert value.tzinfo == timezone.utc, path
    elif type_name == "blob":
        assert isinstance(value, bytes), path
    elif type_name in ("integer", "long", "short", "byte"):
        assert isinstance(value, int) and not isinstance(value, bool), path
    elif type_name in ("float", "double"):
        assert isinstance(value, float), path
    elif type_name == "boolean":
        assert isinstance(value, bool), path
    elif type_name == "string":
        assert isinstance(value, str), path


# -- the tests -----------------------------------------------------------------

CASES = _cases()


@pytest.mark.parametrize("protocol_file, suite, case", CASES)
def test_parser_inverts_client_serializer(protocol_file: str, suite: dict, case: dict) -> None:
    operation_name = case["given"]["name"]
    service = _service(suite, {operation_name: case["given"]})
    reason = skip_reason(suite["metadata"]["protocol"], suite, case, service)
    if reason:
        pytest.skip(reason)
    request = _request(case["serialized"], suite, operation_name)
    operation, params = create_parser(service).parse(request)
    assert operation.name == operation_name
    shape = operation.input_shape
    if shape is None:
        assert params == {}
        return
    check_types(shape, params)
    protocol = suite["metadata"]["protocol"]
    expected = drop_wireless_empties(protocol, shape, case["params"], request)
    if protocol in REST_PROTOCOLS:
        params = drop_named_params_from_query_map(shape, params, expected)
    assert canonical(shape, params) == canonical(shape, expected)


def _all_operations(protocol_file: str) -> tuple[ServiceModel, list[tuple[dict, dict]]]:
    """One service holding every operation of a protocol file, for routing."""
    operations: dict[str, Any] = {}
    shapes: dict[str, Any] = {}
    cases = []
    metadata = None
    for stem, suite, case in _load_suites():
        if stem != protocol_file:
            continue
        metadata = metadata or suite["metadata"]
        operations.setdefault(case["given"]["name"], case["given"])
        for name, shape in suite["shapes"].items():
            shapes.setdefault(name, shape)
        cases.append((suite, case))
    service = _service({"metadata": metadata, "shapes": shapes}, operations)
    return service, cases


@pytest.mark.parametrize("protocol_file", ["rest-json", "rest-xml"])
def test_router_picks_each_operation_among_all(protocol_file: str) -> None:
    """With every operation of the file in one service, each request still routes
    to its own operation (literal beats label, query literals disambiguate)."""
    service, cases = _all_operations(protocol_file)
    parser = create_parser(service)
    checked = 0
    for suite, case in cases:
        if skip_reason(protocol_file, suite, case, _service(suite, {case["given"]["name"]: case["given"]})):
            continue
        request = _request(case["serialized"])
        route, _ = parser.router.match(
            request.method, request.path, request.query_args, {name.lower() for name in request.headers.keys()}
        )
        assert route.operation.name == case["given"]["name"], case.get("id")
        checked += 1
    assert checked > 50

