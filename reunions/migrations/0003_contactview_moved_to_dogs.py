from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reunions", "0002_lostreport_public_lostreport_public_contact"),
        ("dogs", "0005_contactview_moved_from_reunions"),
    ]

    # The table stays: dogs.ContactView owns it now.
    operations = [migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="ContactView")])]
