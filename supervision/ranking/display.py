"""How ranking figures read, wherever they are shown: the dashboard, a region's page, a
bulletin's page, the printable bulletin and its workbook. One rule each, so a leader
sees the same figure written the same way on the screen and on paper.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def percent_text(rate) -> str:
    """A fraction (Decimal or decimal string) as a percentage with 2 decimals: 0.2500 → "25.00%"."""
    if rate is None or rate == "":
        return "—"
    value = (Decimal(str(rate)) * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{number_format(value, decimal_pos=2)}%"


def progress_value(done: Decimal | int | None, target: Decimal | int | None) -> Decimal | None:
    """Percent of ``target`` reached, 0–100 for a progress bar (the text shows the true figure)."""
    if target is None or not target or done is None:
        return None
    value = (Decimal(done) * HUNDRED / Decimal(target)).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(Decimal(0), min(value, HUNDRED))


def english() -> bool:
    return (get_language() or "").startswith("en")


def bilingual(name: str, name_en: str) -> str:
    """A region's name in the reader's language (the Chinese one when there is no English name)."""
    return name_en if english() and name_en else name
