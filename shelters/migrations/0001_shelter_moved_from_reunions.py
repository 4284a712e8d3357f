"""The shelter moves from reunions to shelters, keeping its table and rows.

Only Django's idea of which app owns the model changes here (and its content type, so
permissions and admin history follow); reunions 0008 lets go of it and 0002 renames the table.
"""

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="shelters", model="shelter").exists():
        ContentType.objects.filter(app_label="reunions", model="shelter").update(app_label="shelters")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="shelters", model="shelter").update(app_label="reunions")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("reunions", "0011_candidates_withdrawn_when_home"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Shelter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("phone", models.CharField(blank=True, max_length=40)),
                        ("email", models.EmailField(blank=True, max_length=254)),
                        ("address", models.CharField(blank=True, max_length=300)),
                        (
                            "stray_hold_days",
                            models.PositiveIntegerField(
                                default=7, help_text="Days a found dog is held for its owner by default."
                            ),
                        ),
                    ],
                    options={"ordering": ["name"], "db_table": "reunions_shelter"},
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
