"""Reference data: the kinds of organisation that work in a neighbourhood team."""

from django.db import migrations

from organisations.reference import load


def seed(apps, schema_editor):
    load(apps)


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
