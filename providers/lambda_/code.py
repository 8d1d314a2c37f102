"""Function and layer code: safe zip intake, content-addressed storage, S3
code locations, hot-reload directories, and safe extraction.

Zips are hostile until checked. Intake reads only the central directory (never
extracting) to enforce AWS's limits before any work: not a zip, an empty upload,
more than 250 MB unzipped, entries escaping the archive root (absolute paths,
``..``) and symlinks pointing outside it are all refused. ``safe_extract`` (for
the data plane) repeats every check while writing, counts the bytes actually
written, and never writes through or outside a symlink.

Each distinct zip is stored once, as ``<code_dir>/<hex[:2]>/<hex>.zip`` keyed by
its SHA-256, and removed by a sweep once no function or layer version holds it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import stat
import threading
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Optional

from gateway.errors import ServiceError

from .models import CodeInfo
from .store import atomic_write

log = logging.getLogger("lambda.code")

MAX_ZIPPED_BYTES = 52_428_800  # 50 MB, a ZipFile uploaded in the request
MAX_UNZIPPED_BYTES = 262_144_000  # 250 MB, function (+ layers) unzipped
MAX_REQUEST_BYTES = 70_167_211  # CreateFunction / UpdateFunctionCode request body
HOT_RELOAD_SHA256 = "hot-reloading-hash-not-available"
_COPY_CHUNK = 1 << 20


# Errors, as AWS words them ------------------------------------------------------------
def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, status=400, Type="User")


def unzip_error() -> ServiceError:
    return _invalid("Could not unzip uploaded file. Please check your file, then try to upload again.")


def unzipped_too_large() -> ServiceError:
    return _invalid(f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")


def request_too_large(operation: str) -> ServiceError:
    return ServiceError(
        "RequestEntityTooLargeException",
        f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the {operation} operation",
        status=413,
    )


def zipped_too_large() -> ServiceError:
    return ServiceError(
        "RequestEntityTooLargeException", f"Zipped size must be smaller than {MAX_ZIPPED_BYTES} bytes", status=413
    )


def check_request_size(body_length: int, operation: str) -> None:
    if body_length > MAX_REQUEST_BYTES:
        raise request_too_large(operation)


# Hashes ----------------------------------------------------------------------------
def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def b64_to_hex(sha_b64: str) -> str:
    return base64.b64decode(sha_b64).hex()


def hex_to_b64(sha_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(sha_hex)).decode()


# Paths inside an archive ------------------------------------------------------------
class UnsafeArchive(ValueError):
    """An entry would land outside the extraction root."""


def safe_relative(name: str) -> PurePosixPath:
    """The entry's path relative to the archive root, or ``UnsafeArchive``."""
    if "\x00" in name:
        raise UnsafeArchive(f"NUL in entry name {name!r}")
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":"):
        raise UnsafeArchive(f"absolute entry name {name!r}")
    parts = [p for p in clean.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafeArchive(f"entry name escapes the archive: {name!r}")
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


def _link_stays_inside(entry: PurePosixPath, target: str) -> bool:
    """Whether a symlink at ``entry`` pointing to ``target`` stays inside the root.

    Accepted targets are relative, ``..`` only as a leading run no deeper than
    the link's own directory, then plain names. Together with "nothing is ever
    written beneath a symlink" (so a link's parent is a real directory at its
    lexical depth), every chain of links resolves inside the root."""
    if not target or target.startswith("/") or "\x00" in target:
        return False
    parts = [p for p in target.replace("\\", "/").split("/") if p not in ("", ".")]
    ups = 0
    while ups < len(parts) and parts[ups] == "..":
        ups += 1
    if ".." in parts[ups:]:
        return False
    return ups <= len(entry.parts) - 1


def _beneath_link(entry: PurePosixPath, links: set[PurePosixPath]) -> bool:
    return any(parent in links for parent in entry.parents)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


# Intake ------------------------------------------------------------------------------
def inspect_zip(data: bytes, max_unzipped: int = MAX_UNZIPPED_BYTES) -> int:
    """Check an uploaded zip from its central directory only; return the total
    unzipped size. Raises AWS's errors."""
    if not data:
        raise _invalid("Uploaded file must be a non-empty zip")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            total = 0
            links: set[PurePosixPath] = set()
            for info in infos:
                total += info.file_size
                entry = safe_relative(info.filename)
                if links and _beneath_link(entry, links):
                    raise UnsafeArchive(f"entry {info.filename!r} lies beneath a symlink")
                if _is_symlink(info):
                    links.add(entry)
                    if info.file_size > 4096:
                        raise UnsafeArchive("oversized symlink entry")
                    target = archive.read(info).decode("utf-8", "replace")
                    if not _link_stays_inside(entry, target):
                        raise UnsafeArchive(f"symlink {info.filename!r} points outside the archive")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, UnsafeArchive, ValueError, OSError, EOFError) as error:
        log.debug("refusing uploaded zip: %s", error)
        raise unzip_error() from None
    if total > max_unzipped:
        raise unzipped_too_large()
    return total


