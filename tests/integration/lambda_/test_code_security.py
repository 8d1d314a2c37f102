"""Code as shipped, and code that must never ship (issue 8 point 3, issue 9 point 5),
through a real gateway and boto3:

- ``Code.Location`` / ``Content.Location`` are presigned URLs: they download the
  zip; a tampered signature, another account's path or an expired URL get S3's
  XML errors; a hot-reload directory is never served.
- Hot reload refuses ``/``, system and credential directories and the gateway's
  own data with AWS-shaped errors; ``LAMBDA_HOT_RELOAD_ROOTS`` restricts it.
- Symlinks inside a zip (function or layer) survive into the environment;
  escaping ones are refused on upload.
- ``LAMBDA_LIMITS_*`` are enforced with AWS's messages, including the
  function-plus-layers unzipped limit.
"""

from __future__ import annotations

import io
import os
import stat
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any, Optional

import pytest
from botocore.exceptions import ClientError

from tests.support.gateway_process import ROOT

from .conftest import ROLE, client_for, invoke_json, make_zip, unique, wait_active, wait_until

READ_THROUGH_LINKS = '''
import os

def handler(event, context):
    root = os.environ["LAMBDA_TASK_ROOT"]
    import layer_alias
    return {
        "text": open(os.path.join(root, "data", "alias.txt")).read(),
        "link": os.readlink(os.path.join(root, "data", "alias.txt")),
        "layer": layer_alias.VALUE,
    }
'''
HOT_HANDLER = "def handler(event, context):\n    return {'hot': True}\n"


