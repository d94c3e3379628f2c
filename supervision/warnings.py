"""Warning colours of milestones (倒排工期预警), as a pure function of dates.

The same rules run in the database as ``Milestone.objects.with_warning(today)``;
tests check that the two agree.
"""

import datetime

from supervision.choices import WarningColour
from supervision.querysets import WARNING_WINDOW_DAYS


def milestone_warning(*, due_on: datetime.date, done_on: datetime.date | None, today: datetime.date) -> str:
    """Green: done on time, or due later than 7 days from today.
    Yellow: due within 7 days (today included), or done late.
    Red: past due and not done.
    """
    if done_on is not None:
        return WarningColour.YELLOW if done_on > due_on else WarningColour.GREEN
    if due_on < today:
        return WarningColour.RED
    if due_on <= today + datetime.timedelta(days=WARNING_WINDOW_DAYS):
        return WarningColour.YELLOW
    return WarningColour.GREEN
