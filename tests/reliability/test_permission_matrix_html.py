"""The permission matrix of the browser UI: every named page × every role × a record of one's own
region and of another, the .xlsx export and the bulletin downloads, and every admin page.

DESIGN "Roles": a county user (staff, leader, or staff of a functional zone) reads only its
own region; city users read everything. A page about another region's record answers as for a
record that does not exist (404, or the 403 a role gets before any record is looked up), and no
page, form, pick list, export or admin page shows a record of another region.

Three regions hold records (tests/fixtures/matrix.py): 端州区, whose county staff and leader
these are, 鼎湖区 and the zone 高新区, whose staff is the zone user. Every name, code and text
of a region's records starts with the region's mark, so a record leaked anywhere is found by
its mark. The city users are the check on the check: their lists must show every region's
records, and a county user's lists those of its own region.

The named URLs come from the URLconf, so a page added without a row in PAGES fails
``test_every_page_has_a_row``; admin pages come from the admin's registry.
"""

from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from projects import scope
from supervision.problem_flow import MOVES
from supervision.ranking.exports import pdf_available
from tests.fixtures.matrix import OTHER, OWN, ZONE, Tally, built_once, cast, leaked_records, marked_worlds
from tests.fixtures.regions import city_regions

pytestmark = [pytest.mark.django_db]

TALLY = Tally()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
USERS = ("county_staff", "county_leader", "zone_staff", "city_leader", "city_admin")
# The regions whose records each user's probes name: its own (city users: two) and one outside.
PROBED = {
    "county_staff": (OWN, OTHER),
    "county_leader": (OWN, OTHER),
    "zone_staff": (ZONE, OWN),
    "city_leader": (OWN, OTHER),
    "city_admin": (OWN, ZONE),
}
NOWHERE = 2_000_000_000  # an id no record has (the admin's answer to it is the one to give)


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """(worlds by region code, a signed-in client per user, the users), built once."""
    with built_once(django_db_blocker):
        people = cast(city_regions(), is_staff=True)
        worlds = marked_worlds(people)
        clients = {}
        for name in USERS:
            clients[name] = Client(HTTP_ACCEPT_LANGUAGE="en")
            clients[name].force_login(people[name])
        yield worlds, clients, people


def hidden_from(user, worlds) -> list:
    return [world for world in worlds.values() if not scope.in_scope(user, world.region.pk)]


def visible_to(user, worlds) -> list:
    return [world for world in worlds.values() if scope.in_scope(user, world.region.pk)]


