"""Names of durable things: execution ARNs, checkpoint tokens, callback ids.

An execution ARN is the function version's ARN followed by
``/durable-execution/<name>/<id>`` (botocore's pattern for ``DurableExecutionArn``).
Checkpoint tokens and callback ids are opaque to clients: base64 (the model's
pattern) of random bytes, looked up in the service's indexes, never parsed.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid

from ..arns import function_arn

EXECUTION_ARN = re.compile(
    r"^arn:(?P<partition>[a-zA-Z0-9-]+):lambda:(?P<region>[a-zA-Z0-9-]+):(?P<account>\d{12}):function:"
    r"(?P<function>[a-zA-Z0-9_-]+):(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[0-9]+)"
    r"/durable-execution/(?P<name>[a-zA-Z0-9_-]+)/(?P<id>[a-zA-Z0-9_-]+)$"
)


def new_execution_id() -> str:
    return str(uuid.uuid4())


def execution_arn(region: str, account_id: str, function_name: str, version: str, name: str, execution_id: str) -> str:
    return f"{function_arn(region, account_id, function_name, version)}/durable-execution/{name}/{execution_id}"


def new_token() -> str:
    """A checkpoint token (or callback id): 32 random bytes, base64."""
    return base64.b64encode(secrets.token_bytes(32)).decode()
