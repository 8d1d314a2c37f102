"""Lambda API family: versions (``PublishVersion``, ``ListVersionsByFunction``).

A published version is a frozen copy of ``$LATEST``: same configuration and
code, ``Version`` set to its number and ``FunctionArn`` qualified with it.
Publishing gives ``$LATEST`` a new ``RevisionId`` too (AWS does so), and
publishing when nothing changed since the last version returns that version.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any, Optional

from gateway.context import RequestContext

from ..arns import function_arn
from ..models import Function, FunctionVersion, new_revision_id, now_timestamp
from ..state import in_transition, mark_creating
from .base import REVISION_MISMATCH, LambdaApiBase, invalid_parameter, not_found, precondition_failed
from .paging import paginate

# Where a version remembers which $LATEST configuration it was published from
# (a digest), so that publishing again without changes returns it. A private
# key (leading "_"): every view of a configuration leaves those out.
PUBLISHED_FROM = "_PublishedFrom"

# Members that change without the function changing, or that only describe
# the version itself: left out of the "changed since the last version" digest.
_VOLATILE = frozenset(
    {
        "Version",
        "FunctionArn",
        "RevisionId",
        "LastModified",
        "State",
        "StateReason",
        "StateReasonCode",
        "LastUpdateStatus",
        "LastUpdateStatusReason",
        "LastUpdateStatusReasonCode",
        PUBLISHED_FROM,
    }
)

# ListVersionsByFunction (like ListFunctions) leaves these out of each entry.
_NOT_LISTED = frozenset(
    {
        "State",
        "StateReason",
        "StateReasonCode",
        "LastUpdateStatus",
        "LastUpdateStatusReason",
        "LastUpdateStatusReasonCode",
        "RuntimeVersionConfig",
    }
)

VERSIONS_PAGE_LIMIT = 50  # "returns a maximum of 50 items in each response"


def config_digest(config: dict[str, Any]) -> str:
    """A digest of what makes ``$LATEST`` a different function (code and configuration)."""
    relevant = {k: v for k, v in config.items() if k not in _VOLATILE}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()


def public_config(config: dict[str, Any]) -> dict[str, Any]:
    """A version's configuration as the API shows it (private ``_`` keys left out)."""
    return {k: v for k, v in config.items() if not k.startswith("_")}


def latest_published(function: Function) -> Optional[FunctionVersion]:
    if not function.versions:
        return None
    return function.versions[max(function.versions, key=int)]


def publish_version(function: Function, description: Optional[str] = None) -> FunctionVersion:
    """Publish ``$LATEST`` as the next version, or return the last version when
    nothing changed since it was published. The caller holds the store lock,
    saves the function, acquires the code of a new version and submits its
    transition to the lifecycle.

    A version of a ready ``$LATEST`` is ``Active`` at once (AWS answers
    PublishVersion with ``State: Active``). It starts ``Pending`` ("The function
    is being created.") when ``$LATEST`` is itself being created or updated
    (``CreateFunction``/``UpdateFunctionCode`` with ``Publish``), and when
    SnapStart applies to published versions."""
    latest = function.latest
    digest = config_digest(latest.config)
    last = latest_published(function)
    if last is not None and last.config.get(PUBLISHED_FROM) == digest:
        return last
    number = str(function.next_version)
    function.next_version += 1
    config = copy.deepcopy(latest.config)
    config.update(
        {
            "Version": number,
            "FunctionArn": function_arn(function.region, function.account_id, function.name, number),
            "RevisionId": new_revision_id(),
            "LastModified": now_timestamp(),
            PUBLISHED_FROM: digest,
        }
    )
    if description is not None:
        config["Description"] = description
    snap_start = config.get("SnapStart") or {}
    if snap_start.get("ApplyOn") == "PublishedVersions":
        config["SnapStart"] = dict(snap_start, OptimizationStatus="On")
    if in_transition(latest.config) or snap_start.get("ApplyOn") == "PublishedVersions":
        mark_creating(config)
    version = FunctionVersion(config=config, code=copy.deepcopy(latest.code))
    function.versions[number] = version
    latest.config["RevisionId"] = new_revision_id()
    return version


def _version_number(version: FunctionVersion) -> int:
    return int(version.config["Version"])


class VersionsApi(LambdaApiBase):
    def publish_version(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"])
        store = self.store_of(ref)
        with store.lock:
            function = store.functions.get(ref.name)
            if function is None:
                raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name)}")
            latest = function.latest.config
            code_sha = request.get("CodeSha256")
            if code_sha is not None and code_sha != latest.get("CodeSha256"):
                raise invalid_parameter(
                    f"CodeSHA256 ({code_sha}) is different from current CodeSHA256 in $LATEST "
                    f"({latest.get('CodeSha256')}). Please try again with the CodeSHA256 in $LATEST."
                )
            revision_id = request.get("RevisionId")
            if revision_id is not None and revision_id != latest.get("RevisionId"):
                raise precondition_failed(REVISION_MISMATCH)
            self.require_updatable(function)
            known = set(function.versions)
            version = publish_version(function, request.get("Description"))
            created = version.qualifier not in known
            if created:
                self.stores.code.acquire(version.code)
            store.save_function(function)
            response = public_config(version.config)
        if created:
            # Pending versions become Active here; Active ones still let the
            # data plane's on_version_created hooks prepare them.
            self.lifecycle.submit(store, function, version.qualifier, creating=True)
        return response

    def list_versions_by_function(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"])
        store = self.store_of(ref)
        with store.lock:
            function = store.functions.get(ref.name)
            if function is None:
                raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name)}")
            versions = [function.latest] + sorted(function.versions.values(), key=_version_number)
            max_items = min(request.get("MaxItems") or VERSIONS_PAGE_LIMIT, VERSIONS_PAGE_LIMIT)
            page, next_marker = paginate(versions, lambda v: v.qualifier, request.get("Marker"), max_items)
            entries = [self._listed_version(function, version) for version in page]
        result: dict[str, Any] = {"Versions": entries}
        if next_marker:
            result["NextMarker"] = next_marker
        return result

    @staticmethod
    def _listed_version(function: Function, version: FunctionVersion) -> dict[str, Any]:
        entry = {
            k: copy.deepcopy(v) for k, v in version.config.items() if k not in _NOT_LISTED and not k.startswith("_")
        }
        entry["FunctionArn"] = function_arn(function.region, function.account_id, function.name, version.qualifier)
        return entry
