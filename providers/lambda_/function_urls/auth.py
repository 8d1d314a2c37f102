"""Who may call a function URL, as AWS decides it (checked only with ``ENFORCE_IAM=1``).

AWS docs "Control access to Lambda function URLs":

- ``AuthType: NONE``: anyone, provided the function's resource policy allows
  ``lambda:InvokeFunctionUrl`` to principal ``*`` (the console adds the
  condition ``lambda:FunctionUrlAuthType = NONE``);
- ``AuthType: AWS_IAM``: a SigV4-signed request (service ``lambda``, the URL's
  region) whose signature verifies, from a principal allowed either by the
  resource policy or, in the function's own account, by its identity policies.
  There is no IAM policy evaluation here, so a caller of the function's own
  account counts as allowed by identity policy (as an account administrator is).

Without ``ENFORCE_IAM`` nothing is enforced; a signature's access key still
fills ``requestContext.authorizer.iam`` for ``AWS_IAM`` URLs.

Signatures verify against the secret access key ``test``: the gateway has no
secret store, and ``test``/``test`` are the credentials every local tool uses.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import parse_qsl, quote

from gateway.http import HttpRequest

ACTION = "lambda:InvokeFunctionUrl"
SIGNING_SECRET = "test"
MAX_CLOCK_SKEW = dt.timedelta(minutes=15)
ALGORITHM = "AWS4-HMAC-SHA256"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)


@dataclass(frozen=True)
class SignedRequest:
    """The SigV4 parts of a request (header or presigned query form)."""

    access_key_id: str
    date: str  # yyyymmdd of the credential scope
    region: str
    service: str
    signed_headers: list[str]
    signature: str
    amz_date: str
    presigned: bool
    expires: int = 0  # X-Amz-Expires of a presigned URL

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def authorizer(access_key_id: str, account: str) -> dict[str, Any]:
    """``requestContext.authorizer`` for an ``AWS_IAM`` URL, for the account's root principal."""
    return {
        "iam": {
            "accessKey": access_key_id,
            "accountId": account,
            "callerId": account,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{account}:root",
            "userId": account,
        }
    }


# Signature parsing and verification ---------------------------------------------------
def signed_request(request: HttpRequest) -> Optional[SignedRequest]:
    """The request's SigV4 signature parts, or None when it is not SigV4-signed."""
    header = request.headers.get("Authorization", "")
    if header:
        match = _AUTHORIZATION.match(header.strip())
        if not match:
            return None
        credential = match["credential"].split("/")
        amz_date = request.headers.get("X-Amz-Date", "")
        signed = match["signed"].lower().split(";")
        signature, presigned, expires = match["signature"].lower(), False, 0
    elif "X-Amz-Signature=" in request.query_string:
        query = dict(parse_qsl(request.query_string, keep_blank_values=True))
        if query.get("X-Amz-Algorithm") != ALGORITHM:
            return None
        credential = query.get("X-Amz-Credential", "").split("/")
        amz_date = query.get("X-Amz-Date", "")
        signed = query.get("X-Amz-SignedHeaders", "").lower().split(";")
        signature, presigned = query.get("X-Amz-Signature", "").lower(), True
        expires = int(query["X-Amz-Expires"]) if query.get("X-Amz-Expires", "").isdigit() else 0
    else:
        return None
    if len(credential) != 5 or credential[4] != "aws4_request":
        return None
    access_key, date, region, service, _ = credential
    return SignedRequest(access_key, date, region, service, signed, signature, amz_date, presigned, expires)


