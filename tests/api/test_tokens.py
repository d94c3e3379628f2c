"""API tokens: hashed at rest, several per user, expiring and revocable; the management command
that prints one; the admin that creates and revokes them."""

import datetime
import io
import re

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from projects.choices import Role
from projects.tokens import ApiToken, hash_token, token_create, token_revoke

PROJECTS = "/api/v1/projects/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def token_client(raw: str | None = None, header: str | None = None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    elif raw is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def all_token_columns() -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        rows = cursor.fetchall()
        cursor.execute(f"SELECT * FROM {ApiToken.history.model._meta.db_table}")
        return rows + cursor.fetchall()


def test_token_is_stored_hashed(county_staff):
    token, raw = token_create(user=county_staff, name="ERP", by=None)
    assert raw.startswith("zq_") and len(raw) > 40
    assert token.key_hash == hash_token(raw) != raw
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw)
    values = [str(value) for row in all_token_columns() for value in row]
    assert not any(raw in value for value in values)  # neither in the table nor in its history


def test_token_authenticates_as_its_user(county_staff, project, make_project, other_region):
    make_project(region=other_region)  # must stay invisible to a county user's token
    _token, raw = token_create(user=county_staff, name="ERP", by=None)
    response = token_client(raw).get(PROJECTS)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [project.pk]
    lower = token_client(header=f"token {raw}").get(PROJECTS)
    assert lower.status_code == 200


def test_a_token_writes_as_its_user(county_staff, project):
    _token, raw = token_create(user=county_staff, name="ERP", by=None)
    response = token_client(raw).patch(f"{PROJECTS}{project.pk}/", {"name": "经令牌修改"}, format="json")
    assert response.status_code == 200
    assert project.history.order_by("-history_id").first().history_user == county_staff


def test_a_token_records_when_it_was_last_used(county_staff):
    token, raw = token_create(user=county_staff, name="ERP", by=None)
    assert token.last_used_at is None
    token_client(raw).get(PROJECTS)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_several_tokens_per_user(county_staff):
    first, raw1 = token_create(user=county_staff, name="ERP", by=None)
    _second, raw2 = token_create(user=county_staff, name="统计系统", by=None)
    assert raw1 != raw2
    assert token_client(raw1).get(PROJECTS).status_code == 200
    assert token_client(raw2).get(PROJECTS).status_code == 200
    token_revoke(token=first, by=None)
    assert token_client(raw1).get(PROJECTS).status_code == 401
    assert token_client(raw2).get(PROJECTS).status_code == 200


def test_expired_token_is_401(county_staff):
    token, raw = token_create(user=county_staff, name="ERP", by=None, expires_days=1)
    assert token_client(raw).get(PROJECTS).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = token_client(raw).get(PROJECTS)
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"] == "Token"


def test_revoked_token_is_401(county_staff, city_admin):
    token, raw = token_create(user=county_staff, name="ERP", by=None)
    token_revoke(token=token, by=city_admin)
    assert token_client(raw).get(PROJECTS).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_of_an_inactive_user_is_401(county_staff):
    _token, raw = token_create(user=county_staff, name="ERP", by=None)
    county_staff.is_active = False
    county_staff.save()
    assert token_client(raw).get(PROJECTS).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Token",
        "Token zq_unknown",
        "Token a b",
        "Token \u00ff\u00fe",
        "Bearer zq_x",
        "Basic Zm9vOmJhcg==",
    ],
)
def test_no_or_bad_credentials_are_401(db, header):
    client = token_client() if header is None else token_client(header=header)
    response = client.get(PROJECTS)
    assert response.status_code == 401, (header, response.content)
    assert response.json()["status"] == 401


def test_token_create_refuses_a_duplicate_name_and_non_positive_days(county_staff):
    from django.core.exceptions import ValidationError

    token_create(user=county_staff, name="ERP", by=None)
    with pytest.raises(ValidationError):
        token_create(user=county_staff, name="ERP", by=None)
    with pytest.raises(ValidationError):
        token_create(user=county_staff, name="其他", by=None, expires_days=0)
    assert ApiToken.objects.count() == 1


# --- create_api_token ---------------------------------------------------------------------


