"""Function and layer code: intake with AWS's limits, content-addressed
storage, S3 code locations and hot-reload directories.

- ``CodeIntake`` (owned by the provider) turns a request's ``ZipFile``, S3
  object or hot-reload directory into a ``CodeInfo``, enforcing the account's
  limits (``limits.py``) before any work and checking the archive with
  ``zips.inspect_zip`` before it is stored.
- ``CodeStore`` keeps each distinct zip once, as ``<code_dir>/<hex[:2]>/<hex>.zip``
  keyed by its SHA-256, removed by a sweep once no function or layer version
  holds it. Large inputs (S3 objects, spooled request bodies) are copied into
  the store through a temporary file while being hashed, never held in memory.
- Hot-reload directories are checked by ``hot_reload_rules.py`` and never
  copied nor served as a download.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterable, Iterator, Optional, Union

from gateway.errors import ServiceError

from . import limits as code_limits
from .hot_reload_rules import HotReloadRefused, HotReloadRules
from .limits import AccountLimits
from .models import CodeInfo
from .store import atomic_write
from .zips import empty_upload, inspect_zip, unzipped_size

if TYPE_CHECKING:
    from .store import LambdaStore

log = logging.getLogger("lambda.code")

HOT_RELOAD_SHA256 = "hot-reloading-hash-not-available"
_COPY_CHUNK = 1 << 20
ZipInput = Union[bytes, BinaryIO]  # a ZipFile member: bytes, or a file-backed blob (read in chunks)


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, status=400, Type="User")


# Hashes ----------------------------------------------------------------------------
def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def b64_to_hex(sha_b64: str) -> str:
    return base64.b64decode(sha_b64).hex()


# Storage ----------------------------------------------------------------------------
@dataclass
class Spooled:
    """An input copied into the store's ``incoming`` directory, hashed on the way."""

    path: Path
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    def discard(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


class CodeStore:
    """Content-addressed zip blobs, collected when nothing references them.

    Holders are not counted (every module that copies a ``CodeInfo``, such as
    a published version, would have to take part). Instead ``release`` marks a
    blob as a candidate and ``sweep`` deletes the candidates that no restored
    or live state still references. ``put``/``acquire`` of a candidate revoke
    its candidacy, so a blob re-uploaded while a sweep runs is kept.
    """

    def __init__(self, root: Path, durable: bool = True) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.durable = durable  # fsync blobs (PERSISTENCE=1)
        self._candidates: set[str] = set()
        self._stored: set[str] = set()  # blobs known to be on disk (saves a stat per upload)
        self._unzipped: dict[str, int] = {}  # key -> unzipped size
        self._lock = threading.Lock()
        self._clear_incoming()  # what a crash left half-copied

    @property
    def incoming(self) -> Path:
        return self.root / "incoming"

    def _clear_incoming(self) -> None:
        if self.incoming.is_dir():
            for leftover in self.incoming.iterdir():
                try:
                    leftover.unlink()
                except OSError:
                    pass

    def path_for(self, sha_hex: str) -> Path:
        return self.root / sha_hex[:2] / f"{sha_hex}.zip"

    @staticmethod
    def key_of(code: CodeInfo) -> Optional[str]:
        """The blob's key (hex SHA-256) for stored zips, else None."""
        if not code.sha256 or code.hot_reload_dir or code.image_uri:
            return None
        try:
            key = b64_to_hex(code.sha256)
        except ValueError:
            return None
        return key if len(key) == 64 else None

    def path_of(self, code: CodeInfo) -> Optional[Path]:
        key = self.key_of(code)
        return self.path_for(key) if key else None

    def forget(self, sha_hex: str) -> None:
        """The blob left the disk (damaged, moved aside: damage.py): the next put of it writes it again."""
        with self._lock:
            self._stored.discard(sha_hex)
            self._unzipped.pop(sha_hex, None)

    def spool(self, chunks: Iterable[bytes], max_bytes: int, too_large: Callable[[], Exception]) -> Spooled:
        """Copy ``chunks`` into a temporary file of the store (hashing them),
        raising ``too_large()`` as soon as more than ``max_bytes`` arrive."""
        self.incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.incoming, suffix=".zip")
        spooled = Spooled(Path(name))
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    spooled.size += len(chunk)
                    if spooled.size > max_bytes:
                        raise too_large()
                    spooled.digest.update(chunk)
                    out.write(chunk)
                if self.durable:
                    out.flush()
                    os.fsync(out.fileno())
        except BaseException:
            spooled.discard()
            raise
        return spooled

    def put(self, data: bytes, unzipped: int = 0, s3_location: Optional[dict[str, str]] = None) -> CodeInfo:
        """Store a zip that passed ``inspect_zip`` (once per distinct content)."""
        digest = hashlib.sha256(data)
        sha_hex = digest.hexdigest()
        path = self.path_for(sha_hex)
        with self._lock:
            self._candidates.discard(sha_hex)
            if sha_hex not in self._stored and not path.exists():
                atomic_write(path, data, durable=self.durable)
            self._stored.add(sha_hex)
            self._unzipped[sha_hex] = unzipped
        return CodeInfo(sha256=base64.b64encode(digest.digest()).decode(), size=len(data), zip_path=str(path),
                        s3_location=s3_location)

    def put_spooled(self, spooled: Spooled, unzipped: int = 0,
                    s3_location: Optional[dict[str, str]] = None) -> CodeInfo:
        """Store a spooled zip that passed ``inspect_zip``: moved into place
        (or dropped when the same content is already stored)."""
        sha_hex = spooled.digest.hexdigest()
        path = self.path_for(sha_hex)
        with self._lock:
            self._candidates.discard(sha_hex)
            if sha_hex not in self._stored and not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(spooled.path, path)
                if self.durable:
                    _fsync_directory(path.parent)
            self._stored.add(sha_hex)
            self._unzipped[sha_hex] = unzipped
        spooled.discard()
        return CodeInfo(sha256=base64.b64encode(spooled.digest.digest()).decode(), size=spooled.size,
                        zip_path=str(path), s3_location=s3_location)

    def unzipped_size(self, code: CodeInfo) -> int:
        """A stored zip's unzipped size (0 for images and hot-reload directories)."""
        key = self.key_of(code)
        if key is None:
            return 0
        with self._lock:
            known = self._unzipped.get(key)
        if known is not None:
            return known
        try:
            size = unzipped_size(self.path_for(key))
        except (OSError, ValueError) as error:
            log.warning("cannot read the unzipped size of %s: %s", self.path_for(key), error)
            return 0
        with self._lock:
            self._unzipped[key] = size
        return size

    def acquire(self, code: CodeInfo) -> None:
        """Another holder of the blob appears (it must not be swept now)."""
        key = self.key_of(code)
        if key:
            with self._lock:
                self._candidates.discard(key)

    def release(self, code: CodeInfo) -> None:
        """A holder is gone; the next ``sweep`` removes the blob if nothing else holds it."""
        key = self.key_of(code)
        if key:
            with self._lock:
                self._candidates.add(key)

    @property
    def has_candidates(self) -> bool:
        return bool(self._candidates)

    def sweep(self, referenced: Callable[[], Iterable[CodeInfo]]) -> int:
        """Delete released blobs that ``referenced()`` (every CodeInfo of the
        current state) no longer names; returns how many were deleted."""
        with self._lock:
            todo = set(self._candidates)
        if not todo:
            return 0
        live = {self.key_of(code) for code in referenced()}
        deleted = 0
        with self._lock:
            for key in todo:
                if key not in self._candidates:
                    continue  # put or acquired again meanwhile
                self._candidates.discard(key)
                if key in live:
                    continue
                self._stored.discard(key)
                self._unzipped.pop(key, None)
                try:
                    self.path_for(key).unlink()
                    deleted += 1
                except FileNotFoundError:
                    pass
        return deleted

    def refresh_paths(self, codes: Iterable[CodeInfo]) -> None:
        """Point restored CodeInfos at this store (DATA_DIR may have moved)."""
        for code in codes:
            path = self.path_of(code)
            if path is not None:
                code.zip_path = str(path)

    def reset(self) -> None:
        with self._lock:
            self._candidates.clear()
            self._stored.clear()
            self._unzipped.clear()


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _chunks_of(data: ZipInput) -> Iterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield bytes(data)
        return
    while True:
        chunk = data.read(_COPY_CHUNK)
        if not chunk:
            return
        yield chunk