# --- the pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One named URL. ``about(world)``: its arguments for a record of that world (None: a page
    about no record). ``methods``: those probed (a POST sends an empty form). ``shows(world)``: a
    text of the world's records the page must show a reader whose scope holds them (list pages).
    ``regioned``: False for a city-wide record (a bulletin), the same for every reader."""

    about: Any = None
    methods: tuple = ("get",)
    shows: Any = None
    regioned: bool = True
    kwargs: Any = None  # the arguments of a page about no record (a template's kind)


def project(world):
    return {"pk": world.project.pk}


def of_project(world):
    return {"project_id": world.project.pk}


def problem(world):
    return {"pk": world.problem.pk}


def bulletin(world):
    return {"pk": world.bulletin.pk}


def ledger_import(world):
    return {"pk": world.ledger_import.pk}


GET_POST, POST = ("get", "post"), ("post",)

PAGES = {
    # No records: the language switch (POST; nothing to switch to here), the API's schema and docs,
    # signing in and out (a GET of sign-out is refused; a POST would end the probing session).
    "set_language": Page(methods=POST),
    "api-schema": Page(),
    "api-docs": Page(),
    "login": Page(),
    "logout": Page(),
    # The dashboard at "/" (also supervision:dashboard): the ranking, and lists of the reader's scope.
    "home": Page(shows=lambda w: w.major.name),
    "supervision:dashboard": Page(shows=lambda w: w.major.name),
    "supervision:projects_without_team": Page(shows=lambda w: w.major.name),
    "supervision:region": Page(lambda w: {"code": w.region.code}),
    "projects:list": Page(shows=lambda w: w.project.code),
    "projects:export": Page(shows=lambda w: w.project.code),  # the workbook, read back
    "projects:create": Page(methods=GET_POST),
    "projects:detail": Page(project),
    "projects:edit": Page(project, GET_POST),
    "projects:advance": Page(project, GET_POST),
    "projects:revert": Page(project, GET_POST),
    "projects:cancel": Page(project, GET_POST),
    "projects:reactivate": Page(project, GET_POST),
    "projects:investment": Page(project, GET_POST),
    # The month-end report and the ledger imports: county staff and the city admin work there;
    # the others are refused, and nobody sees another region's rows, files or imports.
    "projects:monthly": Page(methods=GET_POST),
    "projects:monthly_export": Page(),
    "projects:imports": Page(),
    "projects:imports_export": Page(),
    "projects:import_new": Page(methods=GET_POST),
    "projects:import_template": Page(kwargs={"kind": "projects"}),
    "projects:import": Page(ledger_import),
    "projects:import_progress": Page(ledger_import),
    "projects:import_file": Page(ledger_import),
    "projects:import_mapping": Page(ledger_import, POST),
    "projects:import_confirm": Page(ledger_import, POST),
    "supervision:problem_list": Page(shows=lambda w: w.problem.description),
    "supervision:problem_detail": Page(problem),
    **{f"supervision:problem_{name}": Page(problem, POST) for name in MOVES},
    "supervision:problem_raise": Page(of_project, GET_POST),
    "supervision:service_log_create": Page(of_project, GET_POST),
    "supervision:milestone_plan": Page(of_project),
    "supervision:milestone_save": Page(of_project, POST),
    "supervision:milestone_plan_generate": Page(of_project, POST),
    "supervision:service_team_edit": Page(of_project, GET_POST),
    "supervision:visit_list": Page(shows=lambda w: w.visit.notes),
    "supervision:visit_record": Page(methods=GET_POST),
    "supervision:bulletin_list": Page(),
    "supervision:bulletin_generate": Page(methods=POST),
    "supervision:bulletin_detail": Page(bulletin, regioned=False),
    "supervision:bulletin_publish": Page(bulletin, POST, regioned=False),
    "supervision:bulletin_correct": Page(bulletin, POST, regioned=False),
}
# The bulletin's downloads (API actions the bulletin page links to), city-wide like the bulletin.
DOWNLOADS = ("xlsx", "html", *(("pdf",) if pdf_available() else ()))


def named_pages(patterns=None, prefix="", namespace=None):
    """(name, route) of every named URL but the admin's and the API's (their own matrices)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(("admin/", "api/v1/")):
            continue
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from named_pages(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join(filter(None, [namespace, pattern.name])), route


def test_every_page_has_a_row():
    names = dict(named_pages())
    missing = sorted(set(names) - set(PAGES))
    assert not missing, "pages without a row in PAGES:\n" + "\n".join(f"{n} ({names[n]})" for n in missing)
    stale = sorted(set(PAGES) - set(names))
    assert not stale, f"PAGES rows for URL names that do not exist: {stale}"


# --- the checks ------------------------------------------------------------------------------


def probe(client, method: str, url: str):
    TALLY["probes"] += 1
    return client.get(url) if method == "get" else client.post(url, {})


def workbook_text(content: bytes) -> str:
    book = load_workbook(BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join("" if value is None else str(value) for value in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def shown(response) -> str:
    """What a response shows a reader: the page, the file, the workbook's cells."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith(XLSX):
        return workbook_text(content)
    return content.decode(errors="replace")


def leaks(response, text: str, hidden) -> list[str]:
    leaked = leaked_records(text, hidden)
    TALLY["rows_leaked"] += len(leaked)
    return [f"{response.request['PATH_INFO']} shows {leaked}"] if leaked else []


def check_page(name: str, page: Page, user, client, worlds) -> list[str]:
    hidden, problems = hidden_from(user, worlds), []
    for method in page.methods:
        response = probe(client, method, reverse(name, kwargs=page.kwargs))
        text = shown(response)
        problems += leaks(response, text, hidden)
        if response.status_code >= 500:
            problems.append(f"{method.upper()}: {response.status_code}")
        if page.shows and method == "get":
            # The check on the check: the page shows what the reader's scope holds.
            missing = [w.region.code for w in visible_to(user, worlds) if page.shows(w) not in text]
            if response.status_code != 200 or missing:
                problems.append(f"{response.status_code}, does not show the records of {missing}")
    return problems


def check_record_page(name: str, page: Page, user, client, worlds, codes) -> list[str]:
    """A page about one record, of a region inside the user's scope and of one outside it.

    Outside, the answer is a 404, or the same 403 or 405 as for a record that does not exist (a
    refusal of the role or the method, whatever the record): the record's existence is not revealed."""
    hidden, problems = hidden_from(user, worlds), []
    for code in codes if page.regioned else codes[:1]:
        world = worlds[code]
        outside = world in hidden
        kwargs = page.about(world)
        url = reverse(name, kwargs=kwargs)
        for method in page.methods:
            if method == "post" and "get" in page.methods and not outside:
                continue  # inside, the GET has shown the page is there
            response = probe(client, method, url)
            status = response.status_code
            problems += leaks(response, shown(response), hidden)
            if not outside:
                if status == 404 or status >= 500:
                    problems.append(f"{method.upper()} {url} (in scope): {status}")
                continue
            if status < 400:
                TALLY["rows_leaked" if method == "get" else "writes_wrongly_allowed"] += 1
            if status != 404 and not (
                status in (403, 405) and status == no_record(name, kwargs, client, method)
            ):
                problems.append(f"{method.upper()} {url} (another region's record): {status}")
    return problems


def no_record(name: str, kwargs: dict, client, method: str) -> int:
    """The status of the page about a record that does not exist."""
    url = reverse(name, kwargs={key: "999999" if key == "code" else NOWHERE for key in kwargs})
    return (client.get(url) if method == "get" else client.post(url, {})).status_code


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_matrix(name, matrix):
    worlds, clients, people = matrix
    page, problems = PAGES[name], []
    for user_name in USERS:
        user, client = people[user_name], clients[user_name]
        if page.about is None:
            found = check_page(name, page, user, client, worlds)
        else:
            found = check_record_page(name, page, user, client, worlds, PROBED[user_name])
        problems += [f"{user_name}: {problem}" for problem in found]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", DOWNLOADS)
def test_bulletin_downloads(kind, matrix):
    """City-wide: every reader gets the whole ranking and no project of any region."""
    worlds, clients, people = matrix
    url = f"/api/v1/bulletins/{worlds[OWN].bulletin.pk}/{kind}/"
    problems = []
    for user_name in USERS:
        response = probe(clients[user_name], "get", url)
        text = shown(response)
        problems += [f"{user_name}: {p}" for p in leaks(response, text, worlds.values())]
        regions = [w.region.name_en for w in worlds.values() if w.region.name_en not in text]
        if response.status_code != 200 or regions:
            problems.append(f"{user_name}: {response.status_code}, without the rows of {regions}")
    assert not problems, "\n".join(problems)


# --- the admin -------------------------------------------------------------------------------

# The city admin first: what its changelist shows of a region, a county user of that region must
# see too (the check on the check). The city leader reads everything, as the city admin does.
ADMIN_USERS = ("city_admin", "county_staff", "county_leader", "zone_staff")
MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def foreign_record(model, world):
    """A record of ``model`` in ``world``'s region, where the model knows its region."""
    manager = model._default_manager
    return manager.in_region(world.region).first() if hasattr(manager, "in_region") else None


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_admin_matrix(model, matrix):
    """Changelists and add forms (pick lists) show no other region's rows; another region's
    record answers as one that does not exist, on its change page and its history."""
    worlds, clients, people = matrix
    problems, seen_by_admin = [], {}
    for user_name in ADMIN_USERS:
        user, client = people[user_name], clients[user_name]
        hidden = hidden_from(user, worlds)
        for view in ("changelist", "add"):
            response = probe(client, "get", admin_url(model, view))
            text = shown(response)
            problems += [f"{user_name}: {p}" for p in leaks(response, text, hidden)]
            if view == "changelist" and response.status_code == 200:
                shown_here = {w.region.code: set(leaked_records(text, [w])) for w in worlds.values()}
                if user_name == "city_admin":
                    seen_by_admin = shown_here
                for world in visible_to(user, worlds):
                    if not seen_by_admin[world.region.code] <= shown_here[world.region.code]:
                        problems.append(f"{user_name}: the changelist misses rows of its own region")
        for world in hidden:
            record = foreign_record(model, world)
            if record is None:
                continue
            for view in ("change", "history"):
                response = probe(client, "get", admin_url(model, view, record.pk))
                nothing = client.get(admin_url(model, view, NOWHERE))
                problems += [f"{user_name}: {p}" for p in leaks(response, shown(response), hidden)]
                if response.status_code == 200:
                    TALLY["rows_leaked"] += 1
                if (response.status_code, response.get("Location")) != (
                    nothing.status_code,
                    nothing.get("Location"),
                ) or response.status_code == 200:
                    problems.append(
                        f"{user_name}: {view} of another region's record: {response.status_code}, "
                        f"for no record {nothing.status_code}"
                    )
    assert not problems, "\n".join(problems)


# Last in the module: the figure of the whole matrix above.
def test_html_matrix_figure(figure):
    if not TALLY["probes"]:
        pytest.skip("the matrix did not run (a selection without it)")
    figure("permission matrix, HTML and exports", **TALLY.figures())
    assert TALLY["rows_leaked"] == 0 and TALLY["writes_wrongly_allowed"] == 0, TALLY
