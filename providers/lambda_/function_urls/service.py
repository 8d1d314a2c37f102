"""One function-URL request, end to end.

1. lookup: the url-id (and the host's region) -> function, qualifier, URL config
   (``backend.function_url``); unknown -> 403 ``{"Message":null}``
2. CORS preflight, answered without invoking (when ``Cors`` is configured)
3. authorization (``ENFORCE_IAM=1``): resource policy, SigV4
4. invoke: payload format 2.0 event -> the function (the alias's version for alias URLs)
5. map the result (BUFFERED) or relay the stream (RESPONSE_STREAM); CORS headers

Functions are reached only through the Lambda backend (``provider.backend``):
resolve, invoke; its domain exceptions answer as the API would answer them.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Optional

from gateway.http import HttpRequest, HttpResponse

from ..api.errors import aws_error
from ..backend.errors import FunctionNotFound, LambdaError
from ..backend.values import Caller, FunctionUrl, InvokeOptions
from . import auth, cors, streaming
from . import response as mapping
from .address import UrlAddress
from .event import build_event, new_trace_root

if TYPE_CHECKING:
    from gateway.app import Gateway

    from ..backend.service import LambdaBackend

MAX_EVENT_BYTES = 6 * 1024 * 1024


class FunctionUrlService:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        self.enforce_iam = gateway.config.flag("ENFORCE_IAM")

    @property
    def backend(self) -> "LambdaBackend":
        return self.gateway.providers.get("lambda").backend

    def handle(self, request: HttpRequest, address: UrlAddress) -> HttpResponse:
        backend = self.backend
        url = self._lookup(backend, address)
        if url is None:
            return mapping.unknown_url()
        cors_config = url.config.get("Cors") or None
        if cors_config and cors.is_preflight(request):
            return cors.preflight(cors_config, request)
        auth_type = url.config.get("AuthType", "NONE")
        signed = auth.signed_request(request) if auth_type == "AWS_IAM" else None
        caller = self._caller_account(request, signed) if auth_type == "AWS_IAM" else None
        response = self._authorize(request, url.region, auth_type, signed, url.policy, url.account_id, caller)
        if response is None:
            response = self._invoke(backend, request, address, url, signed, caller)
        if cors_config:
            response = cors.apply(cors_config, request, response)
        return response

    # 1. lookup ------------------------------------------------------------------------------
    def _lookup(self, backend: "LambdaBackend", address: UrlAddress) -> Optional[FunctionUrl]:
        """The url-id's function, a copy of its URL config and the resource policy that applies."""
        url = backend.function_url(address.url_id, with_policy=self.enforce_iam)
        if url is None or (address.region is not None and address.region != url.region):
            return None
        return url

    # 3. authorization ------------------------------------------------------------------------
    def _caller_account(self, request: HttpRequest, signed: Optional[auth.SignedRequest]) -> Optional[str]:
        """The account the signing key acts in (as for the gateway's API: keys the companion
        STS issued are their role's account); None for a key of another account used
        from inside a function's environment (gateway/connection_accounts.py)."""
        account = self.gateway.access_keys.account_of(signed.access_key_id if signed else "test")
        confined = request.confined_account
        if confined is not None and account != confined:
            return None
        return account

    def _authorize(
        self,
        request: HttpRequest,
        region: str,
        auth_type: str,
        signed: Optional[auth.SignedRequest],
        policy: Optional[dict],
        function_account: str,
        caller: Optional[str],
    ) -> Optional[HttpResponse]:
        """None when the request may invoke; otherwise AWS's 403."""
        if auth_type == "AWS_IAM" and caller is None:
            return mapping.forbidden()  # another account's key, from inside a function
        if not self.enforce_iam:
            return None
        if auth_type != "AWS_IAM":
            return None if auth.policy_allows(policy, auth_type, None) else mapping.forbidden()
        if signed is None:
            return mapping.forbidden()
        if not auth.verify(request, signed, region):
            return mapping.forbidden(auth.SIGNATURE_MISMATCH, "InvalidSignatureException")
        if caller == function_account or auth.policy_allows(policy, auth_type, caller):
            return None
        return mapping.forbidden()

    # 4./5. invoke and map -------------------------------------------------------------------
    def _invoke(
        self,
        backend: "LambdaBackend",
        request: HttpRequest,
        address: UrlAddress,
        url: FunctionUrl,
        signed: Optional[auth.SignedRequest],
        caller_account: Optional[str],
    ) -> HttpResponse:
        request_id = str(uuid.uuid4())
        trace_header = request.headers.get("X-Amzn-Trace-Id") or new_trace_root()
        authorizer = caller = None
        if url.config.get("AuthType") == "AWS_IAM":
            authorizer = auth.authorizer(signed.access_key_id if signed else "test", caller_account or "")
            caller = caller_account
        event = build_event(request, address, url.region, request_id, trace_header, authorizer, caller)
        payload = json.dumps(event, separators=(",", ":")).encode()
        if len(payload) > MAX_EVENT_BYTES:
            return mapping.json_response(
                413, mapping.compact_json({"Message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation"}),
                "RequestTooLargeException",
            )
        streamed = url.config.get("InvokeMode") == "RESPONSE_STREAM"
        options = InvokeOptions(request_id=request_id, trace_id=_trace_id(trace_header), streaming=streamed,
                                keep_chunks=True)
        try:
            # As the function's own account (the URL's authorization was checked above).
            result = backend.invoke_function(url.function_name, payload, qualifier=url.qualifier, options=options,
                                             caller=Caller(url.account_id, url.region)).result
            assert result is not None
            if streamed:
                response = streaming.from_result(result)
            elif result.chunks is not None:  # a streaming handler behind a BUFFERED URL
                response = streaming.buffered(result)
            else:
                response = mapping.internal_error() if result.function_error else mapping.map_result(result.payload)
        except FunctionNotFound:
            return mapping.unknown_url()
        except LambdaError as error:
            response = mapping.service_error(aws_error(error))
        response.headers["x-amzn-RequestId"] = request_id
        response.headers["X-Amzn-Trace-Id"] = trace_header
        return response


def _trace_id(trace_header: str) -> str:
    """The runtime's ``Lambda-Runtime-Trace-Id``, continuing the request's trace root."""
    parts = dict(p.split("=", 1) for p in trace_header.split(";") if "=" in p)
    root = parts.get("Root") or new_trace_root().split("=", 1)[1]
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"
