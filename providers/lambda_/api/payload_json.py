"""Why an Invoke payload is not JSON, in AWS's words.

AWS parses the payload with Jackson (a Java JSON parser reading UTF-8 bytes)
and answers ``InvalidRequestContentException`` "Could not parse request body
into json: Could not parse payload into json: <Jackson's message>", the message
naming the character and its line and column as Jackson does
(test_lambda.snapshot.json, TestLambdaErrors::test_lambda_invoke_payload_encoding_error):

    Invalid UTF-8 start byte 0x87
     at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 3]

``payload_problem`` reads the payload as Jackson's byte parser does, with the
same checks in the same order: the first problem is reported with Jackson's
wording and position (columns count bytes; an unexpected character is placed
on itself, a token, an encoding or end-of-input problem just after what was
read). Like Jackson's tree reader, it reads one value: what follows a complete
value is not looked at. Payloads in UTF-16/32 are read as UTF-8.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Optional

_SOURCE = "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {}, column: {}]"
_VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_MAX_DEPTH = 1000  # StreamReadConstraints' default nesting depth
_MAX_NUMBER = 1000  # StreamReadConstraints' default number length
_MAX_TOKEN = 256  # the longest unrecognized token Jackson quotes
_IDENT_START = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Sc", "Pc"}
_IDENT_PART = _IDENT_START | {"Nd", "Mn", "Mc", "Cf"}
_ESCAPES = frozenset(b'btnfr"/\\')
_HEX = frozenset(b"0123456789abcdefABCDEF")
_LITERALS = {ord("t"): "true", ord("f"): "false", ord("n"): "null"}


def payload_problem(data: bytes) -> Optional[str]:
    """None when AWS accepts ``data`` as JSON, else Jackson's description of the
    first problem (message and location)."""
    try:
        _Reader(data).read()
    except _Problem as problem:
        return problem.text
    return None


class _Problem(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass
class _Scope:
    kind: str  # "Array" or "Object"
    line: int
    column: int
    entries: int = 0

    @property
    def start(self) -> str:
        return _SOURCE.format(self.line, self.column)


def char_desc(code: int) -> str:
    """Jackson's ``_getCharDesc``: how a message names a character."""
    char = code & 0xFFFF
    if char < 0x20 or 0x7F <= char <= 0x9F:
        return f"(CTRL-CHAR, code {code})"
    shown = "?" if 0xD800 <= char <= 0xDFFF else chr(char)
    if code > 255:
        return f"'{shown}' (code {code} / 0x{code:x})"
    return f"'{shown}' (code {code})"


def _category(code: int) -> str:
    return unicodedata.category(chr(code & 0xFFFF))


def _identifier_start(code: int) -> bool:
    return _category(code) in _IDENT_START


def _identifier_part(code: int) -> bool:
    code &= 0xFFFF
    return _category(code) in _IDENT_PART or code <= 0x08 or 0x0E <= code <= 0x1B or 0x7F <= code <= 0x9F


