"""The investment roll-up the ranking reads equals the raw reports, through every write."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from projects import services as project_services
from projects.choices import Status
from projects.models import InvestmentReport, InvestmentRollup
from projects.rollups import rollup_mismatches, rollup_rebuild
from supervision.choices import Indicator
from supervision.ranking.engine import compute_ranking
from tests.fixtures.ranking import A, B, C, D, E
from tests.fixtures.ranking_values import JUNE_2025, dec, values

# The investment roll-up equals the raw reports.


def _rollup_table():
    return sorted(InvestmentRollup.objects.exclude(amount=0).values_list("region__code", "month", "amount"))


def test_rollup_stays_equal_to_the_raw_reports_through_service_writes(
    four_ranked, build, report, county_staff
):
    a, b, c = four_ranked[A], four_ranked[B], four_ranked[C]
    p1 = build(a, D(2025, 1, 5))
    p2 = build(a, D(2025, 1, 6))
    p3 = build(b, D(2025, 1, 7))
    report(p1, D(2025, 1, 1), "1000.00")
    report(p1, D(2025, 2, 1), "2000.00")
    report(p2, D(2025, 2, 1), "300.00")
    report(p3, D(2025, 3, 1), "50.00")
    report(p1, D(2025, 2, 17), "2500.00")  # a correction of February (any day of the month)
    report(p2, D(2025, 2, 1), "0.00")  # corrected down to nothing
    project_services.project_cancel(project=p2, reason="撤资", by=county_staff)
    report(p3, D(2025, 3, 1), "75.00")
    project_services.project_update(project=p1, by=county_staff, region=c)  # moved A -> C
    project_services.project_reactivate(project=p2, reason="恢复", by=county_staff)
    report(p2, D(2025, 4, 1), "40.00")
    project_services.project_cancel(project=p3, reason="撤资", by=county_staff)
    project_services.project_update(project=p3, by=county_staff, region=a)  # a cancelled move
    project_services.project_reactivate(project=p3, reason="恢复", by=county_staff)  # now counts in A

    assert rollup_mismatches() == []
    # C: p1's 1,000.00 (Jan) + 2,500.00 (Feb). A: p2's 0.00 (Feb) + 40.00 (Apr) + p3's 75.00 (Mar).
    ranking = compute_ranking(JUNE_2025)
    assert values(ranking, Indicator.INVESTMENT) == {
        A: dec("115.00"),
        B: dec("0.00"),
        C: dec("3500.00"),
        E: dec("0.00"),
    }
    for code, investment in values(ranking, Indicator.INVESTMENT).items():
        raw = (
            InvestmentReport.objects.filter(
                project__region__code=code, month__year=2025, month__lte=D(2025, 6, 1)
            )
            .exclude(project__status=Status.CANCELLED)
            .aggregate(total=Sum("amount"))["total"]
        )
        assert investment == (raw or dec("0.00"))

    before = _rollup_table()
    assert before == [
        (A, D(2025, 3, 1), dec("75.00")),
        (A, D(2025, 4, 1), dec("40.00")),
        (C, D(2025, 1, 1), dec("1000.00")),
        (C, D(2025, 2, 1), dec("2500.00")),
    ]
    rollup_rebuild()
    assert _rollup_table() == before
    assert rollup_mismatches() == []


def test_rollup_mismatches_reports_a_drifted_cell(four_ranked, build, report):
    p1 = build(four_ranked[A], D(2025, 1, 5))
    report(p1, D(2025, 1, 1), "1000.00")
    InvestmentRollup.objects.filter(region=four_ranked[A]).update(amount=dec("999.00"))
    assert rollup_mismatches() == [(four_ranked[A].pk, D(2025, 1, 1), dec("999.00"), dec("1000.00"))]
    rollup_rebuild()
    assert rollup_mismatches() == []
    assert values(compute_ranking(JUNE_2025), Indicator.INVESTMENT)[A] == dec("1000.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_keep_the_rollup_exact(four_ranked, build, county_staff):
    from tests.fixtures.concurrency import race

    # Eight projects of one region report the same month at once: the first of them
    # creates the rollup row, the others add to it; none may be lost.
    projects = [build(four_ranked[A], D(2025, 1, 5)) for _ in range(8)]
    results, errors = race(
        8,
        lambda i: project_services.investment_report(
            project=projects[i], month=D(2025, 5, 1), amount=Decimal(f"{i + 1}00.00"), by=county_staff
        ),
    )
    assert errors == [None] * 8
    assert rollup_mismatches() == []
    # 100 + 200 + ... + 800 = 3,600.00
    assert InvestmentRollup.objects.get(region=four_ranked[A], month=D(2025, 5, 1)).amount == dec("3600.00")
    assert values(compute_ranking(JUNE_2025), Indicator.INVESTMENT)[A] == dec("3600.00")
