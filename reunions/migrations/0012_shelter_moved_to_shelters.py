import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reunions", "0011_candidates_withdrawn_when_home"),
        ("shelters", "0001_shelter_moved_from_reunions"),
    ]

    # The table stays (shelters.Shelter owns it now), and so does the found reports' foreign key to it.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="foundreport",
                    name="shelter",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="found_reports", to="shelters.shelter"
                    ),
                ),
                migrations.DeleteModel(name="Shelter"),
            ]
        )
    ]
