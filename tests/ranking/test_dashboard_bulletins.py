"""The bulletin pages: list, detail, generate, publish, correct."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision.choices import BulletinStatus, RequestStatus
from supervision.models_ranking import Bulletin, BulletinRequest
from supervision.periods import period_containing
from supervision.ranking import bulletins
from tests.fixtures.dashboard import DAY, browser, day, html, main
from tests.fixtures.worker import broker, closed_port

# --- bulletins ----------------------------------------------------------------------------------


@pytest.fixture
def published(race, year):
    return bulletins.bulletin_generate(period=period_containing("monthly", day(year, 6, 10)), publish=True)


@pytest.fixture
def draft(race, year):
    return bulletins.bulletin_generate(period=period_containing("monthly", day(year, 7, 10)), publish=False)


def test_bulletin_list_shows_published_to_all_and_drafts_to_the_admin(
    published, draft, county_staff, city_admin
):
    staff = browser(county_staff).get("/bulletins/")
    assert staff.status_code == 200
    assert [b.pk for b in staff.context["page"]["rows"]] == [published.pk]
    assert published.period.label in html(staff) and draft.period.label not in html(staff)
    assert "Generate a bulletin" not in html(staff)
    admin = browser(city_admin).get("/bulletins/")
    assert {b.pk for b in admin.context["page"]["rows"]} == {published.pk, draft.pk}
    assert "Generate a bulletin" in html(admin)
    assert '<option value="" selected>All</option>' in html(admin)
    weekly = browser(city_admin).get("/bulletins/", {"kind": "weekly"})
    assert weekly.context["page"]["rows"] == []
    assert browser(city_admin).get("/bulletins/", {"kind": "daily"}).status_code == 400


def test_bulletin_detail(published, draft, county_leader, monkeypatch):
    from supervision.ranking import exports as bulletin_exports

    client = browser(county_leader)
    monkeypatch.setattr(bulletin_exports, "pdf_available", lambda: False)
    response = client.get(f"/bulletins/{published.pk}/")
    assert response.status_code == 200
    page = html(response)
    assert "Duanzhou District" in page and "55.00" in page
    assert f'href="/api/v1/bulletins/{published.pk}/xlsx/"' in page
    assert f'href="/api/v1/bulletins/{published.pk}/html/"' in page
    assert "/pdf/" not in page
    assert "/publish/" not in page and "/correct/" not in page and 'method="post"' not in main(page)
    monkeypatch.setattr(bulletin_exports, "pdf_available", lambda: True)
    assert f'href="/api/v1/bulletins/{published.pk}/pdf/"' in html(client.get(f"/bulletins/{published.pk}/"))
    assert client.get(f"/bulletins/{draft.pk}/").status_code == 404  # drafts are the admin's


@pytest.mark.parametrize("role", ["county_staff", "county_leader", "city_leader"])
def test_only_the_city_admin_generates_publishes_and_corrects(role, published, draft, year, request):
    client = browser(request.getfixturevalue(role))
    before = list(Bulletin.objects.order_by("pk").values())
    assert (
        client.post("/bulletins/generate/", {"kind": "monthly", "date": f"{year}-03-10"}).status_code == 403
    )
    assert client.post(f"/bulletins/{draft.pk}/publish/").status_code == 403
    assert client.post(f"/bulletins/{published.pk}/correct/", {"reason": "数据有误"}).status_code == 403
    assert list(Bulletin.objects.order_by("pk").values()) == before
    assert not BulletinRequest.objects.filter(period_start=day(year, 3, 1)).exists()


def test_generate_with_eager_celery_makes_a_draft(race, year, city_admin, eager_celery):
    client = browser(city_admin)
    response = client.post("/bulletins/generate/", {"kind": "monthly", "date": f"{year}-03-10"})
    bulletin = Bulletin.objects.get(kind="monthly", period_start=day(year, 3, 1))
    assert bulletin.status == BulletinStatus.DRAFT
    assert response.status_code == 302 and response["Location"] == f"/bulletins/{bulletin.pk}/"
    page = html(client.get(response["Location"]))
    assert "is ready" in page and f'<a href="/bulletins/{bulletin.pk}/">Open the bulletin</a>' in page
    assert f'action="/bulletins/{bulletin.pk}/publish/"' in page
    assert BulletinRequest.objects.get(period_start=day(year, 3, 1)).status == RequestStatus.DONE


def test_generate_a_published_period_leaves_it_as_it_is(published, year, city_admin, eager_celery):
    client = browser(city_admin)
    response = client.post("/bulletins/generate/", {"kind": "monthly", "date": f"{year}-06-20"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/bulletins/{published.pk}/"
    assert "already published" in html(response)
    assert Bulletin.objects.filter(kind="monthly", period_start=published.period_start).count() == 1


def test_generate_when_the_queue_is_down(race, year, city_admin):
    client = browser(city_admin)
    # A real send to a Redis URL where nothing listens, not a stand-in for the broker.
    with broker(f"redis://127.0.0.1:{closed_port()}/0"):
        response = client.post(
            "/bulletins/generate/", {"kind": "weekly", "date": f"{year}-03-10"}, follow=True
        )
    assert response.status_code == 200
    assert "The task queue is unavailable" in html(response) and "finished automatically" in html(response)
    request = BulletinRequest.objects.get(kind="weekly")
    assert request.status == RequestStatus.PENDING and request.error
    assert not Bulletin.objects.filter(kind="weekly").exists()


def test_generate_with_a_bad_form_shows_the_errors(city_admin, today):
    future = today + 40 * DAY
    response = browser(city_admin).post(
        "/bulletins/generate/", {"kind": "monthly", "date": future.isoformat()}
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in html(response)
    response = browser(city_admin).post("/bulletins/generate/", {"kind": "daily", "date": ""})
    assert "This field is required." in html(response) and "Select a valid choice" in html(response)
    assert not BulletinRequest.objects.exists()


def test_publish_a_draft(draft, city_admin, county_leader):
    client = browser(city_admin)
    response = client.post(f"/bulletins/{draft.pk}/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.PUBLISHED and draft.published_at is not None
    # Publishing again is refused by the service and shown on the page, not a 500.
    again = client.post(f"/bulletins/{draft.pk}/publish/")
    assert again.status_code == 200 and "already published" in html(again)
    assert browser(county_leader).get(f"/bulletins/{draft.pk}/").status_code == 200


def test_correct_needs_a_reason_and_keeps_the_earlier_revision(published, city_admin):
    client = browser(city_admin)
    response = client.post(f"/bulletins/{published.pk}/correct/", {"reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in html(response)
    assert Bulletin.objects.filter(kind=published.kind, period_start=published.period_start).count() == 1
    response = client.post(f"/bulletins/{published.pk}/correct/", {"reason": "端州区投资数据更正"})
    revision = Bulletin.objects.get(kind=published.kind, period_start=published.period_start, is_current=True)
    assert revision.revision == 2 and response["Location"] == f"/bulletins/{revision.pk}/"
    page = html(client.get(f"/bulletins/{revision.pk}/"))
    assert "端州区投资数据更正" in page and "This is a corrected bulletin." in page
    assert f'href="/bulletins/{published.pk}/"' in page  # the earlier revision, still readable
    old = html(client.get(f"/bulletins/{published.pk}/"))
    assert "Superseded" in old and "Correct this bulletin" not in old


def test_pages_in_english_and_chinese(race, year, region, county_leader):
    english = browser(county_leader, "en").get("/", {"date": f"{year}-06-10"})
    assert '<html lang="en">' in html(english)
    assert "Duanzhou District" in html(english) and "County race ranking" in html(english)
    chinese = browser(county_leader, "zh-hans").get("/", {"date": f"{year}-06-10"})
    assert '<html lang="zh-Hans">' in html(chinese)
    assert "端州区" in html(chinese)
    region_page = browser(county_leader, "en").get(f"/regions/{region.code}/")
    assert "Duanzhou District" in html(region_page)


def test_superusers_count_as_city_admins(draft, make_user):
    from projects.models import User

    root = User.objects.create_superuser("root", password="x-Pass-1234")
    response = browser(root).post(f"/bulletins/{draft.pk}/publish/")
    assert response.status_code == 302


def test_bulletin_list_query_count_does_not_grow_with_bulletins(race, year, city_leader):
    client = browser(city_leader)

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/bulletins/").status_code == 200
        return len(queries.captured_queries)

    bulletins.bulletin_generate(period=period_containing("weekly", day(year, 3, 4)), publish=True)
    few = list_queries()
    for week in range(2, 10):
        bulletins.bulletin_generate(
            period=period_containing("weekly", day(year, 3, 4) + week * 7 * DAY), publish=True
        )
    assert list_queries() == few
