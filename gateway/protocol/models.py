"""Loading botocore service models, with our patches from ``specs/patches``.

botocore's default loader also reads ``~/.aws/models``; ours reads only the
models botocore ships (and the project's patches), so a user's home directory
cannot change what the gateway speaks.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import Loader
from botocore.model import ServiceModel

BOTOCORE_DATA = os.path.join(os.path.dirname(botocore.__file__), "data")
PATCHES_DIR = Path(__file__).resolve().parents[2] / "specs" / "patches"


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386 JSON merge patch, applied in place."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = value
    return target


class ServiceModels:
    """Loads and caches service models; one instance per Gateway."""

    def __init__(self, patches_dir: Path = PATCHES_DIR) -> None:
        self._loader = Loader(extra_search_paths=[BOTOCORE_DATA], include_default_search_paths=False)
        self._patches_dir = patches_dir
        self._cache: dict[str, ServiceModel] = {}
        self._lock = threading.Lock()

    def get(self, service: str) -> ServiceModel:
        model = self._cache.get(service)
        if model is None:
            with self._lock:
                model = self._cache.get(service)
                if model is None:
                    model = self._load(service)
                    self._cache[service] = model
        return model

    def _load(self, service: str) -> ServiceModel:
        data = self._loader.load_service_model(service, "service-2")
        patch_file = self._patches_dir / f"{service}.json"
        if patch_file.exists():
            merge_patch(data, json.loads(patch_file.read_text()))
        return ServiceModel(data, service_name=service)

    def available(self) -> list[str]:
        return self._loader.list_available_services("service-2")
