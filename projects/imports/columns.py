"""The columns each kind of ledger may have: the field, its header in the template, the header
names bureaus use for it, and how its cells are read.

Labels carry the context "ledger column": in Chinese they are the names ledgers use (企业名称,
where the rest of the interface says 企业). Header names are compared after ``headers.clean``
(no spaces, no unit in brackets, full-width punctuation as ASCII), so "计划总投资（万元）" is
"计划总投资" here.
"""

from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy

from projects.choices import Stage
from projects.imports.models import ImportKind
from projects.models import Project


@dataclass(frozen=True)
class Column:
    field: str
    label: object  # the template's header, in the user's language
    aliases: tuple[str, ...]
    reader: str  # a function of values.py: text, money, date, month, count, yes_no, stage, status
    required: bool = False
    max_length: int = 200


def _stage(stage: Stage, *words: str) -> Column:
    names = []
    for word in words:
        names += [f"{word}时间", f"{word}日期", f"{word}", f"实际{word}时间", f"{word}(时间)"]
    label = capfirst(Project._meta.get_field(stage.date_field).verbose_name)
    return Column(stage.date_field, label, tuple(names), "date", required=stage == Stage.SIGNED)


PROJECT_COLUMNS = (
    Column(
        "code",
        pgettext_lazy("ledger column", "Project code"),
        ("项目编号", "项目编码", "项目代码", "编号", "project code", "code"),
        "text",
        max_length=30,
    ),
    Column(
        "name",
        pgettext_lazy("ledger column", "Project name"),
        ("项目名称", "项目", "项目名", "name", "project name", "project"),
        "text",
        required=True,
    ),
    Column(
        "enterprise",
        pgettext_lazy("ledger column", "Enterprise"),
        (
            "企业名称",
            "投资主体",
            "建设单位",
            "投资方",
            "投资企业",
            "签约企业",
            "项目业主",
            "业主单位",
            "企业",
            "enterprise",
            "company",
        ),
        "text",
        required=True,
    ),
    Column(
        "credit_code",
        pgettext_lazy("ledger column", "Unified social credit code"),
        ("统一社会信用代码", "信用代码", "社会信用代码", "credit code", "unified social credit code"),
        "text",
        max_length=18,
    ),
    Column(
        "region",
        pgettext_lazy("ledger column", "Region"),
        (
            "县(市、区)",
            "县市区",
            "所属地区",
            "所属县区",
            "地区",
            "区域",
            "属地",
            "所在地",
            "县区",
            "region",
            "county",
        ),
        "text",
        max_length=100,
    ),
    Column(
        "park",
        pgettext_lazy("ledger column", "Park"),
        ("园区", "所在园区", "所属园区", "产业园区", "工业园区", "industrial park", "park"),
        "text",
        max_length=100,
    ),
    Column(
        "industry",
        pgettext_lazy("ledger column", "Industry"),
        ("行业", "所属行业", "产业", "所属产业", "产业类别", "行业类别", "行业分类", "industry"),
        "text",
        required=True,
        max_length=100,
    ),
    Column(
        "planned_investment",
        pgettext_lazy("ledger column", "Planned investment"),
        (
            "计划总投资",
            "总投资",
            "计划投资",
            "协议投资",
            "协议投资额",
            "投资额",
            "投资总额",
            "合同投资",
            "planned investment",
            "investment",
        ),
        "money",
        required=True,
    ),
    Column(
        "is_manufacturing",
        pgettext_lazy("ledger column", "Manufacturing"),
        ("是否制造业", "制造业", "是否制造业项目", "manufacturing"),
        "yes_no",
    ),
    Column(
        "first_contact_on",
        pgettext_lazy("ledger column", "First contact"),
        ("首次接洽时间", "首次接洽", "接洽时间", "首次对接时间", "对接时间", "first contact"),
        "date",
    ),
    _stage(Stage.SIGNED, "签约", "signed"),
    _stage(Stage.LAND_SUPPLIED, "供地", "拿地", "land supplied"),
    _stage(Stage.STARTED, "开工", "started"),
    _stage(Stage.COMPLETED, "竣工", "completed"),
    _stage(Stage.IN_PRODUCTION, "投产", "in production"),
    _stage(Stage.ABOVE_SCALE, "上规", "纳统", "above scale"),
    Column(
        "stage",
        pgettext_lazy("ledger column", "Current stage"),
        ("当前阶段", "项目阶段", "项目进度", "进展阶段", "阶段", "stage"),
        "stage",
    ),
    Column("status", pgettext_lazy("ledger column", "Status"), ("项目状态", "状态", "status"), "status"),
)

INVESTMENT_COLUMNS = (
    PROJECT_COLUMNS[0],
    PROJECT_COLUMNS[1],
    PROJECT_COLUMNS[3],
    Column(
        "month",
        pgettext_lazy("ledger column", "Month"),
        ("月份", "报告月份", "填报月份", "所属月份", "统计月份", "month"),
        "month",
    ),
    Column(
        "amount",
        pgettext_lazy("ledger column", "Investment this month"),
        (
            "本月完成投资",
            "当月完成投资",
            "本月投资",
            "当月投资",
            "月度投资",
            "完成投资",
            "实际投资",
            "investment this month",
            "amount",
        ),
        "money",
    ),
    Column(
        "ytd",
        pgettext_lazy("ledger column", "Investment this year to date"),
        (
            "累计完成投资",
            "本年累计完成投资",
            "年度累计完成投资",
            "本年累计",
            "累计投资",
            "今年累计",
            "year to date",
            "ytd",
        ),
        "money",
    ),
)

TARGET_COLUMNS = (
    Column(
        "region",
        pgettext_lazy("ledger column", "Region"),
        PROJECT_COLUMNS[4].aliases,
        "text",
        required=True,
        max_length=100,
    ),
    Column("year", pgettext_lazy("ledger column", "Year"), ("年度", "年份", "year"), "count", required=True),
    Column(
        "investment",
        pgettext_lazy("ledger column", "Investment target"),
        ("年度投资任务", "全年投资任务", "投资任务", "年度任务", "全年任务", "investment target"),
        "money",
        required=True,
    ),
    Column(
        "investment_h1",
        pgettext_lazy("ledger column", "Half-year investment target"),
        ("上半年投资任务", "半年投资任务", "上半年任务", "half-year investment target"),
        "money",
    ),
    Column(
        "signed",
        pgettext_lazy("ledger column", "Projects to sign"),
        ("签约项目任务", "签约任务", "签约个数", "projects to sign"),
        "count",
    ),
    Column(
        "started",
        pgettext_lazy("ledger column", "Projects to start"),
        ("开工项目任务", "开工任务", "开工个数", "projects to start"),
        "count",
    ),
    Column(
        "completed",
        pgettext_lazy("ledger column", "Projects to complete"),
        ("竣工项目任务", "竣工任务", "竣工个数", "projects to complete"),
        "count",
    ),
    Column(
        "in_production",
        pgettext_lazy("ledger column", "Projects to put into production"),
        ("投产项目任务", "投产任务", "投产个数", "projects to put into production"),
        "count",
    ),
)

COLUMNS = {
    ImportKind.PROJECTS: PROJECT_COLUMNS,
    ImportKind.INVESTMENT: INVESTMENT_COLUMNS,
    ImportKind.TARGETS: TARGET_COLUMNS,
}


def columns_of(kind) -> dict[str, Column]:
    return {column.field: column for column in COLUMNS[ImportKind(kind)]}
