"""S3 requests moto would mishandle (S3 requests are not parsed with the model,
see ``S3Provider``, so these read the HTTP request itself).

- ``PutBucketPolicy`` with a body that is no JSON object: ``MalformedPolicy``
  "Policies must be valid JSON and the first byte must be '{'" (S3's wording;
  moto stores any text, and every later request to the bucket fails on it);
- ``ListObjects``/``ListObjectsV2`` with a ``max-keys`` that is no integer
  between 0 and 2^31-1: ``InvalidArgument`` "Argument maxKeys must be an
  integer between 0 and 2147483647" (S3's wording, recorded by S3-compatible
  servers' conformance reports);
- an ``x-amz-copy-source`` that names no bucket and key: ``InvalidArgument``
  (best reading of the wording).
"""

from __future__ import annotations

import json
from typing import Optional
from urllib.parse import unquote, urlsplit

from gateway.errors import ServiceError
from gateway.http import HttpRequest

from .. import s3_hosts

_INT32_MAX = 2**31 - 1


def refusal(request: HttpRequest) -> Optional[ServiceError]:
    """The error S3 answers ``request`` with before any work, or None."""
    method = request.method.upper()
    query = request.query_args
    bucket_level = _bucket_level(request)
    if method == "PUT" and bucket_level and "policy" in query:
        return _policy(request.body)
    if method == "GET" and bucket_level and "max-keys" in query and not (query.keys() & _OTHER_LISTINGS):
        return _max_keys(query["max-keys"][0])
    copy_source = request.headers.get("x-amz-copy-source")
    if method == "PUT" and copy_source is not None:
        return _copy_source(copy_source)
    return None


# Bucket sub-resources whose listing is not ListObjects (they page differently).
_OTHER_LISTINGS = frozenset({"versions", "uploads"})


def _bucket_level(request: HttpRequest) -> bool:
    """Whether the request addresses a bucket (not an object), path- or host-style."""
    path = request.path.strip("/")
    if s3_hosts.bucket_from_host(request.host):
        return not path
    return bool(path) and "/" not in path


def _policy(body: bytes) -> Optional[ServiceError]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict) or not body.lstrip().startswith(b"{"):
        return ServiceError("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", 400)
    return None


def _max_keys(value: str) -> Optional[ServiceError]:
    text = value.strip()
    digits = text[1:] if text.startswith("-") else text
    if digits.isascii() and digits.isdigit() and len(digits) <= 10 and 0 <= int(text) <= _INT32_MAX:
        return None
    return ServiceError("InvalidArgument", "Argument maxKeys must be an integer between 0 and 2147483647", 400)


def _copy_source(value: str) -> Optional[ServiceError]:
    path = unquote(urlsplit(value).path).lstrip("/")
    bucket, _, key = path.partition("/")
    if bucket and key:
        return None
    return ServiceError(
        "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", 400
    )
