"""What kind of file an upload is, told from its content, and whether it is safe to open.

The extension says little: a ledger downloaded from another system is often an .xls that is
really an .xlsx, or the reverse, and a renamed picture must not reach a parser. So the first
bytes decide: a zip holding xl/workbook.xml is an .xlsx, an OLE2 container holding a workbook
stream is an .xls, and text is taken as CSV only from a file named .csv or .txt.
"""

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from projects.imports.limits import MB, ImportFileError, Limits, in_mb
from projects.imports.ole import SIGNATURE as OLE_SIGNATURE
from projects.imports.ole import CompoundFile, OleError, biff_is_encrypted

ZIP_SIGNATURE = b"PK\x03\x04"
TEXT_EXTENSIONS = {".csv", ".txt"}
CHUNK = 1024 * 1024

# A part of an .xlsx that unpacks to more than this many times its packed size, and to more than
# this many bytes, is a zip bomb. Sheet XML packs about 10:1; the zeros of a bomb pack 1000:1.
BOMB_RATIO = 100
BOMB_PART_BYTES = 10 * MB
# An .xlsx has a few dozen parts (a few hundred with many pictures); a zip of thousands of tiny
# parts is built to exhaust whoever lists them.
MAX_PARTS = 10_000


@dataclass(frozen=True)
class Kind:
    format: str  # "xlsx", "xls" or "csv"
    encoding: str | None = None  # of a CSV file, as Python names it


def detect(file, filename: str, limits: Limits) -> Kind:
    """The kind of a file the import can open, or ImportFileError saying why it cannot."""
    file.seek(0, 2)
    size = file.tell()
    if size == 0:
        raise ImportFileError.of("empty")
    if size > limits.max_bytes:
        raise ImportFileError.of("too_big", limit=in_mb(limits.max_bytes))
    file.seek(0)
    head = file.read(8)
    if head.startswith(ZIP_SIGNATURE):
        _check_zip(file, limits)
        return Kind("xlsx")
    if head == OLE_SIGNATURE:
        _check_ole(file, size)
        return Kind("xls")
    if PurePath(filename or "").suffix.lower() in TEXT_EXTENSIONS:
        encoding = text_encoding(file)
        if encoding:
            return Kind("csv", encoding)
    raise ImportFileError.of("not_a_spreadsheet")


def _check_zip(file, limits: Limits) -> None:
    """Refuses a zip bomb from the sizes in the zip's central directory, before anything is
    unpacked (a reader of the parts also stops at those sizes), and a zip that is no workbook."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ImportFileError.of("not_a_spreadsheet") from exc
    bomb = ImportFileError.of("zip_bomb", limit=in_mb(limits.max_uncompressed_bytes))
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > limits.max_uncompressed_bytes:
        raise bomb
    for part in parts:
        if part.file_size > BOMB_PART_BYTES and part.file_size > BOMB_RATIO * max(part.compress_size, 1):
            raise bomb
    # A Word or PowerPoint file, an OpenDocument sheet or a plain zip has no workbook part.
    if "xl/workbook.xml" not in {part.filename for part in parts}:
        raise ImportFileError.of("not_a_spreadsheet")


def _check_ole(file, size: int) -> None:
    try:
        container = CompoundFile(file, size)
        names = container.names()
        # Office encrypts an .xlsx by wrapping it in an OLE2 container with these two streams.
        if {"encryptioninfo", "encryptedpackage"} & names:
            raise ImportFileError.of("encrypted")
        book = next((name for name in ("workbook", "book") if name in names), None)
        if book is None:  # a Word .doc, a PowerPoint .ppt, …
            raise ImportFileError.of("not_a_spreadsheet")
        if biff_is_encrypted(container.head(book)):
            raise ImportFileError.of("encrypted")
    except OleError as exc:
        raise ImportFileError.of("unreadable") from exc


def text_encoding(file) -> str | None:
    """The encoding of a text file: UTF-16 by its byte order mark, else UTF-8 (with or without a
    BOM) if the whole file decodes, else GB18030 (Excel on Chinese Windows saves CSV in GBK, which
    GB18030 extends); None when it is not text in any of them."""
    file.seek(0)
    first = file.read(CHUNK)
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # Excel's "Unicode text" (tab-separated .txt)
    elif b"\0" in first:
        return None
    else:
        candidates = ["utf-8-sig", "gb18030"]
    return next((encoding for encoding in candidates if _decodes(file, encoding)), None)


def _decodes(file, encoding: str) -> bool:
    # UTF-8 fails on the first Chinese character of a GBK file, so a wrong guess costs one chunk.
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    file.seek(0)
    try:
        while chunk := file.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
