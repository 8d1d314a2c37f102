"""Zip intake and extraction (providers/lambda_/zips.py, code.py): hostile
archives are refused before anything is extracted, extraction never escapes its
root, and the account's limits are AWS's errors."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from gateway.errors import ServiceError
from providers.lambda_ import code, limits
from providers.lambda_.code import CodeIntake, CodeStore
from providers.lambda_.hot_reload_rules import HotReloadRules
from providers.lambda_.limits import AccountLimits
from providers.lambda_.models import CodeInfo
from providers.lambda_.store import LambdaStore
from providers.lambda_.zips import UnsafeArchive, inspect_zip, safe_extract

LIMIT = 262_144_000

UNZIP_ERROR = "Could not unzip uploaded file. Please check your file, then try to upload again."


def build_zip(entries: list[tuple]) -> bytes:
    """entries: (name, data) or (name, data, unix_mode)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            name, data = entry[0], entry[1]
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            mode = entry[2] if len(entry) > 2 else (stat.S_IFREG | 0o644)
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def symlink(name: str, target: str) -> tuple:
    return (name, target, stat.S_IFLNK | 0o777)


def expect_error(data: bytes, message: str, code_name: str = "InvalidParameterValueException") -> None:
    with pytest.raises(ServiceError) as error:
        inspect_zip(data, LIMIT)
    assert error.value.code == code_name
    assert error.value.message == message


# Intake ----------------------------------------------------------------------------------
def test_a_valid_zip_passes_and_reports_its_unzipped_size():
    data = build_zip([("index.py", "def handler(e, c):\n    return e\n"), ("lib/util.py", "x = 1\n")])
    assert inspect_zip(data, LIMIT) == len("def handler(e, c):\n    return e\n") + len("x = 1\n")


def test_not_a_zip_gets_aws_message():
    # TestLambdaFunction::test_create_lambda_exceptions invalid_zip_exc
    expect_error(b"this is not a zipfile, just a random string", UNZIP_ERROR)


def test_an_empty_upload_is_refused():
    expect_error(b"", "Uploaded file must be a non-empty zip")


@pytest.mark.parametrize("name", ["../evil.py", "a/../../evil.py", "/etc/passwd", "C:\\evil.py", "a\\..\\..\\x"])
def test_entries_escaping_the_root_are_refused(name):
    expect_error(build_zip([(name, "x")]), UNZIP_ERROR)


@pytest.mark.parametrize("target", ["/etc/passwd", "../outside", "a/../../x", "sub/../../.."])
def test_symlinks_pointing_outside_are_refused(target):
    expect_error(build_zip([symlink("link", target)]), UNZIP_ERROR)


def test_entries_beneath_a_symlink_are_refused():
    # "dir" -> "." then "dir/x" would be written through the link.
    expect_error(build_zip([symlink("dir", "."), ("dir/x", "data")]), UNZIP_ERROR)


def test_symlinks_inside_the_archive_are_accepted():
    inspect_zip(build_zip([("lib/real.py", "x"), symlink("lib/alias.py", "real.py"), symlink("a/b/up", "../../lib")]),
                LIMIT)


def test_encrypted_entries_are_refused():
    data = bytearray(build_zip([("index.py", "x")]))
    # Set general purpose bit 0 (encrypted) in the local header and the central directory.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = bytes(data).index(signature) + offset
        data[at] |= 0x1
    expect_error(bytes(data), UNZIP_ERROR)


def test_unzipped_size_limit_is_checked_from_the_central_directory():
    # 300 MB of zeros compresses to ~300 KB; refused without inflating anything.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("big.bin", "w", force_zip64=True) as entry:
            chunk = bytes(1 << 20)
            for _ in range(300):
                entry.write(chunk)
    expect_error(buffer.getvalue(), "Unzipped size must be smaller than 262144000 bytes")


def test_request_and_zipped_limits_have_aws_messages():
    defaults = AccountLimits()
    with pytest.raises(ServiceError) as error:
        limits.check_request_size(defaults, 70_167_212, "CreateFunction")
    assert error.value.status == 413
    assert error.value.message == "Request must be smaller than 70167211 bytes for the CreateFunction operation"
    limits.check_request_size(defaults, 70_167_211, "CreateFunction")
    assert limits.zipped_too_large(52_428_800).message == "Zipped size must be smaller than 52428800 bytes"


