"""The grammar every interface shares (zhaoqing_tracker/forms.py, web.py, admin.py), seen from the
browser: an expired session under htmx, a list that pages without counting, and one stale message
that keeps what was typed on the staff pages and in the admin alike."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services
from projects.models import Project, User
from supervision import services as supervision_services
from supervision.models import Person

pytestmark = pytest.mark.django_db

STALE_TEXT = (
    "Someone else changed this record while you were working on it. The page now shows its "
    "current state and what you typed is kept: check it and send it again."
)


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def text(response) -> str:
    return response.content.decode()


def input_value(response, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', text(response))
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def test_an_expired_session_under_htmx_sends_the_browser_to_sign_in(client, project):
    response = client.get("/projects/", {"stage": "signed"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=/projects/")
    # Nothing to swap into the results: the sign-in page is not sent as a fragment.
    assert response.content == b""
    # Without htmx the browser is redirected as before.
    plain = client.get("/projects/")
    assert plain.status_code == 302 and plain["Location"].startswith("/accounts/login/?next=")


def test_the_project_list_counts_nothing_and_costs_the_same_for_3_and_60_projects(
    en, county_staff, make_project
):
    en.force_login(county_staff)

    def list_queries(**params):
        with CaptureQueriesContext(connection) as queries:
            response = en.get("/projects/", params)
        assert response.status_code == 200
        assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        return len(queries), text(response)

    for _ in range(3):
        make_project()
    three, page = list_queries()
    assert "Projects 1–3" in page and 'rel="next"' not in page
    for _ in range(57):
        make_project()
    sixty, page = list_queries()
    assert sixty == three
    assert "Projects 1–50" in page and 'rel="next"' in page
    assert list_queries(page=2)[0] == three
    # The pager keeps the filters and the sort of the page it is on.
    _count, page = list_queries(page=2, sort="code", stage="signed")
    assert "Projects 51–60" in page
    assert re.search(r'href="\?[^"]*page=1[^"]*" rel="prev"', page)
    prev_link = re.search(r'href="(\?[^"]*)" rel="prev"', page).group(1)
    assert "sort=code" in prev_link and "stage=signed" in prev_link


def test_a_stale_project_edit_on_the_staff_page_keeps_what_was_typed(en, county_staff, city_admin, project):
    en.force_login(county_staff)
    url = f"/projects/{project.pk}/edit/"
    data = {
        "name": "我的改名",
        "enterprise": project.enterprise_id,
        "region": project.region_id,
        "industry": project.industry_id,
        "is_manufacturing": "on",
        "planned_investment": "450000000.00",
        "version": project.version,
    }
    services.project_update(project=project, by=city_admin, version=project.version, name="别人先改的名字")
    response = en.post(url, data)
    assert response.status_code == 200
    assert STALE_TEXT in text(response)
    assert input_value(response, "name") == "我的改名"
    assert input_value(response, "version") == "2"
    assert Project.objects.get().name == "别人先改的名字"


def test_a_stale_service_team_on_the_staff_page_shows_the_same_message(en, county_staff, city_admin, project):
    officer = Person.objects.create(name="王专员", region=project.region)
    en.force_login(county_staff)
    url = reverse("supervision:service_team_edit", args=[project.pk])
    # Someone forms the team after this page was read (the page knew of no team: version 0).
    supervision_services.service_team_save(project=project, version=0, plan="别人的方案", by=city_admin)
    response = en.post(url, {"version": 0, "chief_officer": officer.pk, "plan": "我的方案"})
    assert response.status_code == 200
    assert STALE_TEXT in text(response)
    assert "我的方案" in text(response)
    assert input_value(response, "version") == "1"


def admin_form_data(response) -> dict:
    """What a browser would post back for a rendered admin change form, unchanged."""
    data = {}

    def add(form):
        for field in form:
            value = field.value()
            if value is not None and value is not False:
                data[field.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_a_stale_project_edit_in_the_admin_shows_the_same_message_and_keeps_what_was_typed(en, project):
    root = User.objects.create_superuser("root", "root@example.com", "x-Pass-1234")
    en.force_login(root)
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = admin_form_data(en.get(url))
    services.project_update(project=project, by=None, name="别人先改了")
    data["name"] = "我的修改"
    response = en.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.non_field_errors()) == [STALE_TEXT]
    assert input_value(response, "name") == "我的修改"
    # The hidden version is now the stored one: sending the form again is a knowing choice.
    assert input_value(response, "loaded_version") == "2"
    assert Project.objects.get().name == "别人先改了"
    again = admin_form_data(response)
    assert en.post(url, again).status_code == 302
    assert Project.objects.get().name == "我的修改"
