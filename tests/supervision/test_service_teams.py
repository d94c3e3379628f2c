"""The five-one service team (五个一) and the selector of projects without a complete one."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services as project_services
from projects.choices import Status
from supervision import services
from supervision.models import Person, ServiceTeam
from supervision.selectors import projects_without_complete_team

MEMBERS = ("county_leader", "chief_officer", "specialist", "unit")


@pytest.fixture
def people(region, unit):
    return {
        "county_leader": Person.objects.create(name="王强", title="副县长", region=region),
        "chief_officer": Person.objects.create(name="李明", title="首席服务官", region=region),
        "specialist": Person.objects.create(name="赵丽", title="企业服务专员", region=region),
        "unit": unit,
        "plan": "每周走访一次，协调解决供地、报建问题",
    }


@pytest.fixture
def save_team(county_staff, people):
    def save(project, **changes):
        return services.service_team_save(project=project, by=county_staff, **{**people, **changes})

    return save


def listed(queryset=None) -> set[int]:
    return set(projects_without_complete_team(queryset).values_list("pk", flat=True))


def test_a_project_without_a_team_is_listed(project):
    assert listed() == {project.pk}


def test_a_complete_team_is_not_listed(project, save_team):
    team = save_team(project)
    assert team.is_complete
    assert listed() == set()
    assert list(ServiceTeam.objects.complete()) == [team]


@pytest.mark.parametrize("missing", MEMBERS)
def test_a_team_missing_a_member_is_listed(project, save_team, missing):
    team = save_team(project, **{missing: None})
    assert not team.is_complete
    assert listed() == {project.pk}
    assert not ServiceTeam.objects.complete().exists()


@pytest.mark.parametrize("plan", ["", None])
def test_a_team_without_a_plan_is_listed(project, save_team, plan):
    team = save_team(project, plan=plan or "")
    assert not team.is_complete
    assert listed() == {project.pk}


def test_a_plan_of_blanks_is_no_plan(project, save_team):
    """The property says a blank plan is missing; the selector must say the same."""
    team = save_team(project, plan="  \n ")
    assert not team.is_complete
    assert listed() == {project.pk}


def test_cancelled_projects_are_not_listed(make_project, county_staff):
    cancelled = make_project(name="已清退项目")
    project_services.project_cancel(project=cancelled, reason="企业撤资", by=county_staff)
    kept = make_project(name="在建项目")
    assert listed() == {kept.pk}


def test_filling_in_a_team_later_takes_the_project_off_the_list(project, save_team):
    team = save_team(project, specialist=None, plan="")
    assert listed() == {project.pk}
    team = save_team(project, version=team.version)
    assert team.version == 2
    assert listed() == set()
    assert ServiceTeam.objects.count() == 1


def test_a_stale_team_save_is_refused(project, save_team, people):
    team = save_team(project, plan="")
    save_team(project, version=team.version)
    with pytest.raises(ValidationError) as info:
        save_team(project, plan="", version=team.version)
    assert "stale" in {e.code for e in info.value.error_list}
    assert ServiceTeam.objects.get(project=project).plan == people["plan"]


def test_a_team_save_without_a_version_never_replaces_a_team(project, save_team, people, english):
    """A writer that read no team forms one; where the project has one it is refused, naming it."""
    team = save_team(project)
    with pytest.raises(ValidationError) as info:
        save_team(project, plan="另一个方案")
    assert "conflict" in {e.code for errors in info.value.error_dict.values() for e in errors}
    assert f"(id {team.pk})" in info.value.message_dict["project"][0]
    stored = ServiceTeam.objects.get(project=project)
    assert (stored.plan, stored.version, stored.history.count()) == (people["plan"], 1, 1)


def test_the_selector_mixes_and_takes_a_queryset(make_project, save_team, other_region, region):
    none = make_project(name="无服务团队")
    partial = make_project(name="缺专员")
    complete = make_project(name="齐全")
    elsewhere = make_project(name="鼎湖项目", region=other_region)
    save_team(partial, specialist=None)
    save_team(complete)
    assert listed() == {none.pk, partial.pk, elsewhere.pk}
    from projects.models import Project

    assert listed(Project.objects.in_region(region)) == {none.pk, partial.pk}


def test_the_selector_is_one_query_whatever_its_length(make_project, save_team):
    for k in range(6):
        project = make_project(name=f"项目{k}")
        if k % 2:
            save_team(project, chief_officer=None)
    with CaptureQueriesContext(connection) as queries:
        rows = list(projects_without_complete_team())
    assert len(rows) == 6
    assert len(queries) == 1


def test_only_active_projects_are_listed(project):
    assert project.status == Status.ACTIVE
    assert listed() == {project.pk}