def _intake(tmp_path: Path, **limit_values) -> CodeIntake:
    rules = HotReloadRules(protected=(tmp_path / "data",), homes=())
    return CodeIntake(CodeStore(tmp_path / "code"), AccountLimits(**limit_values), rules)


def test_intake_enforces_the_configured_limits(tmp_path: Path):
    owner = LambdaStore("000000000000", "us-east-1", None)
    data = build_zip([("index.py", "x" * 1000)])
    intake = _intake(tmp_path, code_size_zipped=len(data) - 1)
    with pytest.raises(ServiceError) as error:
        intake.zip_file(owner, data)
    assert (error.value.code, error.value.message) == (
        "RequestEntityTooLargeException", f"Zipped size must be smaller than {len(data) - 1} bytes")
    with pytest.raises(ServiceError) as error:
        _intake(tmp_path, code_size_unzipped=999).zip_file(owner, data)
    assert error.value.message == "Unzipped size must be smaller than 999 bytes"
    with pytest.raises(ServiceError) as error:
        _intake(tmp_path, code_size_unzipped=1500).zip_file(owner, data, layers_unzipped=600)
    assert error.value.message == (
        "Function code combined with layers exceeds the maximum allowed size of 1500 bytes. "
        "The actual size is 1600 bytes.")
    with pytest.raises(ServiceError) as error:
        _intake(tmp_path, total_code_size=len(data) - 1).zip_file(owner, data)
    assert (error.value.code, error.value.message) == ("CodeStorageExceededException", "Code storage limit exceeded.")
    assert not list((tmp_path / "code").rglob("*.zip"))  # nothing stored for a refused upload
    stored = _intake(tmp_path).zip_file(owner, data)
    assert stored.size == len(data) and Path(stored.zip_path).read_bytes() == data


def test_intake_of_a_file_backed_blob_is_copied_into_the_store(tmp_path: Path):
    data = build_zip([("index.py", "x = 1\n")])
    blob = io.BytesIO(data)
    stored = _intake(tmp_path).zip_file(LambdaStore("000000000000", "us-east-1", None), _Sized(blob, len(data)))
    assert stored.sha256 == code.sha256_b64(data) and Path(stored.zip_path).read_bytes() == data
    assert not list((tmp_path / "code" / "incoming").iterdir())


class _Sized(io.BufferedReader):
    """A readable, seekable file that knows its length (as a spooled request blob)."""

    def __init__(self, raw: io.BytesIO, size: int) -> None:
        super().__init__(raw)  # type: ignore[arg-type]
        self._size = size

    def __len__(self) -> int:
        return self._size


def test_unzipped_sizes_are_known_for_stored_code(tmp_path: Path):
    store = CodeStore(tmp_path / "code")
    stored = store.put(build_zip([("a", "x" * 10), ("b", "y" * 5)]))
    assert CodeStore(tmp_path / "code").unzipped_size(stored) == 15  # read from the blob
    assert store.unzipped_size(CodeInfo(hot_reload_dir="/x")) == 0


# Storage -------------------------------------------------------------------------------------
def test_each_distinct_zip_is_stored_once_and_swept_when_unreferenced(tmp_path: Path):
    store = CodeStore(tmp_path / "code")
    data = build_zip([("index.py", "x")])
    first = store.put(data)
    second = store.put(data)
    assert first.sha256 == second.sha256 == code.sha256_b64(data)
    assert first.size == len(data)
    path = Path(first.zip_path)
    assert path.read_bytes() == data
    assert len(list((tmp_path / "code").rglob("*.zip"))) == 1
    store.release(first)
    assert store.sweep(lambda: [second]) == 0  # still held by another version
    assert path.exists()
    store.release(second)
    assert store.sweep(lambda: []) == 1
    assert not path.exists()


