"""Zhaoqing city and its ranked regions, with their administrative division codes.

The eight county-level divisions carry their real codes. The three functional
zones have no civil-affairs code of their own, so they are given codes in the
441291–441293 block under the city, which no division of Zhaoqing uses
(GB/T 2260 reserves 81–99 for county-level cities, and Zhaoqing's only one is
Sihui, 441284); docs/regions.md explains the choice.
"""

from django.db import migrations

CITY = ("441200", "肇庆市", "Zhaoqing", "city")
REGIONS = [
    ("441202", "端州区", "Duanzhou District", "district"),
    ("441203", "鼎湖区", "Dinghu District", "district"),
    ("441204", "高要区", "Gaoyao District", "district"),
    ("441223", "广宁县", "Guangning County", "county"),
    ("441224", "怀集县", "Huaiji County", "county"),
    ("441225", "封开县", "Fengkai County", "county"),
    ("441226", "德庆县", "Deqing County", "county"),
    ("441284", "四会市", "Sihui City", "county_city"),
    ("441291", "肇庆新区", "Zhaoqing New Area", "functional_zone"),
    ("441292", "肇庆高新区", "Zhaoqing Hi-tech Zone", "functional_zone"),
    ("441293", "肇庆大型产业集聚区", "Zhaoqing Large Industrial Agglomeration Zone", "functional_zone"),
]


def add_regions(apps, schema_editor):
    Region = apps.get_model("projects", "Region")
    code, name, name_en, kind = CITY
    city, _ = Region.objects.update_or_create(
        code=code, defaults={"name": name, "name_en": name_en, "kind": kind, "is_ranked": False}
    )
    for code, name, name_en, kind in REGIONS:
        Region.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "kind": kind, "parent": city, "is_ranked": True},
        )


def remove_regions(apps, schema_editor):
    Region = apps.get_model("projects", "Region")
    Region.objects.filter(code__in=[r[0] for r in REGIONS]).delete()
    Region.objects.filter(code=CITY[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(add_regions, remove_regions)]
