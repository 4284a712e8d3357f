"""The staff group's definition, shared by its data migration and the tests."""

GROUP = "Shelter staff"
PERMISSIONS = [
    ("dogs", "view_owner_contact"),
    ("dogs", "view_owner"),
    ("dogs", "change_owner"),
    ("dogs", "view_dog"),
    ("dogs", "change_dog"),
    ("dogs", "view_dogphoto"),
    ("dogs", "add_dogphoto"),
    ("dogs", "change_dogphoto"),
    ("dogs", "delete_dogphoto"),
]
