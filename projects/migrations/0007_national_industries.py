"""The national industry classification and the city's strategic industries, so that a fresh
install (migrations only, no demo data) can take projects: every project names an industry.

First level: the 31 manufacturing divisions of GB/T 4754-2017 (国民经济行业分类), C13 … C43,
with their official Chinese names and English names after the National Bureau of Statistics'
translation. Second level: the strategic industries the city's "general battle" names (the
"两新一电" of new energy vehicles, new energy storage and electronic information; hydrogen energy
and intelligent equipment; southern medicine; food; the beauty industry chain; low-altitude
aircraft), each under the division most of its plants are classified in.

Idempotent: a row with the same code is brought up to date (its version goes up when something
changed, so an API client's stale write is refused); a row that has the same name under a local
code is taken over (it gets the national code). A name that another industry already holds is
left with that industry. The reverse step removes nothing: projects point at these rows.
"""

import django.db.models.deletion
from django.db import migrations, models


# code, official Chinese name, English name (GB/T 4754-2017, section C: manufacturing).
DIVISIONS = [
    ("C13", "农副食品加工业", "Processing of food from agricultural products"),
    ("C14", "食品制造业", "Manufacture of foods"),
    ("C15", "酒、饮料和精制茶制造业", "Manufacture of liquor, beverages and refined tea"),
    ("C16", "烟草制品业", "Manufacture of tobacco"),
    ("C17", "纺织业", "Manufacture of textiles"),
    ("C18", "纺织服装、服饰业", "Manufacture of textile wearing apparel and clothing"),
    ("C19", "皮革、毛皮、羽毛及其制品和制鞋业", "Manufacture of leather, fur, feathers and related products, and footwear"),
    ("C20", "木材加工和木、竹、藤、棕、草制品业", "Processing of timber; wood, bamboo, rattan, palm and straw products"),
    ("C21", "家具制造业", "Manufacture of furniture"),
    ("C22", "造纸和纸制品业", "Manufacture of paper and paper products"),
    ("C23", "印刷和记录媒介复制业", "Printing and reproduction of recorded media"),
    ("C24", "文教、工美、体育和娱乐用品制造业", "Manufacture of articles for culture, education, arts and crafts, sport and entertainment"),
    ("C25", "石油、煤炭及其他燃料加工业", "Processing of petroleum, coal and other fuels"),
    ("C26", "化学原料和化学制品制造业", "Manufacture of raw chemical materials and chemical products"),
    ("C27", "医药制造业", "Manufacture of medicines"),
    ("C28", "化学纤维制造业", "Manufacture of chemical fibres"),
    ("C29", "橡胶和塑料制品业", "Manufacture of rubber and plastic products"),
    ("C30", "非金属矿物制品业", "Manufacture of non-metallic mineral products"),
    ("C31", "黑色金属冶炼和压延加工业", "Smelting and pressing of ferrous metals"),
    ("C32", "有色金属冶炼和压延加工业", "Smelting and pressing of non-ferrous metals"),
    ("C33", "金属制品业", "Manufacture of metal products"),
    ("C34", "通用设备制造业", "Manufacture of general-purpose machinery"),
    ("C35", "专用设备制造业", "Manufacture of special-purpose machinery"),
    ("C36", "汽车制造业", "Manufacture of motor vehicles"),
    ("C37", "铁路、船舶、航空航天和其他运输设备制造业", "Manufacture of railway, ship, aerospace and other transport equipment"),
    ("C38", "电气机械和器材制造业", "Manufacture of electrical machinery and apparatus"),
    ("C39", "计算机、通信和其他电子设备制造业", "Manufacture of computers, communication and other electronic equipment"),
    ("C40", "仪器仪表制造业", "Manufacture of measuring instruments and meters"),
    ("C41", "其他制造业", "Other manufacturing"),
    ("C42", "废弃资源综合利用业", "Comprehensive use of waste resources"),
    ("C43", "金属制品、机械和设备修理业", "Repair of metal products, machinery and equipment"),
]

