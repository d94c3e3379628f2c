"""The default reverse schedule (倒排工期), counted back from the target production date.

The city admin edits these in the admin; the numbers are typical working-day
lead times of a Zhaoqing manufacturing project from land auction to production.
"""

from django.db import migrations

TEMPLATES = [
    ("land_supplied", "完成土地摘牌", "Land auction completed", 260),
    ("land_supplied", "取得不动产权证书", "Land title certificate obtained", 240),
    ("started", "完成项目备案", "Project filing completed", 230),
    ("started", "取得建设工程规划许可证", "Construction planning permit obtained", 210),
    ("started", "取得施工许可证", "Construction permit obtained", 190),
    ("started", "动工建设", "Construction started", 180),
    ("completed", "主体结构封顶", "Main structure topped out", 90),
    ("completed", "竣工验收", "Completion acceptance", 40),
    ("in_production", "水电气接入", "Water, power and gas connected", 30),
    ("in_production", "设备安装调试", "Equipment installed and commissioned", 15),
    ("in_production", "投产", "Production starts", 0),
]


def add_templates(apps, schema_editor):
    MilestoneTemplate = apps.get_model("supervision", "MilestoneTemplate")
    for stage, name, name_en, days in TEMPLATES:
        MilestoneTemplate.objects.get_or_create(
            name=name, defaults={"stage": stage, "name_en": name_en, "working_days_before": days}
        )


def remove_templates(apps, schema_editor):
    apps.get_model("supervision", "MilestoneTemplate").objects.filter(name__in=[t[1] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(add_templates, remove_templates)]
