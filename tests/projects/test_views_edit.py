"""The staff workspace in the browser: the project page and the forms that write through the
services (access and sign-in, the list, stage moves: the other test_views_*.py). What is asserted
is what a user would see or get.

Pages are read in English (the ``en`` fixture sets the language cookie) so that the assertions
match the source strings whatever the state of the Chinese catalogue.
"""

import re
from decimal import Decimal

import pytest

from projects import lifecycle, services
from projects.choices import Stage
from projects.models import Enterprise, Project, StageTransition
from projects.templatetags.money import money, wan, yi
from supervision import services as supervision_services
from supervision.choices import ProblemCategory
from supervision.milestones import milestone_save
from tests.fixtures.projects_views import DAY, field_error, input_value, text

pytestmark = pytest.mark.django_db

# --- the project page ---------------------------------------------------------------------------


def test_the_project_page_shows_timeline_milestones_investment_problems_and_history(
    staff_client, project, county_staff, today
):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today - 10 * DAY, by=county_staff)
    lifecycle.revert(project=project, reason="供地日期录错", by=county_staff)
    services.investment_report(project=project, month=today, amount=Decimal("5000000.00"), by=county_staff)
    milestone_save(
        project=project, title="完成施工图审查", due_on=today - 3 * DAY, by=county_staff
    )
    problem = supervision_services.problem_raise(
        project=project,
        category=ProblemCategory.LAND_USE,
        description="用地指标未落实",
        by=county_staff,
        raised_on=today - DAY,
    )
    page = text(staff_client.get(f"/projects/{project.pk}/"))
    # The stage history, revert included with its reason and who.
    assert "Signed → Land supplied" in page
    assert "Land supplied → Signed" in page and "Reverted" in page and "供地日期录错" in page
    assert county_staff.username in page
    # The milestone's warning in words as well as colour.
    assert 'class="warning warning--red">Overdue<' in page
    # Investment: table, total and the chart's data.
    assert "500.00" in page
    assert 'id="investment-chart-data"' in page and '"amounts": ["500.00"]' in page
    assert "vendor/echarts-6.1.0/echarts.min.js" in page
    # Problems link to their own page.
    assert f'href="/problems/{problem.pk}/"' in page
    # Field history, with stage changes in words.
    assert "<del>Land supplied</del> → <ins>Signed</ins>" in page


def test_a_cancelled_project_offers_reactivation_not_advance(staff_client, project, county_staff):
    services.project_cancel(project=project, reason="企业撤资", by=county_staff)
    page = text(staff_client.get(f"/projects/{project.pk}/"))
    assert f"/projects/{project.pk}/reactivate/" in page
    assert f"/projects/{project.pk}/advance/" not in page
    assert "Cancelled" in page


# --- create and edit ----------------------------------------------------------------------------


def project_data(region, industry, today, **overrides):
    data = {
        "code": "",
        "name": "新能源电池项目",
        "enterprise": "",
        "new_enterprise_name": "肇庆新能源有限公司",
        "new_enterprise_credit_code": "",
        "region": region.pk,
        "park": "",
        "industry": industry.pk,
        "is_manufacturing": "on",
        "planned_investment": "5亿",
        "signed_on": today.isoformat(),
        "first_contact_on": "",
    }
    data.update(overrides)
    return data


def test_creating_a_project_with_a_new_enterprise(staff_client, region, industry, today, county_staff):
    response = staff_client.post("/projects/new/", project_data(region, industry, today))
    project = Project.objects.get(name="新能源电池项目")
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/"
    assert project.enterprise.name == "肇庆新能源有限公司"
    assert project.planned_investment == Decimal("500000000.00")
    assert project.code.startswith(f"{region.code}-{today.year}-")
    transition = StageTransition.objects.get(project=project)
    assert (transition.from_stage, transition.to_stage, transition.by) == ("", Stage.SIGNED, county_staff)
    page = text(staff_client.get(response["Location"]))
    assert 'role="status"' in page and "entered at stage" in page


def test_creating_a_project_of_an_existing_enterprise(staff_client, region, industry, today, enterprise):
    data = project_data(region, industry, today, enterprise=enterprise.pk, new_enterprise_name="")
    assert staff_client.post("/projects/new/", data).status_code == 302
    assert Project.objects.get(name="新能源电池项目").enterprise == enterprise
    assert Enterprise.objects.count() == 1


def test_a_service_error_appears_next_to_its_field_and_nothing_is_written(
    staff_client, region, industry, today
):
    data = project_data(region, industry, today, signed_on=(today + DAY).isoformat())
    response = staff_client.post("/projects/new/", data)
    assert response.status_code == 200
    assert "The signing date cannot be in the future." in field_error(response, "signed_on")
    signed_on = re.search(r'<input[^>]*name="signed_on"[^>]*>', text(response)).group(0)
    assert 'aria-invalid="true"' in signed_on and 'aria-describedby="id_signed_on_error"' in signed_on
    # What the user typed is still there; the new enterprise was rolled back with the project.
    assert input_value(response, "name") == "新能源电池项目"
    assert not Project.objects.exists()
    assert not Enterprise.objects.filter(name="肇庆新能源有限公司").exists()


