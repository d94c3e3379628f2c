"""Fixtures of the API tests that more than one module of tests/api/ uses.

They are not in tests/fixtures/ because their names mean something else elsewhere
(``leader``, ``other_project``, ``city_unit``): here they are API clients and records of the API tests.
"""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from supervision import services
from supervision.models import Person, Unit
from tests.fixtures.api_projects import client_for

# /api/v1/ projects, investment reports, targets (test_projects*.py, test_reports_and_targets.py)


@pytest.fixture
def fresh_throttles():
    """Used by the projects modules (``pytestmark``), as their own autouse fixture was."""
    cache.clear()  # throttle counters live in the cache; each test starts with a full budget
    yield
    cache.clear()


@pytest.fixture
def staff_api(county_staff):
    return client_for(county_staff)


@pytest.fixture
def foreign(make_project, other_region):
    return make_project(region=other_region, name="鼎湖项目")


# /api/v1/ supervision (test_problems.py, test_supervision_*.py)


@pytest.fixture
def api():
    """``api(user)``: a client signed in as ``user``, reading messages in English."""

    def client_for(user) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def staff(api, county_staff):
    return api(county_staff)


@pytest.fixture
def leader(api, county_leader):
    return api(county_leader)


@pytest.fixture
def other_project(make_project, other_region, city_admin):
    return make_project(region=other_region, by=city_admin, name="鼎湖区某项目")


@pytest.fixture
def other_problem(other_project, city_admin, raised_on):
    return services.problem_raise(
        project=other_project,
        category="energy_use",
        description="用电负荷不足",
        by=city_admin,
        raised_on=raised_on,
    )


@pytest.fixture
def other_person(other_region):
    return Person.objects.create(name="王强", title="鼎湖区副区长", region=other_region)


@pytest.fixture
def other_unit_of_other_region(other_region):
    return Unit.objects.create(name="鼎湖区供电局", region=other_region)


@pytest.fixture
def city_person(regions):
    return Person.objects.create(name="陈刚", title="市投资促进局副局长", region=None)


@pytest.fixture
def city_unit(regions):
    return Unit.objects.create(name="肇庆市投资促进局", region=None)
