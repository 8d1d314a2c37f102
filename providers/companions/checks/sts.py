"""STS requests moto would mishandle.

``AssumeRoleWithSAML`` with a ``SAMLAssertion`` that is not base64 of a UTF-8
XML document: ``InvalidIdentityToken`` (the operation's modelled error for a
token AWS cannot validate; wording: best reading).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

from gateway.errors import ServiceError

if TYPE_CHECKING:
    from gateway.context import RequestContext


def _saml_assertion(context: "RequestContext", params: dict[str, Any]) -> None:
    try:
        document = base64.b64decode(params.get("SAMLAssertion") or "", validate=True).decode("utf-8")
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.Parse(document, True)
    except (binascii.Error, UnicodeError, ValueError, expat.ExpatError):
        raise ServiceError("InvalidIdentityToken", "The SAML assertion is not a valid base64-encoded XML document.", 400) from None


BEFORE = {"AssumeRoleWithSAML": [_saml_assertion]}

LOOKUPS: dict[str, list] = {}
