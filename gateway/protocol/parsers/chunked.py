"""``aws-chunked`` request bodies (SigV4 streaming uploads, mostly S3).

SDKs that sign a streaming upload (``x-amz-content-sha256:
STREAMING-AWS4-HMAC-SHA256-PAYLOAD``, ``STREAMING-UNSIGNED-PAYLOAD-TRAILER``,
...) or send a trailing checksum wrap the payload as::

    <hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n ... 0[;...]\\r\\n
    [<trailer-name>:<value>\\r\\n]*\\r\\n

The decoded payload is what the operation's blob member holds; trailers (e.g.
``x-amz-checksum-crc32``) are headers that arrived late. Chunk signatures are
not verified (the gateway does not verify SigV4 either).

See https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
"""

from __future__ import annotations

from werkzeug.datastructures import Headers

_MAX_SIZE_DIGITS = 16


def is_aws_chunked(headers: Headers) -> bool:
    if headers.get("x-amz-content-sha256", "").startswith("STREAMING-"):
        return True
    encoding = headers.get("Content-Encoding", "")
    return "aws-chunked" in encoding.lower()


def decode_aws_chunked(body: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """The payload and the trailing headers. Raises ``ValueError`` if malformed."""
    chunks: list[bytes] = []
    position = 0
    length = len(body)
    while True:
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            raise ValueError("aws-chunked body: missing chunk header")
        size_text = body[position:line_end].split(b";", 1)[0].strip()
        if not size_text or len(size_text) > _MAX_SIZE_DIGITS:
            raise ValueError("aws-chunked body: invalid chunk size")
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ValueError("aws-chunked body: invalid chunk size") from None
        start = line_end + 2
        if size == 0:
            position = start
            break
        end = start + size
        if end + 2 > length or body[end : end + 2] != b"\r\n":
            raise ValueError("aws-chunked body: truncated chunk")
        chunks.append(body[start:end])
        position = end + 2
    trailers: list[tuple[str, str]] = []
    for line in body[position:].split(b"\r\n"):
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise ValueError("aws-chunked body: invalid trailer")
        try:
            trailers.append((name.decode("ascii").strip(), value.decode("latin-1").strip()))
        except UnicodeDecodeError:
            raise ValueError("aws-chunked body: invalid trailer") from None
    return b"".join(chunks), trailers


def effective_headers(headers: Headers, trailers: list[tuple[str, str]]) -> Headers:
    """The headers as if the payload had been sent plainly: ``aws-chunked``
    dropped from ``Content-Encoding``, the decoded length as ``Content-Length``,
    trailers (except the trailer signature) added."""
    result = Headers(headers)
    encodings = [
        token.strip()
        for token in headers.get("Content-Encoding", "").split(",")
        if token.strip() and token.strip().lower() != "aws-chunked"
    ]
    if encodings:
        result["Content-Encoding"] = ", ".join(encodings)
    else:
        result.remove("Content-Encoding")
    decoded_length = headers.get("x-amz-decoded-content-length")
    if decoded_length is not None:
        result["Content-Length"] = decoded_length
    for name, value in trailers:
        if name.lower() != "x-amz-trailer-signature":
            result[name] = value
    return result
