"""Which image runs a runtime, and making sure an image is there.

By default a runtime runs in AWS's base image for it,
``public.ecr.aws/lambda/<language>:<version>`` with AWS's tag scheme
(``python3.12`` -> ``python:3.12``, ``nodejs20.x`` -> ``nodejs:20``,
``java8.al2`` -> ``java:8.al2``, ``dotnet8`` -> ``dotnet:8``,
``provided.al2023`` -> ``provided:al2023``, ``provided`` -> ``provided:alami``).

``LAMBDA_RUNTIME_IMAGE_MAPPING`` overrides it, in either of LocalStack's two forms:

- a pattern with ``<runtime>``: ``myrepo/lambda:<runtime>`` runs ``python3.12``
  in ``myrepo/lambda:python3.12``;
- a JSON object mapping runtimes to images: ``{"python3.12": "myrepo/py:3.12"}``;
  runtimes it does not name keep AWS's image. A key that is not a Lambda
  runtime is a start-up error.

An image missing locally is pulled once (for the function's platform) when a
version that needs it is prepared; if it can be neither found nor pulled, the
version goes ``Failed`` with the reason.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import TYPE_CHECKING, Optional

from ...runtimes import BY_ID
from .pull_progress import PullProgress

if TYPE_CHECKING:
    import docker

log = logging.getLogger("lambda.executor.docker")

VARIABLE = "LAMBDA_RUNTIME_IMAGE_MAPPING"
AWS_REPOSITORY = "public.ecr.aws/lambda"
PLATFORMS = {"x86_64": "linux/amd64", "arm64": "linux/arm64"}
_RUNTIME = re.compile(r"^(?P<language>[a-z]+?)(?P<version>\d[\w.]*?)(?P<suffix>\.x)?$")
_SPECIAL = {"provided": "provided:alami", "provided.al2": "provided:al2", "provided.al2023": "provided:al2023",
            "dotnetcore3.1": "dotnet:core3.1", "dotnetcore2.1": "dotnet:core2.1", "go1.x": "go:1"}


class MappingError(ValueError):
    """``LAMBDA_RUNTIME_IMAGE_MAPPING`` is not valid; the message says why."""


def aws_image(runtime: str) -> Optional[str]:
    """AWS's base image for ``runtime``, or None for an identifier that is not a runtime."""
    if runtime not in BY_ID:
        return None
    if runtime in _SPECIAL:
        return f"{AWS_REPOSITORY}/{_SPECIAL[runtime]}"
    match = _RUNTIME.match(runtime)
    if match is None:
        return None
    return f"{AWS_REPOSITORY}/{match['language']}:{match['version']}"


class ImageMapping:
    def __init__(self, setting: str = "") -> None:
        self._pattern: Optional[str] = None
        self._mapping: dict[str, str] = {}
        setting = setting.strip()
        if not setting:
            return
        if "<runtime>" in setting:
            self._pattern = setting
            return
        try:
            mapping = json.loads(setting)
        except ValueError:
            raise MappingError(f"{VARIABLE} must be a JSON object of runtime to image, or an image name holding "
                               f"<runtime> (e.g. myrepo/lambda:<runtime>)") from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) and v for v in mapping.values()):
            raise MappingError(f"{VARIABLE} must map runtimes to image names (strings)")
        unknown = sorted(key for key in mapping if key not in BY_ID)
        if unknown:
            raise MappingError(f"{VARIABLE}: unknown runtime(s) {', '.join(unknown)}")
        self._mapping = dict(mapping)

    def image_for(self, runtime: str) -> Optional[str]:
        if runtime in self._mapping:
            return self._mapping[runtime]
        if self._pattern is not None and runtime in BY_ID:
            return self._pattern.replace("<runtime>", runtime)
        return aws_image(runtime)


def split_reference(image: str) -> tuple[str, Optional[str]]:
    """``repo[:tag]`` or ``repo@digest`` -> (repository, tag or digest)."""
    if "@" in image:
        repository, digest = image.split("@", 1)
        return repository, digest
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon + 1:]
    return image, None


class ImageStore:
    """Images present on the engine, pulled on first need; one pull at a time per image."""

    def __init__(self, api: "docker.APIClient") -> None:
        self.api = api
        self._lock = threading.Lock()
        self._pulling: dict[str, threading.Lock] = {}
        self._present: dict[tuple[str, str], dict] = {}  # (image, platform) -> the image's Config

    def config_of(self, image: str) -> Optional[dict]:
        """The image's own settings (Entrypoint, Cmd, WorkingDir, Env...) once ensured."""
        for (name, _platform), config in self._present.items():
            if name == image:
                return config
        return None

    def ensure(self, image: str, platform: str) -> Optional[str]:
        """None once ``image`` is present for ``platform`` (pulled if needed), else why it is not."""
        import docker.errors

        key = (image, platform)
        if key in self._present:
            return None
        with self._lock:
            lock = self._pulling.setdefault(image, threading.Lock())
        with lock:
            if key in self._present:
                return None
            try:
                attrs = self.api.inspect_image(image)
            except docker.errors.ImageNotFound:
                attrs = None
            except docker.errors.DockerException as error:
                return f"the image {image} could not be inspected: {_brief(error)}"
            if attrs is not None and not _matches(attrs, platform):
                attrs = None  # there, but for another platform: the right one may be pullable
            if attrs is None:
                repository, tag = split_reference(image)
                log.info("pulling %s (%s)", image, platform)
                progress = PullProgress(image)
                try:
                    for event in self.api.pull(repository, tag=tag or "latest", platform=platform, stream=True,
                                               decode=True):
                        if event.get("error"):  # a streamed pull reports its failure as an event
                            raise docker.errors.DockerException(event["error"])
                        line = progress.feed(event)
                        if line:
                            log.info("%s", line)
                    log.info("%s", progress.finished())
                    attrs = self.api.inspect_image(image)
                except docker.errors.DockerException as error:
                    return f"the image {image} is not available ({platform}) and could not be pulled: {_brief(error)}"
                if not _matches(attrs, platform):
                    return f"the image {image} is not available for {platform}"
            self._present[key] = attrs.get("Config") or {}
        return None

    def forget(self) -> None:
        """Images may have been removed or replaced: look again next time."""
        self._present.clear()


def _matches(attrs: dict, platform: str) -> bool:
    architecture = platform.split("/")[1]
    return attrs.get("Architecture", architecture) == architecture


def _brief(error: Exception) -> str:
    explanation = getattr(error, "explanation", None)
    text = explanation if isinstance(explanation, str) and explanation else str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
