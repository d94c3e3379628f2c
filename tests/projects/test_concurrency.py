"""Two people advancing the same project at the same moment (needs PostgreSQL row locks).

SQLite has no SELECT ... FOR UPDATE and serialises whole-database writes instead, so these
tests run only on PostgreSQL.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects import lifecycle, services
from projects.choices import Stage
from projects.models import InvestmentReport, Project, StageTransition
from tests.fixtures.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("english"),
]


def test_two_advances_at_once_exactly_one_wins(make_project, county_staff, today):
    project = make_project()
    # Both threads start from the same screen: the same stale copy, the same version.
    copies = [Project.objects.get(pk=project.pk) for _ in range(2)]

    results, errors = race(
        2,
        lambda i: lifecycle.advance(
            project=copies[i], stage=Stage.LAND_SUPPLIED, on=today, by=county_staff, note=f"thread {i}"
        ),
    )

    winners = [r for r in results if r is not None]
    losers = [e for e in errors if e is not None]
    assert len(winners) == 1 and len(losers) == 1, errors
    (error,) = losers
    assert isinstance(error, ValidationError), repr(error)
    assert "it can only advance to" in " ".join(error.messages)

    project.refresh_from_db()
    assert (project.stage, project.land_supplied_on, project.version) == (Stage.LAND_SUPPLIED, today, 2)
    moves = StageTransition.objects.filter(project=project, to_stage=Stage.LAND_SUPPLIED)
    assert moves.count() == 1
    assert moves.get().note == winners[0].transitions.order_by("-id").first().note
    assert project.history.count() == 2  # created + one advance


def test_two_advances_with_the_same_version_the_loser_is_told_to_reload(make_project, county_staff, today):
    project = make_project()
    version = project.version

    results, errors = race(
        2,
        lambda i: lifecycle.advance(
            project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff, version=version
        ),
    )

    losers = [e for e in errors if e is not None]
    assert sum(r is not None for r in results) == 1 and len(losers) == 1, errors
    assert isinstance(losers[0], ValidationError)
    assert "Someone else changed this project first" in " ".join(losers[0].messages)
    assert StageTransition.objects.filter(project=project, to_stage=Stage.LAND_SUPPLIED).count() == 1


def test_advance_and_revert_at_once_leave_a_consistent_trail(make_project, county_staff, today):
    """Whatever order the lock gives them, the stage agrees with the last transition."""
    project = make_project()
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)

    def call(i):
        if i == 0:
            return lifecycle.advance(project=project, stage=Stage.STARTED, on=today, by=county_staff)
        return lifecycle.revert(project=project, reason="供地撤销", by=county_staff)

    _results, errors = race(2, call)

    assert not any(isinstance(e, Exception) and not isinstance(e, ValidationError) for e in errors), errors
    project.refresh_from_db()
    last = StageTransition.objects.filter(project=project).order_by("-id").first()
    assert project.stage == last.to_stage
    assert project.version == 1 + StageTransition.objects.filter(project=project).count() - 1


def test_two_reports_of_the_same_new_month_at_once(make_project, county_staff, today):
    """Neither sees the other's row before inserting: one row, and any loser gets a ValidationError."""
    project = make_project()
    results, errors = race(
        2,
        lambda i: services.investment_report(
            project=project, month=today, amount=Decimal(100 + i), by=county_staff
        ),
    )
    assert all(e is None or isinstance(e, ValidationError) for e in errors), errors
    assert sum(r is not None for r in results) >= 1
    assert InvestmentReport.objects.filter(project=project).count() == 1