class _Reader:
    """Jackson's UTF-8 stream parser, reduced to its checks. ``pos`` is its input
    pointer (bytes consumed), ``row_start`` where the current line begins."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.line = 1
        self.row_start = 0
        self.token = "null"  # Jackson's current token, named in some end-of-input messages
        self.scopes: list[_Scope] = []
        if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark is skipped, columns start after it
            self.pos = self.row_start = 3

    # Locations and failures ------------------------------------------------------------
    def _fail(self, message: str, column: int) -> None:
        raise _Problem(f"{message}\n at {_SOURCE.format(self.line, column)}")

    def fail_here(self, message: str) -> None:
        """At Jackson's current location: just after what was read."""
        self._fail(message, self.pos - self.row_start + 1)

    def fail_on_last(self, message: str) -> None:
        """On the character just read (Jackson's location minus one)."""
        self._fail(message, self.pos - self.row_start)

    def unexpected(self, code: int, comment: str) -> None:
        self.fail_on_last(f"Unexpected character ({char_desc(code)}): {comment}")

    def eof(self, suffix: str) -> None:
        self.fail_here(f"Unexpected end-of-input{suffix}")

    # Bytes -------------------------------------------------------------------------------
    def next_byte(self) -> int:
        """The next byte where one must follow (``_loadMoreGuaranteed``)."""
        if self.pos >= len(self.data):
            self.eof(f" in {self.token}")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def decode_for_error(self, first: int) -> int:
        """Jackson's ``_decodeCharForError``: the character a byte starts, reading
        its continuation bytes from the input pointer."""
        if first <= 0x7F:
            return first
        if first & 0xE0 == 0xC0:
            code, needed = first & 0x1F, 1
        elif first & 0xF0 == 0xE0:
            code, needed = first & 0x0F, 2
        elif first & 0xF8 == 0xF0:
            code, needed = first & 0x07, 3
        else:
            self.fail_here(f"Invalid UTF-8 start byte 0x{first:x}")
        for _ in range(needed):
            following = self.next_byte()
            if following & 0xC0 != 0x80:
                self.fail_here(f"Invalid UTF-8 middle byte 0x{following:x}")
            code = (code << 6) | (following & 0x3F)
        return code

    def skip_space(self, byte: int) -> bool:
        """Consume one white-space byte already read (False: not white space)."""
        if byte in (0x20, 0x09):
            return True
        if byte == 0x0A:
            self.line, self.row_start = self.line + 1, self.pos
            return True
        if byte == 0x0D:
            if self.pos < len(self.data) and self.data[self.pos] == 0x0A:
                self.pos += 1
            self.line, self.row_start = self.line + 1, self.pos
            return True
        if byte < 0x20:
            self.fail_here(f"Illegal character ({char_desc(byte)}): only regular white space (\\r, \\n, \\t) "
                           "is allowed between tokens")
        return False

    def next_token_byte(self) -> int:
        """The first byte of the next token, or -1 at the end of the input."""
        while self.pos < len(self.data):
            byte = self.data[self.pos]
            self.pos += 1
            if self.skip_space(byte):
                continue
            if byte == ord("/"):
                self.unexpected(byte, "maybe a (non-standard) comment? (not recognized as one since Feature "
                                      "'ALLOW_COMMENTS' not enabled for parser)")
            return byte
        return -1

    def required_byte(self) -> int:
        """A token must follow (after a comma or a colon)."""
        byte = self.next_token_byte()
        if byte < 0:
            self.fail_here(f"Unexpected end-of-input within/between {self.scopes[-1].kind} entries")
        return byte

    # Structure ------------------------------------------------------------------------------
    def read(self) -> None:
        byte = self.next_token_byte()
        if byte < 0:
            self.fail_here("No content to map due to end-of-input")
        if byte in (ord("]"), ord("}")):
            kind = "Object" if byte == ord("}") else "Array"
            self.fail_on_last(f"Unexpected close marker '{chr(byte)}': no open {kind} to close")
        self.value(byte)
        while self.scopes:
            self.entry()

    def entry(self) -> None:
        scope = self.scopes[-1]
        byte = self.next_token_byte()
        if byte < 0:
            self.eof(f": expected close marker for {scope.kind} (start marker at {scope.start})")
        if byte in (ord("]"), ord("}")):
            self.close(scope, byte)
            return
        if scope.entries:
            if byte != ord(","):
                self.unexpected(byte, f"was expecting comma to separate {scope.kind} entries")
            byte = self.required_byte()
        scope.entries += 1
        if scope.kind == "Object":
            self.name(byte)
            self.token = "FIELD_NAME"
            byte = self.colon()
        self.value(byte)

    def close(self, scope: _Scope, byte: int) -> None:
        expected = "Object" if byte == ord("}") else "Array"
        if scope.kind != expected:
            other = "]" if byte == ord("}") else "}"
            self.fail_on_last(f"Unexpected close marker '{chr(byte)}': expected '{other}' "
                              f"(for {scope.kind} starting at {scope.start})")
        self.scopes.pop()
        self.token = f"END_{expected.upper()}"

    def colon(self) -> int:
        """``_skipColon``: the first byte of the value after the colon."""
        seen = False
        while self.pos < len(self.data):
            byte = self.data[self.pos]
            self.pos += 1
            if self.skip_space(byte):
                continue
            if byte == ord("/"):
                self.unexpected(byte, "maybe a (non-standard) comment? (not recognized as one since Feature "
                                      "'ALLOW_COMMENTS' not enabled for parser)")
            if seen:
                return byte
            if byte != ord(":"):
                self.unexpected(byte, "was expecting a colon to separate field name and value")
            seen = True
        self.fail_here("Unexpected end-of-input within/between Object entries")
        return -1

    # Values ------------------------------------------------------------------------------
    def value(self, byte: int) -> None:
        if byte in (ord("["), ord("{")):
            kind = "Array" if byte == ord("[") else "Object"
            self.scopes.append(_Scope(kind, self.line, self.pos - self.row_start))
            self.token = f"START_{kind.upper()}"
            if len(self.scopes) > _MAX_DEPTH:
                raise _Problem(f"Document nesting depth ({len(self.scopes)}) exceeds the maximum allowed "
                               f"({_MAX_DEPTH}, from `StreamReadConstraints.getMaxNestingDepth()`)")
            return
        if byte == ord('"'):
            self.token = "VALUE_STRING"
            self.string()
        elif byte in _LITERALS:
            self.literal(_LITERALS[byte])
            self.token = f"VALUE_{_LITERALS[byte].upper()}"
        elif byte == ord("-") or ord("0") <= byte <= ord("9"):
            self.number(byte)
        else:
            self.unexpected_value(byte)

    def unexpected_value(self, byte: int) -> None:
        """``_handleUnexpectedValue``."""
        in_array = bool(self.scopes) and self.scopes[-1].kind == "Array"
        if byte in (ord(","), ord("}")) or (byte == ord("]") and in_array):
            self.unexpected(byte, "expected a value")
        if byte in (ord("N"), ord("I")):
            word = "NaN" if byte == ord("N") else "Infinity"
            self.literal(word)
            self.fail_here(f"Non-standard token '{word}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow")
        if byte == ord("+"):
            if self.pos >= len(self.data):
                self.eof(" in a Number value")
            self.pos += 1
            self.fail_here("Unexpected character ('+' (code 43)) in numeric value: JSON spec does not allow numbers "
                           "to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow")
        if _identifier_start(byte):
            self.invalid_token(chr(byte))
        self.unexpected(byte, f"expected a valid value {_VALUES}")

    def invalid_token(self, matched: str) -> None:
        """``_reportInvalidToken``: the token as far as it looks like one."""
        token = matched
        while self.pos < len(self.data):
            byte = self.data[self.pos]
            self.pos += 1
            code = self.decode_for_error(byte) & 0xFFFF
            if not _identifier_part(code):
                break
            token += "?" if 0xD800 <= code <= 0xDFFF else chr(code)
            if len(token) >= _MAX_TOKEN:
                token += "..."
                break
        self.fail_here(f"Unrecognized token '{token}': was expecting {_VALUES}")

    def literal(self, word: str) -> None:
        """``_matchToken``: the rest of ``word``, then no identifier character."""
        for index in range(1, len(word)):
            if self.pos >= len(self.data) or self.data[self.pos] != ord(word[index]):
                self.invalid_token(word[:index])
            self.pos += 1
        if self.pos < len(self.data):
            following = self.data[self.pos]
            if following >= ord("0") and following not in (ord("]"), ord("}")):
                if _identifier_part(self.decode_for_error(following) & 0xFFFF):
                    self.invalid_token(word)

    def number(self, first: int) -> None:
        if first == ord("-"):
            first = self.next_byte()
            if not ord("0") <= first <= ord("9"):
                self.fail_here(f"Unexpected character ({char_desc(first)}) in numeric value: expected digit (0-9) "
                               "to follow minus sign, for valid numeric value")
        if first == ord("0") and self.pos < len(self.data) and ord("0") <= self.data[self.pos] <= ord("9"):
            self.fail_here("Invalid numeric value: Leading zeroes not allowed")
        length, byte, at_end = self.digits(1)
        kind = "INT"
        if not at_end and (byte == ord(".") or byte | 0x20 == ord("e")):
            kind = "FLOAT"
            at_end, byte, length = self.fraction_and_exponent(byte, length)
        if length > _MAX_NUMBER:
            raise _Problem(f"Number value length ({length}) exceeds the maximum allowed "
                           f"({_MAX_NUMBER}, from `StreamReadConstraints.getMaxNumberLength()`)")
        if not at_end and not self.scopes:  # a root-level number must be followed by white space
            if byte not in (0x20, 0x09, 0x0A, 0x0D):
                self.unexpected(byte, "Expected space separating root-level values")
            self.skip_space(byte)
        elif not at_end:
            self.pos -= 1  # the byte after the number belongs to what follows
        self.token = f"VALUE_NUMBER_{kind}"

    def digits(self, count: int) -> tuple[int, int, bool]:
        """Digits after the first ``count``: (count, the byte after them, end of input)."""
        while self.pos < len(self.data):
            byte = self.data[self.pos]
            self.pos += 1
            if not ord("0") <= byte <= ord("9"):
                return count, byte, False
            count += 1
        return count, -1, True

    def fraction_and_exponent(self, byte: int, length: int) -> tuple[bool, int, int]:
        at_end = False
        if byte == ord("."):
            fraction, following, at_end = self.digits(0)
            if fraction == 0:
                self.fail_here(f"Unexpected character ({char_desc(byte if at_end else following)}) in numeric value: "
                               "Decimal point not followed by a digit")
            length += 1 + fraction
            byte = following
        if not at_end and byte | 0x20 == ord("e"):
            byte = self.next_byte()
            length += 1
            if byte in (ord("-"), ord("+")):
                byte = self.next_byte()
                length += 1
            exponent = 0
            while ord("0") <= byte <= ord("9"):
                exponent += 1
                if self.pos >= len(self.data):
                    at_end = True
                    break
                byte = self.data[self.pos]
                self.pos += 1
            if exponent == 0:
                self.fail_here(f"Unexpected character ({char_desc(byte)}) in numeric value: "
                               "Exponent indicator not followed by a digit")
            length += exponent
        return at_end, byte, length

    # Strings ------------------------------------------------------------------------------
    def string(self) -> None:
        while True:
            byte = self.next_byte()
            if byte == ord('"'):
                return
            if byte == ord("\\"):
                self.escape()
            elif byte < 0x20:
                self.fail_on_last(f"Illegal unquoted character ({char_desc(byte)}): has to be escaped using "
                                  "backslash to be included in string value")
            elif byte >= 0x80:
                self.utf8_sequence(byte)

    def utf8_sequence(self, lead: int) -> None:
        if 0xC0 <= lead <= 0xDF:
            needed = 1
        elif 0xE0 <= lead <= 0xEF:
            needed = 2
        elif 0xF0 <= lead <= 0xF7:
            needed = 3
        else:
            self.fail_here(f"Invalid UTF-8 start byte 0x{lead:x}")
        for _ in range(needed):
            following = self.next_byte()
            if following & 0xC0 != 0x80:
                self.fail_here(f"Invalid UTF-8 middle byte 0x{following:x}")

    def escape(self) -> None:
        """``_decodeEscaped``: after a backslash."""
        if self.pos >= len(self.data):
            self.eof(" in character escape sequence")
        byte = self.data[self.pos]
        self.pos += 1
        if byte in _ESCAPES:
            return
        if byte != ord("u"):
            code = self.decode_for_error(byte) & 0xFFFF
            self.fail_on_last(f"Unrecognized character escape {char_desc(code)}")
        for _ in range(4):
            if self.pos >= len(self.data):
                self.eof(" in character escape sequence")
            digit = self.data[self.pos]
            self.pos += 1
            if digit not in _HEX:
                self.unexpected(digit, "expected a hex-digit for character escape sequence")

    def name(self, byte: int) -> None:
        """A field name: its raw bytes are decoded once the closing quote is read."""
        if byte != ord('"'):
            self.unexpected(self.decode_for_error(byte) & 0xFFFF, "was expecting double-quote to start field name")
        if self.pos >= len(self.data):
            self.eof(": was expecting closing '\"' for name")
        raw = bytearray()
        while True:
            if self.pos >= len(self.data):
                self.eof(" in field name")
            byte = self.data[self.pos]
            self.pos += 1
            if byte == ord('"'):
                break
            if byte == ord("\\"):
                self.escape()
            elif byte < 0x20:
                self.fail_on_last(f"Illegal unquoted character ({char_desc(byte)}): has to be escaped using "
                                  "backslash to be included in name")
            else:
                raw.append(byte)
        self.check_name_bytes(bytes(raw))

    def check_name_bytes(self, raw: bytes) -> None:
        index = 0
        while index < len(raw):
            lead = raw[index]
            index += 1
            if lead <= 0x7F:
                continue
            if lead & 0xE0 == 0xC0:
                needed = 1
            elif lead & 0xF0 == 0xE0:
                needed = 2
            elif lead & 0xF8 == 0xF0:
                needed = 3
            else:
                self.fail_here(f"Invalid UTF-8 start byte 0x{lead:x}")
            if index + needed > len(raw):
                self.eof(" in field name")
            for following in raw[index:index + needed]:
                if following & 0xC0 != 0x80:
                    self.fail_here(f"Invalid UTF-8 middle byte 0x{following:x}")
            index += needed
