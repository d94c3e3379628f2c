"""The change feed of a sync walk on PostgreSQL (zhaoqing_tracker/api/changes.py) for the
supervision records that sync with updated_after. Nothing changes on SQLite."""

from django.db import migrations

from zhaoqing_tracker.api import changes

MODELS = ["Problem", "ServiceTeam", "SupervisionVisit", "ServiceLog", "Milestone"]


def _tables(apps):
    return [apps.get_model("supervision", name)._meta.db_table for name in MODELS]


def forward(apps, schema_editor):
    changes.install(schema_editor, _tables(apps))


def backward(apps, schema_editor):
    changes.uninstall(schema_editor, _tables(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0004_rankings_and_bulletins"),
        ("projects", "0005_change_feed"),  # installs the trigger's function
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
