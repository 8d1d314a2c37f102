"""Lambda API family: tags (``TagResource``, ``UntagResource``, ``ListTags``).

Taggable here: functions (``Function.tags``; a version or alias ARN is refused
as AWS refuses it), event source mappings and code signing configs (their
records' ``_Tags``). A function's tags also appear in ``GetFunction`` and are set
by ``CreateFunction`` (functions family; it can call ``validate_tags``).
Changing a function's tags gives its $LATEST a new ``RevisionId``, as AWS does.
"""

from __future__ import annotations

from typing import Any

from gateway.context import RequestContext

from ..arns import function_arn
from ..models import new_revision_id
from ..not_found import not_found_error
from ..store import LambdaStore
from .base import LambdaApiBase, invalid_parameter, not_found

MAX_TAGS = 50
QUALIFIED_TAGS = "Tags on function aliases and versions are not supported. Please specify a function ARN."


def validate_tags(tags: dict[str, str]) -> None:
    """AWS's limit on the number of tags of one resource."""
    if len(tags) > MAX_TAGS:
        raise invalid_parameter("Number of tags exceeds resource tag limit.")


class TagsApi(LambdaApiBase):
    def _tag_holder(self, context: RequestContext, resource: str) -> tuple[LambdaStore, Any, dict[str, str]]:
        """The object owning a resource's tags, and the tags (a live dict)."""
        store = self.store(context)
        parts = resource.split(":")
        kind = parts[5] if len(parts) > 6 else ""
        if kind == "function":
            ref = self.resolve(context, resource)
            if ref.qualifier:
                raise invalid_parameter(QUALIFIED_TAGS)
            store = self.store_of(ref)  # another account's, when its resource-based policy lets the caller in
            function = store.functions.get(ref.name)
            if function is None:
                raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name)}")
            return store, function, function.tags
        if kind == "event-source-mapping":
            record = store.event_source_mappings.get(parts[6]) if parts[3:5] == [store.region, store.account_id] else None
            if record is None or record.get("State") == "Deleting":
                raise not_found_error("event-source-mapping")
            return store, parts[6], record.setdefault("_Tags", {})
        if kind == "code-signing-config":
            record = store.code_signing_configs.get(resource)
            if record is None:
                raise not_found_error("code-signing-config", arn=resource)
            return store, resource, record.setdefault("_Tags", {})
        raise not_found("The resource you requested does not exist.")

    @staticmethod
    def _tags_save(store: LambdaStore, holder: Any) -> None:
        if isinstance(holder, str) and holder.startswith("arn:"):
            store.save_code_signing_config(holder)
        elif isinstance(holder, str):
            store.save_event_source_mapping(holder)
        else:
            holder.latest.config["RevisionId"] = new_revision_id()
            store.save_function(holder)

    def tag_resource(self, context: RequestContext, request: dict) -> dict:
        new_tags = request.get("Tags") or {}
        store, holder, tags = self._tag_holder(context, request["Resource"])
        if not new_tags:
            raise invalid_parameter("An error occurred and the request cannot be processed.")
        with store.lock:
            validate_tags({**tags, **new_tags})
            tags.update(new_tags)
            self._tags_save(store, holder)
        return {}

    def untag_resource(self, context: RequestContext, request: dict) -> dict:
        store, holder, tags = self._tag_holder(context, request["Resource"])
        keys = request.get("TagKeys") or []
        with store.lock:
            removed = [key for key in keys if tags.pop(key, None) is not None]
            if removed:
                self._tags_save(store, holder)
        return {}

    def list_tags(self, context: RequestContext, request: dict) -> dict:
        _, _, tags = self._tag_holder(context, request["Resource"])
        return {"Tags": dict(tags)}