def verify(request: HttpRequest, signed: SignedRequest, region: str, now: Optional[dt.datetime] = None) -> bool:
    """Whether ``signed`` is a valid signature of ``request`` for ``lambda`` in ``region``."""
    if signed.service != "lambda" or signed.region != region or "host" not in signed.signed_headers:
        return False
    try:
        stamp = dt.datetime.strptime(signed.amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return False
    now = now or dt.datetime.now(dt.timezone.utc)
    if stamp.strftime("%Y%m%d") != signed.date or stamp - now > MAX_CLOCK_SKEW:
        return False
    if now - stamp > (dt.timedelta(seconds=signed.expires) if signed.presigned else MAX_CLOCK_SKEW):
        return False
    key = signing_key(SIGNING_SECRET, signed.date, signed.region, signed.service)
    for canonical_query in canonical_queries(request.query_string, signed.presigned):
        for digest in payload_hashes(request, signed):
            canonical = canonical_request(request, signed, canonical_query, digest)
            expected = hmac.new(key, string_to_sign(signed, canonical).encode(), hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, signed.signature):
                return True
    return False


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def string_to_sign(signed: SignedRequest, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{signed.amz_date}\n{signed.scope}\n{digest}"


def canonical_request(request: HttpRequest, signed: SignedRequest, canonical_query: str, digest: str) -> str:
    lines = [request.method.upper(), canonical_uri(request.path), canonical_query]
    for name in signed.signed_headers:
        values = request.headers.getlist(name)
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}")
    lines.append("")
    lines.append(";".join(signed.signed_headers))
    lines.append(digest)
    return "\n".join(lines)


def payload_hashes(request: HttpRequest, signed: SignedRequest) -> list[str]:
    """The payload hashes a valid signature may have been computed with.

    The body's own SHA-256 always. A declared ``X-Amz-Content-Sha256`` that is
    a hash is never trusted: AWS computes the hash of the body it received, so a
    body that does not hash to the declared value fails as a signature mismatch.
    A declared marker that is no hash (``UNSIGNED-PAYLOAD``, ``STREAMING-...``)
    leaves the body out of the signature, as declared. Presigned URLs may also
    carry ``UNSIGNED-PAYLOAD`` implicitly, as S3-style signers use."""
    declared = request.headers.get("X-Amz-Content-Sha256")
    if declared and not _SHA256_HEX.fullmatch(declared):
        return [declared]
    body_hash = body_sha256(request)
    return [body_hash, "UNSIGNED-PAYLOAD"] if signed.presigned and not declared else [body_hash]


def body_sha256(request: HttpRequest) -> str:
    """The hex SHA-256 of the request body, read in chunks (a large body may be spooled)."""
    digest = hashlib.sha256()
    body = request.open_body()
    while chunk := body.read(1 << 16):
        digest.update(chunk)
    return digest.hexdigest()


def canonical_uri(raw_path: str) -> str:
    """Non-S3 services: dot segments removed, then the path URI-encoded once more
    (what the AWS SDKs sign)."""
    return quote(remove_dot_segments(raw_path or "/"), safe="/~")


def remove_dot_segments(path: str) -> str:
    output: list[str] = []
    for segment in path.split("/"):
        if segment == ".":
            continue
        if segment == "..":
            if len(output) > 1:
                output.pop()
            continue
        output.append(segment)
    normalized = "/".join(output)
    if not normalized.startswith("/"):
        normalized = "/" + normalized
    if path.endswith(("/.", "/..")) and not normalized.endswith("/"):
        normalized += "/"
    return normalized


def canonical_queries(query_string: str, presigned: bool) -> list[str]:
    """The canonical query string as the spec builds it (decoded, then encoded), and
    as some SDKs build it (the raw pairs, sorted): a signature matching either is valid."""
    raw_pairs = []
    for pair in query_string.split("&") if query_string else []:
        key, _, value = pair.partition("=")
        if presigned and key == "X-Amz-Signature":
            continue
        raw_pairs.append((key, value))
    decoded = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True)
               if not (presigned and k == "X-Amz-Signature")]
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in decoded)
    spec = "&".join(f"{k}={v}" for k, v in encoded)
    raw = "&".join(f"{k}={v}" for k, v in sorted(raw_pairs))
    return [spec] if spec == raw else [spec, raw]


# Resource policies -------------------------------------------------------------------------
def policy_allows(policy: Optional[dict[str, Any]], auth_type: str, caller_account: Optional[str]) -> bool:
    """Whether ``policy`` lets the caller (None: anonymous) invoke the URL: an Allow
    statement applies and no Deny statement does."""
    allowed = False
    for statement in (policy or {}).get("Statement", []):
        if not _statement_applies(statement, auth_type, caller_account):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _statement_applies(statement: dict[str, Any], auth_type: str, caller_account: Optional[str]) -> bool:
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    if not any(isinstance(a, str) and fnmatch.fnmatchcase(ACTION.lower(), a.lower()) for a in actions):
        return False
    return _principal_matches(statement.get("Principal"), caller_account) and _conditions_hold(
        statement.get("Condition") or {}, auth_type, caller_account
    )


def _principal_matches(principal: Any, caller_account: Optional[str]) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    aws = principal.get("AWS")
    aws = aws if isinstance(aws, list) else [aws]
    if "*" in aws:
        return True
    if caller_account is None:
        return False
    return any(p in (caller_account, f"arn:aws:iam::{caller_account}:root") for p in aws)


def _conditions_hold(conditions: dict[str, Any], auth_type: str, caller_account: Optional[str]) -> bool:
    for operator, clauses in conditions.items():
        for key, expected in (clauses or {}).items():
            expected = expected if isinstance(expected, list) else [expected]
            lowered = key.lower()
            if lowered == "lambda:functionurlauthtype":
                if operator not in ("StringEquals", "StringEqualsIgnoreCase") or auth_type not in expected:
                    return False
            elif lowered == "lambda:invokedviafunctionurl":
                if [str(e).lower() for e in expected] != ["true"]:
                    return False
            elif lowered == "aws:principalorgid":
                # Organizations cannot be checked locally: an IAM caller passes, anonymous does not.
                if caller_account is None:
                    return False
            else:  # source ARN/account and other keys: a URL request carries none
                return False
    return True
