"""Messy ledgers as bureaus keep them: each feature of a real 项目台账 read right (issue 12, point 1)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from projects.choices import Stage
from projects.imports import values
from projects.imports.headers import find_header
from projects.imports.models import ImportKind, RowAction
from projects.imports.services import import_confirm, import_create
from projects.models import Project
from tests.fixtures.ledgers import csv_ledger, ledger_row, messy_ledger, upload

DAY = datetime.date
CREDIT = "91350100M000100Y43"


def preview(user, content, name="台账.xlsx", **kwargs):
    return import_create(by=user, file=upload(name, content), kind=kwargs.pop("kind", "projects"), **kwargs)


def verdicts(ledger_import):
    return {row.number: (row.action, [e["code"] for e in row.errors]) for row in ledger_import.rows.all()}


# --- cells --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, unit, yuan",
    [
        (386, "wan", "3860000.00"),
        (386.5, "wan", "3865000.00"),
        (0.1, "wan", "1000.00"),  # a float is read as Excel showed it, not as its binary value
        ("386万", "yuan", "3860000.00"),  # a typed unit wins over the column's
        ("3.86亿元", "wan", "386000000.00"),
        ("１，２３４．５", "wan", "12345000.00"),  # full-width digits and comma
        ("3,860,000元", "wan", "3860000.00"),
        (12, "yi", "1200000000.00"),
        (Decimal("0.000001"), "yi", "100.00"),
    ],
)
def test_money_in_every_unit(cell, unit, yuan):
    assert values.money(cell, unit) == Decimal(yuan)


@pytest.mark.parametrize("cell", ["三百万", "-5", "1e999", "12.3.4"])
def test_money_that_is_not_an_amount_is_refused_with_a_message(cell):
    with pytest.raises(ValueError) as error:
        values.money(cell, "wan")
    assert str(error.value)


def test_more_precise_than_a_fen_is_refused():
    with pytest.raises(ValueError):
        values.money("0.0000001", "wan")


@pytest.mark.parametrize(
    "cell, day",
    [
        (datetime.datetime(2024, 3, 5), DAY(2024, 3, 5)),
        (DAY(2024, 3, 5), DAY(2024, 3, 5)),
        ("2024-03-05", DAY(2024, 3, 5)),
        ("2024/3/5", DAY(2024, 3, 5)),
        ("2024.3.5", DAY(2024, 3, 5)),
        ("2024年3月5日", DAY(2024, 3, 5)),
        ("2024年3月", DAY(2024, 3, 1)),
        ("２０２４年３月５日", DAY(2024, 3, 5)),
        ("—", None),
        ("/", None),
        ("无", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_as_ledgers_write_them(cell, day):
    assert values.date(cell) == day


@pytest.mark.parametrize("cell", ["2024-02-30", "去年三月", "1999-12-31", "2024-13"])
def test_impossible_dates_are_refused(cell):
    with pytest.raises(ValueError):
        values.date(cell)


# --- headers ------------------------------------------------------------------------------------


def test_the_header_is_found_under_titles_and_a_unit_line_over_two_merged_rows():
    head = [
        (1, ("肇庆市端州区项目台账",)),
        (2, ("", "", "", "", "", "", "", "", "", "", "单位：亿元")),
        (
            3,
            (
                "序号",
                "项目名称",
                "建设单位",
                "信用代码",
                "地区",
                "产业类别",
                "总投资",
                "阶段时间",
                None,
                None,
            ),
        ),
        (4, (None, None, None, None, None, None, None, "签约", "供地", "开工")),
    ]
    header = find_header(head, ImportKind.PROJECTS)
    assert header.row == 4
    assert header.unit == "yi"
    assert header.mapping == {
        1: "name",
        2: "enterprise",
        3: "credit_code",
        4: "region",
        5: "industry",
        6: "planned_investment",
        7: "signed_on",
        8: "land_supplied_on",
        9: "started_on",
    }


def test_columns_in_any_order_with_their_units_and_extra_columns_ignored():
    head = [(1, ("备注", "计划总投资（亿元）", "项目", "投资主体", "行业", "签约日期", "联系人", "联系电话"))]
    header = find_header(head, ImportKind.PROJECTS)
    assert header.mapping == {
        1: "planned_investment",
        2: "name",
        3: "enterprise",
        4: "industry",
        5: "signed_on",
    }
    assert header.units == {1: "yi"}


def test_a_monthly_report_with_month_and_year_to_date_columns():
    head = [(1, ("项目编号", "项目名称", "1月", "2月", "2026年3月", "1-3月累计完成投资"))]
    header = find_header(head, ImportKind.INVESTMENT)
    assert header.mapping == {
        0: "code",
        1: "name",
        2: "month:1",
        3: "month:2",
        4: "month:2026-03",
        5: "ytd:3",
    }


# --- whole ledgers ------------------------------------------------------------------------------


def row(number=1, **kwargs):
    values_ = dict(
        number=number,
        name=f"项目{number}",
        enterprise=f"企业{number}",
        credit="",
        region="端州区",
        industry="新材料",
        investment=5000,
        signed="2024-03-05",
    )
    values_.update(kwargs)
    return ledger_row(**values_)


@pytest.mark.django_db
def test_a_real_looking_ledger_goes_in_with_its_stages_and_the_total_row_skipped(county_staff, industry):
    rows = [
        row(1, credit=CREDIT, investment=12000.5, land="2024/6/1", started="2024年9月", stage="已开工"),
        row(2, investment="3.5亿", signed=datetime.datetime(2025, 1, 2), land="—", stage="签约"),
        [None] * 12,  # a blank row in the middle
        row(3, investment="800", signed="2025.2.3", land="2025年4月8日", stage="供地"),
    ]
    ledger_import = preview(county_staff, messy_ledger(rows))
    assert ledger_import.status == "ready", verdicts(ledger_import)
    assert ledger_import.counts["new"] == 3 and ledger_import.counts["skipped"] == 1
    import_confirm(ledger_import=ledger_import, by=county_staff)
    projects = {p.name: p for p in Project.objects.all()}
    assert projects["项目1"].stage == Stage.STARTED and projects["项目1"].started_on == DAY(2024, 9, 1)
    assert projects["项目1"].planned_investment == Decimal("120005000.00")
    assert projects["项目1"].enterprise.credit_code == CREDIT
    assert projects["项目2"].planned_investment == Decimal("350000000.00")
    assert projects["项目3"].stage == Stage.LAND_SUPPLIED and projects["项目3"].land_supplied_on == DAY(
        2025, 4, 8
    )


@pytest.mark.django_db
def test_the_unit_line_says_yuan(county_staff, industry):
    ledger_import = preview(county_staff, messy_ledger([row(investment=1234567.89)], unit_line="单位：元"))
    import_confirm(ledger_import=ledger_import, by=county_staff)
    assert Project.objects.get().planned_investment == Decimal("1234567.89")


@pytest.mark.django_db
def test_the_users_unit_is_used_when_the_file_names_none(county_staff, industry):
    ledger_import = preview(county_staff, messy_ledger([row(investment=2)], unit_line=""), unit="yi")
    import_confirm(ledger_import=ledger_import, by=county_staff)
    assert Project.objects.get().planned_investment == Decimal("200000000.00")


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_and_gb18030(county_staff, industry, encoding):
    header = ["项目名称", "企业名称", "所属行业", "计划总投资（万元）", "签约时间", "开工时间"]
    content = csv_ledger([["铝材项目", "某企业", "新材料", "300", "2024/3/5", ""]], header, encoding=encoding)
    ledger_import = preview(county_staff, content, name="台账.csv")
    assert ledger_import.status == "ready", (ledger_import.error, verdicts(ledger_import))
    import_confirm(ledger_import=ledger_import, by=county_staff)
    assert Project.objects.get().name == "铝材项目"


@pytest.mark.django_db
def test_each_bad_row_is_an_error_on_its_row_and_column(county_staff, industry):
    rows = [
        row(1),
        row(2, investment="很多"),
        row(3, signed="2024-02-30"),
        row(4, land=None, started="2024-09-01", stage="开工"),  # 开工 without 供地
        row(5, signed="2024-05-01", land="2024-04-01", stage="供地"),  # 供地 before 签约
        row(6, industry="不存在"),
        row(7, credit="123"),
        row(8, name=""),
        row(9, signed=(datetime.date.today() + datetime.timedelta(days=30)).isoformat()),
        row(1),  # the same project as row 1 again
    ]
    with translation.override("en"):
        ledger_import = preview(county_staff, messy_ledger(rows, total=False))
    found = verdicts(ledger_import)
    assert found[6] == (RowAction.NEW, [])
    assert found[7] == (RowAction.ERROR, ["invalid"])
    assert found[8] == (RowAction.ERROR, ["invalid"])
    assert found[9] == (RowAction.ERROR, ["gap"])
    assert found[10] == (RowAction.ERROR, ["before_previous"])
    assert found[11] == (RowAction.ERROR, ["invalid"])
    assert found[12] == (RowAction.ERROR, ["invalid"])
    assert found[13] == (RowAction.ERROR, ["required"])
    assert found[14] == (RowAction.ERROR, ["future"])
    assert found[15] == (RowAction.ERROR, ["duplicate"])
    bad_amount = ledger_import.rows.get(number=7).errors[0]
    assert bad_amount["column"] == "计划总投资" and "很多" in bad_amount["message"]
    assert ledger_import.status == "has_errors"


@pytest.mark.django_db
def test_an_existing_project_is_updated_and_advanced_forward_never_back(county_staff, industry):
    first = preview(county_staff, messy_ledger([row(1, credit=CREDIT, land="2024-06-01", stage="供地")]))
    import_confirm(ledger_import=first, by=county_staff)
    later = preview(
        county_staff,
        messy_ledger(
            [row(1, credit=CREDIT, investment=6000, land="2024-06-01", started="2024-09-01", stage="开工")]
        ),
    )
    assert verdicts(later) == {6: (RowAction.UPDATE, []), 7: (RowAction.SKIPPED, [])}
    import_confirm(ledger_import=later, by=county_staff)
    project = Project.objects.get()
    assert project.stage == Stage.STARTED and project.planned_investment == Decimal("60000000.00")
    backwards = preview(county_staff, messy_ledger([row(1, credit=CREDIT, investment=6000, stage="签约")]))
    assert verdicts(backwards)[6] == (RowAction.ERROR, ["backwards"])
    moved = preview(
        county_staff,
        messy_ledger(
            [row(1, credit=CREDIT, investment=6000, land="2024-07-01", started="2024-09-01", stage="开工")]
        ),
    )
    assert verdicts(moved)[6] == (RowAction.ERROR, ["stage_date_differs"])


@pytest.mark.django_db
def test_the_same_file_twice_changes_nothing_the_second_time(county_staff, industry):
    content = messy_ledger([row(1, land="2024-06-01", stage="供地"), row(2, credit=CREDIT)])
    import_confirm(ledger_import=preview(county_staff, content), by=county_staff)
    before = list(Project.history.values_list("history_id", flat=True))
    again = preview(county_staff, content)
    assert again.counts["unchanged"] == 2 and again.counts["new"] == again.counts["update"] == 0
    import_confirm(ledger_import=again, by=county_staff)
    assert list(Project.history.values_list("history_id", flat=True)) == before


@pytest.mark.django_db
def test_an_error_found_at_confirmation_on_the_last_row_leaves_the_database_unchanged(county_staff, industry):
    ledger_import = preview(county_staff, messy_ledger([row(n) for n in range(1, 10)], total=False))
    assert ledger_import.counts["new"] == 9
    # Between the preview and the confirmation the industry of the third and the last row goes away.
    for number in (8, 14):
        row_ = ledger_import.rows.get(number=number)
        row_.data["fields"]["industry"] = 999_999
        row_.save()
    histories = Project.history.count()
    ledger_import = import_confirm(ledger_import=ledger_import, by=county_staff)
    assert ledger_import.status == "has_errors"
    # Both refusals are reported, not only the first.
    found = verdicts(ledger_import)
    assert found[8] == found[14] == (RowAction.ERROR, ["stale"])
    assert [number for number, (action, _codes) in found.items() if action == RowAction.ERROR] == [8, 14]
    assert Project.objects.count() == 0 and Project.history.count() == histories