def input_size(data: ZipInput) -> int:
    """Bytes of a ZipFile member (a file-backed blob knows its length)."""
    return len(data)  # type: ignore[arg-type]


# Intake -------------------------------------------------------------------------------
class CodeIntake:
    """The provider's code intake: every check AWS makes, before any work."""

    def __init__(self, store: CodeStore, limits: AccountLimits, hot_reload: HotReloadRules) -> None:
        self.store = store
        self.limits = limits
        self.hot_reload_rules = hot_reload
        self.s3 = S3CodeFetcher()

    def check_request_size(self, body_length: int, operation: str) -> None:
        code_limits.check_request_size(self.limits, body_length, operation)

    def zip_file(self, owner: "LambdaStore", data: ZipInput, layers_unzipped: int = 0) -> CodeInfo:
        """A zip uploaded in the request: checked, then stored (one reference)."""
        size = input_size(data)
        if size > self.limits.code_size_zipped:
            raise code_limits.zipped_too_large(self.limits.code_size_zipped)
        if isinstance(data, (bytes, bytearray, memoryview)):
            unzipped = inspect_zip(bytes(data), self.limits.code_size_unzipped)
            self._check_fits(owner, unzipped, layers_unzipped, size)
            return self.store.put(bytes(data), unzipped)
        if size == 0:
            raise empty_upload()
        data.seek(0)
        unzipped = inspect_zip(data, self.limits.code_size_unzipped)
        self._check_fits(owner, unzipped, layers_unzipped, size)
        data.seek(0)
        spooled = self.store.spool(_chunks_of(data), size, lambda: code_limits.zipped_too_large(size))
        return self.store.put_spooled(spooled, unzipped)

    def s3_object(self, owner: "LambdaStore", endpoint: str, bucket: str, key: str, version: Optional[str],
                  layers_unzipped: int = 0) -> CodeInfo:
        """A zip in the companion S3, read as the owner's account, streamed to disk."""
        spooled = self.s3.fetch(self.store, self.limits, endpoint, owner.account_id, owner.region, bucket, key, version)
        try:
            unzipped = inspect_zip(spooled.path, self.limits.code_size_unzipped)
            self._check_fits(owner, unzipped, layers_unzipped, spooled.size)
            location = {"S3Bucket": bucket, "S3Key": key}
            if version:
                location["S3ObjectVersion"] = version
            return self.store.put_spooled(spooled, unzipped, s3_location=location)
        finally:
            spooled.discard()

    def hot_reload(self, directory: str, layers_unzipped: int = 0) -> CodeInfo:
        """``S3Bucket=<BUCKET_MARKER_LOCAL>``, ``S3Key=<absolute path>``: the code is
        the directory itself, mounted or linked rather than copied."""
        if not os.path.isabs(directory):
            raise _invalid(
                f"When using hot reloading, the archive key has to be an absolute path! Your archive key: {directory}"
            )
        try:
            self.hot_reload_rules.check(directory)
        except HotReloadRefused as refused:
            raise _invalid(f"{str(refused)[:1].upper()}{str(refused)[1:]}.") from None
        code_limits.check_combined_size(self.limits, 0, layers_unzipped)
        return CodeInfo(sha256=HOT_RELOAD_SHA256, size=0, hot_reload_dir=directory)

    def unzipped_size(self, code: CodeInfo) -> int:
        return self.store.unzipped_size(code)

    def check_layers(self, code: CodeInfo, layers_unzipped: int) -> None:
        """A function's current code with (new) layers (UpdateFunctionConfiguration)."""
        code_limits.check_combined_size(self.limits, self.unzipped_size(code), layers_unzipped)

    def _check_fits(self, owner: "LambdaStore", unzipped: int, layers_unzipped: int, added: int) -> None:
        code_limits.check_combined_size(self.limits, unzipped, layers_unzipped)
        with owner.lock:
            used = code_limits.code_storage_used(owner)
        code_limits.check_code_storage(self.limits, used, added)


