"""Before the network, every member of staff worked for every shelter: so they still do, as members.

Staff are active users with the contact permission (through the "Shelter staff" group or given
directly) and superusers, who were staff too and got every shelter's alerts. Nobody becomes a
shelter admin here: the network administrator (a superuser) names them.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import Q


def staff_become_members(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Shelter = apps.get_model("shelters", "Shelter")
    Membership = apps.get_model("shelters", "Membership")
    contact = Q(codename="view_owner_contact", content_type__app_label="dogs")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(contact)
    staff = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(user_permissions__in=permissions) | Q(groups__permissions__in=permissions)
    )
    shelters = list(Shelter.objects.all())
    Membership.objects.bulk_create(
        [Membership(user=user, shelter=shelter, role="staff") for user in staff.distinct() for shelter in shelters],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0003_members_invitations_keys_webhooks"),
        ("dogs", "0002_shelter_staff_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    # Going back drops the memberships with their table (0003); nothing to undo here.
    operations = [migrations.RunPython(staff_become_members, migrations.RunPython.noop)]
