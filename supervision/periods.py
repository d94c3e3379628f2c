"""Pure date math: working days for reverse scheduling. No database, no time zone guesses.

Working days are Monday to Friday. China's statutory holidays and their make-up
working Saturdays are announced year by year and are not modelled here; a
milestone that lands on one is moved by hand.
"""

import datetime

ONE_DAY = datetime.timedelta(days=1)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5


def previous_working_day(day: datetime.date) -> datetime.date:
    """``day`` itself when it is a working day, otherwise the last working day before it."""
    while not is_working_day(day):
        day -= ONE_DAY
    return day


def subtract_working_days(day: datetime.date, count: int) -> datetime.date:
    """The working day ``count`` working days before ``day`` (which is first moved to a working day)."""
    day = previous_working_day(day)
    for _ in range(count):
        day = previous_working_day(day - ONE_DAY)
    return day


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after (or before, if negative) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)
