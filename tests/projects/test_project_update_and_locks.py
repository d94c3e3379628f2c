"""project_update writes nothing when nothing changed, and a service that locks a row leaves the
caller's own object as the row now is (so a page that passed it shows the new values and version)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects import lifecycle, services
from projects.choices import Stage, Status
from projects.models import Project

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_an_update_that_changes_nothing_writes_no_history_and_keeps_the_version(project, county_staff):
    history = project.history.count()
    updated_at = Project.objects.get(pk=project.pk).updated_at

    services.project_update(
        project=project,
        by=county_staff,
        version=project.version,
        name=project.name,
        enterprise=project.enterprise,
        region=project.region,
        planned_investment=Decimal("300000000"),  # the same amount, written without cents
        is_manufacturing=True,
    )

    stored = Project.objects.get(pk=project.pk)
    assert (stored.version, stored.updated_at) == (1, updated_at)
    assert project.history.count() == history


def test_an_update_that_changes_nothing_is_still_refused_when_stale(project, county_staff, city_admin):
    services.project_update(project=Project.objects.get(pk=project.pk), by=city_admin, name="别人先改了")
    with pytest.raises(ValidationError) as refused:
        services.project_update(project=project, by=county_staff, version=1, name="别人先改了")
    assert refused.value.code == "stale"


def test_an_update_leaves_the_callers_project_with_the_new_values_and_version(project, county_staff):
    returned = services.project_update(project=project, by=county_staff, version=1, name="二期扩产项目")
    assert returned is project
    assert (project.name, project.version) == ("二期扩产项目", 2)


def test_the_callers_project_catches_up_with_a_change_it_had_not_seen(project, county_staff, city_admin):
    services.project_update(project=Project.objects.get(pk=project.pk), by=city_admin, name="改名")
    services.project_update(project=project, by=county_staff, first_contact_on=project.signed_on - DAY)
    # The other writer's name is kept (the caller's stale copy did not overwrite it) and shown.
    assert (project.name, project.version) == ("改名", 3)
    assert Project.objects.get(pk=project.pk).name == "改名"


def test_a_stage_move_leaves_the_callers_project_at_the_new_stage(project, county_staff, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff, version=1)
    assert (project.stage, project.land_supplied_on, project.version) == (Stage.LAND_SUPPLIED, today, 2)
    lifecycle.revert(project=project, reason="日期录错", by=county_staff, version=2)
    assert (project.stage, project.land_supplied_on, project.version) == (Stage.SIGNED, None, 3)


def test_a_status_change_leaves_the_callers_project_cancelled(project, county_staff):
    services.project_cancel(project=project, reason="企业撤资", by=county_staff, version=1)
    assert (project.status, project.version) == (Status.CANCELLED, 2)


def test_a_stale_stage_move_still_names_the_project(project, county_staff, today, english):
    services.project_update(project=Project.objects.get(pk=project.pk), by=county_staff, name="改名")
    with pytest.raises(ValidationError) as refused:
        lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff, version=1)
    assert "Someone else changed this project first" in " ".join(refused.value.messages)