def run_command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_prints_a_token_that_works(county_staff, project):
    out, err = run_command("staff-duanzhou", "--name", "ERP", "--expires-days", "30")
    raw = out.strip()
    assert raw.startswith("zq_") and "\n" not in raw
    assert "Authorization: Token" in err and "only this once" in err
    token = ApiToken.objects.get(user=county_staff, name="ERP")
    assert token.key_hash == hash_token(raw)
    remaining = token.expires_at - timezone.now()
    assert datetime.timedelta(days=29) < remaining <= datetime.timedelta(days=30)
    response = token_client(raw).get(PROJECTS)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [project.pk]


def test_command_default_name_and_no_expiry(county_staff):
    out, _err = run_command("staff-duanzhou")
    token = ApiToken.objects.get(user=county_staff)
    assert token.name.startswith("cli ")
    assert token.expires_at is None
    assert token.key_hash == hash_token(out.strip())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "No user named"),
        (["staff-duanzhou", "--expires-days", "0"], "positive"),
        (["staff-duanzhou", "--expires-days", "-5"], "positive"),
        (["staff-duanzhou", "--name", ""], "blank"),
        (["staff-duanzhou", "--name", "x" * 101], "at most 100"),
    ],
)
def test_command_errors(county_staff, english, args, message):
    with pytest.raises(CommandError, match=message):
        run_command(*args)
    assert not ApiToken.objects.exists()


def test_command_refuses_a_duplicate_name(county_staff, english):
    run_command("staff-duanzhou", "--name", "ERP")
    with pytest.raises(CommandError, match="already has a token with this name"):
        run_command("staff-duanzhou", "--name", "ERP")
    assert ApiToken.objects.count() == 1


def test_command_refuses_an_inactive_user(county_staff):
    county_staff.is_active = False
    county_staff.save()
    with pytest.raises(CommandError, match="inactive"):
        run_command("staff-duanzhou")


# --- admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, city_admin):
    city_admin.is_staff = True
    city_admin.save()
    client.force_login(city_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_admin_creates_a_token_and_shows_it_once(admin_client, county_staff, english):
    url = reverse("admin:projects_apitoken_add")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, {"user": county_staff.pk, "name": "ERP", "expires_days": "90"}, follow=True
    )
    assert response.redirect_chain and response.status_code == 200
    token = ApiToken.objects.get(user=county_staff, name="ERP")
    shown = [str(m) for m in response.context["messages"] if "copy it now" in str(m)]
    assert len(shown) == 1
    (raw,) = set(re.findall(r"zq_[A-Za-z0-9_-]+", shown[0]))
    assert raw in response.content.decode()
    assert token.key_hash == hash_token(raw)
    assert token.expires_at is not None
    assert not any(raw in str(value) for row in all_token_columns() for value in row)
    assert token_client(raw).get(PROJECTS).status_code == 200
    # Shown once: the token's page (the next page after the message) has its prefix, not the token.
    page = admin_client.get(reverse("admin:projects_apitoken_change", args=[token.pk]))
    assert page.status_code == 200
    assert token.prefix in page.content.decode() and raw not in page.content.decode()


def test_admin_refuses_a_duplicate_name(admin_client, county_staff, english):
    token_create(user=county_staff, name="ERP", by=None)
    response = admin_client.post(
        reverse("admin:projects_apitoken_add"), {"user": county_staff.pk, "name": "ERP"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "already has a token with this name" in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_admin_revoke_action(admin_client, county_staff):
    token, raw = token_create(user=county_staff, name="ERP", by=None)
    other, raw_other = token_create(user=county_staff, name="统计", by=None)
    response = admin_client.post(
        reverse("admin:projects_apitoken_changelist"),
        {"action": "revoke", admin.helpers.ACTION_CHECKBOX_NAME: [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_client(raw).get(PROJECTS).status_code == 401
    assert token_client(raw_other).get(PROJECTS).status_code == 200
    listing = admin_client.get(reverse("admin:projects_apitoken_changelist"), {"state": "revoked"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [token]


def test_only_the_city_admin_manages_tokens(client, make_user, region):
    for role in (Role.COUNTY_STAFF, Role.COUNTY_LEADER, Role.CITY_LEADER):
        user = make_user(role, region=region if role != Role.CITY_LEADER else None)
        user.is_staff = True
        user.save()
        client.force_login(user)
        assert client.get(reverse("admin:projects_apitoken_changelist")).status_code == 403, role
        assert client.get(reverse("admin:projects_apitoken_add")).status_code == 403, role
