"""How an Invoke payload that is not JSON is described: AWS's parser's (Jackson's)
words and positions. Recorded: test_lambda.snapshot.json,
TestLambdaErrors::test_lambda_invoke_payload_encoding_error; the other wordings are
Jackson's, as public reports quote AWS's and Jackson's answers."""

import pytest

from providers.lambda_.api.payload_json import payload_problem

AT = "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {}, column: {}]"
VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"


@pytest.mark.parametrize("payload, message, line, column", [
    (b"n\x87r\x9e\xe9\xb5\xd7I\xee\x9bmt", "Invalid UTF-8 start byte 0x87", 1, 3),  # recorded
    (b"\x99\xeb,j\x07\xa1zYh", f"Unexpected character ((CTRL-CHAR, code 153)): expected a valid value {VALUES}", 1, 1),
    (b"x", f"Unrecognized token 'x': was expecting {VALUES}", 1, 2),
    (b"{not json", "Unexpected character ('n' (code 110)): was expecting double-quote to start field name", 1, 2),
    (b'{"a":1 "b":2}', "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries", 1, 8),
    (b'{"a" 1}', "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value", 1, 6),
    (b"[1,]", "Unexpected character (']' (code 93)): expected a value", 1, 4),
    (b"\n}", "Unexpected close marker '}': no open Object to close", 2, 1),
    (b"[1}", "Unexpected close marker '}': expected ']' (for Array starting at "
             "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])", 1, 3),
    (b"{\n  \"a\": tru\n}", f"Unrecognized token 'tru': was expecting {VALUES}", 2, 12),
    (b"01", "Invalid numeric value: Leading zeroes not allowed", 1, 2),
    (b"1.", "Unexpected character ('.' (code 46)) in numeric value: Decimal point not followed by a digit", 1, 3),
    (b"12a", "Unexpected character ('a' (code 97)): Expected space separating root-level values", 1, 3),
    (b'"a\nb"', "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be "
                "included in string value", 1, 3),
    (b'"\\q"', "Unrecognized character escape 'q' (code 113)", 1, 3),
    (b'"abc', "Unexpected end-of-input in VALUE_STRING", 1, 5),
    (b'{"a":', "Unexpected end-of-input within/between Object entries", 1, 6),
    (b"\xb2\x01", "Unexpected character ('\u00b2' (code 178)): expected a valid value " + VALUES, 1, 1),
    (b"NaN", "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow", 1, 4),
])
def test_problems_in_jacksons_words(payload, message, line, column):
    assert payload_problem(payload) == message + AT.format(line, column)


@pytest.mark.parametrize("payload", [
    b"{}", b"[]", b"null", b"-0.5E+3", b'"\\u00e9\xc3\xa9\xf0\x9f\x98\x80"', b' {"a": [1, {"b": null}]}\r\n',
    b"\xef\xbb\xbf[true]", b"[1] trailing content is not read",
])
def test_what_aws_accepts(payload):
    assert payload_problem(payload) is None


def test_depth_beyond_the_parsers_limit():
    assert payload_problem(b"[" * 1000 + b"]" * 1000) is None
    assert payload_problem(b"[" * 1001) == ("Document nesting depth (1001) exceeds the maximum allowed "
                                            "(1000, from `StreamReadConstraints.getMaxNestingDepth()`)")
