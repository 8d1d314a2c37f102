"""Presigned code URLs (providers/lambda_/code_urls.py): AWS's query-string
SigV4 shape, bound to one account, region, object and host, refused with S3's
error codes when anything was changed or the URL expired."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from providers.lambda_.code_urls import CodeUrlSigner, Refused

HOST = "127.0.0.1:4566"
ACCOUNT = "111111111111"
SHA = "ab" * 32
NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


def signer(secret: bytes = b"s" * 32, expires: int = 600) -> CodeUrlSigner:
    return CodeUrlSigner(secret, expires)


def parts(url: str) -> tuple[str, str]:
    split = urlsplit(url)
    return split.path, split.query


def refusal(path: str, query: str, host: str = HOST, now: dt.datetime = NOW, by: CodeUrlSigner = None) -> Refused:
    with pytest.raises(Refused) as error:
        (by or signer()).check(path, query, host, now)
    return error.value


def test_the_url_has_aws_presigned_shape_and_verifies():
    url = signer().url(HOST, ACCOUNT, "eu-west-1", SHA, NOW)
    path, query = parts(url)
    assert url.startswith(f"http://{HOST}/_aws/lambda/code/{ACCOUNT}/eu-west-1/{SHA}.zip?")
    params = parse_qs(query)
    assert params["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert params["X-Amz-Credential"] == [f"{ACCOUNT}/20240501/eu-west-1/s3/aws4_request"]
    assert params["X-Amz-Date"] == ["20240501T120000Z"]
    assert params["X-Amz-Expires"] == ["600"]
    assert params["X-Amz-SignedHeaders"] == ["host"]
    assert len(params["X-Amz-Signature"][0]) == 64
    granted = signer().check(path, query, HOST, NOW + dt.timedelta(seconds=600))
    assert (granted.account_id, granted.region, granted.sha_hex) == (ACCOUNT, "eu-west-1", SHA)


def test_a_tampered_signature_or_object_does_not_match():
    path, query = parts(signer().url(HOST, ACCOUNT, "us-east-1", SHA, NOW))
    signature = parse_qs(query)["X-Amz-Signature"][0]
    tampered = query.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])
    refused = refusal(path, tampered)
    assert (refused.status, refused.code) == (403, "SignatureDoesNotMatch")
    assert refused.message == ("The request signature we calculated does not match the signature you provided. "
                               "Check your key and signing method.")
    assert refusal(path.replace(SHA, "cd" * 32), query).code == "SignatureDoesNotMatch"
    assert refusal(path, query, host="localhost:4566").code == "SignatureDoesNotMatch"
    assert refusal(path, query.replace("X-Amz-Expires=600", "X-Amz-Expires=6000")).code == "SignatureDoesNotMatch"
    assert refusal(path, query + "&extra=1").code == "SignatureDoesNotMatch"
    # Another gateway (another secret) did not issue it.
    assert refusal(path, query, by=signer(b"t" * 32)).code == "SignatureDoesNotMatch"


def test_a_url_of_one_account_does_not_open_another_accounts_path():
    path, query = parts(signer().url(HOST, ACCOUNT, "us-east-1", SHA, NOW))
    other = "222222222222"
    # Only the path changed: the credential no longer names the path's account.
    refused = refusal(path.replace(ACCOUNT, other), query)
    assert (refused.status, refused.code, refused.message) == (403, "AccessDenied", "Access Denied")
    # Path and credential changed together: the other account's signing key does not verify it.
    refused = refusal(path.replace(ACCOUNT, other), query.replace(ACCOUNT, other))
    assert refused.code == "SignatureDoesNotMatch"


def test_an_expired_url_is_refused_as_s3_refuses_it():
    path, query = parts(signer(expires=60).url(HOST, ACCOUNT, "us-east-1", SHA, NOW))
    refused = refusal(path, query, now=NOW + dt.timedelta(seconds=61))
    assert (refused.status, refused.code, refused.message) == (403, "AccessDenied", "Request has expired")
    assert refused.extra == (("X-Amz-Expires", "60"), ("Expires", "2024-05-01T12:01:00Z"),
                             ("ServerTime", "2024-05-01T12:01:01Z"))


def test_missing_or_malformed_query_parameters():
    path, query = parts(signer().url(HOST, ACCOUNT, "us-east-1", SHA, NOW))
    assert (refusal(path, "").status, refusal(path, "").code, refusal(path, "").message) == (
        403, "AccessDenied", "Access Denied")
    partial = "&".join(p for p in query.split("&") if not p.startswith("X-Amz-Signature="))
    refused = refusal(path, partial)
    assert (refused.status, refused.code) == (400, "AuthorizationQueryParametersError")
    assert refused.message.startswith("Query-string authentication version 4 requires the X-Amz-Algorithm")
    refused = refusal(path, query.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"))
    assert refused.message == 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'
    refused = refusal(path, query.replace("us-east-1%2Fs3", "eu-west-1%2Fs3"))
    assert refused.message == ("Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; "
                               "expecting 'us-east-1'")


def test_the_secret_is_kept_private_and_reused(tmp_path: Path):
    secret_file = tmp_path / "code-url-secret"
    first = CodeUrlSigner.load(secret_file)
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    path, query = parts(first.url(HOST, ACCOUNT, "us-east-1", SHA, NOW))
    CodeUrlSigner.load(secret_file).check(path, query, HOST, NOW)  # a restart keeps issued URLs valid
    secret_file.write_bytes(b"short")
    assert refusal(path, query, by=CodeUrlSigner.load(secret_file)).code == "SignatureDoesNotMatch"
    assert len(secret_file.read_bytes()) == 32
