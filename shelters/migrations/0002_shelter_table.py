from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0001_shelter_moved_from_reunions"),
        ("reunions", "0012_shelter_moved_to_shelters"),
    ]

    operations = [migrations.AlterModelTable(name="shelter", table=None)]