# S3 --------------------------------------------------------------------------------
class S3CodeFetcher:
    """Reads code from the companion S3 through a botocore client aimed at the
    gateway itself, as the caller's account (a 12-digit access key selects it)."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def _client(self, endpoint: str, account_id: str, region: str) -> Any:
        key = (endpoint, account_id, region)
        client = self._clients.get(key)
        if client is None:
            import boto3
            from botocore.config import Config

            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    client = boto3.session.Session().client(
                        "s3",
                        endpoint_url=endpoint,
                        region_name=region,
                        aws_access_key_id=account_id,
                        aws_secret_access_key="lambda-internal",
                        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
                    )
                    self._clients[key] = client
        return client

    def fetch(self, store: CodeStore, limits: AccountLimits, endpoint: str, account_id: str, region: str,
              bucket: str, key: str, version: Optional[str] = None) -> Spooled:
        """The object, streamed into the code store's incoming directory; never
        more than the unzipped limit is read (a zip is not smaller than the
        files it stores, give or take its headers)."""
        from botocore.exceptions import BotoCoreError, ClientError

        kwargs = {"Bucket": bucket, "Key": key}
        if version:
            kwargs["VersionId"] = version
        too_large = lambda: code_limits.unzipped_too_large(limits.code_size_unzipped)  # noqa: E731
        try:
            response = self._client(endpoint, account_id, region).get_object(**kwargs)
            body = response["Body"]
            try:
                if response.get("ContentLength", 0) > limits.code_size_unzipped:
                    raise too_large()
                return store.spool(body.iter_chunks(_COPY_CHUNK), limits.code_size_unzipped, too_large)
            finally:
                body.close()
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code", "Unknown")
            message = details.get("Message", "")
            raise _invalid(
                f"Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
            ) from None
        except BotoCoreError as error:
            log.warning("could not read code from s3://%s/%s: %s", bucket, key, error)
            raise ServiceError("ServiceException", "An error occurred while reading code from S3", 500, False) from None
