"""Reference data: the six themes (fixed codes), sub-themes, and the ZRM and Positieve Gezondheid instruments."""

from django.db import migrations

from themes.reference import load


def seed(apps, schema_editor):
    load(apps)


class Migration(migrations.Migration):
    dependencies = [("themes", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
