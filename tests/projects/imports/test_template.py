"""The ledger templates: canonical headers in the user's language, drop-down lists of what the user
may pick, an instructions sheet, and a filled-in template that imports without an error."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from projects.choices import Stage
from projects.imports.models import ImportStatus, LedgerImport
from tests.fixtures.ledgers import credit_code, upload

pytestmark = pytest.mark.django_db


def download(user, kind="projects", language="zh-hans"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(f"/projects/imports/template/{kind}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == f'attachment; filename="template-{kind}.xlsx"'
    return client, load_workbook(io.BytesIO(response.content))


def drop_downs(book) -> dict[str, list[str]]:
    """Header of each column with a drop-down → the values its list offers."""
    data = book.worksheets[0]
    header = {cell.column_letter: cell.value for cell in data[1]}
    found = {}
    for validation in data.data_validations.dataValidation:
        assert validation.type == "list"
        sheet_name, cells = validation.formula1.split("!")
        first, last = cells.replace("$", "").split(":")
        values = [row[0].value for row in book[sheet_name.strip("'")][f"{first}:{last}"]]
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        found[header[column]] = values
    return found


def test_the_projects_template_in_chinese(county_staff, industry, region, other_region):
    _client, book = download(county_staff)
    data, instructions = book.worksheets[0], book.worksheets[1]
    header = [cell.value for cell in data[1]]
    assert header[:4] == ["项目编号", "项目名称", "企业名称", "统一社会信用代码"]
    assert "计划总投资（万元）" in header and "签约日期" in header and "当前阶段" in header
    assert all(cell.font.bold for cell in data[1])
    assert data.freeze_panes == "A2"
    assert all(data.column_dimensions[cell.column_letter].width >= 10 for cell in data[1])
    assert data.max_row == 1  # no example row that would import as a project

    lists = drop_downs(book)
    # The county's staff may write in their own region (and those under it), not the neighbour's.
    assert "端州区" in lists["县(市、区)"] and "鼎湖区" not in lists["县(市、区)"]
    assert "新材料" in lists["所属行业"]
    assert lists["当前阶段"] == [str(stage.label) for stage in Stage] and lists["当前阶段"][0] == "签约"
    assert lists["是否制造业"] == ["是", "否"]
    assert book["lists"].sheet_state == "hidden"

    assert instructions.title == "说明"
    text = "\n".join(str(cell.value) for row in instructions.iter_rows() for cell in row if cell.value)
    for needed in ("万元", "合计", "2024年3月5日", "项目编号", "信用代码"):
        assert needed in text, needed
    for column in header:
        assert column in text, column


def test_the_targets_template_is_the_city_admins(county_staff, city_admin, regions):
    client = Client()
    client.force_login(county_staff)
    assert client.get("/projects/imports/template/targets.xlsx").status_code == 403
    assert client.get("/projects/imports/template/nothing.xlsx").status_code == 404
    _client, book = download(city_admin, "targets", "en")
    header = [cell.value for cell in book.worksheets[0][1]]
    assert header[:3] == ["Region", "Year", "Investment target (10k yuan)"]
    assert book.worksheets[1].title == "Instructions"
    assert len(drop_downs(book)["Region"]) == len(regions)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_filled_in_template_imports_as_one_new_project(county_staff, industry, region, today, language):
    client, book = download(county_staff, language=language)
    data = book.worksheets[0]
    lists = drop_downs(book)
    header = [cell.value for cell in data[1]]
    values = {
        0: "",  # no code: a new project gets one
        1: "模板导入项目",
        2: "肇庆模板企业有限公司",
        3: credit_code(4242),
        4: lists[header[4]][0],  # the region, from its drop-down
        6: lists[header[6]][0],  # the industry
        7: 2500.5,
        8: lists[header[8]][0],  # manufacturing: 是 / Yes
        10: today,
        11: f"{today:%Y年%-m月%-d日}",  # land supplied, typed as text
        16: lists[header[16]][1],  # the stage: land supplied
    }
    for index, value in values.items():
        data.cell(2, index + 1, value)
    output = io.BytesIO()
    book.save(output)
    response = client.post(
        "/projects/imports/new/",
        {"kind": "projects", "unit": "wan", "file": upload("模板.xlsx", output.getvalue())},
    )
    assert response.status_code == 302
    ledger_import = LedgerImport.objects.get()
    assert list(ledger_import.rows.exclude(errors=[]).values_list("errors", flat=True)) == []
    assert ledger_import.status == ImportStatus.READY
    assert (ledger_import.counts["new"], ledger_import.counts["error"]) == (1, 0)
    row = ledger_import.rows.get()
    assert row.data["fields"]["planned_investment"] == "25005000.00"
    assert row.data["advance"] == {"land_supplied": today.isoformat()}
