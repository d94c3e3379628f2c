"""A fresh install takes data through the API: a database with only what the migrations write
(the city's regions, the national industry classification, the role groups) and no demo data.

The accounts come from ``manage.py create_user`` and the calls carry real tokens, as a downstream
system's would. No fixture here writes an industry, an enterprise or a project: the industry is
looked up in /api/v1/industries/ as the migration left it.
"""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from projects.choices import Stage, Status
from projects.models import Enterprise, Industry, Project, StageTransition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "fresh_throttles")]

API = "/api/v1"
CREDIT_CODE = "91441200MA4UJ8XW24"


def account(username, *options) -> APIClient:
    """An account made by the management command, and a client carrying its new API token."""
    out = io.StringIO()
    call_command("create_user", username, *options, "--token", "downstream", stdout=out, stderr=io.StringIO())
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


def ok(response, status=200):
    assert response.status_code == status, response.content[:500]
    return response.json()


def test_a_fresh_database_takes_a_project_through_the_api(regions, national_industries):
    assert not Project.objects.exists() and not Enterprise.objects.exists()
    admin = account("admin", "--role", "city_admin")
    staff = account("dinghu-erp", "--role", "county_staff", "--region", "441203")

    # The city admin registers the enterprise; the county's system finds the industry by division.
    enterprise = ok(
        admin.post(
            f"{API}/enterprises/",
            {"name": "肇庆鼎湖储能科技有限公司", "credit_code": CREDIT_CODE},
            format="json",
        ),
        201,
    )
    under_c38 = ok(staff.get(f"{API}/industries/", {"parent": "C38"}))["results"]
    storage = next(row for row in under_c38 if row["name"] == "新型储能")
    assert storage["parent"] == "C38"

    # One call: the project with its history up to 开工, each stage an audited advance.
    created = staff.post(
        f"{API}/projects/",
        {
            "name": "年产2GWh储能电池项目",
            "enterprise": {"id": enterprise["id"]},
            "region": "441203",
            "industry": storage["code"],
            "planned_investment": "1500000000.00",
            "signed_on": "2024-03-18",
            "land_supplied_on": "2024-05-06",
            "started_on": "2024-07-01",
        },
        format="json",
    )
    project = ok(created, 201)
    assert (project["stage"], project["is_major"], project["version"]) == ("started", True, 3)
    assert created["ETag"] == '"3"'
    stages = StageTransition.objects.filter(project_id=project["id"]).order_by("id")
    assert [(t.to_stage, t.by.username) for t in stages] == [
        (Stage.SIGNED, "dinghu-erp"),
        (Stage.LAND_SUPPLIED, "dinghu-erp"),
        (Stage.STARTED, "dinghu-erp"),
    ]

    # Investment: a month before the signing is refused, one after it taken.
    before = staff.post(
        f"{API}/investment-reports/",
        {"project": project["id"], "month": "2024-02", "amount": "1.00"},
        format="json",
    )
    assert before.status_code == 400 and "month" in before.json()["fields"]
    report = ok(
        staff.post(
            f"{API}/investment-reports/",
            {"project": project["id"], "month": "2024-08", "amount": "38600000.00"},
            format="json",
        ),
        201,
    )
    assert report["month"] == "2024-08-01"

    # It is in the lists: the county's projects by stage and industry division, and its reports.
    listed = ok(staff.get(f"{API}/projects/", {"stage": "started", "industry": "C38"}))["results"]
    assert [row["id"] for row in listed] == [project["id"]]
    reports = ok(staff.get(f"{API}/investment-reports/", {"project": project["id"]}))["results"]
    assert [row["amount"] for row in reports] == ["38600000.00"]

    # Cancelled (清退) and brought back, each with its reason.
    url = f"{API}/projects/{project['id']}/"
    cancelled = ok(
        staff.post(f"{url}cancel/", {"reason": "企业暂缓投资"}, format="json", HTTP_IF_MATCH='"3"')
    )
    assert cancelled["status"] == "cancelled"
    assert ok(staff.get(f"{API}/projects/", {"status": "cancelled"}))["results"][0]["id"] == project["id"]
    active = ok(
        staff.post(f"{url}reactivate/", {"reason": "企业恢复投资"}, format="json", HTTP_IF_MATCH='"4"')
    )
    assert (active["status"], active["version"]) == ("active", 5)
    history = ok(staff.get(f"{url}history/"))["results"]
    assert [entry["reason"] for entry in history[:2]] == ["企业恢复投资", "企业暂缓投资"]
    assert Project.objects.get().status == Status.ACTIVE


def test_on_a_fresh_install_the_reference_data_is_the_city_admins(regions, national_industries):
    staff = account("huaiji-erp", "--role", "county_staff", "--region", "441224")
    leader = account("huaiji-leader", "--role", "county_leader", "--region", "441224")
    for client in (staff, leader):
        assert client.get(f"{API}/industries/C36/").status_code == 200
        assert (
            client.post(f"{API}/industries/", {"code": "x", "name": "某行业"}, format="json").status_code
            == 403
        )
        assert client.post(f"{API}/enterprises/", {"name": "某公司"}, format="json").status_code == 403
        assert (
            client.post(f"{API}/units/", {"name": "某局", "region": "441224"}, format="json").status_code
            == 403
        )
        assert client.delete(f"{API}/industries/C36/").status_code == 405
    assert Industry.objects.count() == len(national_industries)
    assert not Enterprise.objects.exists()
