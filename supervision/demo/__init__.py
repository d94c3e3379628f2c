"""The demo data set of ``manage.py seed_demo``, both apps' parts, and what they share.

- ``project_seeder``: about 300 projects planned in memory, then written through the services
  and the lifecycle, with monthly investment and annual targets;
- ``supervision_seeder``: units, officials, five-one teams, visits, problems, service logs and
  milestones, written through supervision.services, then the stalled check;
- ``problems``: the problems planned in memory, each with the moves it has made by today;
- ``bulletins``: the published bulletins of the demo's past periods;
- ``users``: one login per role, and the table of logins the command prints;
- ``clock``: "recorded at" moments in office hours of the simulated days;
- ``project_summary``, ``supervision_summary``: the counts printed after seeding.

Static reference data lives in ``project_data`` (industries, parks, name fragments) and
``supervision_data`` (unit kinds, names, problem texts).
"""

import datetime

from projects.models import Project
from supervision.demo import project_data as demo_data
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
