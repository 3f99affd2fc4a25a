"""Receiving an uploaded document: the multipart body streamed to a hidden file in the upload
folder, its size cap enforced while it is read, so an upload costs no more than the cap (and
nothing at all when the key is wrong: the caller checks the key before calling this).

The file part is the one named ``file``; other fields are read and dropped (within the same
cap). Whatever fails, the partial file is removed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

from python_multipart.multipart import MultipartParser, parse_options_header

FIELD = "file"


class UploadRefused(ValueError):
    """An upload body this server does not take; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass
class ReceivedFile:
    path: Path  # the hidden file holding the upload's bytes
    filename: str  # the name the client gave
    size: int


async def receive_file(content_type: str | None, content_length: str | None, chunks: AsyncIterator[bytes],
                       folder: Path, max_bytes: int) -> ReceivedFile:
    """Stream the ``file`` part of a multipart body into a new hidden file under ``folder``."""
    media, options = parse_options_header(content_type or "")
    if media != b"multipart/form-data" or b"boundary" not in options:
        raise UploadRefused(415, "send the document as multipart/form-data with a field named 'file'")
    envelope = 64 * 1024  # room for the part headers and boundaries around the file
    if content_length and content_length.isdigit() and int(content_length) > max_bytes + envelope:
        raise _too_large(max_bytes)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".upload-{secrets.token_hex(8)}.part"  # hidden: a build skips it
    state = _Part()
    received_whole = False
    handle = open(path, "wb")
    try:
        with handle:
            parser = MultipartParser(options[b"boundary"], state.callbacks(handle, max_bytes))
            received = 0
            async for chunk in chunks:
                received += len(chunk)
                if received > max_bytes + envelope:
                    raise _too_large(max_bytes)
                parser.write(chunk)
                if state.refused:
                    raise state.refused
            parser.finalize()
        if state.refused:
            raise state.refused
        if not state.found:
            raise UploadRefused(400, "the form has no file field named 'file'")
        received_whole = True
        return ReceivedFile(path, state.filename, state.size)
    except UploadRefused:
        raise
    except Exception as exc:  # a malformed body: python-multipart's own errors
        raise UploadRefused(400, f"unreadable multipart body ({exc.__class__.__name__})") from None
    finally:  # refused, malformed, or the client went away (cancelled): no partial file stays
        if not received_whole:
            path.unlink(missing_ok=True)


def _too_large(max_bytes: int) -> UploadRefused:
    """The refusal of an upload past the cap (by its declared length, its bytes, or its file part)."""
    return UploadRefused(413, f"the upload is larger than {max_bytes:,} bytes")


class _Part:
    """The parser's callbacks: headers of each part, and the ``file`` part's bytes to disk."""

    def __init__(self) -> None:
        self.header_field, self.header_value = b"", b""
        self.headers: dict[bytes, bytes] = {}
        self.writing = False
        self.found = False
        self.filename = ""
        self.size = 0
        self.refused: UploadRefused | None = None

    def callbacks(self, handle, max_bytes: int) -> dict:
        def on_part_begin() -> None:
            self.headers, self.writing = {}, False

        def on_header_field(data: bytes, start: int, end: int) -> None:
            self.header_field += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            self.header_value += data[start:end]

        def on_header_end() -> None:
            self.headers[self.header_field.strip().lower()] = self.header_value.strip()
            self.header_field, self.header_value = b"", b""

        def on_headers_finished() -> None:
            _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
            if options.get(b"name") == FIELD.encode() and b"filename" in options and not self.found:
                self.writing = self.found = True
                self.filename = options[b"filename"].decode("utf-8", "replace")

        def on_part_data(data: bytes, start: int, end: int) -> None:
            if not self.writing:
                return
            self.size += end - start
            if self.size > max_bytes:
                self.refused = _too_large(max_bytes)
                self.writing = False
                return
            handle.write(data[start:end])

        def on_part_end() -> None:
            self.writing = False

        return {"on_part_begin": on_part_begin, "on_header_field": on_header_field,
                "on_header_value": on_header_value, "on_header_end": on_header_end,
                "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
                "on_part_end": on_part_end}
