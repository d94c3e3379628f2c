"""Project pages: who may open what; signing in and out; the language switch."""

import pytest

from projects.choices import Role, Stage
from projects.models import InvestmentReport
from tests.fixtures.projects_views import READ_PAGES, page_urls, text

pytestmark = pytest.mark.django_db

# --- who may open what ------------------------------------------------------------------------


def test_every_page_sends_an_anonymous_visitor_to_sign_in(client, project):
    for name, url in page_urls(project.pk).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/?next="), name


@pytest.mark.parametrize(
    ("role", "in_region", "writes"),
    [
        (Role.COUNTY_STAFF, True, True),
        (Role.COUNTY_LEADER, True, False),
        (Role.CITY_LEADER, False, False),
        (Role.CITY_ADMIN, False, True),
    ],
)
def test_pages_per_role(client, make_user, region, project, role, in_region, writes):
    user = make_user(role, region=region if in_region else None)
    client.force_login(user)
    for name, url in page_urls(project.pk).items():
        expected = 200 if name in READ_PAGES or writes else 403
        assert client.get(url).status_code == expected, (role, name)


def test_leaders_see_no_edit_controls_and_staff_do(en, project, county_leader, city_leader, county_staff):
    edit_link = f'href="/projects/{project.pk}/edit/"'
    for leader in (county_leader, city_leader):
        en.force_login(leader)
        page = text(en.get(f"/projects/{project.pk}/"))
        assert edit_link not in page
        assert f"/projects/{project.pk}/advance/" not in page
        assert f"/projects/{project.pk}/investment/" not in page
        assert 'href="/projects/new/"' not in text(en.get("/projects/"))
    en.force_login(county_staff)
    page = text(en.get(f"/projects/{project.pk}/"))
    assert edit_link in page
    assert f"/projects/{project.pk}/advance/" in page
    assert f'href="/projects/{project.pk}/problems/new/"' in page
    assert f'href="/projects/{project.pk}/service-logs/new/"' in page
    assert 'href="/projects/new/"' in text(en.get("/projects/"))


def test_leaders_posting_get_403_and_nothing_changes(client, project, county_leader, city_leader, today):
    for leader in (county_leader, city_leader):
        client.force_login(leader)
        urls = page_urls(project.pk)
        assert client.post(urls["advance"], {"stage": "land_supplied", "on": today}).status_code == 403
        assert client.post(urls["revert"], {"reason": "x"}).status_code == 403
        assert client.post(urls["edit"], {"name": "改名"}).status_code == 403
        assert client.post(urls["investment"], {"month": "2025-01", "amount": "1"}).status_code == 403
        assert client.post(urls["create"], {"name": "新项目"}).status_code == 403
    project.refresh_from_db()
    assert (project.stage, project.name, project.version) == (Stage.SIGNED, "年产10万吨新材料项目", 1)
    assert not InvestmentReport.objects.exists()


def test_county_staff_see_and_touch_only_their_region(staff_client, project, other_project, today):
    listing = text(staff_client.get("/projects/"))
    assert project.code in listing
    assert other_project.code not in listing
    for name, url in page_urls(other_project.pk).items():
        if name not in {"list", "export", "create"}:
            assert staff_client.get(url).status_code == 404, name
    response = staff_client.post(
        f"/projects/{other_project.pk}/advance/", {"stage": "land_supplied", "on": today}
    )
    assert response.status_code == 404
    other_project.refresh_from_db()
    assert other_project.stage == Stage.SIGNED


def test_a_county_leader_gets_404_not_403_outside_the_region(client, county_leader, other_project):
    client.force_login(county_leader)
    assert client.get(f"/projects/{other_project.pk}/").status_code == 404
    assert client.post(f"/projects/{other_project.pk}/revert/", {"reason": "x"}).status_code == 404


def test_city_users_see_every_region(en, city_leader, project, other_project):
    en.force_login(city_leader)
    listing = text(en.get("/projects/"))
    assert project.code in listing and other_project.code in listing


# --- sign-in, sign-out, language ----------------------------------------------------------------


def test_the_sign_in_page_signs_in_and_goes_where_asked(en, county_staff, project):
    page = en.get("/accounts/login/?next=/projects/")
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in text(page)
    response = en.post(
        "/accounts/login/",
        {"username": county_staff.username, "password": "x-Pass-1234", "next": "/projects/"},
    )
    assert response.status_code == 302 and response["Location"] == "/projects/"
    assert project.code in text(en.get("/projects/"))


def test_a_wrong_password_is_refused_on_the_page(en, county_staff):
    response = en.post("/accounts/login/", {"username": county_staff.username, "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in text(response)
    assert "_auth_user_id" not in en.session


def test_too_many_failures_show_the_lock_on_the_sign_in_page(en, county_staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        en.post("/accounts/login/", {"username": county_staff.username, "password": "wrong"})
    response = en.post("/accounts/login/", {"username": county_staff.username, "password": "x-Pass-1234"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts." in text(response)
    assert '<form method="post"' in text(response)  # still the page, with the language switch and all
    assert "_auth_user_id" not in en.session


def test_signing_out_is_a_post(staff_client):
    assert staff_client.get("/accounts/logout/").status_code == 405
    response = staff_client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert staff_client.get("/projects/").status_code == 302


def test_the_header_shows_who_is_signed_in(staff_client, county_staff):
    page = text(staff_client.get("/projects/"))
    assert county_staff.username in page
    assert "County staff" in page
    assert "Duanzhou District" in page
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert "vendor/htmx-2.0.11/htmx.min.js" in page


def test_the_language_switch_works_without_javascript(client, county_staff):
    client.force_login(county_staff)
    chinese = text(client.get("/projects/"))
    assert 'lang="zh-Hans"' in chinese and "签约" in chinese  # the default language
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/projects/"})
    assert response.status_code == 302 and response["Location"] == "/projects/"
    english = text(client.get("/projects/"))
    assert 'lang="en"' in english
    assert 'value="signed">Signed<' in english
    assert 'aria-pressed="true">English<' in english
