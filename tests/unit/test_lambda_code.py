"""Zip intake and extraction (providers/lambda_/code.py): hostile archives are
refused before anything is extracted, and extraction never escapes its root."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from gateway.errors import ServiceError
from providers.lambda_ import code
from providers.lambda_.code import CodeStore, UnsafeArchive, inspect_zip, safe_extract
from providers.lambda_.models import CodeInfo

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
        inspect_zip(data)
    assert error.value.code == code_name
    assert error.value.message == message


# Intake ----------------------------------------------------------------------------------
def test_a_valid_zip_passes_and_reports_its_unzipped_size():
    data = build_zip([("index.py", "def handler(e, c):\n    return e\n"), ("lib/util.py", "x = 1\n")])
    assert inspect_zip(data) == len("def handler(e, c):\n    return e\n") + len("x = 1\n")


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
    inspect_zip(build_zip([("lib/real.py", "x"), symlink("lib/alias.py", "real.py"), symlink("a/b/up", "../../lib")]))


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
    with pytest.raises(ServiceError) as error:
        code.check_request_size(70_167_212, "CreateFunction")
    assert error.value.status == 413
    assert error.value.message == "Request must be smaller than 70167211 bytes for the CreateFunction operation"
    code.check_request_size(70_167_211, "CreateFunction")
    assert code.zipped_too_large().message == "Zipped size must be smaller than 52428800 bytes"


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


def test_hot_reload_needs_an_absolute_path():
    info = code.hot_reload_code("/tmp/my-function")
    assert (info.hot_reload_dir, info.sha256, info.size) == ("/tmp/my-function", "hot-reloading-hash-not-available", 0)
    with pytest.raises(ServiceError):
        code.hot_reload_code("relative/dir")


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
    safe_extract(str(archive), root)
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
        safe_extract(str(archive), root)
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
        safe_extract(str(path), root)
    written = root / "bomb.bin"
    assert not written.exists() or written.stat().st_size <= 10
