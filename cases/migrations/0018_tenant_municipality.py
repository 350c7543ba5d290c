import django.db.models.deletion
from django.db import migrations, models

FILL = """
SET CONSTRAINTS ALL IMMEDIATE;
UPDATE cases_household AS household SET municipality_id = area.municipality_id
  FROM organisations_area AS area
 WHERE area.id = household.neighbourhood_id AND household.municipality_id IS NULL;
UPDATE cases_case AS c SET municipality_id = team.municipality_id
  FROM organisations_team AS team
 WHERE team.id = c.team_id AND c.municipality_id IS NULL;
UPDATE cases_historicalhousehold AS household SET municipality_id = area.municipality_id
  FROM organisations_area AS area
 WHERE area.id = household.neighbourhood_id AND household.municipality_id IS NULL;
UPDATE cases_historicalcase AS c SET municipality_id = team.municipality_id
  FROM organisations_team AS team
 WHERE team.id = c.team_id AND c.municipality_id IS NULL;
"""


def _tenant_key(nullable: bool) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        editable=False,
        null=nullable,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="organisations.municipality",
        verbose_name="municipality",
    )


def _history_key() -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        editable=False,
        null=True,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to="organisations.municipality",
        verbose_name="municipality",
    )


class Migration(migrations.Migration):
    """The municipality on households and cases: the tenant key of docs/scaling.md (issue 17, item 7).

    Added empty, filled from the buurt's (households) and the team's (cases) municipality, then required.
    """

    dependencies = [
        ("cases", "0017_case_child_indexes"),
        ("organisations", "0005_silos_relation_moves_to_funding"),
    ]

    operations = [
        migrations.AddField(model_name="household", name="municipality", field=_tenant_key(nullable=True)),
        migrations.AddField(model_name="case", name="municipality", field=_tenant_key(nullable=True)),
        migrations.AddField(model_name="historicalhousehold", name="municipality", field=_history_key()),
        migrations.AddField(model_name="historicalcase", name="municipality", field=_history_key()),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
        migrations.AlterField(model_name="household", name="municipality", field=_tenant_key(nullable=False)),
        migrations.AlterField(model_name="case", name="municipality", field=_tenant_key(nullable=False)),
    ]
