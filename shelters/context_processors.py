from __future__ import annotations

from .models import Shelter


def network(request) -> dict:
    user = getattr(request, "user", None)
    # Called only where a page asks (staff navigation): no query on the others.
    return {"administers_a_shelter": lambda: Shelter.objects.administered_by(user).exists()}
