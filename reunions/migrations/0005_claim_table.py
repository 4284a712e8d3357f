from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reunions", "0004_claim_moved_from_public"),
        ("public", "0002_claim_moved_to_reunions"),
    ]

    operations = [migrations.AlterModelTable(name="claim", table=None)]
