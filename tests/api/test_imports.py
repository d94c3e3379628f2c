"""/api/v1/imports/: upload → preview → confirm, as a downstream system uses it."""

import datetime

import pytest
from django.core.cache import cache

from projects.choices import Role, Stage
from projects.imports.models import LedgerImport
from projects.models import InvestmentReport, Project
from tests.fixtures.api_projects import client_for
from tests.fixtures.ledgers import ledger_row, messy_ledger, upload

pytestmark = pytest.mark.usefixtures("english", "fresh_cache")
IMPORTS = "/api/v1/imports/"
CREDIT = "91350100M000100Y43"


@pytest.fixture
def fresh_cache():
    cache.clear()


def ledger(*rows):
    return upload("台账.xlsx", messy_ledger(list(rows)))


def good_row(name="年产5万吨铝型材项目", **kwargs):
    values = dict(
        number=1,
        name=name,
        enterprise="肇庆某铝业有限公司",
        credit=CREDIT,
        region="端州区",
        industry="新材料",
        investment=12000,
        signed="2024-03-05",
        land="2024/6/1",
        started="2024年9月",
        stage="已开工",
    )
    values.update(kwargs)
    return ledger_row(**values)


def post(client, file, kind="projects", **extra):
    return client.post(IMPORTS, {"file": file, "kind": kind, **extra}, format="multipart")


@pytest.mark.django_db
def test_upload_previews_and_confirm_writes_through_the_lifecycle(county_staff, industry):
    api = client_for(county_staff)
    answer = post(api, ledger(good_row()))
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "ready"
    assert body["counts"]["new"] == 1 and body["counts"]["skipped"] == 1  # the 合计 row
    assert body["errors"] == []
    assert not Project.objects.exists()  # a preview writes nothing

    confirmed = api.post(f"{IMPORTS}{body['id']}/confirm/", HTTP_IF_MATCH=answer["ETag"])
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "committed"
    project = Project.objects.get()
    assert project.stage == Stage.STARTED
    assert project.planned_investment == 120_000_000  # 12,000 万元
    assert list(project.transitions.values_list("to_stage", flat=True).order_by("id")) == [
        Stage.SIGNED,
        Stage.LAND_SUPPLIED,
        Stage.STARTED,
    ]
    assert project.history.first().history_change_reason == f"import #{body['id']}"
    assert project.history.first().history_user == county_staff

    again = post(api, ledger(good_row()))
    assert again.json()["counts"]["unchanged"] == 1 and again.json()["counts"]["new"] == 0


@pytest.mark.django_db
def test_an_import_with_errors_is_409_and_writes_nothing(county_staff, industry):
    api = client_for(county_staff)
    rows = [good_row(), good_row(name="第二个项目", number=2, credit="", industry="没有的行业")]
    body = post(api, ledger(*rows)).json()
    assert body["status"] == "has_errors"
    assert body["errors"] == [
        {"row": 7, "column": "所属行业", "code": "invalid", "message": "There is no industry “没有的行业”."}
    ]
    refused = api.post(f"{IMPORTS}{body['id']}/confirm/")
    assert refused.status_code == 409
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_a_row_changed_since_the_preview_refuses_the_whole_import(county_staff, industry, make_project):
    api = client_for(county_staff)
    first = post(api, ledger(good_row())).json()
    api.post(f"{IMPORTS}{first['id']}/confirm/")
    project = Project.objects.get()
    rows = [good_row(investment=15000), good_row(name="新项目", number=2, credit="", enterprise="新企业")]
    preview = post(api, ledger(*rows)).json()
    assert preview["counts"]["update"] == 1 and preview["counts"]["new"] == 1
    # A colleague edits the project between the preview and the confirmation.
    from projects import services

    services.project_update(project=project, by=county_staff, name="改过的名字")
    refused = api.post(f"{IMPORTS}{preview['id']}/confirm/")
    assert refused.status_code == 409
    assert Project.objects.count() == 1  # the new row was not kept either
    assert Project.objects.get().planned_investment == 120_000_000
    errors = api.get(f"{IMPORTS}{preview['id']}/").json()["errors"]
    assert [(e["row"], e["code"]) for e in errors] == [(6, "stale")]


@pytest.mark.django_db
def test_a_row_for_another_region_is_an_error_on_its_row(county_staff, industry):
    body = post(client_for(county_staff), ledger(good_row(region="鼎湖区"))).json()
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [(6, "所属地区", "outside_scope")]


@pytest.mark.django_db
def test_a_leader_may_not_import_and_others_do_not_see_an_import(
    county_staff, county_leader, make_user, other_region, industry
):
    body = post(client_for(county_staff), ledger(good_row())).json()
    assert post(client_for(county_leader), ledger(good_row())).status_code == 403
    stranger = client_for(make_user(Role.COUNTY_STAFF, region=other_region))
    assert stranger.get(f"{IMPORTS}{body['id']}/").status_code == 404
    assert stranger.post(f"{IMPORTS}{body['id']}/confirm/").status_code == 404
    assert stranger.get(IMPORTS).json()["results"] == []
    assert client_for(county_leader).get(f"{IMPORTS}{body['id']}/").status_code == 200


@pytest.mark.django_db
def test_a_file_that_is_not_a_spreadsheet_is_400_and_kept_as_failed(county_staff):
    answer = post(client_for(county_staff), upload("台账.xlsx", b"\x89PNG\r\n\x1a\n not a ledger"))
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["file"]
    assert LedgerImport.objects.get().status == "failed"


@pytest.mark.django_db
def test_remap_previews_again_and_is_remembered(county_staff, industry):
    api = client_for(county_staff)
    # A ledger whose name column says "工程" (no alias): the name is missing.
    top = ["项目编号", "工程", "投资主体", "所属行业", "计划总投资", "签约时间"]
    content = messy_ledger(
        [["", "铝型材项目", "某企业", "新材料", 100, "2024-01-02"]],
        top=top,
        bottom=[""] * 6,
        total=False,
        unit_line="",
    )
    first = post(api, upload("a.xlsx", content))
    assert first.status_code == 400
    assert "Project name" in first.json()["fields"]["file"][0]
    failed = LedgerImport.objects.get()
    remapped = api.post(
        f"{IMPORTS}{failed.pk}/remap/", {"mapping": {**failed.mapping, "1": "name"}}, format="json"
    )
    assert remapped.status_code == 200, remapped.json()
    assert remapped.json()["status"] == "ready"
    # The bureau's next file with the same header is matched without help.
    assert post(api, upload("b.xlsx", content)).json()["status"] == "ready"


@pytest.mark.django_db
def test_a_monthly_report_with_year_to_date_figures(county_staff, make_project):
    project = make_project(signed_on=datetime.date(2025, 12, 1), code="P-1")
    api = client_for(county_staff)
    top = ["项目编号", "项目名称", "1-2月累计完成投资"]
    content = messy_ledger([["P-1", project.name, 300]], top=top, bottom=[""] * 3, total=False)
    month_one = InvestmentReport.objects.create(
        project=project, month=datetime.date(2026, 1, 1), amount=1_000_000
    )
    body = post(api, upload("月报.xlsx", content), kind="investment", year=2026).json()
    assert body["status"] == "ready", body
    api.post(f"{IMPORTS}{body['id']}/confirm/")
    february = InvestmentReport.objects.get(project=project, month=datetime.date(2026, 2, 1))
    assert february.amount == 3_000_000 - month_one.amount  # 300 万元 to date, 100 万元 in January
