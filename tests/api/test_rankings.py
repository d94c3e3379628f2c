"""/api/v1/rankings/ and /api/v1/bulletins/: the shape promised to other systems."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from rest_framework.test import APIClient

from projects import lifecycle, services
from projects.choices import Stage
from projects.models import Region
from supervision.choices import Indicator
from supervision.periods import period_containing
from supervision.ranking.bulletins import bulletin_generate
from supervision.ranking.schemes import ranking_scheme_set

pytestmark = pytest.mark.usefixtures("english")

DAY = datetime.timedelta(days=1)
COUNTS = {"signed", "land_supplied", "started", "completed", "in_production", "above_scale"}
COUNTS |= {"problems_raised", "problems_resolved", "problems_overdue"}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def data(make_project, region, other_region, county_staff, city_admin):
    """Duanzhou: two projects started this year and a target; Dinghu: one project, no target."""
    this_year = datetime.date(2026, 1, 5)
    for name in ("甲", "乙"):
        project = make_project(name=f"项目{name}", signed_on=this_year)
        lifecycle.advance(
            project=project, stage=Stage.LAND_SUPPLIED, on=this_year + 20 * DAY, by=county_staff
        )
        lifecycle.advance(project=project, stage=Stage.STARTED, on=this_year + 40 * DAY, by=county_staff)
        services.investment_report(
            project=project, month=datetime.date(2026, 3, 1), amount=Decimal("1000000.00"), by=county_staff
        )
    make_project(name="项目丙", region=other_region, signed_on=this_year)
    services.target_set(
        region=region,
        year=2026,
        investment=Decimal("8000000.00"),
        investment_h1=Decimal("4000000.00"),
        by=city_admin,
    )


def test_ranking_shape_and_figures(data, county_staff, region):
    response = client_for(county_staff).get("/api/v1/rankings/", {"date": "2026-06-10", "kind": "monthly"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["period"]) == ("monthly", "2026-06")
    assert (body["period_start"], body["period_end"]) == ("2026-06-01", "2026-06-30")
    assert body["scheme"] == {
        "year": 2026,
        "weights": {
            "started": "15.00",
            "completed": "15.00",
            "in_production": "15.00",
            "investment_rate": "40.00",
            "problem_resolution_rate": "15.00",
        },
        "is_default": True,
    }
    ranked = Region.objects.ranked().count()
    assert len(body["rows"]) == ranked  # every ranked region, with zeros where it has no data
    top = body["rows"][0]
    assert top["region"] == region.code and top["rank"] == 1
    started = top["indicators"]["started"]
    assert started == {"value": 2, "rank": 1, "period_value": 0}
    assert top["indicators"]["investment"]["value"] == "2000000.00"
    assert top["indicators"]["investment_rate"]["value"] == "0.2500"
    assert top["indicators"]["avg_days_to_land"]["value"] == "20.0"
    # 40 × 0.25/0.25 + 15 × 2/2 (started); no completions, production or problems anywhere.
    assert top["score"] == "55.00"
    # Counts are JSON numbers, every other value a decimal string or null, in every row.
    for row in body["rows"]:
        assert set(row["indicators"]) == set(Indicator.values)
        for name, cell in row["indicators"].items():
            if name in COUNTS:
                assert isinstance(cell["value"], int), (name, cell)
            else:
                assert cell["value"] is None or isinstance(cell["value"], str), (name, cell)
    dinghu = next(row for row in body["rows"] if row["region"] == "441203")
    assert dinghu["investment_target"] is None
    assert dinghu["indicators"]["investment_rate"]["value"] is None


def test_ranking_defaults_to_this_week(data, county_staff, today):
    body = client_for(county_staff).get("/api/v1/rankings/").json()
    week = period_containing("weekly", today)
    assert (body["kind"], body["period_start"]) == ("weekly", week.start.isoformat())


@pytest.mark.parametrize(
    "params, field",
    [
        ({"kind": "daily"}, "kind"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "0001-01-01", "kind": "quarterly"}, "date"),
        ({"dat": "2026-01-01"}, "dat"),
    ],
)
def test_bad_ranking_queries_are_400_with_the_field(params, field, county_staff):
    response = client_for(county_staff).get("/api/v1/rankings/", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_ranking_needs_credentials(db):
    assert APIClient().get("/api/v1/rankings/").status_code == 401


def test_ranking_query_count_does_not_grow_with_data(make_project, county_staff, other_region):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert (
                client_for(county_staff).get("/api/v1/rankings/", {"date": "2026-06-10"}).status_code == 200
            )
        return len(queries.captured_queries)

    make_project(signed_on=datetime.date(2026, 1, 5))
    few = count_queries()
    for number in range(12):
        make_project(name=f"项目{number}", region=other_region, signed_on=datetime.date(2026, 2, 1))
    assert count_queries() == few


def test_a_scheme_of_the_year_changes_the_scores(data, county_staff, city_admin):
    ranking_scheme_set(year=2026, weights={"started": Decimal("100")}, by=city_admin)
    body = client_for(county_staff).get("/api/v1/rankings/", {"date": "2026-06-10"}).json()
    assert body["scheme"] == {"year": 2026, "weights": {"started": "100.00"}, "is_default": False}
    assert body["rows"][0]["score"] == "100.00"


@pytest.fixture
def published(data):
    return bulletin_generate(period=period_containing("weekly", datetime.date(2026, 6, 10)), publish=True)


@pytest.fixture
def draft(data):
    return bulletin_generate(period=period_containing("weekly", datetime.date(2026, 6, 17)), publish=False)


def test_bulletins_list_published_ones_to_everyone_and_drafts_to_the_city_admin(
    published, draft, county_leader, city_admin
):
    listed = client_for(county_leader).get("/api/v1/bulletins/").json()["results"]
    assert [item["id"] for item in listed] == [published.pk]
    item = listed[0]
    assert (item["kind"], item["period"], item["status"], item["revision"]) == (
        "weekly",
        "2026-W24",
        "published",
        1,
    )
    assert item["downloads"]["xlsx"].endswith(f"/api/v1/bulletins/{published.pk}/xlsx/")
    assert "rows" not in item
    admin_listed = client_for(city_admin).get("/api/v1/bulletins/", {"status": "draft"}).json()["results"]
    assert [item["id"] for item in admin_listed] == [draft.pk]
    assert client_for(county_leader).get(f"/api/v1/bulletins/{draft.pk}/").status_code == 404


def test_bulletin_detail_holds_the_frozen_rows(published, county_staff, region):
    body = client_for(county_staff).get(f"/api/v1/bulletins/{published.pk}/").json()
    assert body["rows"] == published.rows
    top = body["rows"][0]
    assert top["region"] == region.code and top["rank_change"] is None and top["previous_rank"] is None
    assert body["scheme"]["is_default"] is True


def test_bulletin_list_refuses_unknown_filters(published, county_staff):
    response = client_for(county_staff).get("/api/v1/bulletins/", {"knd": "weekly"})
    assert response.status_code == 400 and "knd" in response.json()["fields"]


def test_bulletin_downloads(published, county_staff, region):
    client = client_for(county_staff)
    workbook = client.get(f"/api/v1/bulletins/{published.pk}/xlsx/")
    assert workbook.status_code == 200
    assert workbook["Content-Disposition"] == 'attachment; filename="bulletin-weekly-2026-W24-r1.xlsx"'
    sheet = load_workbook(BytesIO(workbook.content)).worksheets[0]
    codes = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell == region.code]
    assert codes == [region.code]
    page = client.get(f"/api/v1/bulletins/{published.pk}/html/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert region.name in page.content.decode()
    pdf = client.get(f"/api/v1/bulletins/{published.pk}/pdf/")
    assert pdf.status_code in {200, 404}
    if pdf.status_code == 404:
        assert "PDF" in pdf.json()["detail"]
    else:
        assert pdf.content.startswith(b"%PDF")
