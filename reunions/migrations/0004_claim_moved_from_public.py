"""Claims move from public to reunions, where staff review them, keeping their table and rows.

Only Django's idea of which app owns the model changes here; 0005 renames the table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    # Permissions and admin history follow the model when its content type is relabelled.
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="reunions", model="claim").exists():
        ContentType.objects.filter(app_label="public", model="claim").update(app_label="reunions")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="reunions", model="claim").update(app_label="public")


class Migration(migrations.Migration):
    dependencies = [
        ("reunions", "0003_contactview_moved_to_dogs"),
        ("public", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Claim",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("claim_photo", models.ImageField(blank=True, upload_to="claims/")),
                        ("message", models.TextField(max_length=2000)),
                        ("score", models.FloatField(blank=True, null=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "Open"), ("resolved", "Resolved")], default="open", max_length=10
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "dog_photo",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="dogs.dogphoto",
                            ),
                        ),
                        (
                            "found_report",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="claims",
                                to="reunions.foundreport",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="claims", to="dogs.owner"
                            ),
                        ),
                        (
                            "resolved_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-pk"],
                        "db_table": "public_claim",
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("status", "open")),
                                fields=("owner", "found_report"),
                                name="one_open_claim_per_owner",
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
