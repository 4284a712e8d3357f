"""Who may do what: the one staff check, the staff group that grants it, and an owner's own dogs.

Staff are users with the contact permission (the "Shelter staff" group, or superusers); which
shelters they work for is their memberships' business (`shelters.models.Shelter.objects.for_member`).
A first membership puts a user in the group, losing the last takes them out (dogs.signals).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from axes.helpers import get_cool_off
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .migrations import _shelter_staff
from .models import Dog, is_shelter_staff


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in (else to the login page) and shelter staff (else 403)."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_shelter_staff(request.user):
            raise PermissionDenied("Only shelter staff can do this.")
        return view(request, *args, **kwargs)

    return login_required(checked)


def own_dog(user, pk: int) -> Dog:
    # 404 rather than 403 for other owners' dogs: ids reveal nothing.
    return get_object_or_404(Dog.objects.owned_by(user), pk=pk)


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lockout: the page says how long, and Retry-After says it to programs."""
    cool_off = get_cool_off(request) or timedelta(0)
    seconds = max(1, int(cool_off.total_seconds()))
    minutes = -(-seconds // 60)
    context = {"minutes": minutes}
    response = render(request, "axes/lockout.html", context, status=429)
    # The lock lasts the cool-off from the last failed attempt, so this is when it has surely ended.
    response["Retry-After"] = str(seconds)
    return response


def staff_group() -> Group:
    """The "Shelter staff" group with its permissions (made again where a test database was flushed)."""
    group, created = Group.objects.get_or_create(name=_shelter_staff.GROUP)
    if created:
        for app_label, codename in _shelter_staff.PERMISSIONS:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group
