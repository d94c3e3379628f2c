"""Fixtures of the projects tests that more than one module of tests/projects/ uses
(the web pages' and the admin's signed-in clients and records).

They are not in tests/fixtures/ because their names mean something else elsewhere.
"""

from decimal import Decimal

import pytest
from django.conf import settings

from projects import services
from projects.choices import Role
from projects.models import Park
from projects.tokens import token_create

# The project pages (test_views_*.py)


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff_client(en, county_staff):
    en.force_login(county_staff)
    return en


@pytest.fixture
def other_project(make_project, other_region, make_user):
    other_staff = make_user(Role.COUNTY_STAFF, region=other_region, username="staff-dinghu")
    return make_project(by=other_staff, region=other_region, name="鼎湖区外地项目")


# The projects admin (test_admin_*.py)


@pytest.fixture
def client_en(client):
    # LocaleMiddleware picks the language per request; Chinese is the default.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def superuser(db, django_user_model, regions):
    return django_user_model.objects.create_superuser("root", "root@example.com", "x-Pass-1234")


@pytest.fixture
def su_client(client_en, superuser):
    client_en.force_login(superuser)
    return client_en


@pytest.fixture
def one_of_each(project, superuser, region, today):
    """At least one row of every model of the projects app."""
    park = Park.objects.create(name="端州科技园", region=region)
    report = services.investment_report(
        project=project, month=today, amount=Decimal("1500000"), by=superuser
    )
    target = services.target_set(
        region=region, year=today.year, investment=Decimal("1e9"), investment_h1=Decimal("4e8"), by=superuser
    )
    return {
        "Region": region,
        "Park": park,
        "Industry": project.industry,
        "Enterprise": project.enterprise,
        "Project": project,
        "StageTransition": project.transitions.get(),
        "InvestmentReport": report,
        "AnnualTarget": target,
        "User": superuser,
        "ApiToken": token_create(user=superuser, name="看板系统", by=superuser)[0],
    }
