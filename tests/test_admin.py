"""The projects admin: every page renders, writes go through services and lifecycle,
refusals come back as form errors or messages, county users see only their region."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import lifecycle, services
from projects.admin.base import wan_yuan
from projects.choices import Stage, Status
from projects.models import (
    AnnualTarget,
    Enterprise,
    InvestmentReport,
    Park,
    Project,
    StageTransition,
)
from projects.tokens import token_create
from projects.validators import credit_code_check_char

DAY = datetime.timedelta(days=1)


def url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def valid_credit_code(first17="91441200MA4W12345"):
    return first17 + credit_code_check_char(first17)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def changeform_data(response):
    """The POST a browser would send back for a rendered admin change form, unchanged."""
    data = {}

    def add(form):
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


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
def staff_client(client_en, county_staff):
    county_staff.is_staff = True
    county_staff.save()
    client_en.force_login(county_staff)
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


# --- actions: lifecycle and services only ---------------------------------------------------


def post_action(client, action, projects, **data):
    payload = {"action": action, "_selected_action": [p.pk for p in projects], **data}
    return client.post(url(Project, "changelist"), payload)


def test_advance_action_asks_for_a_date_then_advances_through_lifecycle(
    su_client, make_project, superuser, today
):
    first, second = make_project(), make_project(name="第二个项目")
    response = post_action(su_client, "advance_stage", [first, second], index="0")
    assert response.status_code == 200
    assert "admin/projects/project/action_confirmation.html" in [t.name for t in response.templates]
    assert response.context["form"]["on"].value() == today

    response = post_action(
        su_client, "advance_stage", [first, second], apply="yes", on=today.isoformat(), note="土地挂牌成交"
    )
    assert response.status_code == 302
    for p in (first, second):
        p.refresh_from_db()
        assert p.stage == Stage.LAND_SUPPLIED
        assert p.land_supplied_on == today
        last = p.transitions.last()
        assert (last.from_stage, last.to_stage, last.note, last.by) == (
            Stage.SIGNED, Stage.LAND_SUPPLIED, "土地挂牌成交", superuser,
        )  # fmt: skip
    response = su_client.get(response.url)
    assert "Advanced 2 projects to their next stage." in messages_of(response)


def test_advance_action_with_a_future_date_changes_nothing_and_says_why(su_client, project, today):
    response = post_action(
        su_client, "advance_stage", [project], apply="yes", on=(today + DAY).isoformat(), note=""
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED and project.land_supplied_on is None
    assert project.transitions.count() == 1
    shown = messages_of(su_client.get(response.url))
    assert any("The date cannot be in the future." in m and project.code in m for m in shown)
    assert not any(m.startswith("Advanced") for m in shown)


def test_advance_action_reports_each_failure_and_each_success(su_client, make_project, today):
    ok, cancelled = make_project(), make_project(name="已清退项目")
    services.project_cancel(project=cancelled, reason="企业撤资", by=None)
    response = post_action(su_client, "advance_stage", [ok, cancelled], apply="yes", on=today.isoformat())
    shown = messages_of(su_client.get(response.url))
    assert "Advanced 1 project to its next stage." in shown
    assert any(cancelled.code in m and "cancelled project cannot advance" in m for m in shown)
    ok.refresh_from_db(), cancelled.refresh_from_db()
    assert (ok.stage, cancelled.stage) == (Stage.LAND_SUPPLIED, Stage.SIGNED)


def test_revert_action_needs_a_reason(su_client, project, today):
    project = lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today)
    response = post_action(su_client, "revert_stage", [project], apply="yes", reason="   ")
    assert response.status_code == 200  # the confirmation page again, with the error
    assert response.context["form"].errors["reason"]
    project.refresh_from_db()
    assert project.stage == Stage.LAND_SUPPLIED

    response = post_action(su_client, "revert_stage", [project], apply="yes", reason="供地合同撤销")
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED and project.land_supplied_on is None
    assert project.transitions.last().note == "供地合同撤销"


def test_revert_action_at_the_first_stage_reports_the_lifecycle_message(su_client, project):
    response = post_action(su_client, "revert_stage", [project], apply="yes", reason="误操作")
    shown = messages_of(su_client.get(response.url))
    assert any("nothing to revert" in m for m in shown)


def test_cancel_and_reactivate_actions(su_client, project, superuser):
    assert post_action(su_client, "cancel_project", [project], apply="yes", reason="").status_code == 200
    project.refresh_from_db()
    assert project.status == Status.ACTIVE

    post_action(su_client, "cancel_project", [project], apply="yes", reason="企业撤资")
    project.refresh_from_db()
    assert project.status == Status.CANCELLED
    assert project.history.first().history_change_reason == "企业撤资"
    assert project.history.first().history_user == superuser

    post_action(su_client, "reactivate_project", [project], apply="yes", reason="企业恢复投资")
    project.refresh_from_db()
    assert project.status == Status.ACTIVE


def test_view_only_users_get_no_actions(client_en, make_user, project, region):
    from projects.choices import Role

    leader = make_user(Role.COUNTY_LEADER, region=region)
    leader.is_staff = True
    leader.save()
    client_en.force_login(leader)
    response = client_en.get(url(Project, "changelist"))
    assert response.status_code == 200
    assert "advance_stage" not in response.content.decode()
    post_action(client_en, "advance_stage", [project], apply="yes", on=project.signed_on.isoformat())
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED


# --- add and change forms go through services -----------------------------------------------


def project_add_data(region, industry, enterprise, signed_on, **overrides):
    data = {
        "code": "",
        "name": "年产5万吨铝型材项目",
        "enterprise": enterprise.pk,
        "region": region.pk,
        "industry": industry.pk,
        "is_manufacturing": "on",
        "planned_investment": "1200000000.00",
        "signed_on": signed_on.isoformat(),
    }
    data.update(overrides)
    return data


def test_adding_a_project_creates_its_signed_transition_and_history(
    su_client, superuser, region, industry, enterprise, today
):
    response = su_client.post(url(Project, "add"), project_add_data(region, industry, enterprise, today))
    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(name="年产5万吨铝型材项目")
    assert project.code == f"{region.code}-{today.year}-0001"
    assert project.is_major
    (transition,) = project.transitions.all()
    assert (transition.from_stage, transition.to_stage, transition.on, transition.by) == (
        "", Stage.SIGNED, today, superuser,
    )  # fmt: skip
    (history,) = project.history.all()
    assert history.history_type == "+" and history.history_user == superuser
    assert response.url == url(Project, "changelist")


def test_a_refused_add_shows_the_service_error_on_the_form(su_client, region, industry, enterprise, today):
    data = project_add_data(region, industry, enterprise, today + DAY)
    response = su_client.post(url(Project, "add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["signed_on"] == ["The signing date cannot be in the future."]
    assert "The signing date cannot be in the future." in response.content.decode()
    assert not Project.objects.exists() and not StageTransition.objects.exists()


def test_a_park_of_another_region_is_refused(su_client, region, other_region, industry, enterprise, today):
    park = Park.objects.create(name="鼎湖园", region=other_region)
    data = project_add_data(region, industry, enterprise, today, park=park.pk)
    response = su_client.post(url(Project, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["park"] == ["The park is not in the project's region."]
    assert not Project.objects.exists()


def test_changing_a_project_goes_through_project_update(su_client, superuser, project, today):
    page = su_client.get(url(Project, "change", project.pk))
    data = changeform_data(page)
    assert "stage" not in data and "signed_on" not in data
    data.update(name="改名后的项目", planned_investment="1000000000.00", stage="above_scale")
    response = su_client.post(url(Project, "change", project.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    project.refresh_from_db()
    assert (project.name, project.is_major, project.version) == ("改名后的项目", True, 2)
    assert project.stage == Stage.SIGNED  # not editable here, whatever is posted
    latest = project.history.first()
    assert (latest.history_type, latest.history_user) == ("~", superuser)
    assert latest.history_change_reason == "edited"


def test_saving_over_a_newer_change_is_refused(su_client, project):
    page = su_client.get(url(Project, "change", project.pk))
    services.project_update(project=project, by=None, name="别人先改了")
    data = changeform_data(page)
    data["name"] = "我的修改"
    response = su_client.post(url(Project, "change", project.pk), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert "Someone else changed this record while you were working on it." in str(errors)
    project.refresh_from_db()
    assert project.name == "别人先改了"


def test_inline_investment_report_is_saved_through_the_service(su_client, superuser, project, today):
    data = changeform_data(su_client.get(url(Project, "change", project.pk)))
    data["investment_reports-0-month"] = today.replace(day=15).isoformat()
    data["investment_reports-0-amount"] = "2500000.00"
    data["investment_reports-0-note"] = "设备款"
    response = su_client.post(url(Project, "change", project.pk), data)
    assert response.status_code == 302, response.context["errors"]
    report = InvestmentReport.objects.get(project=project)
    assert (report.month, report.amount) == (today.replace(day=1), Decimal("2500000"))
    assert report.reported_by == superuser
    assert report.history.first().history_user == superuser

    # A correction of the same month changes that report.
    data = changeform_data(su_client.get(url(Project, "change", project.pk)))
    data["investment_reports-0-amount"] = "3000000.00"
    assert su_client.post(url(Project, "change", project.pk), data).status_code == 302
    report.refresh_from_db()
    assert (report.amount, report.version) == (Decimal("3000000"), 2)


def test_a_refused_inline_report_is_shown_on_its_row_and_nothing_is_saved(su_client, project, today):
    data = changeform_data(su_client.get(url(Project, "change", project.pk)))
    next_month = (today.replace(day=1) + 32 * DAY).replace(day=1)
    data.update({"name": "同时改名", "investment_reports-0-month": next_month.isoformat(),
                 "investment_reports-0-amount": "100.00"})  # fmt: skip
    response = su_client.post(url(Project, "change", project.pk), data)
    assert response.status_code == 200
    (inline,) = [i for i in response.context["inline_admin_formsets"] if i.formset.model is InvestmentReport]
    assert inline.formset.forms[0].errors["month"] == ["Investment cannot be reported for a future month."]
    project.refresh_from_db()
    assert project.name != "同时改名" and project.version == 1  # the whole save was rolled back
    assert not InvestmentReport.objects.exists()


def test_a_stale_page_cannot_undo_a_report_corrected_meanwhile(su_client, project, today):
    report = services.investment_report(project=project, month=today, amount=Decimal("100"), by=None)
    page = su_client.get(url(Project, "change", project.pk))
    services.investment_report(project=project, month=today, amount=Decimal("200"), by=None, version=1)
    # Posted back as it was loaded, the row would put 100 back over the correction.
    data = changeform_data(page)
    data["name"] = "只改名称"
    response = su_client.post(url(Project, "change", project.pk), data)
    assert response.status_code == 200
    (inline,) = [i for i in response.context["inline_admin_formsets"] if i.formset.model is InvestmentReport]
    refusal = str(inline.formset.forms[0].non_field_errors())
    assert "Someone else changed this record while you were working on it." in refusal
    report.refresh_from_db()
    project.refresh_from_db()
    assert (report.amount, report.version, project.name) == (Decimal("200"), 2, "年产10万吨新材料项目")

    # Reloaded, the same edit goes through and leaves the report alone.
    data = changeform_data(su_client.get(url(Project, "change", project.pk)))
    data["name"] = "只改名称"
    assert su_client.post(url(Project, "change", project.pk), data).status_code == 302
    report.refresh_from_db()
    project.refresh_from_db()
    assert (report.amount, report.version, project.name) == (Decimal("200"), 2, "只改名称")


def test_a_user_is_added_with_a_region(su_client, region):
    from projects.models import User

    data = {"username": "staff2", "password1": "x-Pass-98765", "password2": "x-Pass-98765",
            "usable_password": "true", "region": region.pk, "phone": "13800000000"}  # fmt: skip
    response = su_client.post(url(User, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="staff2")
    assert (user.region, user.phone) == (region, "13800000000")


def test_a_refusal_that_no_form_can_show_becomes_a_message_not_a_500(su_client, project, monkeypatch):
    from django.core.exceptions import ValidationError

    from projects.admin.records import ProjectAdmin
    from zhaoqing_tracker.admin import ServiceRefused

    def refuse(self, request, obj, form, change):
        raise ServiceRefused(ValidationError("refused for a test"), prefix="nowhere")

    monkeypatch.setattr(ProjectAdmin, "save_model", refuse)
    data = changeform_data(su_client.get(url(Project, "change", project.pk)))
    response = su_client.post(url(Project, "change", project.pk), data)
    assert response.status_code == 302
    assert "refused for a test" in messages_of(su_client.get(response.url))


def test_a_bad_credit_code_shows_an_error_instead_of_saving(su_client, superuser):
    response = su_client.post(url(Enterprise, "add"), {"name": "某公司", "credit_code": "91441200MA4W123450"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["credit_code"]
    assert not Enterprise.objects.filter(name="某公司").exists()

    code = valid_credit_code()
    response = su_client.post(url(Enterprise, "add"), {"name": "某公司", "credit_code": f" {code.lower()} "})
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(name="某公司")
    assert enterprise.credit_code == code
    assert enterprise.history.first().history_user == superuser


def test_investment_report_admin_saves_through_the_service(su_client, superuser, project, today):
    data = {"project": project.pk, "month": today.isoformat(), "amount": "800000", "note": ""}
    assert su_client.post(url(InvestmentReport, "add"), data).status_code == 302
    report = InvestmentReport.objects.get()
    assert report.month == today.replace(day=1) and report.reported_by == superuser

    response = su_client.post(url(InvestmentReport, "add"), data)
    assert response.status_code == 200  # one report per month: the add form does not overwrite
    assert "already has a report for this month" in str(response.context["adminform"].form.errors)

    data = changeform_data(su_client.get(url(InvestmentReport, "change", report.pk)))
    data["amount"] = "900000"
    assert su_client.post(url(InvestmentReport, "change", report.pk), data).status_code == 302
    report.refresh_from_db()
    assert (report.amount, report.version, report.month) == (Decimal("900000"), 2, today.replace(day=1))


def test_annual_target_admin_saves_through_the_service(su_client, superuser, region):
    data = {"region": region.pk, "year": "2026", "investment": "1000", "investment_h1": "2000",
            "signed": "0", "started": "0", "completed": "0", "in_production": "0"}  # fmt: skip
    response = su_client.post(url(AnnualTarget, "add"), data)
    assert response.status_code == 200  # the first half cannot exceed the year
    assert not AnnualTarget.objects.exists()

    data["investment_h1"] = "400"
    assert su_client.post(url(AnnualTarget, "add"), data).status_code == 302
    target = AnnualTarget.objects.get()
    assert target.history.first().history_user == superuser

    data = changeform_data(su_client.get(url(AnnualTarget, "change", target.pk)))
    data["investment"] = "5000"
    assert su_client.post(url(AnnualTarget, "change", target.pk), data).status_code == 302
    target.refresh_from_db()
    assert (target.investment, target.version) == (Decimal("5000"), 2)


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
