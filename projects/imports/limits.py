"""What an import refuses to read, and the one error it raises for a file it cannot read.

The limits protect the server, not the data: a ledger of a county is a few hundred rows and a
province's a few tens of thousands, so anything far beyond that is either a mistake or an attack
(a zip bomb: a small .xlsx that unpacks to gigabytes).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

MB = 1024 * 1024

# One message per code, in English; translated when the error is raised (the user's language).
MESSAGES = {
    "empty": gettext_noop("The file is empty (0 bytes)."),
    "too_big": gettext_noop(
        "The file is larger than %(limit)s MB, the most one import takes. Split it into smaller files."
    ),
    "not_a_spreadsheet": gettext_noop(
        "This file is not a spreadsheet that can be read. "
        "Upload an Excel workbook (.xlsx or .xls) or a CSV file."
    ),
    "encrypted": gettext_noop(
        "The file is protected by a password. Open it in Excel, remove the password "
        "(File › Info › Protect Workbook › Encrypt with Password), save it and upload it again."
    ),
    "zip_bomb": gettext_noop(
        "Unpacked, the file would take far more room than a ledger needs (over %(limit)s MB, or a part "
        "over 100 times its packed size). It is refused as a possible zip bomb."
    ),
    "too_many_rows": gettext_noop(
        "The sheet “%(sheet)s” has more than %(limit)s rows, the most one import takes. "
        "Split it into smaller files."
    ),
    "no_data": gettext_noop(
        "The workbook has no cell values. A sheet of pictures or charts only cannot be imported."
    ),
    "unreadable": gettext_noop(
        "The file is damaged and cannot be read. Open it in Excel, save it again and upload the new copy."
    ),
}


class ImportFileError(Exception):
    """A file the import cannot read; .code (short str) and .message (translated, user's language).

    .params keeps what the message was filled with, so that it can be worded again in another
    language later (``describe(error.code, error.params)``).
    """

    def __init__(self, code: str, message: str, *, params: dict | None = None):
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.params = params or {}

    def __str__(self):
        return self.message

    def __reduce__(self):
        # Whole through pickle, as a Celery task's error travels.
        return (self.__class__, (self.code, self.message), {"params": self.params})

    @classmethod
    def of(cls, code: str, **params) -> "ImportFileError":
        return cls(code, describe(code, params), params=params)


def describe(code: str, params: dict) -> str:
    """The message of a code in the active language."""
    return gettext(MESSAGES[code]) % params


def in_mb(size: int) -> str:
    """A byte count as the MB figure a message shows: 20, 0.5."""
    return f"{size / MB:,.1f}".removesuffix(".0")


def _setting(name: str):
    # Read when a Limits is made, not when this module is imported, so that a deployment's
    # settings (and a test's override) apply; the defaults are in settings.py.
    return field(default_factory=lambda: getattr(settings, name))


@dataclass(frozen=True)
class Limits:
    """Limits(max_rows=10) takes the other two from the settings."""

    max_bytes: int = _setting("IMPORT_MAX_BYTES")
    max_uncompressed_bytes: int = _setting("IMPORT_MAX_UNCOMPRESSED_BYTES")
    max_rows: int = _setting("IMPORT_MAX_ROWS")

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls()