# code, Chinese name, English name, division: the strategic industries the city's articles name.
# The codes of the first seven are those the demo data used before, so its projects keep them.
STRATEGIC = [
    # 新能源汽车及零部件: vehicles and their parts are both C36 (C366 parts and accessories).
    ("new-energy-vehicles", "新能源汽车及零部件", "New energy vehicles and parts", "C36"),
    # 新型储能: lithium-ion and other batteries, C384.
    ("energy-storage", "新型储能", "New energy storage", "C38"),
    ("electronic-information", "电子信息", "Electronic information", "C39"),
    # 氢能: the articles' example is a fuel cell plant (C3849, other batteries).
    ("hydrogen-energy", "氢能", "Hydrogen energy", "C38"),
    # 智能装备: industrial robots and intelligent machinery, C34 (C349).
    ("intelligent-equipment", "智能装备", "Intelligent equipment", "C34"),
    # 南药: Lingnan medicinal herbs, prepared as decoction pieces and patent medicines (C273, C274).
    ("biomedicine", "南药与生物医药", "Southern medicine and biomedicine", "C27"),
    # 食品: the food parks' plants are mostly food manufacturing (C14); C13 and C15 stay divisions.
    ("food-beverage", "食品饮料", "Food and beverages", "C14"),
    # 高端美妆: the beauty industry chain's products are cosmetics (C2682).
    ("beauty-cosmetics", "美妆日化", "Beauty and personal care products", "C26"),
    # 低空飞行器: aircraft manufacturing, C374.
    ("low-altitude-aircraft", "低空飞行器", "Low-altitude aircraft", "C37"),
]


def _put(Industry, code, name, name_en, parent):
    """Create the industry ``code`` or bring an existing one up to date."""
    industry = Industry.objects.filter(code=code).first()
    if industry is None:
        # The same industry kept under a local code takes the national one.
        industry = Industry.objects.filter(name=name).first()
    if industry is None:
        return Industry.objects.create(code=code, name=name, name_en=name_en, parent=parent)
    wanted = {"code": code, "name_en": name_en, "parent_id": parent.pk if parent else None}
    if not Industry.objects.filter(name=name).exclude(pk=industry.pk).exists():
        wanted["name"] = name
    changed = {field: value for field, value in wanted.items() if getattr(industry, field) != value}
    if changed:
        for field, value in changed.items():
            setattr(industry, field, value)
        industry.version += 1
        industry.save()
    return industry


def add_industries(apps, schema_editor):
    Industry = apps.get_model("projects", "Industry")
    divisions = {code: _put(Industry, code, name, name_en, None) for code, name, name_en in DIVISIONS}
    for code, name, name_en, division in STRATEGIC:
        _put(Industry, code, name, name_en, divisions[division])


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0006_not_before_2000'),
    ]

    operations = [
        migrations.AddField(
            model_name='enterprise',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name='version'),
        ),
        migrations.AddField(
            model_name='historicalenterprise',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name='version'),
        ),
        migrations.AddField(
            model_name='historicalindustry',
            name='parent',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The GB/T 4754 division a strategic industry belongs to; empty for a division.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.industry', verbose_name='division'),
        ),
        migrations.AddField(
            model_name='historicalindustry',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name='version'),
        ),
        migrations.AddField(
            model_name='industry',
            name='parent',
            field=models.ForeignKey(blank=True, help_text='The GB/T 4754 division a strategic industry belongs to; empty for a division.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='projects.industry', verbose_name='division'),
        ),
        migrations.AddField(
            model_name='industry',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name='version'),
        ),
        migrations.AlterField(
            model_name='historicalindustry',
            name='code',
            field=models.SlugField(help_text='GB/T 4754 division code (C36), or a short code of letters and hyphens (energy-storage).', max_length=40, verbose_name='code'),
        ),
        migrations.AlterField(
            model_name='industry',
            name='code',
            field=models.SlugField(help_text='GB/T 4754 division code (C36), or a short code of letters and hyphens (energy-storage).', max_length=40, unique=True, verbose_name='code'),
        ),
        migrations.RunPython(add_industries, migrations.RunPython.noop),
    ]
