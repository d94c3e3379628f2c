"""The project list's .xlsx export imports back as it is: every project "unchanged", no error,
in Chinese and in English (issue 12, point 5: the round trip)."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from projects import lifecycle, services
from projects.choices import Stage
from projects.imports.models import ImportStatus, LedgerImport
from projects.models import Enterprise, Industry, Park, Project
from tests.fixtures.ledgers import credit_code, upload

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def ledger(make_project, county_staff, region, industry, today):
    """Projects at every stage, with and without a park, a credit code, a first contact; one not
    manufacturing, one cancelled, one with fen in its planned investment."""
    park = Park.objects.create(name="端州科技园", name_en="Duanzhou Tech Park", region=region)
    # One of the industries the migrations bring (a strategic industry under its GB/T division).
    other_industry = Industry.objects.get_or_create(
        name="电子信息", defaults={"code": "electronics", "name_en": "Electronic information"}
    )[0]
    projects = []
    for number, stage in enumerate(Stage):
        enterprise = services.enterprise_create(
            name=f"肇庆往返企业{number}有限公司",
            credit_code=credit_code(900 + number) if number % 2 else "",
            by=county_staff,
        )
        signed_on = today - (300 - number) * DAY
        project = make_project(
            name=f"往返项目{number}",
            enterprise=enterprise,
            signed_on=signed_on,
            park=park if number % 2 else None,
            industry=other_industry if number % 3 == 0 else industry,
            first_contact_on=signed_on - 40 * DAY if number % 2 == 0 else None,
            is_manufacturing=number != 4,
            planned_investment=Decimal("123456789.01") + number * Decimal("10000.5"),
        )
        later = [s for s in Stage if 0 < s.index <= stage.index]
        dates = {s.value: signed_on + s.index * 20 * DAY for s in later}
        projects.append(lifecycle.advance_through(project=project, stage_dates=dates, by=county_staff))
    services.project_cancel(project=projects[2], reason="企业撤资", by=county_staff)
    assert Enterprise.objects.exclude(credit_code="").exists()
    return projects


def export(client) -> bytes:
    response = client.get("/projects/export.xlsx")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_project_export_imports_back_unchanged(county_staff, ledger, language):
    reader = Client(HTTP_ACCEPT_LANGUAGE=language)
    reader.force_login(county_staff)
    content = export(reader)
    response = reader.post(
        "/projects/imports/new/",
        {"kind": "projects", "unit": "wan", "year": 2026, "file": upload("projects.xlsx", content)},
    )
    assert response.status_code == 302
    ledger_import = LedgerImport.objects.get()
    assert list(ledger_import.rows.exclude(errors=[]).values_list("number", "errors")) == []
    assert ledger_import.counts["unchanged"] == len(ledger) == 6
    assert (ledger_import.counts["new"], ledger_import.counts["update"]) == (0, 0)
    assert ledger_import.status == ImportStatus.READY

    # Confirming it writes nothing: no project gets a new version.
    before = dict(Project.objects.values_list("pk", "version"))
    confirmed = reader.post(
        f"/projects/imports/{ledger_import.pk}/confirm/", {"version": ledger_import.version}
    )
    assert confirmed.status_code == 302
    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.COMMITTED
    assert dict(Project.objects.values_list("pk", "version")) == before
