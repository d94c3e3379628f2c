"""The projects admin's actions go through the lifecycle and the services only."""

from projects import lifecycle, services
from projects.choices import Stage, Status
from projects.models import Project
from tests.fixtures.projects_admin import DAY, messages_of, post_action, url

# --- actions: lifecycle and services only ---------------------------------------------------


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
