"""Presigned code download URLs (``Code.Location`` of GetFunction,
``Content.Location`` of GetLayerVersion / GetLayerVersionByArn), checked on
download as S3 checks its presigned URLs.

AWS hands out an S3 presigned URL valid for 10 minutes::

    https://awslambda-<region>-tasks.s3.<region>.amazonaws.com/snapshots/<account>/<name>-<uuid>
        ?versionId=...&X-Amz-Security-Token=...&X-Amz-Algorithm=AWS4-HMAC-SHA256
        &X-Amz-Date=20220323T005357Z&X-Amz-SignedHeaders=host&X-Amz-Expires=600
        &X-Amz-Credential=ASIA.../20220323/us-east-2/s3/aws4_request&X-Amz-Signature=<64 hex>

Ours is the same query-string SigV4 (service ``s3``, ``UNSIGNED-PAYLOAD``,
signed header ``host``) over a gateway path::

    http://<host>/_aws/lambda/code/<account>/<region>/<sha256-hex>.zip?X-Amz-Algorithm=...

The access key id is the account the URL was issued to, and its secret is
derived from a per-gateway secret (random at start; kept in the state
directory with ``PERSISTENCE=1`` so URLs stay valid across a restart) and that
account: a URL names one account, region and code object, and changing any of
them, the host, the date or the expiry breaks the signature. Signatures are
compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qsl, quote

log = logging.getLogger("lambda.code_urls")

PREFIX = "/_aws/lambda/code/"
ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "s3"
DEFAULT_EXPIRES = 600  # seconds: "The URL is valid for up to 10 minutes" (FunctionCodeLocation)
MAX_EXPIRES = 604_800  # S3's longest presigned URL: a week
SECRET_BYTES = 32
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_PATH = re.compile(rf"^{PREFIX}(?P<account>\d{{12}})/(?P<region>[a-z0-9-]{{1,40}})/(?P<sha>[0-9a-f]{{64}})\.zip$")
_REQUIRED = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders",
             "X-Amz-Expires")


@dataclass(frozen=True)
class CodeObject:
    """What a verified URL grants: one stored zip, for one account and region."""

    account_id: str
    region: str
    sha_hex: str


class Refused(Exception):
    """A URL S3 would refuse: ``code``, ``status``, ``message`` and the extra
    elements S3 puts in its ``<Error>`` document, in order."""

    def __init__(self, status: int, code: str, message: str, *extra: tuple[str, str]) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def _uri_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class CodeUrlSigner:
    def __init__(self, secret: bytes, expires: int = DEFAULT_EXPIRES) -> None:
        if len(secret) < 16:
            raise ValueError("the code URL secret is too short")
        self._secret = secret
        self.expires = max(1, min(expires, MAX_EXPIRES))

    @classmethod
    def load(cls, path: Optional[Path], expires: int = DEFAULT_EXPIRES) -> "CodeUrlSigner":
        """A signer whose secret is kept in ``path`` (created 0600 on first use),
        or a fresh random one when ``path`` is None."""
        if path is None:
            return cls(secrets.token_bytes(SECRET_BYTES), expires)
        try:
            secret = path.read_bytes()
            if len(secret) == SECRET_BYTES:
                return cls(secret, expires)
            log.warning("%s is damaged (%d bytes): a new code URL secret replaces it", path, len(secret))
        except FileNotFoundError:
            pass
        from .store import atomic_write  # (routes import this module; the store loads with the provider)

        secret = secrets.token_bytes(SECRET_BYTES)
        old_umask = os.umask(0o077)
        try:
            atomic_write(path, secret)
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        return cls(secret, expires)

    # Signing ---------------------------------------------------------------------------
    def url(self, host: str, account_id: str, region: str, sha_hex: str, now: Optional[dt.datetime] = None) -> str:
        """The presigned URL of a stored zip, valid for ``self.expires`` seconds."""
        now = now or dt.datetime.now(dt.timezone.utc)
        amz_date = now.strftime(_AMZ_DATE)
        path = f"{PREFIX}{account_id}/{region}/{sha_hex}.zip"
        params = {
            "X-Amz-Algorithm": ALGORITHM,
            "X-Amz-Credential": f"{account_id}/{amz_date[:8]}/{region}/{SERVICE}/aws4_request",
            "X-Amz-Date": amz_date,
            "X-Amz-Expires": str(self.expires),
            "X-Amz-SignedHeaders": "host",
        }
        query = self._canonical_query(list(params.items()))
        signature = self._signature(account_id, region, amz_date, path, query, host)
        return f"http://{host}{path}?{query}&X-Amz-Signature={signature}"

    def _signing_key(self, account_id: str, date: str, region: str) -> bytes:
        account_secret = hmac.new(self._secret, account_id.encode(), hashlib.sha256).hexdigest()
        key = ("AWS4" + account_secret).encode()
        for part in (date, region, SERVICE, "aws4_request"):
            key = _hmac(key, part)
        return key

    @staticmethod
    def _canonical_query(params: list[tuple[str, str]]) -> str:
        encoded = sorted((_uri_encode(name), _uri_encode(value)) for name, value in params)
        return "&".join(f"{name}={value}" for name, value in encoded)

    def _signature(self, account_id: str, region: str, amz_date: str, path: str, query: str, host: str) -> str:
        canonical = "\n".join(["GET", path, query, f"host:{host.strip().lower()}", "", "host", "UNSIGNED-PAYLOAD"])
        scope = f"{amz_date[:8]}/{region}/{SERVICE}/aws4_request"
        to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        return hmac.new(self._signing_key(account_id, amz_date[:8], region), to_sign.encode(), hashlib.sha256).hexdigest()

    # Checking ---------------------------------------------------------------------------
    def check(self, path: str, query_string: str, host: str, now: Optional[dt.datetime] = None) -> CodeObject:
        """The code object a download URL grants, or ``Refused`` with S3's error."""
        pairs = parse_qsl(query_string, keep_blank_values=True)
        params = dict(pairs)
        present = [name for name in _REQUIRED if name in params]
        if not present:
            raise Refused(403, "AccessDenied", "Access Denied")
        if len(present) < len(_REQUIRED) or len(params) != len(pairs):
            raise Refused(400, "AuthorizationQueryParametersError",
                          "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                          "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        if params["X-Amz-Algorithm"] != ALGORITHM:
            raise Refused(400, "AuthorizationQueryParametersError",
                          f'X-Amz-Algorithm only supports "{ALGORITHM}"')
        credential = params["X-Amz-Credential"].split("/")
        if len(credential) != 5 or credential[3] != SERVICE or credential[4] != "aws4_request":
            raise Refused(400, "AuthorizationQueryParametersError",
                          "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
                          'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".')
        access_key, date, region = credential[0], credential[1], credential[2]
        match = _PATH.match(path)
        if match is None:
            raise Refused(403, "AccessDenied", "Access Denied")
        if region != match["region"]:
            raise Refused(400, "AuthorizationQueryParametersError",
                          f"Error parsing the X-Amz-Credential parameter; the region '{region}' is wrong; "
                          f"expecting '{match['region']}'", ("Region", match["region"]))
        if access_key != match["account"]:
            raise Refused(403, "AccessDenied", "Access Denied")
        try:
            issued = dt.datetime.strptime(params["X-Amz-Date"], _AMZ_DATE).replace(tzinfo=dt.timezone.utc)
            expires = int(params["X-Amz-Expires"])
        except ValueError:
            raise Refused(400, "AuthorizationQueryParametersError",
                          "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"") from None
        if not 0 <= expires <= MAX_EXPIRES:
            raise Refused(400, "AuthorizationQueryParametersError",
                          "X-Amz-Expires must be less than a week (in seconds) that is; 604800")
        unsigned = [(name, value) for name, value in pairs if name != "X-Amz-Signature"]
        expected = self._signature(access_key, region, params["X-Amz-Date"], path,
                                   self._canonical_query(unsigned), host)
        provided = params["X-Amz-Signature"]
        if date != params["X-Amz-Date"][:8] or not hmac.compare_digest(expected.encode(), provided.lower().encode()):
            raise Refused(403, "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature you provided. "
                          "Check your key and signing method.",
                          ("AWSAccessKeyId", access_key), ("SignatureProvided", provided))
        now = now or dt.datetime.now(dt.timezone.utc)
        deadline = issued + dt.timedelta(seconds=expires)
        if now > deadline:
            raise Refused(403, "AccessDenied", "Request has expired", ("X-Amz-Expires", str(expires)),
                          ("Expires", deadline.strftime("%Y-%m-%dT%H:%M:%SZ")),
                          ("ServerTime", now.strftime("%Y-%m-%dT%H:%M:%SZ")))
        return CodeObject(match["account"], match["region"], match["sha"])
