"""The one region rule (projects/scope.py): for every role, what each pick list offers (staff
forms, admin forms, API fields) is exactly what the services and endpoints accept; a value just
outside is refused and nothing is written; the scope is looked up once per request."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.test import APIClient

from projects import scope
from projects.choices import RegionKind, Role
from projects.filtersets import ProjectFilterSet
from projects.forms import scoped_regions
from projects.models import Project, Region, User
from projects.services import investment_report
from supervision import services
from supervision.api.problem_serializers import ProblemAssignSerializer
from supervision.forms import AssignForm, ServiceTeamForm
from supervision.models import Problem, ServiceTeam, Unit
from supervision.views.common import prepare_filter_form
from zhaoqing_tracker.api.fields import RegionCodeField

# Every role of DESIGN "Roles", a superuser, and a user of a functional zone under a county.
ROLES = ["county_staff", "county_leader", "city_leader", "city_admin", "superuser", "zone_staff"]


@pytest.fixture
def zone(region) -> Region:
    """A functional zone under 端州区 (the city's own zones hang under the city)."""
    return Region.objects.create(
        code="441299",
        name="端州高新区",
        name_en="Duanzhou Hi-tech Zone",
        kind=RegionKind.FUNCTIONAL_ZONE,
        parent=region,
        is_ranked=False,
    )


@pytest.fixture
def people(make_user, region, other_region, zone, county_staff, county_leader, city_leader, city_admin):
    superuser = make_user(Role.CITY_ADMIN, region=other_region, username="root")
    superuser.is_superuser = True
    superuser.save()
    return {
        "county_staff": county_staff,
        "county_leader": county_leader,
        "city_leader": city_leader,
        "city_admin": city_admin,
        # A superuser is not restricted, even with a region on its account.
        "superuser": superuser,
        "zone_staff": make_user(Role.COUNTY_STAFF, region=zone, username="staff-zone"),
    }


@pytest.fixture
def units(regions, region, other_region, zone) -> dict[str, Unit]:
    city = regions["441200"]
    return {
        "city_level": Unit.objects.create(name="市发展改革局", region=None),
        "city": Unit.objects.create(name="肇庆市自然资源局", region=city),
        "county": Unit.objects.create(name="端州区住建局", region=region),
        "zone": Unit.objects.create(name="高新区管委会规划科", region=zone),
        "other_county": Unit.objects.create(name="鼎湖区供电局", region=other_region),
    }


def expected_regions(name, region, zone):
    if name in ("county_staff", "county_leader"):
        return {region.pk, zone.pk}
    if name == "zone_staff":
        return {zone.pk}
    return set(Region.objects.values_list("pk", flat=True))


def request_as(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def api_region_choices(user) -> set[int]:
    """The regions the API's region field takes from ``user`` (tried one by one)."""
    field = RegionCodeField()
    field._context = {"request": request_as(user)}
    accepted = set()
    for region in Region.objects.all():
        try:
            accepted.add(field.to_internal_value(region.code).pk)
        except DRFValidationError:
            pass
    return accepted


@pytest.mark.parametrize("name", ROLES)
def test_every_region_pick_list_offers_exactly_the_regions_the_api_accepts(name, people, region, zone):
    user = people[name]
    expected = expected_regions(name, region, zone)
    project_admin = admin.site._registry[Project]
    admin_field = project_admin.formfield_for_foreignkey(Project._meta.get_field("region"), request_as(user))
    filterset = ProjectFilterSet(data={}, queryset=Project.objects.none(), request=request_as(user))
    filter_form = prepare_filter_form(filterset, request_as(user), shown=["region"])

    assert set(scope.regions_for(user).values_list("pk", flat=True)) == expected
    assert set(scoped_regions(user).values_list("pk", flat=True)) == expected  # the staff project form
    assert set(admin_field.queryset.values_list("pk", flat=True)) == expected
    assert set(filter_form.fields["region"].queryset.values_list("pk", flat=True)) == expected
    assert api_region_choices(user) == expected


@pytest.mark.parametrize("name", ["county_staff", "city_admin", "zone_staff"])
def test_a_project_is_filed_through_the_api_in_each_offered_region_and_refused_just_outside(
    name, people, region, other_region, zone, industry, enterprise, today
):
    user = people[name]
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    # Every region offered to a county user, a handful for a city one (the rule is the same).
    offered = Region.objects.filter(pk__in=expected_regions(name, region, zone)).order_by("code")[:4]
    body = {
        "name": "新材料项目",
        "enterprise": {"id": enterprise.pk},
        "industry": industry.code,
        "signed_on": (today - datetime.timedelta(days=30)).isoformat(),
        "planned_investment": "100000000.00",
    }
    for choice in offered:
        response = client.post("/api/v1/projects/", {**body, "region": choice.code}, format="json")
        assert response.status_code == 201, (choice.code, response.content)
    if name != "city_admin":
        outside = other_region if name == "county_staff" else region  # the zone's parent is outside
        count = Project.objects.count()
        response = client.post("/api/v1/projects/", {**body, "region": outside.code}, format="json")
        assert response.status_code == 400, response.content
        assert "region" in response.json()["fields"]
        assert Project.objects.count() == count


# Units: a problem goes to a unit that serves its project (its region, a region above it, or
# city-level); the staff form, the admin (same form), the API field and the service agree.

ASSIGNERS = {
    # role -> (the project's region, the units that serve it)
    "county_leader": ("county", {"city_level", "city", "county"}),
    "city_admin": ("county", {"city_level", "city", "county"}),
    "superuser": ("county", {"city_level", "city", "county"}),
    "zone_leader": ("zone", {"city_level", "city", "county", "zone"}),
}


@pytest.fixture
def assigner(people, make_user, zone):
    def of(name):
        if name == "zone_leader":
            return make_user(Role.COUNTY_LEADER, region=zone, username="leader-zone")
        return people[name]

    return of


def unit_names(units, queryset) -> set[str]:
    pks = set(queryset.values_list("pk", flat=True))
    return {name for name, unit in units.items() if unit.pk in pks}


def raise_problem(project, by) -> Problem:
    return services.problem_raise(project=project, category="land_use", description="用地指标", by=by)


def service_accepts(problem, unit, by, today) -> bool:
    try:
        with transaction.atomic():
            services.problem_assign(problem=problem, unit=unit, due_on=today, by=by)
            transaction.set_rollback(True)  # tried, not kept
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(ASSIGNERS))
def test_the_units_a_problem_can_go_to_are_the_same_in_every_pick_list_and_the_service(
    name, assigner, units, region, zone, make_project, city_admin, today
):
    user = assigner(name)
    where, expected = ASSIGNERS[name]
    project = make_project(region=region if where == "county" else zone, by=city_admin)
    problem = raise_problem(project, city_admin)
    staff_form = AssignForm(problem=problem)
    context = {"request": request_as(user), "problem": problem}
    api_field = ProblemAssignSerializer(context=context).fields["unit"]

    assert unit_names(units, staff_form.fields["unit"].queryset) == expected
    assert unit_names(units, api_field.get_queryset()) == expected
    assert {n for n, unit in units.items() if service_accepts(problem, unit, user, today)} == expected


@pytest.mark.parametrize("name", sorted(ASSIGNERS))
def test_an_api_assign_takes_each_offered_unit_and_refuses_one_just_outside(
    name, assigner, units, region, zone, make_project, city_admin, today
):
    user = assigner(name)
    where, expected = ASSIGNERS[name]
    project = make_project(region=region if where == "county" else zone, by=city_admin)
    problem = raise_problem(project, city_admin)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    url = f"/api/v1/problems/{problem.pk}/assign/"
    for unit_name in sorted(expected):
        response = client.post(url, {"unit": units[unit_name].pk, "due_on": today.isoformat()}, format="json")
        assert response.status_code == 200, (unit_name, response.content)
        problem.refresh_from_db()
        assert problem.responsible_unit == units[unit_name]
    before = (problem.version, problem.responsible_unit_id)
    outside = {"unit": units["other_county"].pk, "due_on": today.isoformat()}
    response = client.post(url, outside, format="json")
    assert response.status_code == 400, response.content
    assert "unit" in response.json()["fields"]
    problem.refresh_from_db()
    assert (problem.version, problem.responsible_unit_id) == before


@pytest.mark.parametrize("name", ["county_staff", "city_admin", "zone_staff"])
def test_a_service_team_takes_exactly_the_units_its_form_offers(
    name, people, units, region, zone, make_project, city_admin, today
):
    user = people[name]
    project = make_project(region=zone if name == "zone_staff" else region, by=city_admin)
    offered = unit_names(units, ServiceTeamForm(project=project).fields["unit"].queryset)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    accepted = set()
    for unit_name, unit in sorted(units.items()):
        response = client.post(
            "/api/v1/service-teams/", {"project": project.pk, "unit": unit.pk}, format="json"
        )
        assert response.status_code in (201, 400), response.content
        if response.status_code == 201:
            accepted.add(unit_name)
            ServiceTeam.objects.filter(pk=response.json()["id"]).delete()  # room for the next try
        else:
            assert "unit" in response.json()["fields"]
    assert accepted == offered
    assert not ServiceTeam.objects.exists()


# The rule itself, and what it costs.


def test_a_county_user_reads_their_region_and_two_levels_under_it(people, region, zone, other_region):
    estate = Region.objects.create(
        code="441298", name="高新区一园", kind=RegionKind.FUNCTIONAL_ZONE, parent=zone, is_ranked=False
    )
    assert scope.region_ids(people["county_staff"]) == sorted([region.pk, zone.pk, estate.pk])
    assert scope.region_ids(people["zone_staff"]) == sorted([zone.pk, estate.pk])
    for name in ("city_leader", "city_admin", "superuser"):
        assert scope.region_ids(people[name]) is scope.UNRESTRICTED
    assert scope.in_scope(people["county_staff"], estate.pk)
    assert not scope.in_scope(people["county_staff"], other_region.pk)


def test_the_scope_is_looked_up_once_per_user_and_filters_by_region_ids(people, django_assert_num_queries):
    user = User.objects.get(pk=people["county_staff"].pk)  # a fresh object, as a request's user is
    with django_assert_num_queries(1):
        for _ in range(3):
            Project.objects.visible_to(user)
            Problem.objects.visible_to(user)
            scope.regions_for(user)
    sql = str(Project.objects.visible_to(user).query)
    assert '"region_id" IN (' in sql
    assert "parent" not in sql  # never an OR over parent and grandparent


def scope_lookups(queries) -> int:
    # The one read of the (small) region table that turns the user into region ids.
    return sum(1 for q in queries if 'OR "projects_region"."parent_id" =' in q["sql"])


@pytest.mark.parametrize("url", ["/projects/", "/api/v1/projects/", "/api/v1/investment-reports/"])
def test_a_county_users_lists_cost_the_same_queries_whatever_their_length(
    url, people, make_project, city_admin, client, today
):
    user = people["county_staff"]
    client.force_login(user)
    month = today.replace(day=1) - datetime.timedelta(days=1)

    def add_projects(n):
        for i in range(n):
            project = make_project(name=f"项目{Project.objects.count()}-{i}", by=city_admin)
            investment_report(project=project, month=month.replace(day=1), amount=Decimal("100.00"), by=user)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return len(queries), scope_lookups(queries.captured_queries)

    add_projects(1)
    client.get(url)  # sessions, content types and the like are cached after a first request
    small = measure()
    add_projects(4)
    assert measure() == small
    assert small[1] == 1
