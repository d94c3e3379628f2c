"""The projects admin's add and change forms and inlines: writes go through the services,
refusals come back as form errors or messages."""

from decimal import Decimal

from projects import services
from projects.choices import Stage
from projects.models import AnnualTarget, Enterprise, InvestmentReport, Park, Project, StageTransition
from tests.fixtures.projects_admin import DAY, changeform_data, messages_of, url, valid_credit_code

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
    # Money in 万元 here as on every page, with the echo's script (the form's media).
    assert data["planned_investment"] == "30000" and "Planned investment (10k yuan)" in page.content.decode()
    assert "/static/js/money.js" in page.content.decode()
    # 10 亿元, typed in 万元.
    data.update(name="改名后的项目", planned_investment="100000", stage="above_scale")
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
    data["investment_reports-0-amount"] = "250"  # 万元
    data["investment_reports-0-note"] = "设备款"
    response = su_client.post(url(Project, "change", project.pk), data)
    assert response.status_code == 302, response.context["errors"]
    report = InvestmentReport.objects.get(project=project)
    assert (report.month, report.amount) == (today.replace(day=1), Decimal("2500000"))
    assert report.reported_by == superuser
    assert report.history.first().history_user == superuser

    # A correction of the same month changes that report.
    data = changeform_data(su_client.get(url(Project, "change", project.pk)))
    assert data["investment_reports-0-amount"] == "250"  # shown in 万元 as it was typed
    data["investment_reports-0-amount"] = "3,000,000元"
    assert su_client.post(url(Project, "change", project.pk), data).status_code == 302
    report.refresh_from_db()
    assert (report.amount, report.version) == (Decimal("3000000"), 2)


def test_a_refused_inline_report_is_shown_on_its_row_and_nothing_is_saved(su_client, project, today):
    data = changeform_data(su_client.get(url(Project, "change", project.pk)))
    next_month = (today.replace(day=1) + 32 * DAY).replace(day=1)
    data.update({"name": "同时改名", "investment_reports-0-month": next_month.isoformat(),
                 "investment_reports-0-amount": "0.01"})  # fmt: skip
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
    data = {"project": project.pk, "month": today.isoformat(), "amount": "80", "note": ""}  # 万元
    assert su_client.post(url(InvestmentReport, "add"), data).status_code == 302
    report = InvestmentReport.objects.get()
    assert report.month == today.replace(day=1) and report.reported_by == superuser

    response = su_client.post(url(InvestmentReport, "add"), data)
    assert response.status_code == 200  # one report per month: the add form does not overwrite
    assert "already has a report for this month" in str(response.context["adminform"].form.errors)

    data = changeform_data(su_client.get(url(InvestmentReport, "change", report.pk)))
    assert report.amount == Decimal("800000") and data["amount"] == "80"
    data["amount"] = "90"
    assert su_client.post(url(InvestmentReport, "change", report.pk), data).status_code == 302
    report.refresh_from_db()
    assert (report.amount, report.version, report.month) == (Decimal("900000"), 2, today.replace(day=1))


def test_annual_target_admin_saves_through_the_service(su_client, superuser, region):
    data = {"region": region.pk, "year": "2026", "investment": "0.1", "investment_h1": "0.2",  # 万元
            "signed": "0", "started": "0", "completed": "0", "in_production": "0"}  # fmt: skip
    response = su_client.post(url(AnnualTarget, "add"), data)
    assert response.status_code == 200  # the first half cannot exceed the year
    assert not AnnualTarget.objects.exists()

    data["investment_h1"] = "0.04"
    assert su_client.post(url(AnnualTarget, "add"), data).status_code == 302
    target = AnnualTarget.objects.get()
    assert target.history.first().history_user == superuser

    data = changeform_data(su_client.get(url(AnnualTarget, "change", target.pk)))
    data["investment"] = "0.5亿"
    assert su_client.post(url(AnnualTarget, "change", target.pk), data).status_code == 302
    target.refresh_from_db()
    assert (target.investment, target.investment_h1, target.version) == (
        Decimal("50000000"),
        Decimal("400"),
        2,
    )
