"""Zips are hostile until checked: the one place that reads and extracts them.

- ``inspect_zip`` (control plane, on upload): reads only the central directory,
  never extracting, and refuses before any work what AWS refuses (not a zip,
  an empty upload, over the unzipped limit) plus what could hurt us: entries
  escaping the archive root (absolute paths, ``..``, NUL), symlinks pointing
  outside it, entries beneath a symlink.
- ``safe_extract`` (data plane, the unpack cache): repeats every check while
  writing, counts the bytes actually written against the limit (a declared
  size is never trusted), never writes through or outside a symlink, keeps
  symlinks that stay inside the archive (layers' shared libraries rely on
  them), and keeps permission bits sanely: never setuid/setgid/sticky, always
  readable by the owner.
"""

from __future__ import annotations

import io
import logging
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Union

from gateway.errors import ServiceError

from .limits import unzipped_too_large

log = logging.getLogger("lambda.zips")

ZipSource = Union[bytes, str, Path, BinaryIO]
MAX_LINK_TARGET = 4096  # bytes of a symlink entry (a path)
_COPY_CHUNK = 1 << 20
_ENCRYPTED = 0x1  # general purpose bit 0
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})


class UnsafeArchive(ValueError):
    """An entry would land outside the extraction root, or the archive lies about itself."""


def unzip_error() -> ServiceError:
    return ServiceError(
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
        status=400,
        Type="User",
    )


def empty_upload() -> ServiceError:
    return ServiceError("InvalidParameterValueException", "Uploaded file must be a non-empty zip", status=400, Type="User")


# Paths inside an archive ------------------------------------------------------------
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


def link_stays_inside(entry: PurePosixPath, target: str) -> bool:
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


def is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _link_target(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    if info.file_size > MAX_LINK_TARGET:
        raise UnsafeArchive(f"oversized symlink entry {info.filename!r}")
    with archive.open(info) as entry:
        data = entry.read(MAX_LINK_TARGET + 1)
    if len(data) > MAX_LINK_TARGET:
        raise UnsafeArchive(f"oversized symlink entry {info.filename!r}")
    return data.decode("utf-8", "replace")


def _open(source: ZipSource) -> zipfile.ZipFile:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return zipfile.ZipFile(io.BytesIO(source))
    return zipfile.ZipFile(source)  # type: ignore[arg-type]


# Intake ------------------------------------------------------------------------------
def inspect_zip(source: ZipSource, max_unzipped: int) -> int:
    """Check an uploaded zip (bytes, a path or a seekable file) from its central
    directory only; return the total unzipped size. Raises AWS's errors."""
    if isinstance(source, (bytes, bytearray, memoryview)) and not source:
        raise empty_upload()
    if isinstance(source, (str, Path)) and os.path.getsize(source) == 0:
        raise empty_upload()
    try:
        with _open(source) as archive:
            total = 0
            links: set[PurePosixPath] = set()
            for info in archive.infolist():
                total += info.file_size
                entry = safe_relative(info.filename)
                if info.flag_bits & _ENCRYPTED or info.compress_type not in _METHODS:
                    raise UnsafeArchive(f"entry {info.filename!r} is encrypted or uses an unsupported compression")
                if links and _beneath_link(entry, links):
                    raise UnsafeArchive(f"entry {info.filename!r} lies beneath a symlink")
                if is_symlink(info):
                    links.add(entry)
                    if not link_stays_inside(entry, _link_target(archive, info)):
                        raise UnsafeArchive(f"symlink {info.filename!r} points outside the archive")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, UnsafeArchive, ValueError, OSError, EOFError) as error:
        log.debug("refusing uploaded zip: %s", error)
        raise unzip_error() from None
    if total > max_unzipped:
        raise unzipped_too_large(max_unzipped)
    return total


def unzipped_size(source: ZipSource) -> int:
    """The declared unzipped size of a zip that passed ``inspect_zip``."""
    with _open(source) as archive:
        return sum(info.file_size for info in archive.infolist())


# Extraction (for the data plane) -------------------------------------------------------
def safe_extract(zip_path: Union[str, Path], destination: Path, max_bytes: int) -> int:
    """Extract a stored zip under ``destination``; return the bytes written.

    Entries stay inside it, symlinks point inside it, at most ``max_bytes`` are
    written (counted while inflating), file modes keep their permission bits
    (never setuid/setgid/sticky; always owner-readable). Raises ``UnsafeArchive``
    (or ``zipfile.BadZipFile`` for a damaged archive)."""
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
            if is_symlink(info):
                link = _link_target(archive, info)
                if not link_stays_inside(relative, link):
                    raise UnsafeArchive(f"symlink {info.filename!r} points outside the archive")
                parts = [p for p in link.replace("\\", "/").split("/") if p not in ("", ".")]
                os.symlink("/".join(parts) or ".", target)
                continue
            written += _extract_file(archive, info, target, max_bytes - written)
            # A zip without Unix modes (made on Windows): a bootstrap must still run.
            os.chmod(target, (mode | 0o444) if mode else 0o755 if relative.name == "bootstrap" else 0o644)
    return written


def _extract_file(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Inflate one entry into a new file (never through a link), at most
    ``min(declared size, budget)`` bytes."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o600)
    entry_bytes = 0
    with os.fdopen(fd, "wb") as out, archive.open(info) as source:
        while True:
            chunk = source.read(_COPY_CHUNK)
            if not chunk:
                return entry_bytes
            entry_bytes += len(chunk)
            if entry_bytes > info.file_size:
                raise UnsafeArchive(f"entry {info.filename!r} inflates beyond its declared size")
            if entry_bytes > budget:
                raise UnsafeArchive("archive exceeds the unzipped size limit")
            out.write(chunk)


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
