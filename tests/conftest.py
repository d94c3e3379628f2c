"""Shared fixtures: Zhaoqing's regions, one enterprise and industry, a project factory, a user per role.

Tests marked ``postgres`` need row locks and real concurrency and are skipped on SQLite;
tests marked ``redis`` need a real broker and are skipped unless REDIS_URL is set.
"""

import datetime
import importlib
from decimal import Decimal
from itertools import count

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from projects import services
from projects.choices import Role
from projects.models import Enterprise, Industry, Region, User
from projects.roles import ensure_role_groups

# The data migration is the one source of the city's regions; re-running its (idempotent)
# function restores them after a transactional test has flushed the database.
_regions_migration = importlib.import_module("projects.migrations.0002_zhaoqing_regions")
CITY_CODE = _regions_migration.CITY[0]
RANKED_CODES = [row[0] for row in _regions_migration.REGIONS]


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        pytest.skip("needs a Redis broker (set REDIS_URL=redis://...)")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    # A request through the test client leaves its language active in the thread
    # (LocaleMiddleware activates it, nothing deactivates it), so every test starts
    # in the default language whatever ran before it.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def regions(db) -> dict[str, Region]:
    """Every region of the city, by 6-digit code."""
    _regions_migration.add_regions(django_apps, None)
    return {r.code: r for r in Region.objects.filter(code__in=[CITY_CODE, *RANKED_CODES])}


@pytest.fixture
def region(regions) -> Region:
    return regions["441202"]  # 端州区


@pytest.fixture
def other_region(regions) -> Region:
    return regions["441203"]  # 鼎湖区


@pytest.fixture
def industry(db) -> Industry:
    return Industry.objects.get_or_create(
        code="new-materials", defaults={"name": "新材料", "name_en": "New materials"}
    )[0]


@pytest.fixture
def enterprise(db) -> Enterprise:
    return Enterprise.objects.create(name="肇庆某新材料有限公司")


@pytest.fixture
def make_user(db):
    """``make_user(Role.COUNTY_STAFF, region=r)``: a user in the role's group."""
    from django.contrib.auth.models import Group

    numbers = count(1)

    def make(role: Role | None = None, *, region: Region | None = None, username: str | None = None) -> User:
        user = User.objects.create_user(
            username=username or f"user{next(numbers)}-{role or 'none'}",
            password="x-Pass-1234",
            region=region,
        )
        if role is not None:
            if not Group.objects.filter(name=role.value).exists():
                ensure_role_groups()  # flushed by an earlier transactional test
            user.groups.add(Group.objects.get(name=role.value))
        return user

    return make


@pytest.fixture
def county_staff(make_user, region) -> User:
    return make_user(Role.COUNTY_STAFF, region=region, username="staff-duanzhou")


@pytest.fixture
def county_leader(make_user, region) -> User:
    return make_user(Role.COUNTY_LEADER, region=region, username="leader-duanzhou")


@pytest.fixture
def city_leader(make_user, regions) -> User:
    return make_user(Role.CITY_LEADER, username="leader-city")


@pytest.fixture
def city_admin(make_user, regions) -> User:
    return make_user(Role.CITY_ADMIN, username="admin-city")


@pytest.fixture
def make_project(db, region, industry, enterprise, county_staff, today):
    """``make_project(**overrides)``: a project created through services.project_create."""

    def make(**overrides):
        kwargs = {
            "by": county_staff,
            "name": "年产10万吨新材料项目",
            "enterprise": enterprise,
            "region": region,
            "industry": industry,
            "signed_on": today - datetime.timedelta(days=200),
            "planned_investment": Decimal("300000000.00"),
        }
        kwargs.update(overrides)
        return services.project_create(**kwargs)

    return make


@pytest.fixture
def project(make_project):
    return make_project()


@pytest.fixture
def eager_celery():
    """Tasks run in the calling process, as in the embedded default, even where REDIS_URL is set."""
    from zhaoqing_tracker.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def english():
    """Messages in English, so tests can match their words whatever translations exist."""
    from django.utils import translation

    with translation.override("en"):
        yield


def error_codes(error) -> set:
    """The codes of a ValidationError's messages, field errors included."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}
