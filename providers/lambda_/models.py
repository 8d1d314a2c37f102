"""Lambda resources as plain data. Models know nothing of HTTP or of the API.

Configurations are kept in AWS's own response shape (``FunctionConfiguration``,
``AliasConfiguration``, ...) so that reading them is a copy, and so that they
persist as JSON as they are.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import datetime, timezone
from typing import Any, Optional

LATEST = "$LATEST"


def now_timestamp() -> str:
    """Lambda's timestamp format: ``2024-01-31T12:34:56.789+0000``."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


def new_revision_id() -> str:
    return str(uuid.uuid4())


@dataclass
class CodeInfo:
    """Where a version's code is: a stored zip (by SHA-256), or an image."""

    sha256: str = ""  # base64 SHA-256 of the zip, as CodeSha256
    size: int = 0
    zip_path: Optional[str] = None  # path of the stored zip
    image_uri: Optional[str] = None
    s3_location: Optional[dict[str, str]] = None  # {"S3Bucket", "S3Key", "S3ObjectVersion"} when from S3
    hot_reload_dir: Optional[str] = None  # BUCKET_MARKER_LOCAL: code is a local directory


@dataclass
class FunctionVersion:
    """$LATEST or a published version: its configuration and code."""

    config: dict[str, Any]
    code: CodeInfo = field(default_factory=CodeInfo)

    @property
    def qualifier(self) -> str:
        return self.config["Version"]


@dataclass
class Function:
    name: str
    account_id: str
    region: str
    latest: FunctionVersion
    versions: dict[str, FunctionVersion] = field(default_factory=dict)  # "1" -> version
    next_version: int = 1
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> AliasConfiguration
    # Resource policy per qualifier ("$LATEST" for the unqualified function).
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    policy_revision_ids: dict[str, str] = field(default_factory=dict)
    reserved_concurrency: Optional[int] = None
    provisioned_concurrency: dict[str, dict[str, Any]] = field(default_factory=dict)  # qualifier -> config
    event_invoke_configs: dict[str, dict[str, Any]] = field(default_factory=dict)  # qualifier -> config
    url_configs: dict[str, dict[str, Any]] = field(default_factory=dict)  # qualifier -> config
    tags: dict[str, str] = field(default_factory=dict)
    code_signing_config_arn: Optional[str] = None
    recursion: str = "Terminate"
    runtime_management: dict[str, dict[str, Any]] = field(default_factory=dict)  # qualifier -> config
    scaling_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: str = field(default_factory=now_timestamp)

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view that shares (does not copy) the nested state: dump it
        at once, under the store lock (``LambdaStore.save_function`` does)."""
        data: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "latest":
                value = _version_to_json(value)
            elif item.name == "versions":
                value = {k: _version_to_json(v) for k, v in value.items()}
            elif is_dataclass(value):
                value = asdict(value)
            data[item.name] = value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Function":
        data = copy.deepcopy(data)
        data["latest"] = _version_from_json(data["latest"])
        data["versions"] = {k: _version_from_json(v) for k, v in data.get("versions", {}).items()}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


_CODE_FIELDS = frozenset(f.name for f in fields(CodeInfo))


def _version_to_json(version: FunctionVersion) -> dict[str, Any]:
    return {"config": version.config, "code": {k: getattr(version.code, k) for k in _CODE_FIELDS}}


def _version_from_json(data: dict[str, Any]) -> FunctionVersion:
    code = {k: v for k, v in (data.get("code") or {}).items() if k in _CODE_FIELDS}
    return FunctionVersion(config=data["config"], code=CodeInfo(**code))


@dataclass
class LayerVersion:
    config: dict[str, Any]  # GetLayerVersion response shape (minus Content.Location, filled per request)
    code: CodeInfo = field(default_factory=CodeInfo)
    policy: Optional[dict[str, Any]] = None
    policy_revision_id: Optional[str] = None


@dataclass
class Layer:
    name: str
    account_id: str
    region: str
    versions: dict[int, LayerVersion] = field(default_factory=dict)
    next_version: int = 1  # version numbers are never reused

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:layer:{self.name}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["versions"] = {str(k): v for k, v in data["versions"].items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Layer":
        data = copy.deepcopy(data)
        data["versions"] = {
            int(k): LayerVersion(config=v["config"], code=CodeInfo(**v.get("code", {})), policy=v.get("policy"),
                                 policy_revision_id=v.get("policy_revision_id"))
            for k, v in data.get("versions", {}).items()
        }
        return cls(**data)
