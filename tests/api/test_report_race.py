"""Several clients POST the same project's report for the same month at once (issue 11, defect 3).

The "already reported" check runs inside the project's row lock, so exactly one POST creates the
report and every other one is refused with 409 and overwrites nothing. Needs PostgreSQL row locks.
"""

from decimal import Decimal

import pytest

from projects.models import InvestmentReport
from tests.fixtures.api_projects import REPORTS, client_for, months_ago
from tests.fixtures.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_throttles", "english"),
]

N = 6


def test_concurrent_posts_of_one_month_have_exactly_one_winner(project, county_staff, today):
    month = months_ago(today, 1)
    clients = [client_for(county_staff) for _ in range(N)]

    def post(i):
        body = {"project": project.pk, "month": month.isoformat(), "amount": f"{i + 1}.00"}
        return clients[i].post(REPORTS, body, format="json")

    responses, errors = race(N, post)

    assert not any(errors), errors
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (N - 1), [r.content for r in responses]
    (winner,) = [r for r in responses if r.status_code == 201]
    for loser in (r for r in responses if r.status_code == 409):
        body = loser.json()
        assert (body["status"], body["code"]) == (409, "conflict"), body
        assert "month" in body["fields"], body
    report = InvestmentReport.objects.get()
    assert report.pk == winner.json()["id"]
    assert (report.amount, report.version) == (Decimal(winner.json()["amount"]), 1)
    assert report.history.count() == 1
