"""Default retention periods (see privacy/reference.py)."""

from django.db import migrations

from privacy.reference import load


def seed(apps, schema_editor):
    load(apps)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_retention_and_requests"), ("funding", "0002_seed_silos")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
