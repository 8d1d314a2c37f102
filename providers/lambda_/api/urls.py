"""Lambda API family: function URL configs (``Create/Get/Update/Delete/ListFunctionUrlConfigs``).

A URL belongs to the function itself (stored under ``$LATEST`` in
``Function.url_configs``) or to one alias, never to a version. Each config
keeps its url-id (``_UrlId``, 32 lowercase alphanumerics); the URL is built
when answering, from the port the gateway was reached on:
``http://<url-id>.lambda-url.<region>.localhost.localstack.cloud:<port>/``.

For the function-URL router: each url-id handed out is recorded in the
backend's index (``backend.urls``); the router resolves ids through
``backend.function_url(url_id)``. ``find_function_url(url_id)`` answers the
``FunctionUrlTarget`` (account, region, function name, qualifier or None) an id
points to, or None.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timezone
from typing import Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from ..arns import FunctionRef
from ..backend.function_urls import FunctionUrlTarget
from ..models import LATEST, Function
from ..store import LambdaStore
from .base import LambdaApiBase, conflict, not_found
from .paging import paginate, public, qualifier_order

URL_ID_ALPHABET = string.ascii_lowercase + string.digits
RESOURCE_MISSING = "The resource you requested does not exist."
FUNCTION_MISSING = "Function does not exist"
SETTINGS = ("AuthType", "Cors", "InvokeMode")


def url_timestamp() -> str:
    """Function URL configs' time format: ``2023-11-20T16:59:22.123456Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def function_url(url_id: str, region: str, port: int) -> str:
    return f"http://{url_id}.lambda-url.{region}.localhost.localstack.cloud:{port}/"


class UrlsApi(LambdaApiBase):
    # Lookups ------------------------------------------------------------------------
    def _url_target(self, context: RequestContext, request: dict) -> tuple[LambdaStore, FunctionRef, Optional[Function], str]:
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        qualifier = ref.qualifier
        if qualifier is not None and (qualifier.isdigit() or qualifier == LATEST):
            raise ServiceError(
                "ValidationException",
                f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: ((?!^\\\\d+$)^[0-9a-zA-Z-_]+$)",
                status=400,
            )
        store = self.store(context)
        function = store.functions.get(ref.name)
        key = qualifier or LATEST
        if function is not None and qualifier is not None and qualifier not in function.aliases:
            function = None  # an unknown alias is answered like an unknown function
        return store, ref, function, key

    def _url_response(self, context: RequestContext, function: Function, key: str, record: dict[str, Any], full: bool) -> dict:
        """``full``: Get and List show InvokeMode (BUFFERED by default) and LastModifiedTime;
        Create and Update echo only what was set."""
        response = public(record)
        response["FunctionArn"] = function.arn if key == LATEST else f"{function.arn}:{key}"
        response["FunctionUrl"] = function_url(record["_UrlId"], function.region, context.request.server_port)
        if full:
            response.setdefault("InvokeMode", "BUFFERED")
        return response

    # Operations -----------------------------------------------------------------------
    def create_function_url_config(self, context: RequestContext, request: dict) -> dict:
        store, _, function, key = self._url_target(context, request)
        if function is None:
            raise not_found(FUNCTION_MISSING)
        with store.lock:
            if key in function.url_configs:
                arn = function.arn if key == LATEST else f"{function.arn}:{key}"
                raise conflict(
                    f"Failed to create function url config for [functionArn = {arn}]. "
                    "Error message:  FunctionUrlConfig exists for this Lambda function"
                )
            now = url_timestamp()
            record = {name: request[name] for name in SETTINGS if request.get(name) is not None}
            record.update({"CreationTime": now, "_LastModifiedTime": now, "_UrlId": self._new_url_id()})
            function.url_configs[key] = record
            store.save_function(function)
        self.backend.urls.add(record["_UrlId"], FunctionUrlTarget(
            function.account_id, function.region, function.name, None if key == LATEST else key
        ))
        return self._url_response(context, function, key, record, full=False)

    def get_function_url_config(self, context: RequestContext, request: dict) -> dict:
        _, _, function, key = self._url_target(context, request)
        record = function.url_configs.get(key) if function else None
        if record is None:
            raise not_found(RESOURCE_MISSING)
        return self._url_with_last_modified(self._url_response(context, function, key, record, full=True), record)

    def update_function_url_config(self, context: RequestContext, request: dict) -> dict:
        store, _, function, key = self._url_target(context, request)
        if function is None:
            raise not_found(FUNCTION_MISSING)
        with store.lock:
            record = function.url_configs.get(key)
            if record is None:
                raise not_found(RESOURCE_MISSING)
            record.update({name: request[name] for name in SETTINGS if request.get(name) is not None})
            record["_LastModifiedTime"] = url_timestamp()
            store.save_function(function)
        return self._url_with_last_modified(self._url_response(context, function, key, record, full=False), record)

    def delete_function_url_config(self, context: RequestContext, request: dict) -> dict:
        store, _, function, key = self._url_target(context, request)
        with store.lock:
            record = function.url_configs.pop(key, None) if function else None
            if record is None:
                raise not_found(RESOURCE_MISSING)
            store.save_function(function)
        self.backend.urls.discard(record["_UrlId"])
        return {}

    def list_function_url_configs(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"])
        store = self.store(context)
        function = store.functions.get(ref.name)
        if function is None:
            raise not_found(FUNCTION_MISSING)
        with store.lock:
            items = [
                self._url_with_last_modified(self._url_response(context, function, key, record, full=True), record)
                for key, record in sorted(function.url_configs.items(), key=lambda kv: qualifier_order(kv[0]))
                if key == LATEST or key in function.aliases
            ]
        page, next_marker = paginate(items, lambda item: item["FunctionArn"], request.get("Marker"), request.get("MaxItems"))
        response: dict[str, Any] = {"FunctionUrlConfigs": page}
        if next_marker:
            response["NextMarker"] = next_marker
        return response

    @staticmethod
    def _url_with_last_modified(response: dict, record: dict) -> dict:
        response["LastModifiedTime"] = record.get("_LastModifiedTime", record["CreationTime"])
        return response

    # url-ids ------------------------------------------------------------------------------
    def _new_url_id(self) -> str:
        while True:
            url_id = "".join(secrets.choice(URL_ID_ALPHABET) for _ in range(32))
            if self.find_function_url(url_id) is None:
                return url_id

    def find_function_url(self, url_id: str) -> Optional[FunctionUrlTarget]:
        """The function (and alias) a function URL's id points to, or None."""
        return self.backend.urls.find(url_id)
