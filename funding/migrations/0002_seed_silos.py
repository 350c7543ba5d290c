"""Reference data: the funding silos (kokers) of the domain brief."""

from django.db import migrations

from funding.reference import load


def seed(apps, schema_editor):
    load(apps)


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
