"""Reading a batch's rows: CSV in the encodings and separators spreadsheets write, XLSX, and
pasted cells; a file that is not what it claims is refused with what to do."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from avatarstudio.batches.sheets import SheetProblem, VoiceFiles, read_sheet


def upload(content: bytes, name: str = "rows.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def values(rows):
    return [row.values for row in rows]


def test_a_csv_with_a_byte_order_mark_and_semicolons_is_read():
    content = "\ufefftitle;Script;Avatar\nHello;Hi there, friends;Ana\n".encode()
    rows = read_sheet(upload(content), "", 500)
    assert values(rows) == [{"title": "Hello", "script": "Hi there, friends", "avatar": "Ana"}]
    assert rows[0].number == 2


def test_a_utf16_csv_from_excel_is_read():
    content = "title\tscript\nBonjour\tÇa va ?\n".encode("utf-16")
    assert values(read_sheet(upload(content), "", 500)) == [
        {"title": "Bonjour", "script": "Ça va ?"}
    ]


def test_a_windows_encoded_csv_is_read():
    content = "title,script\nCafé,Un café crème\n".encode("cp1252")
    assert values(read_sheet(upload(content), "", 500))[0]["title"] == "Café"


def test_pasted_cells_are_read_with_their_tabs_and_empty_lines_are_skipped():
    pasted = "Title\tScript\tVoice\n\nOne\t你好，欢迎。\t阳光少年\n"
    assert values(read_sheet(None, pasted, 500)) == [
        {"title": "One", "script": "你好，欢迎。", "voice": "阳光少年"}
    ]


def test_an_xlsx_workbook_is_read_from_its_first_sheet():
    book = Workbook()
    sheet = book.active
    sheet.append(["title", "script", "mode"])
    sheet.append(["Launch", "We are live!", "pro"])
    sheet.append([2026, "Numbers become text", None])
    content = io.BytesIO()
    book.save(content)
    rows = read_sheet(upload(content.getvalue(), "rows.xlsx"), "", 500)
    assert values(rows) == [
        {"title": "Launch", "script": "We are live!", "mode": "pro"},
        {"title": "2026", "script": "Numbers become text", "mode": ""},
    ]


def test_a_workbook_that_would_unpack_into_far_too_much_is_refused_unopened():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    with pytest.raises(SheetProblem, match="unpacks into far more"):
        read_sheet(upload(bomb.getvalue(), "rows.xlsx"), "", 500)


def test_a_sheet_without_a_script_or_audio_column_says_what_columns_to_use():
    with pytest.raises(SheetProblem, match=r"title, script \(or audio\), avatar"):
        read_sheet(upload(b"name,words\nx,y\n"), "", 500)


def test_more_rows_than_a_batch_takes_are_refused():
    content = ("script\n" + "Hello\n" * 501).encode()
    with pytest.raises(SheetProblem, match="more than 500 rows; a batch takes at most 500"):
        read_sheet(upload(content), "", 500)


def test_voice_files_are_found_by_name_in_any_folder_and_case():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("voices/Intro.MP3", b"mp3")
        zipped.writestr("__MACOSX/._Intro.MP3", b"junk")
    files = VoiceFiles(io.BytesIO(archive.getvalue()), max_bytes=10)
    member = files.find("intro.mp3")
    assert member is not None and files.read(member) == b"mp3"
    assert files.find("outro.mp3") is None


def test_a_voice_file_larger_than_its_directory_claims_is_cut_off():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("big.wav", b"x" * 100)
    files = VoiceFiles(io.BytesIO(archive.getvalue()), max_bytes=10)
    with pytest.raises(SheetProblem):
        files.read(files.find("big.wav"))


def test_a_tiny_workbook_claiming_a_huge_sheet_is_read_only_as_far_as_its_rows_go():
    book = Workbook()
    book.active.append(["script"])
    book.active.append(["Hello there"])
    content = io.BytesIO()
    book.save(content)
    packed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content.getvalue())) as original,
        zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as forged,
    ):
        for member in original.infolist():
            data = original.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
            forged.writestr(member, data)
    rows = read_sheet(upload(packed.getvalue(), "rows.xlsx"), "", 500)
    assert values(rows) == [{"script": "Hello there"}]


def test_an_encrypted_voice_file_is_a_problem_of_its_row_not_a_crash():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("intro.mp3", b"mp3")
    content = bytearray(archive.getvalue())
    content[6] |= 0x1  # the member's "encrypted" flag, in its local header
    directory = content.rfind(b"PK\x01\x02")
    content[directory + 8] |= 0x1  # and in the central directory
    files = VoiceFiles(io.BytesIO(bytes(content)), max_bytes=10)
    with pytest.raises(SheetProblem, match="could not be read"):
        files.read(files.find("intro.mp3"))