# Storage ----------------------------------------------------------------------------
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
        self._lock = threading.Lock()

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

    def put(self, data: bytes, s3_location: Optional[dict[str, str]] = None) -> CodeInfo:
        """Store a zip that passed ``inspect_zip`` (once per distinct content)."""
        digest = hashlib.sha256(data)
        sha_hex = digest.hexdigest()
        path = self.path_for(sha_hex)
        with self._lock:
            self._candidates.discard(sha_hex)
            if sha_hex not in self._stored and not path.exists():
                atomic_write(path, data, durable=self.durable)
            self._stored.add(sha_hex)
        return CodeInfo(
            sha256=base64.b64encode(digest.digest()).decode(),
            size=len(data),
            zip_path=str(path),
            s3_location=s3_location,
        )

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

    def read(self, sha_hex: str) -> Optional[bytes]:
        if len(sha_hex) != 64 or any(c not in "0123456789abcdef" for c in sha_hex):
            return None
        try:
            return self.path_for(sha_hex).read_bytes()
        except OSError:
            return None

    def reset(self) -> None:
        with self._lock:
            self._candidates.clear()
            self._stored.clear()


# Hot reload --------------------------------------------------------------------------
def hot_reload_code(directory: str) -> CodeInfo:
    """``S3Bucket=<BUCKET_MARKER_LOCAL>``, ``S3Key=<absolute path>``: the code is
    the directory itself, mounted rather than copied."""
    if not os.path.isabs(directory):
        raise _invalid(f"When using hot reloading, the archive key has to be an absolute path! Your archive key: {directory}")
    return CodeInfo(sha256=HOT_RELOAD_SHA256, size=0, hot_reload_dir=directory)


def zip_directory(directory: str) -> bytes:
    """A zip of a hot-reload directory, for the code download URL."""
    buffer = io.BytesIO()
    root = Path(directory)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


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

    def fetch(
        self, endpoint: str, account_id: str, region: str, bucket: str, key: str, version: Optional[str] = None
    ) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        kwargs = {"Bucket": bucket, "Key": key}
        if version:
            kwargs["VersionId"] = version
        try:
            response = self._client(endpoint, account_id, region).get_object(**kwargs)
            if response.get("ContentLength", 0) > MAX_UNZIPPED_BYTES:
                response["Body"].close()
                raise unzipped_too_large()
            return response["Body"].read()
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


# Extraction (for the data plane) -------------------------------------------------------
def safe_extract(zip_path: str, destination: Path, max_bytes: int = MAX_UNZIPPED_BYTES) -> None:
    """Extract a stored zip under ``destination``: entries stay inside it,
    symlinks point inside it, at most ``max_bytes`` are written, file modes keep
    their permission bits (never setuid/setgid/sticky; always owner-readable)."""
    root = destination.resolve()
    root.mkdir(parents=True, exist_ok=True)
    written = 0
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
        if sum(i.file_size for i in infos) > max_bytes:
            raise UnsafeArchive("archive exceeds the unzipped size limit")
        for info in infos:
            relative = safe_relative(info.filename)
            if relative == PurePosixPath("."):
                continue
            target = root.joinpath(*relative.parts)
            _ensure_parent_inside(root, target)
            mode = (info.external_attr >> 16) & 0o777 if info.create_system == 3 else 0
            if info.is_dir():
                if target.is_symlink():
                    raise UnsafeArchive(f"directory entry {info.filename!r} replaces a symlink")
                target.mkdir(exist_ok=True)
                os.chmod(target, (mode | 0o700) if mode else 0o755)
                continue
            if target.is_symlink() or target.exists():
                if target.is_dir() and not target.is_symlink():
                    raise UnsafeArchive(f"entry {info.filename!r} replaces a directory")
                target.unlink()
            if _is_symlink(info):
                link = archive.read(info).decode("utf-8")
                if not _link_stays_inside(relative, link):
                    raise UnsafeArchive(f"symlink {info.filename!r} points outside the archive")
                parts = [p for p in link.replace("\\", "/").split("/") if p not in ("", ".")]
                os.symlink("/".join(parts) or ".", target)
                continue
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(target, flags, 0o600)
            with os.fdopen(fd, "wb") as out, archive.open(info) as source:
                entry_bytes = 0
                while True:
                    chunk = source.read(_COPY_CHUNK)
                    if not chunk:
                        break
                    entry_bytes += len(chunk)
                    written += len(chunk)
                    if entry_bytes > info.file_size or written > max_bytes:
                        raise UnsafeArchive(f"entry {info.filename!r} inflates beyond its declared size")
                    out.write(chunk)
            os.chmod(target, (mode | 0o444) if mode else 0o644)


def _ensure_parent_inside(root: Path, target: Path) -> None:
    """Create the entry's parent directories, refusing to pass through a symlink."""
    current = root
    for part in target.relative_to(root).parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise UnsafeArchive(f"{target} lies beneath a symlink")
        if not current.exists():
            current.mkdir(mode=0o755)
        elif not current.is_dir():
            raise UnsafeArchive(f"{current} is not a directory")
