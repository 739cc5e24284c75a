"""Reading a batch's rows from a CSV or XLSX file, or from rows pasted from a spreadsheet.

Everything here is hostile input: a CSV in whatever encoding and separator a spreadsheet
wrote, an XLSX that is a ZIP (checked before it is opened, so a ZIP bomb is refused without
being expanded), and a ZIP of voice files read member by member.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

COLUMNS = ("title", "script", "audio", "avatar", "voice", "mode", "prompt")
ALIASES = {
    "text": "script",
    "what the avatar says": "script",
    "audio file": "audio",
    "voice file": "audio",
    "file": "audio",
    "presenter": "avatar",
    "name": "title",
    "speaker": "voice",
    "voice id": "voice",
}
SEPARATORS = ",;\t|"
SHEET_MAX_BYTES = 5 * 1024 * 1024
XLSX_UNPACKED_MAX_BYTES = 32 * 1024 * 1024
XLSX_MAX_MEMBERS = 200
XLSX_MAX_RATIO = 100
ZIP_MAX_MEMBERS = 1000
ZIP_MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all the voices a batch reads from its ZIP
MAX_COLUMNS = 50


class SheetProblem(ValueError):
    """The file as a whole cannot be read; the message says what to do."""


class TooLarge(SheetProblem):
    """A voice file in the ZIP is larger than the provider takes."""


@dataclass(frozen=True)
class SheetRow:
    number: int  # the line (or spreadsheet row) it came from, the header being 1
    values: dict[str, str]


def read_sheet(upload: IO[bytes] | None, pasted: str, max_rows: int) -> list[SheetRow]:
    """The rows of an uploaded CSV or XLSX file, or of pasted text, with our column names.

    Rows are read one at a time, and reading stops as soon as there are more than
    ``max_rows``: a file cannot make us read (or pad out) more than a batch can hold."""
    if upload is not None:
        if upload.size > SHEET_MAX_BYTES:
            raise SheetProblem("The spreadsheet is larger than 5 MB. Split it into smaller ones.")
        content = upload.read()
        if content[:4] == b"PK\x03\x04":
            return _with_header(_xlsx_rows(content), max_rows)
        return _with_header(_csv_rows(_decode(content)), max_rows)
    return _with_header(_csv_rows(pasted), max_rows)


def _decode(content: bytes) -> str:
    """Text from a CSV as spreadsheets save it: UTF-8 (with or without its mark), UTF-16 with
    its mark, or Windows' Western encoding."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _csv_rows(text: str) -> Iterator[list[str]]:
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    separator = max(SEPARATORS, key=first_line.count)
    try:
        for row in csv.reader(io.StringIO(text), delimiter=separator):
            yield row[:MAX_COLUMNS]
    except csv.Error as error:
        raise SheetProblem(
            f"The file could not be read as CSV ({error}). Save it again as CSV UTF-8 or XLSX."
        ) from None


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    _check_zip(content)
    from openpyxl import load_workbook  # a second of import time only for those who use it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise SheetProblem(
            "The file could not be read as an Excel workbook. Save it again as XLSX or CSV."
        ) from None
    try:
        sheet = book.worksheets[0]
        # The size a sheet says it has is the sender's to write: a tiny file may claim a
        # million rows of 16,384 columns, which read-only mode would pad out in memory.
        sheet.reset_dimensions()
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield ["" if cell is None else _cell_text(cell) for cell in row]
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_zip(content: bytes) -> None:
    """Refuse, from its directory alone, a workbook that would unpack into too much."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise SheetProblem("The workbook is damaged. Save it again as XLSX or CSV.") from None
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if (
        len(members) > XLSX_MAX_MEMBERS
        or unpacked > XLSX_UNPACKED_MAX_BYTES
        or unpacked / packed > XLSX_MAX_RATIO
    ):
        raise SheetProblem(
            "The workbook unpacks into far more than its rows need. Save the sheet with the "
            "rows as CSV and upload that."
        )


def _with_header(table: Iterator[list[str]], max_rows: int) -> list[SheetRow]:
    lines = []
    for number, row in enumerate(table, start=1):
        if any(map(_clean, row)):
            lines.append((number, row))
        if len(lines) > max_rows + 1:  # the header and one row too many: enough to say so
            raise SheetProblem(
                f"The spreadsheet has more than {max_rows:,} rows; a batch takes at most "
                f"{max_rows:,}. Split it into several batches."
            )
    if not lines:
        raise SheetProblem("The spreadsheet has no rows. Add a header row and one row a video.")
    header = lines[0][1]
    names = [_column(cell) for cell in header]
    if not set(names) & {"script", "audio"}:
        raise SheetProblem(
            "The first row must name the columns: title, script (or audio), avatar, voice, "
            "mode and prompt. We found: " + ", ".join(_clean(c) for c in header if _clean(c))
        )
    rows = lines[1:]
    return [
        SheetRow(
            number=number,
            values={
                name: _clean(cell)
                for name, cell in zip(names, row, strict=False)
                if name in COLUMNS
            },
        )
        for number, row in rows
    ]


def _column(cell: str) -> str:
    name = " ".join(_clean(cell).casefold().replace("_", " ").split())
    return ALIASES.get(name, name)


def _clean(cell: Any) -> str:
    return str(cell or "").strip()


class VoiceFiles:
    """The voice files of a batch's ZIP, found by the name a row gives (any folder, any case)."""

    def __init__(self, upload: IO[bytes] | None, max_bytes: int) -> None:
        self.archive: zipfile.ZipFile | None = None
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.max_bytes = max_bytes
        self.unpacked = 0
        if upload is None:
            return
        try:
            self.archive = zipfile.ZipFile(upload)
            members = self.archive.infolist()
        except zipfile.BadZipFile:
            raise SheetProblem("The ZIP of voice files is damaged. Make it again.") from None
        if len(members) > ZIP_MAX_MEMBERS:
            raise SheetProblem(f"The ZIP holds more than {ZIP_MAX_MEMBERS} files.")
        for member in members:
            name = PurePosixPath(member.filename).name
            if member.is_dir() or not name or name.startswith((".", "__MACOSX")):
                continue
            self.members.setdefault(name.casefold(), member)

    def __bool__(self) -> bool:
        return bool(self.members)

    def find(self, name: str) -> zipfile.ZipInfo | None:
        return self.members.get(PurePosixPath(name.replace("\\", "/")).name.casefold())

    def read(self, member: zipfile.ZipInfo) -> bytes:
        """One member's bytes, refused past ``max_bytes`` however small its directory says it
        is (the directory is the sender's to write), and once the batch has read
        ``ZIP_MAX_UNPACKED_BYTES`` in all. Raises TooLarge, or SheetProblem when the member
        cannot be read (encrypted, damaged, an unknown compression)."""
        assert self.archive is not None
        if member.file_size > self.max_bytes:
            raise TooLarge
        try:
            with self.archive.open(member) as handle:
                content = handle.read(self.max_bytes + 1)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError):
            raise SheetProblem("could not be read from the ZIP") from None
        if len(content) > self.max_bytes:
            raise TooLarge
        self.unpacked += len(content)
        if self.unpacked > ZIP_MAX_UNPACKED_BYTES:
            raise SheetProblem("is past the 200 MB of voices a batch reads")
        return content
