"""Which service, region and account a request is for.

Sources, strongest first: ``X-Amz-Target`` (the model's ``targetPrefix``), the
SigV4 credential scope (``Authorization`` header, or ``X-Amz-Credential`` in a
presigned URL), SigV2 (S3's ``Authorization: AWS`` header; SigV2 query
authentication, ``AWSAccessKeyId=`` in the URL, means S3 unless the URL also
names an ``Action``, as STS, SQS and SNS requests signed that way do), the host
name (``<bucket>.s3.<...>``, ``<service>.<region>.<...>``), the query ``Action``
of an unsigned query-protocol request, and finally the first path segment of a
REST operation. S3 is the catch-all, as it is on AWS's own endpoints.

Query actions come from the services whose protocol is ``query`` (or ``ec2``)
and from JSON services that are ``awsQueryCompatible`` (SQS: its model is JSON,
but older clients and ``curl`` still send ``Action=ListQueues``). An action
several services share (SQS's and SNS's ``AddPermission``) goes to the one whose
first required member, the resource acted on, the request carries (``QueueUrl``,
which an SQS request may also carry as its path; ``TopicArn``), else to a native
query service.

The index is built from the models of the services the gateway serves, so only
those are ever recognised. The account is the access key's (``access_keys``: 12
digits are the account; a key a provider issued, such as the companion STS's
temporary keys, is the issuing account's; any other key is ``000000000000``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Optional

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel

from .access_keys import DEFAULT_ACCOUNT, AccessKeyAccounts, account_from_access_key
from .http import HttpRequest

__all__ = ["DEFAULT_ACCOUNT", "DEFAULT_REGION", "Identity", "ServiceIndex", "account_from_access_key"]

DEFAULT_REGION = "us-east-1"

_CREDENTIAL = re.compile(r"Credential=([^/,\s]*)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")
_SIGV2 = re.compile(r"^AWS ([^:\s]+):")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_QUEUE_PATH = re.compile(r"^/\d{12}/[^/]+/?$")  # an SQS queue URL's path
_S3_HOST = re.compile(r"^(?:(?P<bucket>.+)\.)?s3(?:[.-](?P<region>[a-z0-9-]+))?\.(?:amazonaws\.com|localhost\b)")


@dataclass
class Identity:
    service: Optional[str]
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT
    access_key_id: Optional[str] = None
    signing_name: Optional[str] = None
    # For virtual-host S3 requests: the bucket named by the host.
    bucket_from_host: Optional[str] = None


class ServiceIndex:
    """Lookup tables from the models of the served services."""

    def __init__(self, models: Iterable[tuple[str, "ServiceModel"]],
                 accounts: Optional[AccessKeyAccounts] = None) -> None:
        self.accounts = accounts or AccessKeyAccounts()
        self.by_target: dict[str, str] = {}
        self.by_signing_name: dict[str, list[str]] = {}
        self.by_endpoint_prefix: dict[str, str] = {}
        self.query_actions: dict[str, list[str]] = {}
        # (service, action) -> the wire name of the action's first required member.
        self.query_subject: dict[tuple[str, str], Optional[str]] = {}
        self.rest_prefixes: dict[str, list[str]] = {}
        query_compatible: set[str] = set()
        for name, model in models:
            meta = model.metadata
            if meta.get("targetPrefix"):
                self.by_target[meta["targetPrefix"]] = name
            signing = meta.get("signingName") or meta.get("endpointPrefix") or name
            self.by_signing_name.setdefault(signing, []).append(name)
            self.by_endpoint_prefix.setdefault(meta.get("endpointPrefix", name), name)
            protocol = meta.get("protocol")
            speaks_query = protocol in ("query", "ec2") or "query" in meta.get("protocols", [])
            if not speaks_query and "awsQueryCompatible" in meta:
                query_compatible.add(name)
            for op_name in model.operation_names:
                if speaks_query or name in query_compatible:
                    self.query_actions.setdefault(op_name, []).append(name)
                    self.query_subject[(name, op_name)] = _first_required(model.operation_model(op_name))
                if protocol in ("rest-json", "rest-xml"):
                    uri = model.operation_model(op_name).http.get("requestUri", "/")
                    first = uri.split("?")[0].strip("/").split("/")[0]
                    if first and "{" not in first:
                        services = self.rest_prefixes.setdefault(first, [])
                        if name not in services:
                            services.append(name)
        # Services sharing a signing name (dynamodb + dynamodbstreams): the one
        # whose endpoint prefix equals the signing name is the default.
        for signing, names in self.by_signing_name.items():
            names.sort(key=lambda n: n != signing)
        # A shared action goes to a native query service before a query-compatible one.
        for names in self.query_actions.values():
            names.sort(key=lambda n: n in query_compatible)

    def identify(self, request: HttpRequest) -> Identity:
        headers = request.headers
        identity = Identity(service=None)
        auth = headers.get("Authorization", "")
        credential = None
        if auth:
            credential = _CREDENTIAL.search(auth)
            if credential is None:
                sigv2 = _SIGV2.match(auth)
                if sigv2:
                    identity.access_key_id = sigv2.group(1)
                    identity.signing_name = "s3"
        elif "X-Amz-Credential" in request.query_string or "x-amz-credential" in request.query_string.lower():
            values = {k.lower(): v for k, v in request.query_args.items()}
            raw = values.get("x-amz-credential", [""])[0]
            credential = _CREDENTIAL.search("Credential=" + raw)
        elif "AWSAccessKeyId=" in request.query_string:
            identity.access_key_id = request.query_args.get("AWSAccessKeyId", [""])[0]
            if "Action" not in request.query_args:  # SigV2 query auth of STS/SQS/SNS names its Action
                identity.signing_name = "s3"
        if credential:
            identity.access_key_id = credential.group(1)
            identity.region = credential.group(3)
            identity.signing_name = credential.group(4)
        identity.account_id = self.accounts.account_of(identity.access_key_id)

        host = headers.get("Host", "").split(":")[0].lower()
        identity.service = self._service(request, identity, host)
        if identity.service == "s3":
            match = _S3_HOST.match(host)
            if match and match.group("bucket"):
                identity.bucket_from_host = match.group("bucket")
        if not credential:
            region = self._region_from_host(host)
            if region:
                identity.region = region
        return identity

    def _service(self, request: HttpRequest, identity: Identity, host: str) -> Optional[str]:
        target = request.headers.get("X-Amz-Target")
        if target:
            service = self.by_target.get(target.split(".", 1)[0])
            if service:
                return service
        if identity.signing_name:
            candidates = self.by_signing_name.get(identity.signing_name)
            if candidates:
                return candidates[0]
            if identity.signing_name in self.by_endpoint_prefix:
                return self.by_endpoint_prefix[identity.signing_name]
        if _S3_HOST.match(host) and "s3" in self.by_signing_name:
            return "s3"
        label = host.split(".", 1)[0]
        if label in self.by_endpoint_prefix and "." in host:
            return self.by_endpoint_prefix[label]
        fields = request.query_args
        action = fields.get("Action")
        if action is None and request.body and request.headers.get("Content-Type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            from urllib.parse import parse_qs

            fields = parse_qs(request.body.decode("latin-1"))
            action = fields.get("Action")
        if action:
            services = self.query_actions.get(action[0])
            if services:
                return services[0] if len(services) == 1 else self._query_service(request, action[0], services, fields)
        first = request.path.strip("/").split("/")[0]
        services = self.rest_prefixes.get(first)
        if services:
            return services[0]
        if identity.signing_name:
            return None  # signed for a service we do not serve
        return "s3" if "s3" in self.by_signing_name else None

    def _query_service(self, request: HttpRequest, action: str, services: list[str], fields: dict) -> str:
        """Of the services naming ``action``, the one whose subject the request names."""
        present = {key.split(".", 1)[0] for key in fields}
        if _QUEUE_PATH.match(request.path):
            present.add("QueueUrl")
        for service in services:
            if self.query_subject[(service, action)] in present:
                return service
        return services[0]

    @staticmethod
    def _region_from_host(host: str) -> Optional[str]:
        for label in host.split(".")[1:4]:
            if _REGION.match(label):
                return label
        return None


def _first_required(operation: "OperationModel") -> Optional[str]:
    """The wire name of the first required member (models put the resource acted on first)."""
    shape = operation.input_shape
    if shape is None:
        return None
    required = set(shape.required_members)
    for name, member in shape.members.items():
        if name in required:
            return member.serialization.get("name", name)
    return None
