"""Validators for identifiers issued by other authorities, and for the dates people enter."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015, the unified social credit code (统一社会信用代码): 18 characters
# from a 31-character alphabet without I, O, Z, S and V; the last one is a check
# character computed over the first 17 with weights 3**i mod 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
CREDIT_CODE_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("the check character is computed over exactly 17 characters")
    pairs = zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * weight for ch, weight in pairs)
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if not CREDIT_CODE_PATTERN.match(value or ""):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: "
                "digits and capital letters except I, O, Z, S, V."
            ),
            code="credit_code_format",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; please check it for typos."),
            code="credit_code_check",
        )


REGION_CODE_PATTERN = r"^[0-9]{6}$"


def validate_region_code(value: str) -> None:
    if not re.match(REGION_CODE_PATTERN, value or ""):
        raise ValidationError(_("A region code is 6 digits, e.g. 441202."), code="region_code")


# DESIGN: "Dates are calendar dates, none before 2000-01-01". A year typed as 0001 or 1999 is a
# typo, not history; on every date field a person enters, so that the services' full_clean()
# refuses it and the API, the pages and the admin all name the field.
FIRST_DATE = datetime.date(2000, 1, 1)


def validate_not_before_2000(value) -> None:
    if isinstance(value, datetime.date) and value < FIRST_DATE:
        raise ValidationError(
            _("Enter a date on or after %(first)s.") % {"first": FIRST_DATE.isoformat()},
            code="before_2000",
        )
