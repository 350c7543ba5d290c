import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Theme on the funding and blockage summaries. Both are derived: emptied here, rebuilt by the next refresh
    (the next run is full, as the summary runs are cleared too)."""

    dependencies = [
        ("monitoring", "0003_precision_review_versions"),
        ("themes", "0002_seed_themes_and_instruments"),
    ]

    operations = [
        migrations.RunSQL(
            "DELETE FROM monitoring_fundingmonthsummary; DELETE FROM monitoring_blockagefact;"
            " DELETE FROM monitoring_summaryrun;",
            migrations.RunSQL.noop,
        ),
        migrations.RemoveConstraint(model_name="fundingmonthsummary", name="funding_month_summary_unique"),
        migrations.AddField(
            model_name="blockagefact",
            name="theme",
            field=models.ForeignKey(
                default=None, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="themes.theme"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="fundingmonthsummary",
            name="theme",
            field=models.ForeignKey(
                default=None, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="themes.theme"
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="fundingmonthsummary",
            constraint=models.UniqueConstraint(
                fields=("buurt", "month", "silo", "theme"), name="funding_month_summary_unique"
            ),
        ),
    ]
