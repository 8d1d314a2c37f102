"""Reading the pages' form posts: URL-encoded or multipart (zip uploads).

Limits are checked before work: the body's announced size first, then
werkzeug's parser bounds each text field and the number of parts while it
reads. Uploaded files larger than 500 KiB are spooled to temporary files by the
parser, not held in memory.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Optional

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header

from gateway.http import HttpRequest

#: A CreateFunction request body AWS accepts is at most about 70 MB; the zip
#: inside it (base64) at most 50 MB. A form post carrying a zip may be this large.
MAX_BODY_BYTES = 70 * 1024 * 1024
#: One text field (inline code, an invoke payload: a synchronous payload is at most 6 MB).
MAX_FIELD_BYTES = 6 * 1024 * 1024 + 1024
MAX_PARTS = 1000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class FormError(Exception):
    """A post the pages cannot read; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Form:
    fields: MultiDict = field(default_factory=MultiDict)
    files: MultiDict = field(default_factory=MultiDict)

    def get(self, name: str, default: str = "") -> str:
        value = self.fields.get(name)
        return default if value is None else value

    def get_all(self, name: str) -> list[str]:
        return self.fields.getlist(name)

    def file_bytes(self, name: str) -> Optional[bytes]:
        """The uploaded file's bytes, or None when no file was chosen."""
        upload: Optional[FileStorage] = self.files.get(name)
        if upload is None or not upload.filename:
            return None
        return upload.stream.read()


def read_form(request: HttpRequest) -> Form:
    if request.body_length > MAX_BODY_BYTES:
        raise FormError(413, f"The form post is {request.body_length} bytes; at most {MAX_BODY_BYTES} are accepted")
    mimetype, options = parse_options_header(request.headers.get("Content-Type", ""))
    if mimetype not in FORM_TYPES:
        raise FormError(415, "Expected a form post (application/x-www-form-urlencoded or multipart/form-data)")
    parser = FormDataParser(max_form_memory_size=MAX_FIELD_BYTES, max_content_length=MAX_BODY_BYTES,
                            silent=False, max_form_parts=MAX_PARTS)
    try:
        _, fields, files = parser.parse(request.open_body(), mimetype, request.body_length, options)
    except HTTPException as error:
        raise FormError(error.code or 400, error.description or "The form post could not be read") from None
    except ValueError as error:
        raise FormError(400, f"The form post could not be read: {str(error)[:200]}") from None
    return Form(fields, files)


def one_file_zip(file_name: str, source: str) -> bytes:
    """The zip the inline editor's code becomes: one file at the root, mode 0644."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(file_name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o100644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, source.replace("\r\n", "\n"))
    return buffer.getvalue()
