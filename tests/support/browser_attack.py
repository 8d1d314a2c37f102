"""What the browser-attack tests share: gateways with known security settings, a
function whose run leaves a mark the test can see, and the request bodies a web page sends.
"""

from __future__ import annotations

import base64
import io
import json
import select
import socket
import zipfile
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
RUNTIME = "python3.12"

# The defaults, whatever the developer's shell exports.
SECURITY_DEFAULTS = {
    "GATEWAY_HOSTNAMES": "",
    "DISABLE_HOST_CHECKS": "",
    "EXTRA_CORS_ALLOWED_ORIGINS": "",
    "DISABLE_CORS_CHECKS": "",
    "LAMBDA_SYNCHRONOUS_CREATE": "1",
}

# Connects to the loopback address in event["mark"] (when there is one): proof that
# code ran on the developer's machine, whichever executor's file system it ran in.
# Through a function URL the event is the HTTP request: the address is in its body.
MARKER_HANDLER = (
    "import base64, json, socket\n"
    "def handler(event, context):\n"
    "    if 'body' in event:\n"
    "        body = event['body']\n"
    "        event = json.loads(base64.b64decode(body) if event.get('isBase64Encoded') else body)\n"
    "    if event.get('mark'):\n"
    "        host, port = event['mark'].rsplit(':', 1)\n"
    "        socket.create_connection((host, int(port)), timeout=5).close()\n"
    "    return {'ran': True}\n"
)


class Marker:
    """A loopback listener a marker function connects to when it runs.

    The kernel completes the connection before anyone accepts it, so once a
    synchronous invoke has answered, :meth:`was_hit` tells without waiting.
    """

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.address = "%s:%d" % self._listener.getsockname()

    def payload(self) -> str:
        return json.dumps({"mark": self.address})

    def was_hit(self, wait: float = 0.0) -> bool:
        readable, _, _ = select.select([self._listener], [], [], wait)
        return bool(readable)

    def close(self) -> None:
        self._listener.close()


def marker_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", MARKER_HANDLER)
    return buffer.getvalue()


def create_function_body(name: str) -> str:
    """The JSON body of CreateFunction, as a page would post it (``text/plain``)."""
    return json.dumps({
        "FunctionName": name, "Runtime": RUNTIME, "Role": ROLE, "Handler": "index.handler",
        "Code": {"ZipFile": base64.b64encode(marker_zip()).decode()},
    })


def client(url: str, service: str = "lambda") -> Any:
    """A signed boto3 client: the developer's own tools."""
    return boto3.client(
        service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test", config=BotoConfig(retries={"max_attempts": 1}),
    )


def create_marker_function(url: str, name: str) -> None:
    client(url).create_function(
        FunctionName=name, Runtime=RUNTIME, Role=ROLE, Handler="index.handler", Code={"ZipFile": marker_zip()},
    )


def function_exists(url: str, name: str) -> bool:
    try:
        client(url).get_function(FunctionName=name)
    except client(url).exceptions.ResourceNotFoundException:
        return False
    return True


def files_under(directory: Path) -> set[str]:
    return {str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file()}
