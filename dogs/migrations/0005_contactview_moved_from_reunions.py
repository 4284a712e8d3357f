"""The contact-view log moves from reunions to dogs, keeping its table and rows.

Only Django's idea of which app owns the model changes here; 0006 renames the table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    # Permissions and admin history follow the model when its content type is relabelled.
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="dogs", model="contactview").exists():
        ContentType.objects.filter(app_label="reunions", model="contactview").update(app_label="dogs")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="dogs", model="contactview").update(app_label="reunions")


class Migration(migrations.Migration):
    dependencies = [
        ("dogs", "0004_dogphoto_thumbnail"),
        ("reunions", "0002_lostreport_public_lostreport_public_contact"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ContactView",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("page", models.CharField(max_length=200)),
                        ("viewed_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="contact_views",
                                to="dogs.owner",
                            ),
                        ),
                        (
                            "viewer",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"ordering": ["-viewed_at"], "db_table": "reunions_contactview"},
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
