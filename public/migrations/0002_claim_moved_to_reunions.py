from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("public", "0001_initial"),
        ("reunions", "0004_claim_moved_from_public"),
    ]

    # The table stays: reunions.Claim owns it now.
    operations = [migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Claim")])]