def test_a_blob_uploaded_again_during_a_sweep_is_kept(tmp_path: Path):
    store = CodeStore(tmp_path / "code")
    data = build_zip([("index.py", "x")])
    held = store.put(data)
    store.release(held)

    def referenced():
        store.put(data)  # a new function uploads the same zip while the sweep looks
        return []

    assert store.sweep(referenced) == 0
    assert Path(held.zip_path).exists()


def test_restored_code_points_at_the_store(tmp_path: Path):
    store = CodeStore(tmp_path / "code")
    stored = store.put(build_zip([("index.py", "x")]))
    restored = CodeInfo(sha256=stored.sha256, size=stored.size, zip_path="/moved/elsewhere.zip")
    CodeStore(tmp_path / "code").refresh_paths([restored])
    assert restored.zip_path == stored.zip_path


def test_hot_reload_needs_an_absolute_path(tmp_path: Path):
    intake = _intake(tmp_path)
    info = intake.hot_reload(str(tmp_path / "my-function"))
    assert (info.hot_reload_dir, info.sha256, info.size) == (
        str(tmp_path / "my-function"), "hot-reloading-hash-not-available", 0)
    with pytest.raises(ServiceError) as error:
        intake.hot_reload("relative/dir")
    assert error.value.message == (
        "When using hot reloading, the archive key has to be an absolute path! Your archive key: relative/dir")


# Extraction ------------------------------------------------------------------------------------
def test_extraction_keeps_modes_and_links_inside(tmp_path: Path):
    data = build_zip(
        [
            ("bootstrap", "#!/bin/sh\n", stat.S_IFREG | 0o4755),
            ("lib/real.py", "x = 1\n", stat.S_IFREG | 0o600),
            symlink("lib/alias.py", "real.py"),
            ("docs/", "", stat.S_IFDIR | 0o700),
        ]
    )
    archive = tmp_path / "code.zip"
    archive.write_bytes(data)
    root = tmp_path / "task"
    safe_extract(str(archive), root, LIMIT)
    bootstrap = root / "bootstrap"
    assert stat.S_IMODE(bootstrap.stat().st_mode) == 0o755  # setuid dropped, exec kept
    assert stat.S_IMODE((root / "lib" / "real.py").stat().st_mode) == 0o644  # always readable
    assert os.readlink(root / "lib" / "alias.py") == "real.py"
    assert (root / "lib" / "alias.py").read_text() == "x = 1\n"
    assert (root / "docs").is_dir()


@pytest.mark.parametrize(
    "entries",
    [
        [("../evil", "x")],
        [symlink("link", "../../etc")],
        [symlink("dir", "."), ("dir/x", "data")],
    ],
)
def test_extraction_refuses_escapes(tmp_path: Path, entries):
    archive = tmp_path / "code.zip"
    archive.write_bytes(build_zip(entries))
    root = tmp_path / "task"
    with pytest.raises(UnsafeArchive):
        safe_extract(str(archive), root, LIMIT)
    assert not (tmp_path / "evil").exists()


def test_extraction_stops_at_the_byte_limit(tmp_path: Path):
    archive = tmp_path / "code.zip"
    archive.write_bytes(build_zip([("a.bin", bytes(4096)), ("b.bin", bytes(4096))]))
    with pytest.raises(UnsafeArchive):
        safe_extract(str(archive), tmp_path / "task", max_bytes=6000)


def test_extraction_does_not_trust_declared_sizes(tmp_path: Path):
    """An entry whose central directory understates its size is cut off, not inflated."""
    data = bytearray(build_zip([("bomb.bin", bytes(1 << 20))]))
    # Patch the declared uncompressed size (central directory and local header) to 10 bytes.
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.infolist()[0]
    real = info.file_size.to_bytes(4, "little")
    data = bytearray(bytes(data).replace(real, (10).to_bytes(4, "little")))
    path = tmp_path / "bomb.zip"
    path.write_bytes(bytes(data))
    root = tmp_path / "task"
    with pytest.raises((UnsafeArchive, zipfile.BadZipFile)):
        safe_extract(str(path), root, LIMIT)
    written = root / "bomb.bin"
    assert not written.exists() or written.stat().st_size <= 10
