"""Serve a stored file after the view has checked access.

A local file is streamed by Django, with HTTP Range for video seeking. A file in an object
store (S3) is never public: the browser is sent to a signed URL that works for a few minutes,
and the store streams it (with Range) from there.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable, Iterator
from typing import IO
from zipfile import ZIP_STORED

from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header
from zipstream import ZipStream

# At most 19 digits: larger offsets exceed any file, and Python refuses to read 4,300 digits.
RANGE = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$")
CHUNK = 64 * 1024


def stored_file_response(
    request: HttpRequest, field: FieldFile, *, download_as: str = ""
) -> HttpResponse:
    """The file behind ``field``: streamed when it is local, a signed redirect otherwise."""
    if isinstance(field.storage, FileSystemStorage):
        return file_response(request, field.open("rb"), field.name, download_as=download_as)
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    parameters = {"ResponseContentType": content_type}
    if download_as:
        parameters["ResponseContentDisposition"] = content_disposition_header(True, download_as)
    response = HttpResponseRedirect(field.storage.url(field.name, parameters=parameters))
    response["Cache-Control"] = "private, no-store"  # the signed URL expires soon
    return response


def file_response(
    request: HttpRequest,
    handle: IO[bytes],
    name: str,
    *,
    download_as: str = "",
    content_type: str = "",
) -> HttpResponse:
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    size = handle.size if hasattr(handle, "size") else None
    match = RANGE.match(request.headers.get("Range", "")) if size else None
    if match and (match.group(1) or match.group(2)):
        response = _partial(handle, size, match, content_type)
    else:
        response = FileResponse(handle, content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    if download_as:
        response["Content-Disposition"] = content_disposition_header(True, download_as)
    return response


def _partial(handle: IO[bytes], size: int, match: re.Match, content_type: str) -> HttpResponse:
    first, last = match.group(1), match.group(2)
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    if start > end or start >= size:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    response = StreamingHttpResponse(
        _read(handle, start, end), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    return response


def _read(handle: IO[bytes], start: int, end: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            piece = handle.read(min(CHUNK, remaining))
            if not piece:
                break
            remaining -= len(piece)
            yield piece
    finally:
        handle.close()


def zip_response(members: Iterable[tuple[str, FieldFile, int]], download_as: str) -> HttpResponse:
    """A ZIP of stored files, streamed as it is made: each file is opened only when its turn
    comes and read a chunk at a time, so memory stays flat however many there are. Videos are
    stored, not compressed (they would not shrink), which also makes the length known up
    front (``Content-Length``: browsers show the download's progress)."""
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for arcname, field, size in members:
        archive.add(_chunks_of(field), arcname, size=size)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = content_disposition_header(True, download_as)
    return response


def _chunks_of(field: FieldFile) -> Iterator[bytes]:
    with field.storage.open(field.name, "rb") as handle:
        while piece := handle.read(CHUNK):
            yield piece
