"""The change feed of a sync walk on PostgreSQL (zhaoqing_tracker/api/changes.py): each synced
table records the transaction that last wrote a row. Nothing changes on SQLite."""

from django.db import migrations

from zhaoqing_tracker.api import changes

MODELS = ["Project", "InvestmentReport", "AnnualTarget"]


def _tables(apps):
    return [apps.get_model("projects", name)._meta.db_table for name in MODELS]


def forward(apps, schema_editor):
    changes.install(schema_editor, _tables(apps))


def backward(apps, schema_editor):
    changes.uninstall(schema_editor, _tables(apps), drop_function=True)


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_investment_rollup")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
