"""JSON bodies read from a spooled request file without holding them whole.

A large JSON request is nearly always one huge string (a base64 blob: a 50 MB
zip is a 70 MB ``ZipFile`` value) inside a small document. Reading it the
plain way costs the body's bytes, ``json.loads``' str, the base64 text and the
decoded bytes: several times the body. Instead, ``load_spooled`` makes one
pass over the file in chunks:

- strings longer than ``LONG_STRING`` bytes stay in the file: the document gets
  a ``LongString`` (the file, the byte range between the quotes) in their place;
- the rest (the small document) is parsed with ``json.loads`` as usual.

A shape parser then turns a ``LongString`` into what the member's shape asks
for: ``decode_base64`` writes a blob's bytes, decoded in chunks, to an unnamed
temporary file (a ``SpooledBlob``); ``text()`` reads a string member whole.
Nothing here knows a service: any JSON protocol request spooled by the server
takes this path.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import secrets
import tempfile
from typing import Any, BinaryIO, Iterator, Optional

LONG_STRING = 256 * 1024  # raw bytes: a string longer than this stays in the file
CHUNK = 1 << 20
_QUOTE_OR_BACKSLASH = re.compile(rb'["\\]')
_WHITESPACE = b" \t\r\n\x0b\x0c"
_CONTROL = re.compile(rb"[\x00-\x1f]")


class SpooledBlob:
    """A blob member's bytes in an unnamed temporary file (gone once closed or
    collected). Reads like a binary file (``read``, ``seek``, ``tell``), knows
    its length, and gives ``bytes(blob)`` for callers that need it whole."""

    def __init__(self, file: BinaryIO, size: int) -> None:
        self.file = file
        self.size = size
        file.seek(0)

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return True  # a member that was sent, even if empty (as b"" would be falsy only when absent)

    def __bytes__(self) -> bytes:
        self.file.seek(0)
        data = self.file.read()
        self.file.seek(0)
        return data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (bytes, bytearray)):
            return len(other) == self.size and bytes(self) == other
        return other is self

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<SpooledBlob {self.size} bytes>"

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.file.close()


class LongString:
    """A JSON string value left in the spooled file: its raw bytes (escapes
    undecoded) between ``start`` and ``end``."""

    __slots__ = ("file", "start", "end", "escaped")

    def __init__(self, file: BinaryIO, start: int, end: int, escaped: bool) -> None:
        self.file = file
        self.start = start
        self.end = end
        self.escaped = escaped  # a backslash occurs in it

    def __len__(self) -> int:
        return self.end - self.start

    def __repr__(self) -> str:
        return f"<LongString {len(self)} bytes at {self.start}>"

    def _raw_pieces(self) -> Iterator[bytes]:
        """The raw bytes in pieces cut where no escape sequence is split."""
        self.file.seek(self.start)
        left = len(self)
        carry = b""
        while left > 0:
            fresh = self.file.read(min(CHUNK, left))
            if not fresh:
                raise ValueError("the spooled body ended early")
            chunk = carry + fresh
            left -= len(fresh)
            if left <= 0 or not self.escaped:
                cut = len(chunk)
            else:
                cut = _safe_cut(chunk)
            carry = chunk[cut:]
            if cut:
                yield chunk[:cut]
        if carry:
            yield carry

    def _pieces(self) -> Iterator[str]:
        """The decoded text in pieces."""
        for raw in self._raw_pieces():
            if self.escaped and b"\\" in raw:
                yield json.loads(b'"' + raw + b'"')
            else:
                if _CONTROL.search(raw):
                    raise ValueError("Invalid control character in string")
                yield raw.decode("utf-8")

    def text(self) -> str:
        return "".join(self._pieces())

    def decode_base64(self) -> SpooledBlob:
        """The value decoded as base64 (as ``scalars.decode_base64``: padding
        optional, embedded whitespace ignored) into a temporary file."""
        out = tempfile.TemporaryFile()
        size = 0
        carry = b""
        padded = False
        try:
            for piece in self._pieces():
                if not piece.isascii():
                    raise ValueError("invalid base64 data")
                data = carry + piece.encode("ascii").translate(None, _WHITESPACE)
                if padded and data:
                    raise ValueError("invalid base64 data")
                whole = len(data) - len(data) % 4
                block, carry = data[:whole], data[whole:]
                if block:
                    if block.endswith(b"="):
                        padded = True
                    size += out.write(_b64decode(block))
            if carry:
                if padded:
                    raise ValueError("invalid base64 data")
                size += out.write(_b64decode(carry + b"=" * (-len(carry) % 4)))
        except (ValueError, UnicodeDecodeError):
            out.close()
            raise ValueError("invalid base64 data") from None
        out.flush()
        return SpooledBlob(out, size)


def _b64decode(block: bytes) -> bytes:
    try:
        return base64.b64decode(block, validate=True)
    except binascii.Error:
        raise ValueError("invalid base64 data") from None


def _safe_cut(chunk: bytes) -> int:
    """Where to cut escaped raw text so that no escape sequence (at most 6 bytes,
    ``\\uXXXX``) is split: before the backslash run reaching into the last 6 bytes."""
    tail = max(0, len(chunk) - 6)
    backslash = chunk.find(b"\\", tail)
    if backslash == -1:
        return len(chunk)
    while backslash > 0 and chunk[backslash - 1] == 0x5C:
        backslash -= 1
    return backslash


# The pass over the file --------------------------------------------------------------
def load_spooled(file: BinaryIO, length: int, long_string: int = LONG_STRING) -> Any:
    """The JSON document in ``file`` (``length`` bytes from 0), its strings
    longer than ``long_string`` bytes as ``LongString``; None for a blank body.
    Raises ``ValueError`` for JSON that is not valid."""
    nonce = secrets.token_hex(8)
    small = bytearray()
    found: dict[str, LongString] = {}
    offset = 0  # file position of chunk[0]
    in_string = False
    escape_pending = False  # the previous chunk ended inside an escape (after a backslash)
    string_start = 0
    string_bytes = bytearray()
    string_escaped = False
    long_now = False
    file.seek(0)
    while offset < length:
        chunk = file.read(min(CHUNK, length - offset))
        if not chunk:
            break
        position = 0
        size = len(chunk)
        while position < size:
            if not in_string:
                quote = chunk.find(b'"', position)
                if quote == -1:
                    small += chunk[position:]
                    break
                small += chunk[position:quote]
                in_string, string_start, long_now, string_escaped = True, offset + quote + 1, False, False
                string_bytes.clear()
                position = quote + 1
                continue
            scan = position
            if escape_pending:
                escape_pending = False
                scan += 1
            closing = None
            while scan < size:
                match = _QUOTE_OR_BACKSLASH.search(chunk, scan)
                if match is None:
                    scan = size
                    break
                at = match.start()
                if chunk[at] == 0x22:  # '"'
                    closing = at
                    break
                string_escaped = True
                if at + 1 >= size:
                    escape_pending = True
                    scan = size
                    break
                scan = at + 2
            end = closing if closing is not None else size
            if not long_now:
                string_bytes += chunk[position:end]
                if len(string_bytes) > long_string:
                    long_now = True
                    string_bytes.clear()
            if closing is None:
                break
            if long_now:
                marker = f"\x00{nonce}:{len(found)}"
                found[marker] = LongString(file, string_start, offset + closing, string_escaped)
                small += json.dumps(marker).encode()
            else:
                small += b'"' + string_bytes + b'"'
            in_string = False
            position = closing + 1
        offset += size
    if in_string:
        raise ValueError("Unterminated string")
    if not found and not small.strip():
        return None
    document = json.loads(bytes(small))
    return _restore(document, found) if found else document


def _restore(value: Any, found: dict[str, LongString]) -> Any:
    """Put the ``LongString`` objects where their markers are (keys are read whole)."""
    if isinstance(value, str):
        return found.get(value, value) if value.startswith("\x00") else value
    if isinstance(value, list):
        return [_restore(item, found) for item in value]
    if isinstance(value, dict):
        restored = {}
        for key, item in value.items():
            if key.startswith("\x00") and key in found:
                key = found[key].text()
            restored[key] = _restore(item, found)
        return restored
    return value


def resolve(value: Any) -> Any:
    """``value`` with every ``LongString`` read as a ``str`` (documents)."""
    if isinstance(value, LongString):
        return value.text()
    if isinstance(value, list):
        return [resolve(item) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item) for key, item in value.items()}
    return value


def open_spooled(request: Any) -> Optional[tuple[BinaryIO, int]]:
    """The spool file and length of a request whose body the server spooled
    (``HttpRequest.body_file``), else None."""
    body_file = getattr(request, "body_file", None)
    if body_file is None:
        return None
    return request.open_body(), request.body_length
