"""/api/v1/ supervision lists: a constant number of queries, and never a COUNT."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from supervision import services
from supervision.milestones import milestone_save
from supervision.models import ServiceTeam, SupervisionVisit
from tests.fixtures.api_supervision import LOGS, MILESTONES, PROBLEMS, TEAMS, VISITS

# Lists: constant queries, no COUNT


def clone(instance, n: int, vary=None) -> list:
    """``n`` copies of ``instance`` written in one statement; ``vary(i)`` gives per-copy changes."""
    model = type(instance)
    values = {
        f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields if not f.primary_key
    }
    return model.objects.bulk_create([model(**{**values, **(vary(i) if vary else {})}) for i in range(n)])


@pytest.fixture
def list_rows(verified, project, officer, unit, city_admin, today):
    """resource → (url, add(n)): ``add`` makes ``n`` more rows of the resource, all in 441202,
    each with its related records filled in."""

    def problems(n):
        clone(verified, n)

    def teams(n):
        if not ServiceTeam.objects.exists():
            services.service_team_save(
                project=project,
                by=city_admin,
                county_leader=officer,
                chief_officer=officer,
                specialist=officer,
                unit=unit,
            )
            n -= 1
        start = Project.objects.count()
        projects = clone(project, n, vary=lambda i: {"code": f"T-{start + i}"})
        clone(ServiceTeam.objects.first(), n, vary=lambda i: {"project_id": projects[i].pk})

    def visits(n):
        visit = services.visit_record(
            on=today, region=project.region, leader=officer, by=city_admin, projects=[project]
        )
        copies = clone(visit, n - 1)
        through = SupervisionVisit.projects.through
        through.objects.bulk_create(
            [through(supervisionvisit_id=v.pk, project_id=project.pk) for v in copies]
        )

    def logs(n):
        log = services.service_log_record(
            project=project, on=today, kind="other", description="x", person=officer, by=city_admin
        )
        clone(log, n - 1)

    def milestones(n):
        milestone = milestone_save(
            project=project, title="完成供地", due_on=today, responsible=officer, by=city_admin
        )
        clone(milestone, n - 1)

    return {
        "problems": (PROBLEMS, problems),
        "service-teams": (TEAMS, teams),
        "visits": (VISITS, visits),
        "service-logs": (LOGS, logs),
        "milestones": (MILESTONES, milestones),
    }


def list_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(response.json()["results"]), [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("resource", ["problems", "service-teams", "visits", "service-logs", "milestones"])
@pytest.mark.parametrize("params", ["", "?region=441200"])
def test_list_query_count_does_not_grow_and_never_counts(staff, list_rows, resource, params):
    url, add = list_rows[resource]
    if resource != "problems":
        add(1)
    rows, one = list_queries(staff, url + params)
    assert rows == 1
    add(99)
    rows, hundred = list_queries(staff, url + params)
    assert rows == 100
    assert len(one) == len(hundred), "\n".join(hundred)
    assert not any("COUNT(" in sql.upper() for sql in hundred)
