"""Silo.organisations: the relation that was Organisation.silos, now owned by funding (issue 18).

State only: the field names the existing table, so no row moves and no constraint changes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0012_cell_key_noise_on_flow_cells"),
        ("organisations", "0005_silos_relation_moves_to_funding"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="silo",
                    name="organisations",
                    field=models.ManyToManyField(
                        blank=True,
                        db_table="organisations_organisation_silos",
                        related_name="silos",
                        to="organisations.organisation",
                        verbose_name="organisations that can bill it",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
