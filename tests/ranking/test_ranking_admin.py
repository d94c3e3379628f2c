"""The admin of ranking schemes, bulletins and bulletin requests: a city admin's scheme changes
the scores, its refusals are shown on the form, county users only read, and the bulletin
actions (publish, correct with a reason, generate again, finish waiting requests) work."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.models import User
from supervision.choices import BulletinStatus, Indicator, RequestStatus
from supervision.models_ranking import Bulletin, BulletinRequest, RankingScheme
from supervision.ranking.bulletins import bulletin_generate
from supervision.ranking.engine import compute_ranking, scheme_for
from supervision.ranking.schemes import WEIGHTABLE, ranking_scheme_set
from tests.fixtures.bulletins import Q1_2024, Q4_2023, A, B, build_race, row_of

SCHEME_ADD = reverse("admin:supervision_rankingscheme_add")
BULLETINS = reverse("admin:supervision_bulletin_changelist")
REQUESTS = reverse("admin:supervision_bulletinrequest_changelist")


def login(user) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # django-axes needs a request for client.login
    return client


def scheme_change(scheme) -> str:
    return reverse("admin:supervision_rankingscheme_change", args=[scheme.pk])


def weights_post(**weights) -> dict:
    return {str(name): str(weights.get(str(name), 0)) for name in WEIGHTABLE}


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def scores(period) -> dict[str, Decimal]:
    return {row.code: row.score for row in compute_ranking(period).rows}


@pytest.fixture
def race(regions, industry, enterprise, county_staff):
    build_race(regions, industry, enterprise, county_staff)


@pytest.fixture
def admin_client(city_admin):
    return login(city_admin)


# Ranking schemes.


def test_city_admin_sets_a_scheme_and_the_scores_follow(admin_client, race):
    assert scores(Q1_2024)[B] == Decimal("55.00")  # DESIGN's default weights
    form = admin_client.get(SCHEME_ADD)
    assert form.status_code == 200
    assert form.context["adminform"].form.initial[Indicator.INVESTMENT_RATE] == 40  # starts from the default

    response = admin_client.post(
        SCHEME_ADD, {"year": "2024", "note": "重开工", "loaded_version": "", **weights_post(started=100)}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    scheme = RankingScheme.objects.get(year=2024)
    assert dict(scheme.weights.values_list("indicator", "weight")) == {"started": Decimal("100.00")}
    assert scheme_for(2024).weights == {"started": Decimal("100.00")}
    after = scores(Q1_2024)
    assert (after[B], after[A]) == (Decimal("100.00"), Decimal("0.00"))

    # Changed again on its page: the weights are replaced, the version goes up.
    response = admin_client.post(
        scheme_change(scheme),
        {"note": "", "loaded_version": "1", **weights_post(investment_rate=50, started=50)},
    )
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.version == 2
    assert dict(scheme.weights.values_list("indicator", "weight")) == {
        "investment_rate": Decimal("50.00"),
        "started": Decimal("50.00"),
    }
    assert scores(Q1_2024)[A] == Decimal("15.44")  # 50 × 0.1235 / 0.4 = 15.4375
    assert admin_client.get(reverse("admin:supervision_rankingscheme_changelist")).status_code == 200
    history = reverse("admin:supervision_rankingscheme_history", args=[scheme.pk])
    assert admin_client.get(history).status_code == 200


def test_refusals_are_shown_on_the_form(admin_client, city_admin):
    scheme = ranking_scheme_set(year=2024, weights={"started": Decimal(10)}, by=city_admin)
    response = admin_client.post(
        scheme_change(scheme), {"note": "", "loaded_version": "1", **weights_post(started=-5, completed=20)}
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["started"] == ["A weight cannot be negative."]

    response = admin_client.post(scheme_change(scheme), {"note": "", "loaded_version": "1", **weights_post()})
    assert response.status_code == 200
    assert (
        "Give at least one indicator a weight above zero"
        in response.context["adminform"].form.non_field_errors()[0]
    )

    # Saved over a newer change: refused, nothing written.
    ranking_scheme_set(year=2024, weights={"started": Decimal(20)}, by=city_admin, version=1)
    response = admin_client.post(
        scheme_change(scheme), {"note": "", "loaded_version": "1", **weights_post(signed=5)}
    )
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors)
    assert "Someone else changed this record while you were working on it." in errors
    assert dict(scheme.weights.values_list("indicator", "weight")) == {"started": Decimal("20.00")}


def test_lower_is_better_indicators_cannot_be_weighted(city_admin, english):
    with pytest.raises(ValidationError) as refused:
        ranking_scheme_set(
            year=2024,
            weights={"avg_days_to_land": Decimal(10), "problems_overdue": Decimal(0), "started": Decimal(5)},
            by=city_admin,
        )
    errors = refused.value.message_dict
    assert list(errors) == ["avg_days_to_land"]  # a weight of 0 on one is harmless
    assert "smaller value is better" in errors["avg_days_to_land"][0]
    assert "rewards large values" in errors["avg_days_to_land"][0]
    assert Indicator.AVG_DAYS_TO_LAND not in WEIGHTABLE  # so the admin form does not offer it
    assert not RankingScheme.objects.exists()


@pytest.mark.parametrize(
    ("weights", "field", "message"),
    [
        ({"started": Decimal("-1")}, "started", "A weight cannot be negative."),
        ({"started": Decimal("1000.01")}, "started", "A weight is at most 1000."),
        ({"started": Decimal("1.005")}, "started", "A weight has at most 2 decimal places."),
        ({"speed": Decimal("5")}, "speed", "Unknown indicator “speed”."),
        ({"started": Decimal("0"), "signed": None}, NON_FIELD_ERRORS, "Give at least one indicator"),
    ],
)
def test_weights_are_checked(city_admin, weights, field, message, english):
    with pytest.raises(ValidationError) as refused:
        ranking_scheme_set(year=2024, weights=weights, by=city_admin)
    assert refused.value.message_dict[field][0].startswith(message)


def test_county_users_read_schemes_but_cannot_change_them(make_user, region, city_admin, county_staff):
    scheme = ranking_scheme_set(year=2024, weights={"started": Decimal(10)}, by=city_admin)
    client = login(county_staff)
    assert client.get(reverse("admin:supervision_rankingscheme_changelist")).status_code == 200
    page = client.get(scheme_change(scheme))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(SCHEME_ADD).status_code == 403
    response = client.post(
        scheme_change(scheme), {"note": "x", "loaded_version": "1", **weights_post(signed=99)}
    )
    assert response.status_code == 403
    assert dict(scheme.weights.values_list("indicator", "weight")) == {"started": Decimal("10.00")}
    with pytest.raises(PermissionDenied):
        ranking_scheme_set(year=2025, weights={"started": Decimal(10)}, by=county_staff)
    with pytest.raises(PermissionDenied):
        ranking_scheme_set(year=2025, weights={"started": Decimal(10)}, by=None)


def test_a_superuser_counts_as_city_admin(db, regions):
    root = User.objects.create_superuser(username="root", password="x-Pass-1234")
    scheme = ranking_scheme_set(year=2024, weights={"completed": Decimal("12.5")}, by=root, note=" 试行 ")
    assert (scheme.note, scheme.weights.get().weight) == ("试行", Decimal("12.50"))


# Bulletins.


def action(client, url, name, objects, **data):
    return client.post(
        url, {"action": name, "_selected_action": [o.pk for o in objects], **data}, follow=True
    )


def test_bulletin_pages_render_for_everyone(admin_client, county_staff, race):
    bulletin = bulletin_generate(period=Q1_2024, publish=True)
    change = reverse("admin:supervision_bulletin_change", args=[bulletin.pk])
    for client in (admin_client, login(county_staff)):
        assert client.get(BULLETINS).status_code == 200
        page = client.get(change)
        assert page.status_code == 200
        text = page.content.decode()
        assert "Dinghu District" in text and "55.00" in text and "↑" not in text  # no previous bulletin
        assert f"/api/v1/bulletins/{bulletin.pk}/xlsx/" in text
        assert f"/api/v1/bulletins/{bulletin.pk}/html/" in text
        assert (
            client.get(reverse("admin:supervision_bulletin_history", args=[bulletin.pk])).status_code == 200
        )
        assert client.get(REQUESTS).status_code == 200
    assert reverse("admin:supervision_bulletin_add") not in admin_client.get(BULLETINS).content.decode()


def test_publish_action(admin_client, race):
    draft = bulletin_generate(period=Q1_2024, publish=False)
    response = action(admin_client, BULLETINS, "publish_bulletins", [draft])
    assert "Published 1 bulletin." in page_messages(response)
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.PUBLISHED and draft.published_at is not None

    response = action(admin_client, BULLETINS, "publish_bulletins", [draft])
    assert any("already published" in m for m in page_messages(response))


def test_correct_a_bulletin_needs_a_reason(admin_client, race):
    bulletin_generate(period=Q4_2023, publish=True)
    published = bulletin_generate(period=Q1_2024, publish=True)
    response = action(admin_client, BULLETINS, "correct_bulletin", [published])
    correct = reverse("admin:supervision_bulletin_correct", args=[published.pk])
    assert response.redirect_chain[-1][0] == correct

    response = admin_client.post(correct, {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Give a reason for the correction."]
    assert Bulletin.objects.count() == 2

    response = admin_client.post(correct, {"reason": "鼎湖区三月投资更正"}, follow=True)
    revision = Bulletin.objects.get(period_start=Q1_2024.start, is_current=True)
    assert response.redirect_chain[-1][0] == reverse("admin:supervision_bulletin_change", args=[revision.pk])
    assert (revision.revision, revision.reason, revision.is_published) == (2, "鼎湖区三月投资更正", True)
    assert row_of(revision, B)["rank_change"] == 1  # still counted from the previous quarter
    published.refresh_from_db()
    assert not published.is_current
    text = response.content.decode()
    assert "Revision 2 of the bulletin was computed and published." in text

    # An old revision is not corrected again, and only one bulletin is corrected at a time.
    response = admin_client.post(correct, {"reason": "again"})
    assert "A newer revision of this bulletin exists" in str(response.context["form"].errors)
    response = action(admin_client, BULLETINS, "correct_bulletin", [published, revision])
    assert "Select exactly one bulletin to correct." in page_messages(response)


def test_generate_a_draft_again(admin_client, race, county_staff, regions):
    draft = bulletin_generate(period=Q1_2024, publish=False)
    published = bulletin_generate(period=Q4_2023, publish=True)
    project = regions[A].projects.get()
    services.investment_report(
        project=project, month=datetime.date(2024, 3, 1), amount=Decimal("1e7"), by=county_staff
    )
    response = action(admin_client, BULLETINS, "generate_again", [draft, published])
    messages = page_messages(response)
    assert "Generated 1 draft again." in messages
    assert any("only a current draft is generated again" in m for m in messages)
    draft.refresh_from_db()
    assert row_of(draft, A)["indicators"]["investment"]["value"] == "11234567.89"
    assert draft.status == BulletinStatus.DRAFT


def test_county_users_cannot_publish_or_correct(county_staff, race):
    draft = bulletin_generate(period=Q1_2024, publish=False)
    client = login(county_staff)
    response = client.post(BULLETINS, {"action": "publish_bulletins", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.DRAFT
    assert response.status_code in (200, 302)
    assert client.get(reverse("admin:supervision_bulletin_correct", args=[draft.pk])).status_code == 403
    assert "publish_bulletins" not in client.get(BULLETINS).content.decode()


def test_finish_waiting_requests_now(admin_client, race):
    waiting = BulletinRequest.objects.create(
        kind=Q1_2024.kind, period_start=Q1_2024.start, requested_at=timezone.now(), publish=True
    )
    response = action(admin_client, REQUESTS, "finish_now", [waiting])
    assert "Generated 1 bulletin." in page_messages(response)
    waiting.refresh_from_db()
    assert waiting.status == RequestStatus.DONE and waiting.bulletin.is_published
    response = action(admin_client, REQUESTS, "finish_now", [waiting])
    assert "Generated 0 bulletins." in page_messages(response)
