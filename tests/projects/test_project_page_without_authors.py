"""The project page stays up when a record has no author: a deleted user, imported or
bulk-loaded rows, a write made by the system."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings

from projects import lifecycle, services
from projects.choices import Stage
from projects.models import InvestmentReport, StageTransition

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def reader(client, county_staff):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(county_staff)
    return client


def cells(html: str) -> str:
    """The page with the whitespace between tags removed, so a table row reads as one line."""
    return re.sub(r">\s+<", "><", html)


def test_a_report_transition_and_history_entry_without_an_author_show_a_placeholder(
    reader, make_project, today
):
    # Written by nobody: as a ledger import or a system job does.
    project = make_project(by=None)
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today - DAY, note="补录供地", by=None)
    services.investment_report(
        project=project, month=today, amount=Decimal("5000000.00"), note="批量导入", by=None
    )
    assert InvestmentReport.objects.get(project=project).reported_by is None
    assert not StageTransition.objects.filter(project=project, by__isnull=False).exists()

    response = reader.get(f"/projects/{project.pk}/")

    assert response.status_code == 200
    page = cells(response.content.decode())
    assert '<td class="num">500.00</td><td>批量导入</td><td>—</td>' in page
    assert "<td>补录供地</td><td>—</td>" in page
    assert re.search(r"</strong>\s*· system", page)


def test_a_report_whose_reporter_was_deleted_still_shows_the_page(reader, project, make_user, today):
    leaver = make_user(username="left-the-bureau")
    services.investment_report(project=project, month=today, amount=Decimal("1200000.00"), by=leaver)
    leaver.delete()

    response = reader.get(f"/projects/{project.pk}/")

    assert response.status_code == 200
    page = cells(response.content.decode())
    assert '<td class="num">120.00</td><td>—</td><td>—</td>' in page
    assert "left-the-bureau" not in page
