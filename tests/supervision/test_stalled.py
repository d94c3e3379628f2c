"""Stalled-project detection (半拉子): supervision.stalled.detect_stalled at its thresholds.

A project is flagged when its current stage date is more than N days back *and* no
positive investment was reported for the last M calendar months (the current one
included); it is unflagged when either changes. Each flag and unflag is a
projects.models.StatusChange row with its reason.
"""

from decimal import Decimal

import pytest

from projects import lifecycle
from projects import services as project_services
from projects.choices import Stage, Status
from projects.models import Project, StatusChange
from supervision.periods import add_months
from supervision.stalled import detect_stalled
from tests.fixtures.supervision import DAY

pytestmark = pytest.mark.usefixtures("english")

N, M = 180, 3
AMOUNT = Decimal("5000000.00")


@pytest.fixture
def signed_ago(make_project, today):
    """``signed_ago(days)``: a project at stage "signed", signed ``days`` days before today."""

    def make(days, **overrides):
        return make_project(signed_on=today - days * DAY, **overrides)

    return make


def detect(today):
    return detect_stalled(today=today, days=N, months=M)


def status(project) -> Status:
    return Project.objects.values_list("status", flat=True).get(pk=project.pk)


def changes(project) -> list[tuple]:
    return list(
        StatusChange.objects.filter(project=project)
        .order_by("at", "id")
        .values_list("from_status", "to_status")
    )


def test_exactly_n_days_is_not_flagged_n_plus_one_is(signed_ago, today):
    at_n = signed_ago(N)
    past_n = signed_ago(N + 1, name="超期项目")
    run = detect(today)
    assert run.flagged == [past_n.pk] and run.unflagged == []
    assert status(at_n) == Status.ACTIVE
    assert status(past_n) == Status.STALLED
    assert changes(at_n) == []
    (change,) = StatusChange.objects.filter(project=past_n)
    assert (change.from_status, change.to_status, change.by) == (Status.ACTIVE, Status.STALLED, None)
    assert change.reason.strip()
    assert str(today - (N + 1) * DAY) in change.reason and str(N) in change.reason


def test_a_recent_stage_date_counts_not_the_signing(signed_ago, today):
    project = signed_ago(N + 100)
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today - N * DAY)
    assert detect(today).flagged == []
    assert status(project) == Status.ACTIVE


def test_a_revert_makes_the_project_staler(signed_ago, today, county_staff):
    project = signed_ago(N + 100)
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today - 10 * DAY)
    assert detect(today).flagged == []
    lifecycle.revert(project=project, reason="供地手续被撤销", by=county_staff)
    assert detect(today).flagged == [project.pk]


def test_investment_in_the_window_prevents_the_flag(signed_ago, today, county_staff):
    first_month_of_window = add_months(today, -(M - 1))
    this_month = signed_ago(N + 1, name="本月有投资")
    start_of_window = signed_ago(N + 1, name="窗口首月有投资")
    project_services.investment_report(project=this_month, month=today, amount=AMOUNT, by=county_staff)
    project_services.investment_report(
        project=start_of_window, month=first_month_of_window, amount=AMOUNT, by=county_staff
    )
    assert detect(today).flagged == []
    assert status(this_month) == status(start_of_window) == Status.ACTIVE


def test_investment_before_the_window_does_not(signed_ago, today, county_staff):
    project = signed_ago(N + 1)
    project_services.investment_report(
        project=project, month=add_months(today, -M), amount=AMOUNT, by=county_staff
    )
    assert detect(today).flagged == [project.pk]


def test_a_zero_amount_report_does_not_prevent_the_flag(signed_ago, today, county_staff):
    project = signed_ago(N + 1)
    project_services.investment_report(project=project, month=today, amount=Decimal("0"), by=county_staff)
    assert detect(today).flagged == [project.pk]
    assert status(project) == Status.STALLED


def test_an_advance_unflags(signed_ago, today, county_staff):
    project = signed_ago(N + 30)
    detect(today)
    assert status(project) == Status.STALLED
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
    run = detect(today)
    assert run.unflagged == [project.pk] and run.flagged == []
    assert status(project) == Status.ACTIVE
    change = StatusChange.objects.filter(project=project).order_by("at", "id").last()
    assert (change.from_status, change.to_status, change.by) == (Status.STALLED, Status.ACTIVE, None)
    assert "Stage changed" in change.reason and str(today) in change.reason


