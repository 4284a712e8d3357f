from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dogs", "0005_contactview_moved_from_reunions"),
        ("reunions", "0003_contactview_moved_to_dogs"),
    ]

    operations = [migrations.AlterModelTable(name="contactview", table=None)]
