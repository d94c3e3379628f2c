"""DESIGN "REST API": 405 for a method a resource does not take, whoever asks.

Every route of the routers (collections, records, actions) against every method it does not
take, for every role: the role's permissions are not asked about a method that does not
exist, so no role gets 403 for it. Without credentials the answer is still 401 first.
"""

import pytest
from rest_framework.test import APIClient

from projects.api.urls import router as projects_router
from projects.choices import Role
from supervision.api.urls import router as supervision_router
from supervision.ranking.api.urls import router as ranking_router

pytestmark = pytest.mark.usefixtures("english")

METHODS = {"get", "post", "put", "patch", "delete"}


def routes():
    """(url, the methods it takes) for every route of /api/v1/. A record route names a record
    that need not exist: a method the route does not take is refused before any lookup."""
    found = []
    for router in (projects_router, supervision_router, ranking_router):
        for prefix, viewset, _basename in router.registry:
            key = "441202" if getattr(viewset, "lookup_field", "pk") == "code" else "1"
            for route in router.get_routes(viewset):
                mapping = router.get_method_map(viewset, route.mapping)
                if not mapping:
                    continue
                path = route.url.format(prefix=prefix, lookup=key, trailing_slash="/")
                taken = set(mapping) & set(viewset.http_method_names)
                found.append((f"/api/v1/{path.strip('^$')}", taken))
    return found


ROUTES = routes()
REFUSED = [(url, method) for url, taken in ROUTES for method in sorted(METHODS - taken)]


def test_the_routes_include_methods_refused():
    # The check below is only as good as its list: it covers records, actions and collections.
    urls = {url for url, _method in REFUSED}
    assert "/api/v1/projects/1/" in urls and "/api/v1/problems/1/" in urls
    assert "/api/v1/projects/1/advance/" in urls and "/api/v1/regions/" in urls
    assert ("/api/v1/projects/1/", "delete") in REFUSED
    assert ("/api/v1/problems/1/", "put") in REFUSED


@pytest.fixture
def users(county_staff, county_leader, city_leader, city_admin):
    return {
        Role.COUNTY_STAFF: county_staff,
        Role.COUNTY_LEADER: county_leader,
        Role.CITY_LEADER: city_leader,
        Role.CITY_ADMIN: city_admin,
    }


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_every_role_gets_405_for_a_method_a_resource_does_not_take(role, users):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(users[role])
    wrong = []
    for url, method in REFUSED:
        response = getattr(client, method)(url, {}, format="json")
        body = response.json() if response["Content-Type"].startswith("application/json") else None
        if (
            response.status_code != 405
            or body is None
            or body.get("status") != 405
            or body.get("code") != "method_not_allowed"
            or not body.get("detail")
            or method.upper() in response.get("Allow", "").split(", ")
        ):
            wrong.append(f"{method.upper()} {url}: {response.status_code} {response.content[:150]!r}")
    assert not wrong, "\n".join(wrong)


def test_without_credentials_it_is_401_first(db):
    client = APIClient()
    wrong = [
        f"{method.upper()} {url}: {response.status_code}"
        for url, method in REFUSED
        if (response := getattr(client, method)(url, {}, format="json")).status_code != 401
    ]
    assert not wrong, "\n".join(wrong)