def test_an_advance_dated_exactly_n_days_ago_unflags(signed_ago, today):
    project = signed_ago(N + 30)
    detect(today)
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today - N * DAY)
    assert detect(today).unflagged == [project.pk]


def test_a_new_report_unflags(signed_ago, today, county_staff):
    project = signed_ago(N + 30)
    detect(today)
    assert status(project) == Status.STALLED
    project_services.investment_report(project=project, month=today, amount=AMOUNT, by=county_staff)
    run = detect(today)
    assert run.unflagged == [project.pk]
    assert status(project) == Status.ACTIVE
    change = StatusChange.objects.filter(project=project).order_by("at", "id").last()
    assert change.to_status == Status.ACTIVE
    assert "Investment reported" in change.reason
    assert changes(project) == [(Status.ACTIVE, Status.STALLED), (Status.STALLED, Status.ACTIVE)]


def test_a_zero_report_does_not_unflag(signed_ago, today, county_staff):
    project = signed_ago(N + 30)
    detect(today)
    project_services.investment_report(project=project, month=today, amount=Decimal("0"), by=county_staff)
    assert detect(today).unflagged == []
    assert status(project) == Status.STALLED


def test_cancelled_projects_are_never_flagged(signed_ago, today, county_staff):
    project = signed_ago(N + 300)
    project_services.project_cancel(project=project, reason="企业撤资", by=county_staff)
    run = detect(today)
    assert run.flagged == [] and run.unflagged == []
    assert status(project) == Status.CANCELLED
    assert changes(project) == [(Status.ACTIVE, Status.CANCELLED)]


def test_a_stalled_project_that_is_cancelled_stays_cancelled(signed_ago, today, county_staff):
    project = signed_ago(N + 300)
    detect(today)
    project_services.project_cancel(project=project, reason="清退", by=county_staff)
    run = detect(today + N * DAY)
    assert run.flagged == [] and run.unflagged == []
    assert status(project) == Status.CANCELLED
    assert changes(project) == [(Status.ACTIVE, Status.STALLED), (Status.STALLED, Status.CANCELLED)]


def test_running_twice_flags_once(signed_ago, today):
    project = signed_ago(N + 1)
    assert detect(today).flagged == [project.pk]
    run = detect(today)
    assert run.flagged == [] and run.unflagged == []
    assert changes(project) == [(Status.ACTIVE, Status.STALLED)]


def test_unflag_then_flag_again_later(signed_ago, today, county_staff):
    """Explicit ``today``: the same project checked on later days."""
    project = signed_ago(N + 1)
    detect(today)
    project_services.investment_report(project=project, month=today, amount=AMOUNT, by=county_staff)
    assert detect(today).unflagged == [project.pk]
    # M months later the report has left the window; the stage date is still old.
    later = add_months(today, M)
    assert detect(later).flagged == [project.pk]
    assert changes(project) == [
        (Status.ACTIVE, Status.STALLED),
        (Status.STALLED, Status.ACTIVE),
        (Status.ACTIVE, Status.STALLED),
    ]


def test_explicit_today_in_the_future(signed_ago, today):
    project = signed_ago(10)
    assert detect(today).flagged == []
    assert detect(today + (N - 10) * DAY).flagged == []
    assert detect(today + (N - 9) * DAY).flagged == [project.pk]


def test_the_thresholds_are_settings_by_default(signed_ago, today, settings):
    settings.STALLED_DAYS_WITHOUT_STAGE_CHANGE = 10
    settings.STALLED_MONTHS_WITHOUT_INVESTMENT = 1
    at_ten, past_ten = signed_ago(10), signed_ago(11, name="十一天")
    run = detect_stalled(today=today)
    assert run.flagged == [past_ten.pk]
    assert status(at_ten) == Status.ACTIVE


def test_explicit_days_and_months_override_the_settings(signed_ago, today, settings):
    settings.STALLED_DAYS_WITHOUT_STAGE_CHANGE = 10
    project = signed_ago(11)
    assert detect_stalled(today=today, days=11, months=1).flagged == []
    assert detect_stalled(today=today, days=10, months=1).flagged == [project.pk]


def test_many_projects_in_one_run(signed_ago, today, county_staff):
    stale = [signed_ago(N + 1 + k, name=f"停滞{k}") for k in range(5)]
    fresh = [signed_ago(N - k, name=f"正常{k}") for k in range(3)]
    run = detect(today)
    assert run.flagged == sorted(p.pk for p in stale)
    assert all(status(p) == Status.ACTIVE for p in fresh)
    assert StatusChange.objects.filter(to_status=Status.STALLED).count() == 5
