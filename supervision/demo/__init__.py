"""The demo data set of ``manage.py seed_demo``: the projects part and what both parts share.

- ``seeder``: about 300 projects planned in memory, then written through the services
  and the lifecycle, with monthly investment and annual targets;
- ``users``: one login per role, and the table of logins the command prints;
- ``clock``: "recorded at" moments in office hours of the simulated days;
- ``summary``: the counts printed after seeding.

The supervision work on the projects is seeded by ``supervision.demo``. Static reference
data (industries, parks, name fragments) lives in ``projects.demo_data``.
"""

import datetime

from projects import demo_data
from projects.models import Project
from supervision.periods import add_months

# The day of the city's mobilisation meeting for the "general battle". Each random
# generator of the demo is seeded from it, so the same --today gives the same data.
SEED = 20230731
DAY = datetime.timedelta(days=1)


def demo_projects():
    """The projects seed_demo wrote (their codes share a prefix real codes never have)."""
    return Project.objects.filter(code__startswith=demo_data.DEMO_CODE_PREFIX)


def month_range(first: datetime.date, last: datetime.date):
    """The first day of every month from ``first``'s month to ``last``, both included."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = add_months(month, 1)
