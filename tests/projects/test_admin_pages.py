"""The projects admin: every page renders, county users see their own region, constant query count."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import lifecycle, services
from projects.admin.base import wan_yuan
from projects.choices import Stage
from projects.models import InvestmentReport, Project, StageTransition
from tests.fixtures.projects_admin import post_action, url


@pytest.fixture
def staff_client(client_en, county_staff):
    county_staff.is_staff = True
    county_staff.save()
    client_en.force_login(county_staff)
    return client_en


# --- every page renders -------------------------------------------------------------------


def test_every_projects_model_is_registered_with_history():
    from simple_history.admin import SimpleHistoryAdmin

    registered = {m.__name__ for m, a in admin.site._registry.items() if m._meta.app_label == "projects"}
    assert registered == {
        "Region", "Park", "Industry", "Enterprise", "Project",
        "StageTransition", "InvestmentReport", "AnnualTarget", "User", "ApiToken",
    }  # fmt: skip
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label == "projects":
            assert isinstance(model_admin, SimpleHistoryAdmin), model


def test_every_changelist_and_form_renders(su_client, one_of_each, rf, superuser):
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "projects":
            continue
        obj = one_of_each[model.__name__]
        assert su_client.get(url(model, "changelist")).status_code == 200, model
        request = rf.get("/")
        request.user = superuser
        expected_add = 200 if model_admin.has_add_permission(request) else 403
        assert su_client.get(url(model, "add")).status_code == expected_add, model
        assert su_client.get(url(model, "change", obj.pk)).status_code == 200, model
        assert su_client.get(url(model, "history", obj.pk)).status_code == 200, model
        version = obj.history.first()
        assert su_client.get(url(model, "simple_history", obj.pk, version.history_id)).status_code == 200
        assert su_client.get(url(model, "changelist"), {"q": "x"}).status_code == 200, model


def test_stage_transitions_are_read_only_in_the_admin(su_client, project):
    transition = project.transitions.get()
    assert su_client.get(url(StageTransition, "add")).status_code == 403
    response = su_client.post(url(StageTransition, "change", transition.pk), {"note": "edited"})
    assert response.status_code == 403
    assert su_client.post(url(StageTransition, "delete", transition.pk), {"post": "yes"}).status_code == 403
    transition.refresh_from_db()
    assert transition.note == ""


def test_history_page_shows_stage_and_status_changes(su_client, project, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today)
    services.project_cancel(project=project, reason="企业撤资", by=None)
    response = su_client.get(url(Project, "history", project.pk))
    records = response.context["page_obj"]
    changes = [c for record in records for c in getattr(record, "history_delta_changes", [])]
    shown = {(str(c["field"]), str(c["old"]), str(c["new"])) for c in changes}
    assert ("Stage", "Signed", "Land supplied") in shown
    assert ("Land supplied on", "None", str(today)) in shown
    assert ("Status", "Active", "Cancelled") in shown
    assert not any(field == "Version" for field, _, _ in shown)


def test_history_cannot_be_reverted_from_the_admin(su_client, project):
    version = project.history.first()
    response = su_client.post(url(Project, "simple_history", project.pk, version.history_id), {"name": "x"})
    assert response.status_code == 403


def test_planned_investment_is_shown_in_wan_yuan(su_client, make_project):
    make_project(planned_investment=Decimal("1234567890.00"))
    response = su_client.get(url(Project, "changelist"))
    assert "123,456.79" in response.content.decode()
    assert wan_yuan(Decimal("5")) == "0.00"
    assert wan_yuan(Decimal("50")) == "0.01"


# --- county users see their own region --------------------------------------------------------


def test_county_staff_see_only_their_region(staff_client, make_project, region, other_region):
    own = make_project()
    other = make_project(region=other_region, name="鼎湖项目")
    response = staff_client.get(url(Project, "changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [own]

    response = staff_client.get(url(Project, "change", other.pk))
    assert response.status_code in (302, 404)
    assert response.status_code == 404 or response.url == reverse("admin:index")
    assert staff_client.get(url(Project, "history", other.pk)).status_code == 404
    report = services.investment_report(project=other, month=other.signed_on, amount=Decimal("1"), by=None)
    assert staff_client.get(url(InvestmentReport, "change", report.pk)).status_code in (302, 404)
    assert staff_client.get(url(StageTransition, "history", other.transitions.get().pk)).status_code == 404

    post_action(staff_client, "advance_stage", [other], apply="yes", on=other.signed_on.isoformat())
    other.refresh_from_db()
    assert other.stage == Stage.SIGNED


def test_county_staff_choose_only_their_region(staff_client, region, other_region):
    response = staff_client.get(url(Project, "add"))
    assert response.status_code == 200
    choices = response.context["adminform"].form.fields["region"].queryset
    assert region in choices and other_region not in choices


# --- constant query count ----------------------------------------------------------------------


def test_project_changelist_query_count_does_not_grow_with_rows(su_client, make_project):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert su_client.get(url(Project, "changelist")).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        make_project(name=f"项目{i}")
    with_3 = count_queries()
    for i in range(3, 30):
        make_project(name=f"项目{i}")
    assert Project.objects.count() == 30
    assert count_queries() == with_3
