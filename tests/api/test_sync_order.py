"""A sync walk never misses a row whose transaction commits after a later one (PostgreSQL).

``updated_at`` is taken when a row is saved, not when it commits. T1 saves project A,
T2 saves project B a moment later and commits first: a client reading between the two
commits that was handed B would move past A, and A (committing later with an earlier
``updated_at``) would never come. The change feed (zhaoqing_tracker/api/changes.py) holds
B back until every older transaction has finished; the client keeps the ``resume`` link
and gets A and B, once each, when it asks again.

The two transactions run in two threads, each on its own connection; the test database
is committed to (``transaction=True``) so that the API request sees only committed rows.
"""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from projects.models import Project
from tests.fixtures.api_projects import PROJECTS, client_for
from zhaoqing_tracker.api import changes

TIMEOUT = 30

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_throttles"),
]


def walk(client, url, params=None) -> tuple[list[int], dict]:
    """Follow ``next`` to the end; the ids handed out and the last page."""
    seen, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content[:500]
        page = response.json()
        seen += [row["id"] for row in page["results"]]
        if not page["next"]:
            return seen, page
        response = client.get(page["next"])


class Writer(threading.Thread):
    """A transaction in a thread of its own: saves one project, then commits when told to."""

    def __init__(self, make_project, name):
        super().__init__(daemon=True)
        self.make_project, self.name = make_project, name
        self.saved, self.commit, self.done = threading.Event(), threading.Event(), threading.Event()
        self.project, self.error = None, None

    def run(self):
        try:
            with transaction.atomic():
                # Its own code: the next code of a region is counted under a lock the other would wait on.
                self.project = self.make_project(name=self.name, code=f"SYNC-{self.name[0]}")
                self.saved.set()
                assert self.commit.wait(TIMEOUT), "never told to commit"
        except Exception as exc:  # noqa: BLE001 - the test reports it
            self.error = exc
            self.saved.set()
        finally:
            connection.close()
            self.done.set()

    def finish(self):
        self.commit.set()
        assert self.done.wait(TIMEOUT), "the transaction did not end"
        assert self.error is None, self.error


def test_a_row_committed_after_a_later_one_is_not_skipped(city_admin, make_project):
    client = client_for(city_admin)
    earlier = make_project(name="已同步项目")
    since = (earlier.updated_at - datetime.timedelta(seconds=1)).isoformat()
    params = {"updated_after": since, "ordering": "updated_at", "page_size": 1}

    first, second = Writer(make_project, "A 先写后提交"), Writer(make_project, "B 后写先提交")
    first.start()
    assert first.saved.wait(TIMEOUT) and first.error is None
    second.start()
    assert second.saved.wait(TIMEOUT) and second.error is None
    second.finish()  # B commits while A's transaction is still open
    a, b = first.project, second.project
    assert a.updated_at < b.updated_at  # the order that loses A to a plain updated_at walk
    assert Project.objects.filter(pk=b.pk).exists() and not Project.objects.filter(pk=a.pk).exists()

    try:
        seen, last = walk(client, PROJECTS, params)
        # B is committed but held back: handing it out would move the client past A.
        assert seen == [earlier.pk]
        assert last["previous"] is None and last["resume"]
    finally:
        first.finish()

    # A is committed now: the link the client kept brings A, then B, and nothing it had.
    more, last = walk(client, last["resume"])
    assert more == [a.pk, b.pk]
    assert sorted(seen + more) == sorted({earlier.pk, a.pk, b.pk})  # nothing missed, nothing twice
    again, _last = walk(client, last["resume"])
    assert again == []


def test_a_row_changed_after_the_walk_comes_again_through_the_resume_link(city_admin, make_project):
    client = client_for(city_admin)
    projects = [make_project(name=f"项目{i}") for i in range(5)]
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    seen, last = walk(client, PROJECTS, {"updated_after": since, "page_size": 2})
    assert seen == [p.pk for p in projects]  # in the order they were written

    response = client.patch(f"{PROJECTS}{projects[1].pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 200, response.content
    more, _last = walk(client, last["resume"])
    assert more == [projects[1].pk]


def test_a_sync_cursor_that_is_not_one_is_a_404(city_admin, make_project):
    make_project()
    client = client_for(city_admin)
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    for cursor in [
        "not-a-cursor",
        "cD0yMDI1",
        "Yz05OTk5OTk5OTk5OTk5OTk5OTk5OTk5LjE=",
    ]:  # junk, plain, too big
        response = client.get(PROJECTS, {"updated_after": since, "cursor": cursor})
        assert response.status_code == 404, (cursor, response.content)
        assert response.json()["code"] == "not_found"


def test_every_list_that_syncs_has_the_change_feed():
    # A new list with updated_after needs its table in a migration like projects' 0005_change_feed.
    import django_filters

    import supervision.filtersets  # noqa: F401 - registers the FilterSets

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    synced = {
        fs._meta.model._meta.db_table
        for fs in every(django_filters.FilterSet)
        if "updated_after" in fs.base_filters
    }
    assert "projects_project" in synced and "supervision_problem" in synced
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = %s", [changes.COLUMN]
        )
        with_column = {row[0] for row in cursor.fetchall()}
    assert synced <= with_column, sorted(synced - with_column)
