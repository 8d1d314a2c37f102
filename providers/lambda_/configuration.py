"""Building and changing a function's configuration (AWS's
``FunctionConfiguration`` shape), with the defaults AWS fills in.

Nested values are always replaced, never mutated in place, so a shallow copy
of a configuration taken under the store lock is a stable snapshot.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any, Optional

from . import runtimes, vpc
from .arns import function_arn
from .durable.config import stored_durable_config
from .models import LATEST, CodeInfo, new_revision_id, now_timestamp

DEFAULT_MEMORY = 128
DEFAULT_TIMEOUT = 3
DEFAULT_EPHEMERAL = 512

# Members copied from the request as they are, when given.
_PASSTHROUGH = ("DeadLetterConfig", "FileSystemConfigs", "TenancyConfig", "CapacityProviderConfig", "DurableConfig")


def logging_config(name: str, given: Optional[dict], current: Optional[dict] = None) -> dict[str, Any]:
    """``LoggingConfig``: Text to ``/aws/lambda/<name>`` unless told otherwise;
    an update changes only the members it names. JSON logs get INFO levels
    unless given; Text logs have none (switching JSON -> Text drops them, as
    AWS does). A level given with Text was refused by ``validate_logging_config``."""
    merged = dict(current or {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"})
    merged.update(given or {})
    merged.setdefault("LogFormat", "Text")
    merged.setdefault("LogGroup", f"/aws/lambda/{name}")
    if merged["LogFormat"] == "JSON":
        merged.setdefault("ApplicationLogLevel", "INFO")
        merged.setdefault("SystemLogLevel", "INFO")
    else:
        merged.pop("ApplicationLogLevel", None)
        merged.pop("SystemLogLevel", None)
    return merged


def vpc_config(given: dict) -> dict[str, Any]:
    """``VpcConfig`` as stored: the API layer has checked it against EC2 and put the
    subnets' ``VpcId`` in (``vpc.VpcResolver``); empty when no VPC is known."""
    return vpc.stored(given, given.get("VpcId") or "")


def set_code(config: dict[str, Any], code: CodeInfo) -> None:
    if code.image_uri:
        config["CodeSha256"] = image_digest(code.image_uri)
        config["CodeSize"] = 0
    else:
        config["CodeSha256"] = code.sha256
        config["CodeSize"] = code.size


def image_digest(image_uri: str) -> str:
    """What stands for an image's digest (no registry is consulted)."""
    return hashlib.sha256(image_uri.encode()).hexdigest()


def new_config(
    request: dict[str, Any],
    name: str,
    region: str,
    account_id: str,
    code: CodeInfo,
    layers: Optional[list[dict[str, Any]]],
) -> dict[str, Any]:
    """$LATEST's configuration for a CreateFunction request (state not yet set)."""
    package_type = request.get("PackageType") or "Zip"
    config: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": function_arn(region, account_id, name),
        "Role": request["Role"],
        "Description": request.get("Description") or "",
        "Timeout": request.get("Timeout") or DEFAULT_TIMEOUT,
        "MemorySize": request.get("MemorySize") or DEFAULT_MEMORY,
        "LastModified": now_timestamp(),
        "Version": LATEST,
        "TracingConfig": {"Mode": (request.get("TracingConfig") or {}).get("Mode") or "PassThrough"},
        "RevisionId": new_revision_id(),
        "PackageType": package_type,
        "Architectures": list(request.get("Architectures") or ["x86_64"]),
        "EphemeralStorage": {"Size": (request.get("EphemeralStorage") or {}).get("Size") or DEFAULT_EPHEMERAL},
        "SnapStart": {"ApplyOn": (request.get("SnapStart") or {}).get("ApplyOn") or "None", "OptimizationStatus": "Off"},
        "LoggingConfig": logging_config(name, request.get("LoggingConfig")),
    }
    set_code(config, code)
    if package_type == "Zip":
        config["Runtime"] = request["Runtime"]
        config["Handler"] = request["Handler"]
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": runtimes.runtime_version_arn(region, request["Runtime"])}
    elif request.get("ImageConfig"):
        config["ImageConfigResponse"] = {"ImageConfig": copy.deepcopy(request["ImageConfig"])}
    if "Environment" in request:
        config["Environment"] = {"Variables": dict((request["Environment"] or {}).get("Variables") or {})}
    if request.get("VpcConfig") is not None:
        config["VpcConfig"] = vpc_config(request["VpcConfig"])
    if request.get("KMSKeyArn"):
        config["KMSKeyArn"] = request["KMSKeyArn"]
    if layers:
        config["Layers"] = layers
    for member in _PASSTHROUGH:
        if request.get(member) is not None:
            config[member] = copy.deepcopy(request[member])
    durable = stored_durable_config(config.pop("DurableConfig", None))
    if durable is not None:
        config["DurableConfig"] = durable
    return config


def apply_update(config: dict[str, Any], request: dict[str, Any], region: str, layers: Optional[list]) -> None:
    """UpdateFunctionConfiguration: change only what the request names."""
    previous_durable = dict(config.get("DurableConfig") or {})
    for member in ("Role", "Handler", "Description", "Timeout", "MemorySize"):
        if member in request:
            config[member] = request[member]
    if "Runtime" in request:
        config["Runtime"] = request["Runtime"]
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": runtimes.runtime_version_arn(region, request["Runtime"])}
    if "Environment" in request:
        config["Environment"] = {"Variables": dict((request["Environment"] or {}).get("Variables") or {})}
    if "VpcConfig" in request:
        config["VpcConfig"] = vpc_config(request["VpcConfig"] or {})
    if "KMSKeyArn" in request:
        if request["KMSKeyArn"]:
            config["KMSKeyArn"] = request["KMSKeyArn"]
        else:
            config.pop("KMSKeyArn", None)
    if "TracingConfig" in request:
        config["TracingConfig"] = {"Mode": (request["TracingConfig"] or {}).get("Mode") or "PassThrough"}
    if "EphemeralStorage" in request:
        config["EphemeralStorage"] = {"Size": (request["EphemeralStorage"] or {}).get("Size") or DEFAULT_EPHEMERAL}
    if "SnapStart" in request:
        config["SnapStart"] = {
            "ApplyOn": (request["SnapStart"] or {}).get("ApplyOn") or "None",
            "OptimizationStatus": "Off",
        }
    if "LoggingConfig" in request:
        config["LoggingConfig"] = logging_config(config["FunctionName"], request["LoggingConfig"], config.get("LoggingConfig"))
    if "ImageConfig" in request:
        if request["ImageConfig"]:
            config["ImageConfigResponse"] = {"ImageConfig": copy.deepcopy(request["ImageConfig"])}
        else:
            config.pop("ImageConfigResponse", None)
    if layers is not None:
        if layers:
            config["Layers"] = layers
        else:
            config.pop("Layers", None)
    for member in _PASSTHROUGH:
        if member in request:
            if request[member]:
                config[member] = copy.deepcopy(request[member])
            else:
                config.pop(member, None)
    if request.get("DurableConfig"):  # an update changes the members it names
        config["DurableConfig"] = stored_durable_config({**previous_durable, **request["DurableConfig"]})
    config["LastModified"] = now_timestamp()
