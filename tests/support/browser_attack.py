"""What the browser-attack tests share: gateways with known security settings, a
function whose run leaves a mark on disk, and the request bodies a web page sends.
"""

from __future__ import annotations

import base64
import io
import json
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

# Writes "ran" to event["path"]: proof that code ran on the developer's machine.
# Through a function URL the event is the HTTP request: the path is in its body.
MARKER_HANDLER = (
    "import base64, json\n"
    "def handler(event, context):\n"
    "    if 'body' in event:\n"
    "        body = event['body']\n"
    "        event = json.loads(base64.b64decode(body) if event.get('isBase64Encoded') else body)\n"
    "    with open(event['path'], 'w') as out:\n"
    "        out.write('ran')\n"
    "    return {'ran': True}\n"
)


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
