"""Visits, service logs, units and officials are corrected through services that apply the rules of
creating them, from the services themselves and from the admin, which has no write path of its own."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from projects.models import User
from supervision import services, units
from supervision.choices import ServiceKind
from supervision.models import Person, ServiceLog, SupervisionVisit, Unit

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def error_fields(error) -> set:
    return set(error.message_dict)


@pytest.fixture
def bureau(county_staff, region) -> Unit:
    return units.unit_create(
        name="端州区自然资源局", name_en="Duanzhou Natural Resources Bureau", region=region, by=county_staff
    )


@pytest.fixture
def official(county_staff, region, bureau) -> Person:
    return units.person_create(name="张三", title="副区长", region=region, unit=bureau, by=county_staff)


@pytest.fixture
def visit(project, official, county_staff, today) -> SupervisionVisit:
    return services.visit_record(
        on=today - 5 * DAY, region=project.region, leader=official, projects=[project], by=county_staff
    )


@pytest.fixture
def log(project, county_staff, today) -> ServiceLog:
    return services.service_log_record(
        project=project,
        on=today - 2 * DAY,
        kind=ServiceKind.LAND_AUCTION,
        description="协助办理土地挂牌",
        hours=2,
        by=county_staff,
    )


@pytest.fixture
def other_project(make_project, other_region):
    return make_project(region=other_region, name="鼎湖区外地项目", by=None)


def visit_changes(visit, **overrides):
    fields = {
        "on": visit.on,
        "region": visit.region,
        "leader": visit.leader,
        "projects": list(visit.projects.all()),
        "notes": visit.notes,
    }
    return {**fields, **overrides}


def log_changes(log, **overrides):
    fields = {
        "on": log.on,
        "kind": log.kind,
        "description": log.description,
        "person": log.person,
        "hours": log.hours,
    }
    return {**fields, **overrides}


# --- visits ----------------------------------------------------------------------------------


def test_correcting_a_visit_into_the_future_is_refused_as_recording_one_is(visit, county_leader, today):
    with pytest.raises(ValidationError) as refused:
        services.visit_update(visit=visit, by=county_leader, **visit_changes(visit, on=today + DAY))
    assert error_fields(refused.value) == {"on"}
    visit.refresh_from_db()
    assert visit.on == today - 5 * DAY
    assert visit.history.count() == 2  # recorded, projects set


def test_a_visit_cannot_be_corrected_to_a_project_of_another_region(
    visit, other_project, project, county_leader
):
    with pytest.raises(ValidationError) as refused:
        services.visit_update(
            visit=visit, by=county_leader, **visit_changes(visit, projects=[project, other_project])
        )
    assert error_fields(refused.value) == {"projects"}
    assert list(SupervisionVisit.objects.get(pk=visit.pk).projects.all()) == [project]


def test_correcting_a_visit_records_who_did_it_and_an_unchanged_one_writes_nothing(
    visit, county_leader, make_project, today
):
    second = make_project(name="二期项目")
    before = visit.history.count()

    services.visit_update(visit=visit, by=county_leader, **visit_changes(visit))
    assert visit.history.count() == before

    corrected = services.visit_update(
        visit=visit,
        by=county_leader,
        **visit_changes(visit, on=today - 4 * DAY, notes="补记", projects=[*visit.projects.all(), second]),
    )
    assert corrected is visit
    stored = SupervisionVisit.objects.get(pk=visit.pk)
    assert (stored.on, stored.notes) == (today - 4 * DAY, "补记")
    assert set(stored.projects.values_list("name", flat=True)) == {"年产10万吨新材料项目", "二期项目"}
    latest = stored.history.first()
    assert (latest.history_user, latest.history_change_reason) == (county_leader, "edited")


# --- service logs ----------------------------------------------------------------------------


def test_correcting_a_service_log_into_the_future_is_refused(log, county_staff, today):
    with pytest.raises(ValidationError) as refused:
        services.service_log_update(log=log, by=county_staff, **log_changes(log, on=today + DAY))
    assert error_fields(refused.value) == {"on"}
    assert ServiceLog.objects.get(pk=log.pk).on == today - 2 * DAY


def test_a_corrected_service_log_keeps_its_project_and_recorder(log, county_staff, county_leader, official):
    services.service_log_update(
        log=log, by=county_leader, **log_changes(log, description="  土地已挂牌  ", person=official, hours=3)
    )
    stored = ServiceLog.objects.get(pk=log.pk)
    assert (stored.description, stored.person, stored.hours) == ("土地已挂牌", official, 3)
    assert (stored.project_id, stored.recorded_by) == (log.project_id, county_staff)
    assert stored.history.first().history_user == county_leader


def test_an_unchanged_service_log_writes_no_history(log, county_leader):
    before = log.history.count()
    services.service_log_update(log=log, by=county_leader, **log_changes(log, hours=Decimal("2.0")))
    assert log.history.count() == before


# --- units and officials ---------------------------------------------------------------------


def test_an_official_works_in_a_unit_of_their_region_or_a_city_level_one(
    bureau, other_region, region, county_staff
):
    with pytest.raises(ValidationError) as refused:
        units.person_create(name="王五", region=other_region, unit=bureau, by=county_staff)
    assert error_fields(refused.value) == {"unit"}
    city_unit = units.unit_create(name="肇庆市投资促进局", by=county_staff)
    person = units.person_create(name="王五", region=other_region, unit=city_unit, by=county_staff)
    assert person.unit == city_unit and person.history.first().history_user == county_staff


def test_correcting_an_official_keeps_the_unit_rule(official, other_region, county_staff):
    with pytest.raises(ValidationError) as refused:
        units.person_update(
            person=official, name=official.name, region=other_region, unit=official.unit, by=county_staff
        )
    assert error_fields(refused.value) == {"unit"}
    assert Person.objects.get(pk=official.pk).region_id != other_region.pk

    before = official.history.count()
    units.person_update(
        person=official,
        name="张三",
        title="区长",
        region=official.region,
        unit=official.unit,
        by=county_staff,
    )
    assert (Person.objects.get(pk=official.pk).title, official.history.count()) == ("区长", before + 1)


def test_a_unit_does_not_move_away_from_its_officials(bureau, official, other_region, county_staff):
    with pytest.raises(ValidationError) as refused:
        units.unit_update(unit=bureau, name=bureau.name, region=other_region, by=county_staff)
    assert error_fields(refused.value) == {"region"}
    assert Unit.objects.get(pk=bureau.pk).region_id == official.region_id


def test_two_units_of_one_region_cannot_share_a_name(bureau, region, county_staff, english):
    with pytest.raises(ValidationError) as refused:
        units.unit_create(name=" 端州区自然资源局 ", region=region, by=county_staff)
    assert "This region already has a unit with this name." in str(refused.value)


def test_renaming_a_unit_is_recorded_and_an_unchanged_unit_writes_nothing(bureau, county_leader):
    before = bureau.history.count()
    units.unit_update(
        unit=bureau, name=bureau.name, name_en=bureau.name_en, region=bureau.region, by=county_leader
    )
    assert bureau.history.count() == before
    units.unit_update(unit=bureau, name="端州区自然资源和规划局", region=bureau.region, by=county_leader)
    assert bureau.name == "端州区自然资源和规划局"  # the caller's own object
    assert bureau.history.first().history_user == county_leader


# --- the admin -------------------------------------------------------------------------------


def admin_url(model, view, *args):
    return reverse(f"admin:supervision_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def root(regions) -> Client:
    user = User.objects.create_superuser(username="root", password="x-Pass-1234")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def field_errors(response, field) -> str:
    return str(response.context["adminform"].form.errors.get(field, ""))


def test_the_admin_refuses_a_service_log_dated_in_the_future_on_its_field(root, log, today):
    data = {
        "on": (today + DAY).isoformat(),
        "kind": log.kind,
        "description": "改到明天",
        "hours": "1.0",
    }
    response = root.post(admin_url(ServiceLog, "change", log.pk), data)
    assert response.status_code == 200
    assert "The date cannot be in the future." in field_errors(response, "on")
    assert ServiceLog.objects.get(pk=log.pk).description == "协助办理土地挂牌"


def test_the_admin_corrects_a_service_log_through_the_service(root, log, today):
    data = {"on": (today - 3 * DAY).isoformat(), "kind": log.kind, "description": "改了日期", "hours": "2.0"}
    response = root.post(admin_url(ServiceLog, "change", log.pk), data)
    assert response.status_code == 302
    stored = ServiceLog.objects.get(pk=log.pk)
    assert (stored.on, stored.description) == (today - 3 * DAY, "改了日期")
    assert stored.history.first().history_change_reason == "edited"


def test_the_admin_refuses_a_visit_dated_in_the_future_and_keeps_its_projects(root, visit, project, today):
    data = {
        "on": (today + DAY).isoformat(),
        "leader": visit.leader_id,
        "projects": [],
        "notes": "改到明天",
    }
    response = root.post(admin_url(SupervisionVisit, "change", visit.pk), data)
    assert response.status_code == 200
    assert "The date cannot be in the future." in field_errors(response, "on")
    stored = SupervisionVisit.objects.get(pk=visit.pk)
    assert (stored.on, list(stored.projects.all())) == (today - 5 * DAY, [project])


def test_the_admin_corrects_a_visits_projects_through_the_service(root, visit, today):
    data = {"on": visit.on.isoformat(), "leader": visit.leader_id, "projects": [], "notes": "未走访项目"}
    response = root.post(admin_url(SupervisionVisit, "change", visit.pk), data)
    assert response.status_code == 302
    stored = SupervisionVisit.objects.get(pk=visit.pk)
    assert (stored.notes, stored.projects.count()) == ("未走访项目", 0)


def test_the_admin_shows_the_unit_rule_of_an_official_on_its_field(root, bureau, other_region):
    data = {"name": "王五", "title": "", "phone": "", "region": other_region.pk, "unit": bureau.pk}
    response = root.post(admin_url(Person, "add"), data)
    assert response.status_code == 200
    assert "The unit belongs to another region." in field_errors(response, "unit")
    assert not Person.objects.filter(name="王五").exists()


def test_the_admin_adds_units_and_officials_through_the_services(root, region):
    response = root.post(
        admin_url(Unit, "add"), {"name": " 端州区商务局 ", "name_en": "", "region": region.pk}
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name="端州区商务局")  # stripped by unit_create
    response = root.post(
        admin_url(Person, "add"),
        {"name": "赵六", "title": "局长", "phone": "", "region": region.pk, "unit": unit.pk},
    )
    assert response.status_code == 302
    person = Person.objects.get(name="赵六")
    assert person.unit == unit and person.history.first().history_change_reason == "created"


def test_the_admin_deletes_no_visit_log_unit_or_official(root, visit, log, official):
    for model, obj in (
        (SupervisionVisit, visit),
        (ServiceLog, log),
        (Unit, official.unit),
        (Person, official),
    ):
        assert root.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403, model
        assert model.objects.filter(pk=obj.pk).exists()