def test_a_bad_credit_code_is_shown_on_the_new_enterprise_field(staff_client, region, industry, today):
    data = project_data(region, industry, today, new_enterprise_credit_code="123")
    response = staff_client.post("/projects/new/", data)
    assert response.status_code == 200
    assert field_error(response, "new_enterprise_credit_code")
    assert not Project.objects.exists()


def test_county_staff_cannot_file_a_project_in_another_region(staff_client, other_region, industry, today):
    response = staff_client.post("/projects/new/", project_data(other_region, industry, today))
    assert response.status_code == 200
    assert field_error(response, "region")
    assert not Project.objects.exists()


def test_an_enterprise_is_picked_or_typed(staff_client, region, industry, today, enterprise):
    neither = project_data(region, industry, today, new_enterprise_name="")
    assert "Pick an enterprise" in field_error(staff_client.post("/projects/new/", neither), "enterprise")
    both = project_data(region, industry, today, enterprise=enterprise.pk)
    assert "not both" in field_error(staff_client.post("/projects/new/", both), "new_enterprise_name")


def edit_data(project, **overrides):
    data = {
        "name": project.name,
        "enterprise": project.enterprise_id,
        "new_enterprise_name": "",
        "new_enterprise_credit_code": "",
        "region": project.region_id,
        "park": "",
        "industry": project.industry_id,
        "is_manufacturing": "on",
        "planned_investment": "30000",  # what the edit page shows: 万元
        "first_contact_on": "",
        "version": project.version,
    }
    data.update(overrides)
    return data


def test_editing_a_project(staff_client, project):
    response = staff_client.post(f"/projects/{project.pk}/edit/", edit_data(project, name="二期扩产项目"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.version) == ("二期扩产项目", 2)
    history = text(staff_client.get(f"/projects/{project.pk}/"))
    assert "<del>年产10万吨新材料项目</del> → <ins>二期扩产项目</ins>" in history


def test_an_unchanged_edit_writes_nothing(staff_client, project):
    assert input_value(staff_client.get(f"/projects/{project.pk}/edit/"), "planned_investment") == "30000"
    response = staff_client.post(f"/projects/{project.pk}/edit/", edit_data(project), follow=True)
    assert "Nothing was changed." in text(response)
    project.refresh_from_db()
    assert project.version == 1


def test_a_stale_edit_keeps_what_was_typed_and_changes_nothing(staff_client, project, city_admin):
    loaded = edit_data(project, name="我的改名", planned_investment="45,000")
    services.project_update(project=project, by=city_admin, version=1, name="别人先改的名字")
    response = staff_client.post(f"/projects/{project.pk}/edit/", loaded)
    assert response.status_code == 200
    page = text(response)
    assert "Someone else changed this record while you were working on it." in page
    assert input_value(response, "name") == "我的改名"
    assert input_value(response, "planned_investment") == "45,000"
    assert "别人先改的名字" in page  # the stored value, for comparison
    assert input_value(response, "version") == "2"
    project.refresh_from_db()
    assert (project.name, project.planned_investment, project.version) == (
        "别人先改的名字",
        Decimal("300000000.00"),
        2,
    )
    # Saving again, knowingly, replaces it.
    again = dict(loaded, version=input_value(response, "version"))
    assert staff_client.post(f"/projects/{project.pk}/edit/", again).status_code == 302
    project.refresh_from_db()
    assert project.name == "我的改名"


# --- money on screens ---------------------------------------------------------------------------


def test_money_filters_are_exact_decimal(english):
    assert wan(Decimal("300000000.00")) == "30,000.00"
    assert wan(Decimal("12345678.91")) == "1,234.57"
    assert wan(Decimal("0.005")) == "0.00"
    assert wan("50000") == "5.00"
    assert yi(Decimal("123456789.01")) == "1.23"
    assert wan(None) == ""
    # Past 1 亿元 the amount is read in 亿元, below it in 万元.
    assert money(Decimal("300000000")) == "3.00 hundred million yuan"
    assert money(Decimal("99999999.99")) == "10,000.00 ten thousand yuan"
    with pytest.raises(TypeError):
        wan(1.5)


def test_a_move_that_cannot_happen_says_so_instead_of_showing_a_form(staff_client, project):
    page = text(staff_client.get(f"/projects/{project.pk}/revert/"))
    assert "nothing to revert" in page
    assert 'name="reason"' not in page
    page = text(staff_client.get(f"/projects/{project.pk}/reactivate/"))
    assert "Only a cancelled project can be reactivated." in page


def test_county_staff_pick_only_enterprises_of_their_region(staff_client, project, other_project):
    loose = Enterprise.objects.create(name="尚无项目的企业")
    other_project.enterprise = Enterprise.objects.create(name="鼎湖区的投资方")
    other_project.save()
    page = text(staff_client.get("/projects/new/"))
    assert project.enterprise.name in page
    assert loose.name in page
    assert "鼎湖区的投资方" not in page
