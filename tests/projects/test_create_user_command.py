"""``manage.py create_user``: the first accounts of a fresh install, with a role, a region and
optionally an API token; every mistake is a clear error, a non-zero exit and nothing written."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from projects.choices import Role
from projects.models import User
from projects.roles import user_has_role
from projects.scope import region_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def create_user(*args, stdin: str = "", **options):
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("create_user", *args, stdout=out, stderr=err, **options)
    finally:
        sys.stdin = saved
    return out.getvalue(), err.getvalue()


def test_a_county_staff_account_with_its_region_and_password(regions):
    _out, err = create_user(
        "staff_dinghu",
        "--role",
        "county_staff",
        "--region",
        "441203",
        "--password-from-stdin",
        stdin="Xijiang-2025-river\n",
    )
    user = User.objects.get(username="staff_dinghu")
    assert user_has_role(user, Role.COUNTY_STAFF) and not user_has_role(user, Role.CITY_ADMIN)
    assert user.region.code == "441203" and user.is_active
    assert user.check_password("Xijiang-2025-river")
    assert region_ids(user) == [regions["441203"].pk]
    assert "staff_dinghu" in err
    assert user.history.get().history_change_reason == "created"


def test_a_city_admin_with_a_token_that_the_api_takes(regions):
    out, _err = create_user(
        "admin", "--role", "city_admin", "--email", "admin@zhaoqing.example", "--token", "erp"
    )
    token = out.strip()
    user = User.objects.get(username="admin")
    assert (user.region, user.email, user.has_usable_password()) == (None, "admin@zhaoqing.example", False)
    assert user.api_tokens.get().name == "erp"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/regions/").status_code == 200


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "mayor"], "Unknown role 'mayor'"),
        (["--role", "county_staff", "--region", "999999"], "No region with the code '999999'"),
        (["--role", "county_leader"], "region: The role “County leader” works in one region"),
        (
            ["--role", "city_leader", "--region", "441202"],
            "region: The role “City leader” works for the whole city",
        ),
        (["--role", "county_staff", "--region", "441202", "--password-from-stdin"], "empty password"),
    ],
    ids=[
        "unknown-role",
        "unknown-region",
        "county-role-without-region",
        "city-role-with-region",
        "no-password",
    ],
)
def test_mistakes_are_clear_errors_and_create_nothing(regions, args, message):
    with pytest.raises(CommandError) as error:
        create_user("someone", *args)
    assert message in str(error.value)
    assert not User.objects.filter(username="someone").exists()


def test_a_weak_password_or_a_taken_name_creates_nothing(regions, county_staff):
    with pytest.raises(CommandError) as error:
        create_user(
            "new", "--role", "county_staff", "--region", "441202", "--password-from-stdin", stdin="123\n"
        )
    assert "password:" in str(error.value)
    with pytest.raises(CommandError) as error:
        create_user(
            county_staff.username.upper(), "--role", "county_staff", "--region", "441202", "--token", "t"
        )
    assert "username: A user with this username already exists." in str(error.value)
    assert User.objects.filter(username__iexact="new").count() == 0
    assert not county_staff.api_tokens.exists()


def test_the_command_exits_non_zero_on_a_mistake():
    """As a script sees it: the exit status and the message on stderr (the role is checked before
    the database is read, so the process needs none)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "create_user", "someone", "--role", "mayor"],
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Unknown role 'mayor'" in result.stderr
