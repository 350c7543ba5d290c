"""Organisation.silos becomes funding's Silo.organisations (funding owns the relation, issue 18).

State only: the table ``organisations_organisation_silos`` and its rows stay exactly as they are;
``funding.0013_silo_organisations`` declares the same table as the field on Silo.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_team_allocated_by"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="organisation", name="silos")],
            database_operations=[],
        ),
    ]
