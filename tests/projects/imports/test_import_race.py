"""A confirmation racing a staff edit of the same project (PostgreSQL row locks, real threads).

Two things confirm at once: the import updating a project (from the version it previewed) and a
colleague's edit of that project in the browser. Whichever takes the project's row lock first
wins; the other is refused, never lost: an edit that loses gets the stale message, an import
that loses is refused whole (nothing of it is written) with the row saying why.
"""

import pytest
from django.core.exceptions import ValidationError

from projects import services
from projects.imports.models import ImportStatus, RowAction
from projects.imports.services import import_confirm, import_create
from projects.models import Project
from tests.fixtures.concurrency import race
from tests.fixtures.ledgers import ledger_row, messy_ledger, upload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("english"),
]
CREDIT = "91350100M000100Y43"


def ledger(investment, *extra):
    rows = [
        ledger_row(1, "铝型材项目", "某铝业有限公司", CREDIT, "端州区", "新材料", investment, "2024-03-05"),
        *extra,
    ]
    return upload("台账.xlsx", messy_ledger(rows))


@pytest.mark.parametrize("attempt", range(3))
def test_an_import_and_a_staff_edit_of_the_same_project_at_once(county_staff, industry, attempt):
    first = import_create(by=county_staff, file=ledger(5000), kind="projects")
    import_confirm(ledger_import=first, by=county_staff)
    project = Project.objects.get()
    new_row = ledger_row(2, "另一个项目", "另一家企业", "", "端州区", "新材料", 300, "2024-05-01")
    pending = import_create(by=county_staff, file=ledger(6000, new_row), kind="projects")
    assert pending.counts["update"] == 1 and pending.counts["new"] == 1
    version = project.version

    def act(i):
        if i == 0:
            return import_confirm(ledger_import=pending, by=county_staff).status
        return services.project_update(
            project=Project.objects.get(pk=project.pk), by=county_staff, version=version, name="同事改的名字"
        ).version

    results, errors = race(2, act)
    project.refresh_from_db()
    if results[0] == ImportStatus.COMMITTED:
        # The import won: the colleague's edit, made from the older version, is refused as stale.
        assert isinstance(errors[1], ValidationError) and "stale" in {e.code for e in errors[1].error_list}
        assert (project.name, project.planned_investment) == ("铝型材项目", 60_000_000)
        assert Project.objects.count() == 2
    else:
        # The edit won: the whole import is refused, the edit kept, the new row not written either.
        assert errors == [None, None] and results[0] == ImportStatus.HAS_ERRORS
        assert (project.name, project.planned_investment) == ("同事改的名字", 50_000_000)
        assert Project.objects.count() == 1
        stale = pending.rows.get(action=RowAction.ERROR)
        assert stale.number == 6 and stale.errors[0]["code"] == "stale"
