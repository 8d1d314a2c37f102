"""Spooled JSON bodies (gateway/protocol/parsers/spooled_json.py): a request the
server spooled to a file is parsed to the same params as the same request in
memory, its long base64 strings decoded in chunks to file-backed blobs."""

from __future__ import annotations

import base64
import io
import json
import os
import tempfile
from functools import lru_cache

import pytest

from gateway.http import HttpRequest
from gateway.protocol.errors import ProtocolError
from gateway.protocol.models import ServiceModels
from gateway.protocol.parsers import create_parser
from gateway.protocol.parsers.spooled_json import LongString, SpooledBlob, load_spooled
from tests.support.captured import capture


@lru_cache(maxsize=None)
def parser(service: str):
    return create_parser(ServiceModels().get(service))


def spooled(request: HttpRequest) -> HttpRequest:
    """The same request as the server hands it over when it spooled the body."""
    body_file = tempfile.TemporaryFile()
    body_file.write(request.body)
    body_file.seek(0)
    return HttpRequest(request.method, request.path, request.query_string, request.headers,
                       body_file=body_file, remote_addr=request.remote_addr, server_port=request.server_port)


def both(service: str, request: HttpRequest) -> tuple[dict, dict]:
    _, in_memory = parser(service).parse(request)
    _, from_file = parser(service).parse(spooled(request))
    return in_memory, from_file


def test_a_large_lambda_zip_becomes_a_file_backed_blob():
    data = os.urandom(3_000_000)
    request = capture("lambda", "create_function", FunctionName="f", Runtime="python3.12", Handler="i.h",
                      Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": data},
                      Environment={"Variables": {"A": "é \"quoted\" \\ /"}}, Tags={"k": "v"})
    in_memory, from_file = both("lambda", request)
    blob = from_file["Code"]["ZipFile"]
    assert isinstance(blob, SpooledBlob) and len(blob) == len(data)
    assert blob == data and bytes(blob) == data and blob.read(10) == data[:10]
    from_file["Code"]["ZipFile"] = bytes(blob)
    assert from_file == in_memory


def test_a_json_protocol_blob_and_a_long_string():
    record = os.urandom(700_000)
    request = capture("kinesis", "put_record", StreamName="s" * 10, Data=record, PartitionKey="p")
    in_memory, from_file = both("kinesis", request)
    assert isinstance(from_file["Data"], SpooledBlob) and from_file["Data"] == record
    assert from_file["PartitionKey"] == in_memory["PartitionKey"]
    long_text = "é☃\"\\\n" * 200_000  # escapes across chunk boundaries
    request = capture("sqs", "send_message", QueueUrl="http://localhost:4566/000000000000/q", MessageBody=long_text)
    request.headers["Content-Type"] = "application/x-amz-json-1.0"
    operation, params = parser("sqs").parse(spooled(request))
    assert params["MessageBody"] == long_text


def test_bad_base64_and_bad_json_are_the_protocols_errors():
    body = json.dumps({"FunctionName": "f", "Role": "r", "Code": {"ZipFile": "!" * 2_000_000}}).encode()
    request = capture("lambda", "create_function", FunctionName="f", Runtime="python3.12", Handler="i.h",
                      Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": b"x"})
    request.body = body
    with pytest.raises(ProtocolError) as error:
        parser("lambda").parse(spooled(request))
    assert error.value.code == "SerializationException"
    request.body = body[:-5]
    with pytest.raises(ProtocolError) as error:
        parser("lambda").parse(spooled(request))
    assert "not valid JSON" in error.value.message


@pytest.mark.parametrize("encoded", [
    base64.b64encode(b"x" * 5000).decode(),
    base64.b64encode(b"x" * 5000).decode().rstrip("="),
    "\n".join(base64.encodebytes(b"y" * 5000).decode().split("\n")),
])
def test_base64_as_tolerant_as_in_memory(encoded):
    raw = json.dumps({"B": encoded}).replace("/", "\\/").encode()
    value = load_spooled(io.BytesIO(raw), len(raw), long_string=100)["B"]
    assert isinstance(value, LongString)
    assert bytes(value.decode_base64()) == base64.b64decode(encoded + "=" * (-len(encoded.strip()) % 4))


def test_padding_in_the_middle_is_refused():
    encoded = "QUFB" * 2000 + "QQ==" + "QUFB" * 2000
    raw = json.dumps({"B": encoded}).encode()
    value = load_spooled(io.BytesIO(raw), len(raw), long_string=100)["B"]
    with pytest.raises(ValueError):
        value.decode_base64()


def test_markers_cannot_be_forged():
    raw = json.dumps({"a": "\u0000deadbeefdeadbeef:0", "long": "z" * 1000}).encode()
    document = load_spooled(io.BytesIO(raw), len(raw), long_string=100)
    assert document["a"] == "\u0000deadbeefdeadbeef:0" and isinstance(document["long"], LongString)
