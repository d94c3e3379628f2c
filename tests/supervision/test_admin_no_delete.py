"""Nobody deletes an audited record in the admin, a superuser included (issue 11, defect 4).

DESIGN: "Even a superuser deletes no audited record: records are cancelled, withdrawn or corrected,
with a reason." A superuser bypasses group permissions, so each model admin refuses deletion
itself (NoDeleteMixin / ReadOnlyMixin): the delete view answers 403 and "delete selected" is not
offered. Only reference data that nothing audited can lose by its deletion stays deletable.
"""

from django.contrib import admin
from django.db import models
from django.urls import reverse

from projects.models import Industry, Park, Region
from supervision import services
from supervision.milestones import milestone_save
from supervision.models import Milestone, MilestoneTemplate, ServiceLog, ServiceTeam, SupervisionVisit
from tests.fixtures.supervision_admin import login

# Reference data DESIGN lets the city admin delete (projects/roles.py DELETABLE) and whose deletion
# cannot orphan or unlink an audited record: every foreign key to them is PROTECT.
DELETABLE = {Region, Park, Industry, MilestoneTemplate}


def delete_url(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[pk])


def audited_models():
    """Every registered model with a history (simple_history), but the deletable reference data.
    The others are not records of the work: auth groups, axes' logs, celery beat's schedules."""
    audited = [model for model in admin.site._registry if hasattr(model, "history")]
    assert {m.__name__ for m in audited} >= {"Project", "Milestone", "ServiceTeam", "ServiceLog", "User"}
    return [model for model in audited if model not in DELETABLE]


def test_every_other_model_admin_refuses_deletion_to_a_superuser(rf, superuser):
    request = rf.get("/")
    request.user = superuser
    for model in audited_models():
        model_admin = admin.site._registry[model]
        assert not model_admin.has_delete_permission(request), model
        assert "delete_selected" not in model_admin.get_actions(request), model


def test_the_delete_view_of_every_other_model_is_403(superuser):
    client = login(superuser)
    for model in audited_models():
        assert client.get(delete_url(model, 1)).status_code == 403, model
        assert client.post(delete_url(model, 1), {"post": "yes"}).status_code == 403, model


def test_deletable_reference_data_is_only_ever_protected():
    """Deleting reference data cannot unlink an audited record: the database refuses instead."""
    for model in DELETABLE:
        for relation in model._meta.related_objects:
            related = relation.related_model
            if related.__name__ == "InvestmentRollup" or related.__name__.startswith("Historical"):
                continue  # derived figures rebuilt from the reports; history rows keep a plain id
            assert relation.on_delete is models.PROTECT, (model, relation)


def test_a_superuser_deletes_no_milestone_team_log_or_visit(
    superuser, project, officer, county_staff, make_problem, today
):
    milestone = milestone_save(project=project, title="完成供地", due_on=today, by=county_staff)
    team = services.service_team_save(project=project, by=county_staff, plan="服务方案")
    log = services.service_log_record(
        project=project, on=today, kind="other", description="协调用电", by=county_staff
    )
    visit = services.visit_record(
        on=today, region=project.region, leader=officer, by=county_staff, projects=[project]
    )
    problem = make_problem()
    problem.visit = visit
    problem.save(update_fields=["visit"])
    client = login(superuser)
    records = [milestone, team, log, visit]
    for record in records:
        model = type(record)
        assert client.get(delete_url(model, record.pk)).status_code == 403, model
        assert client.post(delete_url(model, record.pk), {"post": "yes"}).status_code == 403, model
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.post(
            changelist, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
        )
        assert response.status_code in (200, 302), model
        assert model.objects.filter(pk=record.pk).exists(), model
    for model in (Milestone, ServiceTeam, ServiceLog, SupervisionVisit):
        assert model.objects.count() == 1, model
    problem.refresh_from_db()
    assert problem.visit_id == visit.pk
