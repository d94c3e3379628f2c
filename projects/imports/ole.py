"""Just enough of the OLE2 compound file format ([MS-CFB]) to tell what an Office file in it is.

Excel 97-2003 (.xls) keeps its workbook in an OLE2 container, and so does a password-protected
.xlsx (the encrypted package beside an "EncryptionInfo" stream), which looks like an .xls from
its first bytes. Telling them apart needs the container's stream names, and an encrypted .xls
needs the first record after the workbook's BOF; this reads those and nothing else.
"""

import struct
from dataclasses import dataclass

SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
HEADER_SIZE = 512
MAX_SECTOR = 0xFFFFFFFA  # above: free, end of chain, FAT and DIFAT markers
MINI_SECTOR = 64
STREAM, ROOT = 2, 5


class OleError(ValueError):
    """Not a well-formed compound file."""


@dataclass(frozen=True)
class Entry:
    name: str
    kind: int
    start: int
    size: int


class CompoundFile:
    def __init__(self, file, size: int):
        self.file = file
        header = self._read(0, HEADER_SIZE)
        if len(header) < HEADER_SIZE or header[:8] != SIGNATURE:
            raise OleError("no OLE2 header")
        shift, mini_shift = struct.unpack_from("<HH", header, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise OleError("unexpected sector size")
        self.sector_size = 1 << shift
        self.sectors = max(0, -(-(size - self.sector_size) // self.sector_size))
        first_dir, _signature, self.mini_cutoff = struct.unpack_from("<III", header, 48)
        first_difat, difat_count = struct.unpack_from("<II", header, 68)
        fat_sectors = list(struct.unpack_from("<109I", header, 76))
        per_sector = self.sector_size // 4
        sector = first_difat
        for _ in range(min(difat_count, self.sectors)):
            if sector > MAX_SECTOR:
                break
            entries = struct.unpack(f"<{per_sector}I", self._sector(sector))
            fat_sectors.extend(entries[:-1])
            sector = entries[-1]
        fat = b"".join(self._sector(s) for s in fat_sectors if s <= MAX_SECTOR)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", fat)
        directory = b"".join(self._sector(s) for s in self._chain(first_dir))
        self.entries = [entry for entry in map(_entry, _slices(directory, 128)) if entry]

    def _read(self, offset: int, length: int) -> bytes:
        self.file.seek(offset)
        return self.file.read(length)

    def _sector(self, number: int) -> bytes:
        if number >= self.sectors:
            raise OleError(f"sector {number} is past the end of the file")
        # Some writers leave the last sector short; what is missing reads as zeros.
        return self._read((number + 1) * self.sector_size, self.sector_size).ljust(self.sector_size, b"\0")

    def _chain(self, start: int):
        sector, steps = start, 0
        while sector <= MAX_SECTOR:
            if sector >= len(self.fat) or steps > len(self.fat):
                raise OleError("broken sector chain")
            yield sector
            sector, steps = self.fat[sector], steps + 1

    def names(self) -> set[str]:
        """The stream names, case-folded (names in a compound file are case-insensitive)."""
        return {entry.name.casefold() for entry in self.entries if entry.kind == STREAM}

    def head(self, name: str) -> bytes:
        """The first bytes (at least 64, when the stream has them) of a stream."""
        entry = next(e for e in self.entries if e.kind == STREAM and e.name.casefold() == name.casefold())
        if entry.size >= self.mini_cutoff:
            return self._sector(entry.start)[: entry.size]
        # A small stream lives in the mini stream, which is the root entry's own stream.
        root = next(e for e in self.entries if e.kind == ROOT)
        offset = entry.start * MINI_SECTOR
        for index, sector in enumerate(self._chain(root.start)):
            if index == offset // self.sector_size:
                start = offset % self.sector_size
                return self._sector(sector)[start : start + MINI_SECTOR][: entry.size]
        raise OleError("mini stream too short")


def _slices(data: bytes, size: int):
    return (data[i : i + size] for i in range(0, len(data) - size + 1, size))


def _entry(raw: bytes) -> Entry | None:
    (name_length,) = struct.unpack_from("<H", raw, 64)
    kind = raw[66]
    if kind not in (1, STREAM, ROOT) or not 2 <= name_length <= 64:
        return None  # an unused slot
    start, size = struct.unpack_from("<II", raw, 116)
    return Entry(raw[: name_length - 2].decode("utf-16-le", "replace"), kind, start, size)


# Records of the BIFF workbook stream (.xls)
BOF = {0x0809, 0x0409, 0x0209, 0x0009}
FILEPASS = 0x002F


def biff_is_encrypted(head: bytes) -> bool:
    """Whether the workbook stream opens with a FILEPASS record: it follows the BOF record,
    possibly after a WRITEPROTECT record ([MS-XLS] 2.1.7.20.1)."""
    position, seen = 0, 0
    while position + 4 <= len(head) and seen < 3:
        record, length = struct.unpack_from("<HH", head, position)
        if seen == 0 and record not in BOF:
            return False
        if record == FILEPASS:
            return True
        position, seen = position + 4 + length, seen + 1
    return False
