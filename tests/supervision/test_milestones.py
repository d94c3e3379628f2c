"""Milestones (倒排工期): warning colours at their boundaries, and the plan generated backwards.

The colour rules exist twice, as a pure function (supervision.warnings) and as a
database annotation (Milestone.objects.with_warning); both are checked against the
same table and against each other.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from projects import lifecycle
from projects.choices import Stage
from supervision.choices import WarningColour
from supervision.milestones import milestone_plan_generate, milestone_save
from supervision.models import Milestone, MilestoneTemplate
from supervision.periods import is_working_day, previous_working_day, subtract_working_days
from supervision.warnings import milestone_warning
from tests.fixtures.supervision import DAY, restore_milestone_templates

TODAY = datetime.date(2026, 6, 10)  # a Wednesday; the colour rules take "today" as an argument

GREEN, YELLOW, RED = WarningColour.GREEN, WarningColour.YELLOW, WarningColour.RED

# (case, due_on, done_on, colour)
BOUNDARIES = [
    ("due today", TODAY, None, YELLOW),
    ("due tomorrow", TODAY + DAY, None, YELLOW),
    ("due in 7 days", TODAY + 7 * DAY, None, YELLOW),
    ("due in 8 days", TODAY + 8 * DAY, None, GREEN),
    ("due in 60 days", TODAY + 60 * DAY, None, GREEN),
    ("due yesterday, not done", TODAY - DAY, None, RED),
    ("due a month ago, not done", TODAY - 30 * DAY, None, RED),
    ("done late", TODAY - 5 * DAY, TODAY - 4 * DAY, YELLOW),
    ("done late, today", TODAY - DAY, TODAY, YELLOW),
    ("done late, due far ahead", TODAY + 30 * DAY, TODAY + 31 * DAY, YELLOW),
    ("done on time", TODAY - 5 * DAY, TODAY - 5 * DAY, GREEN),
    ("done early", TODAY - 5 * DAY, TODAY - 9 * DAY, GREEN),
    ("done early, due today", TODAY, TODAY - DAY, GREEN),
    ("done on time, due within the week", TODAY + 3 * DAY, TODAY, GREEN),
    ("done, due yesterday on the day", TODAY - DAY, TODAY - DAY, GREEN),
]


@pytest.mark.parametrize(("case", "due_on", "done_on", "colour"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_pure_warning_colour(case, due_on, done_on, colour):
    assert milestone_warning(due_on=due_on, done_on=done_on, today=TODAY) == colour


def _milestone(project, due_on, done_on, title="节点"):
    # Written directly: a milestone "done" after the real today is no concern of the colour rules.
    return Milestone.objects.create(project=project, title=title, due_on=due_on, done_on=done_on)


def test_database_warning_colour_agrees_at_the_boundaries(project):
    expected = {}
    for case, due_on, done_on, colour in BOUNDARIES:
        expected[_milestone(project, due_on, done_on, title=case).pk] = colour
    annotated = dict(Milestone.objects.with_warning(TODAY).values_list("pk", "warning"))
    assert annotated == expected


def test_pure_function_and_annotation_agree_everywhere_around_today(project):
    offsets = range(-10, 11)
    for due in offsets:
        for done in [None, *range(-3, 4)]:
            due_on = TODAY + due * DAY
            _milestone(project, due_on, None if done is None else due_on + done * DAY)
    rows = Milestone.objects.with_warning(TODAY).values_list("due_on", "done_on", "warning")
    assert len(rows) == 21 * 8
    for due_on, done_on, warning in rows:
        assert warning == milestone_warning(due_on=due_on, done_on=done_on, today=TODAY), (due_on, done_on)
    assert {w for _, _, w in rows} == {GREEN, YELLOW, RED}


def test_the_annotation_filters(project):
    _milestone(project, TODAY - DAY, None, "red")
    _milestone(project, TODAY + 7 * DAY, None, "yellow")
    _milestone(project, TODAY + 8 * DAY, None, "green")
    qs = Milestone.objects.with_warning(TODAY)
    assert list(qs.filter(warning=RED).values_list("title", flat=True)) == ["red"]
    assert list(qs.filter(warning=YELLOW).values_list("title", flat=True)) == ["yellow"]
    assert list(qs.filter(warning=GREEN).values_list("title", flat=True)) == ["green"]
    assert list(Milestone.objects.overdue(TODAY).values_list("title", flat=True)) == ["red"]
    assert list(Milestone.objects.overdue(TODAY + 8 * DAY).values_list("title", flat=True)) == [
        "red",
        "yellow",
    ]


# milestone_save


def test_milestone_save_creates_and_marks_done(project, county_staff, officer, today):
    m = milestone_save(
        project=project, title="取得施工许可证", due_on=today + 5 * DAY, by=county_staff, responsible=officer
    )
    assert (m.version, m.responsible) == (1, officer)
    m = milestone_save(
        project=project,
        title=m.title,
        due_on=m.due_on,
        by=county_staff,
        responsible=officer,
        done_on=today,
        milestone=m,
        version=1,
    )
    m.refresh_from_db()
    assert (m.done_on, m.version) == (today, 2)
    assert m.history.count() == 2


def test_milestone_done_in_the_future_is_refused(project, county_staff, today):
    with pytest.raises(ValidationError) as info:
        milestone_save(
            project=project, title="投产", due_on=today, by=county_staff, done_on=today + DAY
        )
    assert "done_on" in info.value.message_dict
    assert not Milestone.objects.exists()


def test_milestone_stale_version_is_refused(project, county_staff, today):
    m = milestone_save(project=project, title="投产", due_on=today, by=county_staff)
    milestone_save(
        project=project, title="投产", due_on=today + DAY, by=county_staff, milestone=m, version=1
    )
    with pytest.raises(ValidationError):
        milestone_save(
            project=project, title="投产", due_on=today + 2 * DAY, by=county_staff, milestone=m, version=1
        )
    m.refresh_from_db()
    assert (m.due_on, m.version) == (today + DAY, 2)


# The plan generated backwards from the target production date.


@pytest.fixture
def templates(db):
    restore_milestone_templates()  # a transactional test elsewhere may have flushed them
    return list(MilestoneTemplate.objects.order_by("-working_days_before", "id"))


SATURDAY_TARGET = datetime.date(2027, 6, 12)
FRIDAY_BEFORE = datetime.date(2027, 6, 11)


def _working_days_between(earlier, later) -> int:
    """Working days in (earlier, later], counted one by one: independent of periods.py."""
    n, day = 0, earlier
    while day < later:
        day += DAY
        n += day.weekday() < 5
    return n


def test_the_target_is_a_saturday():
    assert SATURDAY_TARGET.weekday() == 5 and FRIDAY_BEFORE.weekday() == 4


def test_plan_lands_on_working_dates_in_order(project, county_staff, officer, templates):
    plan = milestone_plan_generate(
        project=project, target_production_on=SATURDAY_TARGET, by=county_staff, responsible=officer
    )
    # A project at "signed" has reached no template's stage: the whole plan.
    assert [m.title for m in plan] == [t.name for t in templates]
    stored = list(Milestone.objects.filter(project=project).order_by("order"))
    assert [m.pk for m in stored] == [m.pk for m in plan]
    dues = [m.due_on for m in stored]
    assert all(is_working_day(d) for d in dues), dues
    assert all(d.weekday() < 5 for d in dues)
    assert dues == sorted(dues)  # non-decreasing in template order
    assert dues[-1] <= SATURDAY_TARGET
    # The production step (0 working days before) moves from the Saturday to the Friday.
    assert dues[-1] == FRIDAY_BEFORE
    for milestone, template in zip(stored, templates, strict=True):
        assert _working_days_between(milestone.due_on, FRIDAY_BEFORE) == template.working_days_before
        assert milestone.responsible == officer
        assert milestone.done_on is None
        assert milestone.history.first().history_change_reason == "reverse_schedule"


@pytest.mark.parametrize("target", [datetime.date(2027, 6, 7) + k * DAY for k in range(7)])
def test_plan_lands_on_working_dates_whatever_the_weekday_of_the_target(
    project, county_staff, templates, target
):
    plan = milestone_plan_generate(project=project, target_production_on=target, by=county_staff)
    dues = [m.due_on for m in plan]
    assert all(is_working_day(d) for d in dues)
    assert dues == sorted(dues)
    assert dues[-1] == previous_working_day(target) <= target


def test_plan_skips_stages_already_reached(project, county_staff, templates):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=project.signed_on + DAY)
    lifecycle.advance(project=project, stage=Stage.STARTED, on=project.signed_on + 2 * DAY)
    project.refresh_from_db()
    plan = milestone_plan_generate(
        project=project, target_production_on=SATURDAY_TARGET, by=county_staff
    )
    expected = [t for t in templates if Stage(t.stage).index > Stage.STARTED.index]
    assert expected and len(expected) < len(templates)
    assert [m.title for m in plan] == [t.name for t in expected]
    assert {Stage(t.stage) for t in expected} == {Stage.COMPLETED, Stage.IN_PRODUCTION}
    assert [m.due_on for m in plan] == [
        subtract_working_days(SATURDAY_TARGET, t.working_days_before) for t in expected
    ]


def test_plan_for_a_project_in_production_is_empty(project, county_staff, templates):
    for k, stage in enumerate(Stage.ordered()[1 : Stage.IN_PRODUCTION.index + 1], start=1):
        lifecycle.advance(project=project, stage=stage, on=project.signed_on + k * DAY)
    project.refresh_from_db()
    assert (
        milestone_plan_generate(project=project, target_production_on=SATURDAY_TARGET, by=None) == []
    )
    assert not Milestone.objects.exists()


def test_running_the_plan_twice_adds_nothing(project, county_staff, templates):
    first = milestone_plan_generate(
        project=project, target_production_on=SATURDAY_TARGET, by=county_staff
    )
    before = list(Milestone.objects.values_list("pk", "title", "due_on").order_by("pk"))
    assert len(before) == len(first) == len(templates)
    second = milestone_plan_generate(
        project=project, target_production_on=SATURDAY_TARGET, by=county_staff
    )
    assert second == []
    # Not even with another target date: titles already planned are kept as they are.
    third = milestone_plan_generate(
        project=project, target_production_on=SATURDAY_TARGET + 30 * DAY, by=county_staff
    )
    assert third == []
    assert list(Milestone.objects.values_list("pk", "title", "due_on").order_by("pk")) == before


def test_plan_uses_the_templates_the_admin_edited(project, county_staff, templates):
    MilestoneTemplate.objects.exclude(stage=Stage.IN_PRODUCTION).delete()
    MilestoneTemplate.objects.create(stage=Stage.IN_PRODUCTION, name="环保设施验收", working_days_before=3)
    plan = milestone_plan_generate(
        project=project, target_production_on=SATURDAY_TARGET, by=county_staff
    )
    titles = [m.title for m in plan]
    assert "环保设施验收" in titles
    assert not {t.name for t in templates if t.stage != Stage.IN_PRODUCTION} & set(titles)
    assert plan[titles.index("环保设施验收")].due_on == datetime.date(2027, 6, 8)  # Fri 11 → Thu, Wed, Tue 8


def test_plans_of_two_projects_are_independent(make_project, county_staff, templates):
    a, b = make_project(), make_project(name="另一个项目")
    milestone_plan_generate(project=a, target_production_on=SATURDAY_TARGET, by=county_staff)
    plan_b = milestone_plan_generate(
        project=b, target_production_on=SATURDAY_TARGET, by=county_staff
    )
    assert len(plan_b) == len(templates)
    assert Milestone.objects.filter(project=a).count() == Milestone.objects.filter(project=b).count()
