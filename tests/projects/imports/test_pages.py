"""The ledger import in the browser: upload, preview, column matching, confirmation, progress and
the list of imports, through the test client as a bureau's staff would use them."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from openpyxl import load_workbook

from projects import services
from projects.choices import Role
from projects.imports.models import ImportMapping, ImportStatus, LedgerImport
from projects.imports.preview import progress_key
from projects.models import Project
from tests.fixtures.ledgers import TOP, county_rows, messy_ledger, upload
from tests.fixtures.projects_views import field_error, text

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
# The import page's queries whatever its number of rows: the session, the user, their scope and
# region, the import, a page of its rows, the projects, regions and industries those rows name,
# the user's permissions and groups.
PAGE_QUERIES = 12


def post_upload(client, content, name="端州区项目台账.xlsx", **fields):
    data = {"kind": "projects", "unit": "wan", "year": 2026, "file": upload(name, content), **fields}
    return client.post("/projects/imports/new/", data)


def uploaded(response) -> LedgerImport:
    assert response.status_code == 302, text(response)
    found = re.fullmatch(r"/projects/imports/(\d+)/", response["Location"])
    assert found, response["Location"]
    return LedgerImport.objects.get(pk=int(found.group(1)))


def page_of(client, ledger_import, **params) -> str:
    response = client.get(f"/projects/imports/{ledger_import.pk}/", params)
    assert response.status_code == 200
    return text(response)


def figure(page: str, action: str) -> int:
    found = re.search(rf'import-figure--{action}"><dt>[^<]*</dt><dd>(\d+)</dd>', page)
    assert found, f"no {action} figure on the page"
    return int(found.group(1))


def confirm(client, ledger_import):
    ledger_import.refresh_from_db()
    response = client.post(
        f"/projects/imports/{ledger_import.pk}/confirm/", {"version": ledger_import.version}
    )
    assert response.status_code == 302
    ledger_import.refresh_from_db()
    return response


def selected(page: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return chosen.group(1) if chosen else ""


@pytest.fixture
def signed(today):
    return today - 30 * DAY


# --- upload, preview, confirm ------------------------------------------------------------------


def test_upload_preview_and_confirm(staff_client, county_staff, industry, signed):
    form = text(staff_client.get("/projects/imports/new/"))
    assert 'accept=".xlsx,.xls,.csv"' in form
    assert 'enctype="multipart/form-data"' in form
    # County staff import projects and investment; annual targets are the city admin's.
    assert re.findall(r'<option value="(projects|investment|targets)"', form) == ["projects", "investment"]
    assert selected(form, "unit") == "wan"
    assert "A unit line in the file" in form
    assert "/projects/imports/template/projects.xlsx" in form

    ledger_import = uploaded(post_upload(staff_client, messy_ledger(county_rows(3, signed=signed))))
    assert ledger_import.status == ImportStatus.READY
    page = page_of(staff_client, ledger_import)
    assert (figure(page, "new"), figure(page, "update"), figure(page, "skipped"), figure(page, "error")) == (
        3,
        0,
        1,
        0,
    )
    assert "台账项目0001" in page and "肇庆台账企业0001有限公司" in page
    assert "1,001.00 ten thousand yuan" in page  # the planned investment, typed in 万元
    assert "Confirm and write" in page
    assert Project.objects.filter(name__startswith="台账项目").count() == 0  # a preview writes nothing

    confirm(staff_client, ledger_import)
    assert ledger_import.status == ImportStatus.COMMITTED
    page = page_of(staff_client, ledger_import)
    assert "Written: 3 new, 0 updated." in page
    assert '<span class="badge badge--import-committed">Written</span>' in page
    assert "Confirm and write" not in page and "This import has been written." in page
    written = Project.objects.filter(name__startswith="台账项目").order_by("name")
    assert [p.planned_investment for p in written] == [
        Decimal("10010000.00"),
        Decimal("10020000.00"),
        Decimal("10030000.00"),
    ]
    assert [p.stage for p in written] == ["land_supplied", "started", "signed"]


def test_an_empty_file_or_a_kind_not_offered_is_refused_on_the_form(staff_client, industry, signed):
    response = post_upload(staff_client, b"")
    assert response.status_code == 200
    assert "empty" in field_error(response, "file")
    response = post_upload(staff_client, messy_ledger(county_rows(1, signed=signed)), kind="targets")
    assert response.status_code == 200
    assert "Select a valid choice" in field_error(response, "kind")
    assert not LedgerImport.objects.exists()


def test_errors_come_first_with_their_row_and_column_and_rows_filter_by_result(
    staff_client, industry, signed, other_region
):
    rows = county_rows(4, signed=signed)
    rows[2][4] = "鼎湖区"  # a region the county's staff may not write in
    ledger_import = uploaded(post_upload(staff_client, messy_ledger(rows)))
    assert ledger_import.status == ImportStatus.HAS_ERRORS
    page = page_of(staff_client, ledger_import)
    first_row = re.search(r'<tr class="import-row import-row--(\w+)">\s*<td[^>]*>(\d+)</td>', page)
    # Title, unit line, two header rows and a blank row: the third project is on row 8 in Excel.
    assert first_row.groups() == ("error", "8")
    assert "所属地区: You may not write in Dinghu District." in page
    assert "Confirm and write" not in page and "Rows have errors" in page
    only_new = page_of(staff_client, ledger_import, action="new")
    assert only_new.count('class="import-row import-row--new"') == 3
    assert "import-row--error" not in only_new


# --- the column matching -----------------------------------------------------------------------


def test_a_corrected_column_matching_reads_the_file_again_and_is_remembered(
    staff_client, county_staff, industry, signed
):
    top = [*TOP]
    top[6] = "拟投资金额"  # a header the import does not know
    content = messy_ledger(county_rows(2, signed=signed), top=top)
    ledger_import = uploaded(post_upload(staff_client, content))
    assert ledger_import.status == ImportStatus.FAILED
    page = page_of(staff_client, ledger_import)
    assert "No column was found for: Planned investment" in page
    column = next(index for index, header in ledger_import.headers.items() if header == "拟投资金额")
    assert selected(page, f"col_{column}") == ""
    assert selected(page, "col_1") == "name"

    posted = {f"col_{index}": ledger_import.mapping.get(index, "") for index in ledger_import.headers}
    twice = {**posted, f"col_{column}": "name", "version": ledger_import.version}
    refused = staff_client.post(f"/projects/imports/{ledger_import.pk}/mapping/", twice)
    assert refused.status_code == 400
    assert "Each field may be matched to one column only." in text(refused)

    right = {**posted, f"col_{column}": "planned_investment", "version": ledger_import.version}
    response = staff_client.post(f"/projects/imports/{ledger_import.pk}/mapping/", right)
    assert response.status_code == 302
    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.READY
    assert ledger_import.counts["new"] == 2
    assert selected(page_of(staff_client, ledger_import), f"col_{column}") == "planned_investment"

    remembered = ImportMapping.objects.get(bureau=county_staff.region.code, kind="projects")
    assert remembered.columns["拟投资金额"] == "planned_investment"
    again = uploaded(post_upload(staff_client, content))
    assert again.status == ImportStatus.READY
    assert again.mapping[column] == "planned_investment"


# --- who sees what -----------------------------------------------------------------------------


def test_another_regions_import_is_not_found(
    staff_client, make_user, other_region, city_admin, industry, signed
):
    ledger_import = uploaded(post_upload(staff_client, messy_ledger(county_rows(1, signed=signed))))
    base = f"/projects/imports/{ledger_import.pk}/"
    client = Client()
    client.force_login(make_user(Role.COUNTY_STAFF, region=other_region))
    for address in (base, f"{base}progress/", f"{base}file/"):
        assert client.get(address).status_code == 404, address
    for address in (f"{base}confirm/", f"{base}mapping/"):
        assert client.post(address, {"version": ledger_import.version}).status_code == 404, address
    assert ledger_import.filename not in text(client.get("/projects/imports/"))
    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.READY

    client.force_login(city_admin)
    assert client.get(base).status_code == 200
    assert ledger_import.filename in text(client.get("/projects/imports/"))


def test_a_county_leader_may_read_the_regions_imports_but_not_upload_or_confirm(
    staff_client, county_leader, industry, signed
):
    ledger_import = uploaded(post_upload(staff_client, messy_ledger(county_rows(1, signed=signed))))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(county_leader)
    assert client.get("/projects/imports/new/").status_code == 403
    assert post_upload(client, messy_ledger(county_rows(1, signed=signed))).status_code == 403
    assert client.get("/projects/imports/template/projects.xlsx").status_code == 403
    page = text(client.get(f"/projects/imports/{ledger_import.pk}/"))
    assert "Confirm and write" not in page and "Your role may not import" in page
    assert (
        client.post(
            f"/projects/imports/{ledger_import.pk}/confirm/", {"version": ledger_import.version}
        ).status_code
        == 403
    )
    listing = text(client.get("/projects/"))
    assert 'href="/projects/imports/"' not in listing and "/projects/imports/new/" not in listing

    staff_listing = text(staff_client.get("/projects/"))
    assert 'href="/projects/imports/"' in staff_listing and 'href="/projects/imports/new/"' in staff_listing


# --- the outcome of a confirmation ----------------------------------------------------------------


def test_a_row_changed_by_someone_else_since_the_preview_is_refused_on_its_row(
    staff_client, make_user, region, industry, signed
):
    confirm(staff_client, uploaded(post_upload(staff_client, messy_ledger(county_rows(2, signed=signed)))))
    rows = county_rows(2, signed=signed)
    rows[0][6] = 5000  # the first project's planned investment changes
    second = uploaded(post_upload(staff_client, messy_ledger(rows)))
    assert (second.counts["update"], second.counts["unchanged"]) == (1, 1)
    page = page_of(staff_client, second)
    assert "1,001.00 ten thousand yuan</del> → <ins>5,000.00 ten thousand yuan" in page

    project = Project.objects.get(name="台账项目0001")
    colleague = make_user(Role.COUNTY_STAFF, region=region)
    services.project_update(
        project=project, by=colleague, version=project.version, planned_investment=Decimal("1")
    )
    confirm(staff_client, second)
    assert second.status == ImportStatus.HAS_ERRORS
    page = page_of(staff_client, second)
    assert "Nothing was written: 1 rows were refused." in page
    assert "Someone changed this record after the preview" in page
    assert re.search(r'import-row--error">\s*<td[^>]*>6</td>', page)
    assert "Confirm and write" not in page
    project.refresh_from_db()
    assert project.planned_investment == Decimal("1")


# --- progress of a job ---------------------------------------------------------------------------


def test_while_the_file_is_read_the_page_polls_a_progress_bar(staff_client, industry, signed):
    ledger_import = uploaded(post_upload(staff_client, messy_ledger(county_rows(1, signed=signed))))
    # As a job leaves it while it reads a big file: queued, and its progress in the cache.
    LedgerImport.objects.filter(pk=ledger_import.pk).update(status=ImportStatus.QUEUED)
    cache.set(progress_key(ledger_import.pk), {"done": 500, "total": 2000, "phase": "preview"})
    fragment = f"/projects/imports/{ledger_import.pk}/progress/"
    page = page_of(staff_client, ledger_import)
    assert '<progress value="500" max="2000">' in page
    assert f'hx-get="{fragment}" hx-trigger="every 1s" hx-swap="outerHTML"' in page
    assert "Confirm and write" not in page and "The file is still being read." in page

    polled = staff_client.get(fragment, HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    assert '<progress value="500" max="2000">' in text(polled) and "<html" not in text(polled)
    # A confirmation just handed to a job: the cache still holds the preview's figures, which
    # are not the writing's, so the bar says only that it is busy.
    LedgerImport.objects.filter(pk=ledger_import.pk).update(status=ImportStatus.COMMITTING)
    writing = text(staff_client.get(fragment, HTTP_HX_REQUEST="true"))
    assert "Writing the rows…" in writing and "<progress></progress>" in writing
    LedgerImport.objects.filter(pk=ledger_import.pk).update(status=ImportStatus.COMMITTED)
    finished = staff_client.get(fragment, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"


# --- the list, the files, the export ---------------------------------------------------------------


def test_the_list_of_imports_its_files_and_its_export(
    staff_client, make_user, other_region, industry, signed
):
    content = messy_ledger(county_rows(2, signed=signed))
    older = uploaded(post_upload(staff_client, content, name="一月台账.xlsx"))
    newer = uploaded(post_upload(staff_client, content, name="二月台账.xlsx"))
    confirm(staff_client, older)
    client = Client()
    client.force_login(make_user(Role.COUNTY_STAFF, region=other_region))
    hidden = uploaded(
        post_upload(client, messy_ledger(county_rows(1, signed=signed, region="鼎湖区")), name="鼎湖.xlsx")
    )

    page = text(staff_client.get("/projects/imports/"))
    assert page.index("二月台账.xlsx") < page.index("一月台账.xlsx")
    assert "鼎湖.xlsx" not in page
    assert "2 new · 0 updated · 0 unchanged · 0 errors" in page
    assert '<span class="badge badge--import-committed">Written</span>' in page

    download = staff_client.get(f"/projects/imports/{newer.pk}/file/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == content
    assert staff_client.get(f"/projects/imports/{hidden.pk}/file/").status_code == 404

    response = staff_client.get("/projects/imports/export.xlsx")
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Ledger imports" and rows[1][0].startswith("As of ")
    header = rows[2]
    listed = [dict(zip(header, row, strict=True)) for row in rows[3:]]
    assert [row["File"] for row in listed] == ["二月台账.xlsx", "一月台账.xlsx"]
    assert (listed[1]["Outcome"], listed[1]["New"], listed[1]["Error"]) == ("Written", 2, 0)
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:M5"


def test_the_import_pages_have_no_inline_scripts_styles_or_handlers(staff_client, industry, signed):
    ledger_import = uploaded(post_upload(staff_client, messy_ledger(county_rows(2, signed=signed))))
    for address in ("/projects/imports/new/", "/projects/imports/", f"/projects/imports/{ledger_import.pk}/"):
        page = text(staff_client.get(address))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), address
        assert not re.search(r"\sstyle=|<style|\son[a-z]+=", page), address


# --- queries ---------------------------------------------------------------------------------------


def test_the_import_page_reads_as_many_queries_for_200_rows_as_for_20(
    staff_client, industry, signed, django_assert_max_num_queries
):
    twenty = county_rows(20, signed=signed)
    first = uploaded(post_upload(staff_client, messy_ledger(twenty)))
    confirm(staff_client, first)
    # 200 rows: the 20 written ones changed (updates, naming their projects and regions), 180 new.
    rows = county_rows(200, signed=signed)
    for row in rows[:20]:
        row[6] += 1
    second = uploaded(post_upload(staff_client, messy_ledger(rows)))
    assert (second.counts["update"], second.counts["new"]) == (20, 180)
    for ledger_import in (first, second):
        with django_assert_max_num_queries(PAGE_QUERIES):
            page_of(staff_client, ledger_import)