# Helpers ------------------------------------------------------------------------------------
def error_of(call, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def s3_error(body: bytes) -> dict[str, str]:
    root = ET.fromstring(body)
    assert root.tag == "Error"
    return {child.tag: child.text or "" for child in root}


def zip_with_links(entries: list[tuple[str, str, Optional[str]]]) -> bytes:
    """(name, content, symlink target or None) -> a zip with Unix modes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content, target in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3
            if target is not None:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, target)
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
    return buffer.getvalue()


def zeros_zip(name: str, size: int) -> bytes:
    """A zip whose one entry unzips to ``size`` bytes (compresses to almost nothing)."""
    return make_zip({name: bytes(size)})


def random_zip(size: int) -> bytes:
    return zipfile_stored({"blob.bin": os.urandom(size)})


def zipfile_stored(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def create(client: Any, name: str, **kwargs: Any) -> dict:
    kwargs.setdefault("Code", {"ZipFile": make_zip({"index.py": HOT_HANDLER})})
    return client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                  **kwargs)


@pytest.fixture
def client(gateway_url):
    return client_for(gateway_url)


# Presigned code locations ---------------------------------------------------------------------
def test_code_location_is_a_presigned_url_that_downloads_the_zip(client):
    code = make_zip({"index.py": HOT_HANDLER})
    name = unique()
    create(client, name, Code={"ZipFile": code})
    location = client.get_function(FunctionName=name)["Code"]["Location"]
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in location and "X-Amz-Expires=600" in location
    assert "X-Amz-SignedHeaders=host" in location and "X-Amz-Signature=" in location
    assert "/000000000000/us-east-1/" in location and "X-Amz-Credential=000000000000%2F" in location
    assert fetch(location) == (200, code)


def test_layer_content_location_is_presigned_for_the_caller(client):
    content = make_zip({"python/layer_mod.py": "VALUE = 1\n"})
    published = client.publish_layer_version(LayerName=unique("layer"), Content={"ZipFile": content})
    assert fetch(published["Content"]["Location"]) == (200, content)
    by_arn = client.get_layer_version_by_arn(Arn=published["LayerVersionArn"])
    assert fetch(by_arn["Content"]["Location"]) == (200, content)


def test_tampered_and_unsigned_urls_get_s3_errors(client):
    name = unique()
    create(client, name)
    location = client.get_function(FunctionName=name)["Code"]["Location"]
    signature = location.rsplit("=", 1)[1]
    tampered = location[: -len(signature)] + ("0" if signature[0] != "0" else "1") + signature[1:]
    status, body = fetch(tampered)
    error = s3_error(body)
    assert (status, error["Code"]) == (403, "SignatureDoesNotMatch")
    assert error["Message"] == ("The request signature we calculated does not match the signature you provided. "
                                "Check your key and signing method.")
    assert error["RequestId"] and error["HostId"]
    status, body = fetch(location.split("?", 1)[0])  # the path alone: no credentials at all
    assert (status, s3_error(body)["Code"], s3_error(body)["Message"]) == (403, "AccessDenied", "Access Denied")
    # The download route of the old unsigned shape is gone.
    sha = location.split("?", 1)[0].rsplit("/", 1)[1]
    assert fetch(f"{client.meta.endpoint_url}/_aws/lambda/code/{sha}")[0] == 403


def test_a_url_issued_to_one_account_does_not_open_another_accounts(gateway_url):
    owner, other = "111111111111", "222222222222"
    owner_client = _account_client(gateway_url, owner)
    name = unique()
    code = make_zip({"index.py": HOT_HANDLER + "# owner\n"})
    create(owner_client, name, Code={"ZipFile": code})
    location = owner_client.get_function(FunctionName=name)["Code"]["Location"]
    assert fetch(location) == (200, code)
    moved = location.replace(f"/{owner}/", f"/{other}/")
    status, body = fetch(moved)
    assert (status, s3_error(body)["Code"]) == (403, "AccessDenied")
    forged = moved.replace(f"X-Amz-Credential={owner}", f"X-Amz-Credential={other}")
    status, body = fetch(forged)
    assert (status, s3_error(body)["Code"]) == (403, "SignatureDoesNotMatch")
    # The other account does not see the function at all.
    assert error_of(_account_client(gateway_url, other).get_function, FunctionName=name)[0] == "ResourceNotFoundException"


def _account_client(url: str, account: str) -> Any:
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id=account,
                        aws_secret_access_key="test", config=BotoConfig(retries={"max_attempts": 1}))


def test_an_expired_url_is_refused(special_gateway):
    gateway = special_gateway(LAMBDA_CODE_LOCATION_EXPIRES="1")
    client = client_for(gateway.url)
    name = unique()
    create(client, name)
    location = client.get_function(FunctionName=name)["Code"]["Location"]
    assert "X-Amz-Expires=1&" in location

    def expired() -> Optional[dict[str, str]]:
        status, body = fetch(location)
        return s3_error(body) if status == 403 else None

    error = wait_until(expired, timeout=5, interval=0.1, message="the URL expiring")
    assert (error["Code"], error["Message"], error["X-Amz-Expires"]) == ("AccessDenied", "Request has expired", "1")
    assert error["Expires"] <= error["ServerTime"]


# Hot reload ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("directory", ["/etc", "/", "/proc/self", os.path.expanduser("~/.aws"),
                                       os.path.expanduser("~/.ssh"), os.path.expanduser("~"), str(ROOT / ".data")])
def test_hot_reload_refuses_system_credential_and_gateway_directories(client, directory):
    code, message, status = error_of(create, client=client, name=unique(),
                                     Code={"S3Bucket": "hot-reload", "S3Key": directory})
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith(f"Hot reloading is not allowed for {directory}")


def test_hot_reload_resolves_links_and_checks_updates(client, tmp_path):
    link = tmp_path / "innocent"
    link.symlink_to("/etc")
    code, message, _ = error_of(create, client=client, name=unique(),
                                Code={"S3Bucket": "hot-reload", "S3Key": str(link)})
    assert code == "InvalidParameterValueException"
    assert message == f"Hot reloading is not allowed for {link} (resolved: /etc): it lies in the system directory /etc."
    name = unique()
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "index.py").write_text(HOT_HANDLER)
    create(client, name, Code={"S3Bucket": "hot-reload", "S3Key": str(tmp_path / "code")})
    wait_active(client, name)
    code, message, _ = error_of(client.update_function_code, FunctionName=name, S3Bucket="hot-reload",
                                S3Key=os.path.expanduser("~/.aws"))
    assert code == "InvalidParameterValueException" and "credential directory" in message
    assert client.get_function(FunctionName=name)["Code"]["Location"] == f"Code location: {tmp_path / 'code'}"
    assert invoke_json(client, name)[1] == {"hot": True}


def test_hot_reload_directory_swapped_for_a_link_is_refused_at_start(special_gateway, tmp_path):
    client = client_for(special_gateway(LAMBDA_KEEPALIVE_MS="0").url)
    directory = tmp_path / "later"  # does not exist yet: accepted, as LocalStack accepts it
    name = unique()
    create(client, name, Code={"S3Bucket": "hot-reload", "S3Key": str(directory)})
    wait_active(client, name)
    response, payload = invoke_json(client, name)
    assert response.get("FunctionError") == "Unhandled"
    assert f"the hot-reload directory {directory} does not exist" in payload["errorMessage"]
    directory.mkdir()
    (directory / "index.py").write_text(HOT_HANDLER)
    assert invoke_json(client, name)[1] == {"hot": True}
    directory.rename(tmp_path / "moved")
    directory.symlink_to(os.path.expanduser("~/.aws"))
    response, payload = invoke_json(client, name)
    assert response.get("FunctionError") == "Unhandled"
    assert "hot reloading is not allowed" in payload["errorMessage"]


def test_hot_reload_roots_and_data_dir(special_gateway, tmp_path_factory):
    base = tmp_path_factory.mktemp("roots")
    (base / "project").mkdir()
    (base / "project" / "index.py").write_text(HOT_HANDLER)
    outside = tmp_path_factory.mktemp("outside")
    gateway = special_gateway(PERSISTENCE="1", DATA_DIR=str(base / "data"), LAMBDA_HOT_RELOAD_ROOTS=str(base))
    client = client_for(gateway.url)

    def refused(directory: Path) -> str:
        code, message, status = error_of(create, client=client, name=unique(),
                                         Code={"S3Bucket": "hot-reload", "S3Key": str(directory)})
        assert (code, status) == ("InvalidParameterValueException", 400)
        return message

    assert refused(base / "data" / "lambda") == (
        f"Hot reloading is not allowed for {base / 'data' / 'lambda'}: "
        f"it lies in the gateway's data directory {(base / 'data').resolve()}.")
    assert "contains the gateway's data directory" in refused(base)
    assert refused(outside) == (f"Hot reloading is not allowed for {outside}: "
                                f"it is not under LAMBDA_HOT_RELOAD_ROOTS ({base.resolve()}).")
    name = unique()
    create(client, name, Code={"S3Bucket": "hot-reload", "S3Key": str(base / "project")})
    wait_active(client, name)
    assert invoke_json(client, name)[1] == {"hot": True}


# Symlinks inside zips ----------------------------------------------------------------------------
def test_symlinks_inside_function_and_layer_zips_reach_the_environment(client):
    layer = client.publish_layer_version(
        LayerName=unique("links"),
        Content={"ZipFile": zip_with_links([("python/layer_real.py", "VALUE = 42\n", None),
                                            ("python/layer_alias.py", "", "layer_real.py")])},
    )
    function = zip_with_links([("index.py", READ_THROUGH_LINKS, None), ("data/real.txt", "through the link", None),
                               ("data/alias.txt", "", "real.txt")])
    name = unique()
    create(client, name, Code={"ZipFile": function}, Layers=[layer["LayerVersionArn"]])
    wait_active(client, name)
    response, payload = invoke_json(client, name)
    assert "FunctionError" not in response, payload
    assert payload == {"text": "through the link", "link": "real.txt", "layer": 42}


@pytest.mark.parametrize("target", ["../../../etc/passwd", "/etc/passwd", "data/../../x"])
def test_escaping_symlinks_are_refused_on_upload(client, target):
    bad = zip_with_links([("index.py", HOT_HANDLER, None), ("data/link", "", target)])
    assert error_of(create, client=client, name=unique(), Code={"ZipFile": bad}) == (
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
        400,
    )
    assert error_of(client.publish_layer_version, LayerName=unique("bad"), Content={"ZipFile": bad})[0] == (
        "InvalidParameterValueException")


# Limits ------------------------------------------------------------------------------------------
LIMITS = {
    "LAMBDA_LIMITS_CODE_SIZE_ZIPPED": "3000",
    "LAMBDA_LIMITS_CODE_SIZE_UNZIPPED": "30000",
    "LAMBDA_LIMITS_TOTAL_CODE_SIZE": "8000",
    "LAMBDA_LIMITS_CREATE_FUNCTION_REQUEST_SIZE": "5000",
}


@pytest.fixture
def limited(special_gateway):
    return special_gateway(**LIMITS)


def test_configured_limits_are_reported_and_enforced(limited):
    client = client_for(limited.url)
    limit = client.get_account_settings()["AccountLimit"]
    assert (limit["CodeSizeZipped"], limit["CodeSizeUnzipped"], limit["TotalCodeSize"]) == (3000, 30000, 8000)
    assert error_of(create, client=client, name=unique(), Code={"ZipFile": random_zip(3100)}) == (
        "RequestEntityTooLargeException", "Zipped size must be smaller than 3000 bytes", 413)
    assert error_of(create, client=client, name=unique(), Code={"ZipFile": zeros_zip("big.bin", 30001)}) == (
        "InvalidParameterValueException", "Unzipped size must be smaller than 30000 bytes", 400)
    assert error_of(create, client=client, name=unique(), Code={"ZipFile": random_zip(2800)},
                    Environment={"Variables": {"PAD": "x" * 2000}}) == (
        "RequestEntityTooLargeException", "Request must be smaller than 5000 bytes for the CreateFunction operation",
        413)
    assert error_of(client.publish_layer_version, LayerName=unique("big"),
                    Content={"ZipFile": zeros_zip("big.bin", 30001)})[1] == (
        "Unzipped size must be smaller than 30000 bytes")


def test_total_code_storage_is_enforced(limited):
    client = _account_client(limited.url, "123456789012")
    used = 0
    while True:
        package = random_zip(2500)
        if used + len(package) > 8000:
            break
        create(client, unique(), Code={"ZipFile": package})
        used += len(package)
    assert error_of(create, client=client, name=unique(), Code={"ZipFile": package}) == (
        "CodeStorageExceededException", "Code storage limit exceeded.", 400)
    assert error_of(client.publish_layer_version, LayerName=unique("layer"), Content={"ZipFile": package})[0] == (
        "CodeStorageExceededException")
    assert client.get_account_settings()["AccountUsage"]["TotalCodeSize"] == used


def test_function_plus_layers_over_the_unzipped_limit_is_refused(limited):
    client = _account_client(limited.url, "210987654321")
    layer_zip = zeros_zip("python/padding.bin", 20000)
    layer = client.publish_layer_version(LayerName=unique("pad"), Content={"ZipFile": layer_zip})["LayerVersionArn"]
    function_zip = make_zip({"index.py": HOT_HANDLER, "padding.bin": bytes(15000)})
    actual = 20000 + 15000 + len(HOT_HANDLER)
    expected = ("InvalidParameterValueException",
                "Function code combined with layers exceeds the maximum allowed size of 30000 bytes. "
                f"The actual size is {actual} bytes.", 400)
    assert error_of(create, client=client, name=unique(), Code={"ZipFile": function_zip}, Layers=[layer]) == expected
    name = unique()
    create(client, name, Code={"ZipFile": function_zip})
    wait_active(client, name)
    assert error_of(client.update_function_configuration, FunctionName=name, Layers=[layer]) == expected
    small = unique()
    create(client, small, Layers=[layer])  # 20 KB of layer and a small function fit
    wait_active(client, small)
    assert error_of(client.update_function_code, FunctionName=small, ZipFile=function_zip) == expected


# Large uploads (bodies the server spools to disk) ------------------------------------------------
def test_large_uploads_are_stored_intact(client):
    """Bodies over 1 MiB take the spooled path: the zip is decoded from the file in
    chunks, and what is stored, served and run is exactly what was sent."""
    padding = os.urandom(3_000_000)
    code = zipfile_stored({"index.py": HOT_HANDLER.encode(), "padding.bin": padding})
    name = unique()
    created = create(client, name, Code={"ZipFile": code})
    assert created["CodeSize"] == len(code)
    wait_active(client, name)
    assert fetch(client.get_function(FunctionName=name)["Code"]["Location"]) == (200, code)
    assert invoke_json(client, name)[1] == {"hot": True}
    updated_code = zipfile_stored({"index.py": HOT_HANDLER.encode(), "padding.bin": padding[::-1]})
    updated = client.update_function_code(FunctionName=name, ZipFile=updated_code)
    assert updated["CodeSize"] == len(updated_code)
    layer = client.publish_layer_version(LayerName=unique("big"), Content={"ZipFile": updated_code})
    assert layer["Content"]["CodeSize"] == len(updated_code)
    assert fetch(layer["Content"]["Location"]) == (200, updated_code)
