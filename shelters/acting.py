"""Which shelter a member acts for where a page itself belongs to none (the network-wide photo search, a dog's page).

Contact views are logged with that shelter. A member of several shelters chooses it for the
session; otherwise it is their only (or first) shelter.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest

from .models import Shelter

SESSION_KEY = "shelters:acting_for"


def _choose(mine: Sequence[Shelter], request: HttpRequest, asked_for: object = None) -> Shelter | None:
    by_pk = {str(shelter.pk): shelter for shelter in mine}
    for choice in (asked_for, request.session.get(SESSION_KEY)):
        if str(choice) in by_pk:
            return by_pk[str(choice)]
    return mine[0] if mine else None


def acting_shelter(request: HttpRequest, asked_for: object = None) -> Shelter | None:
    """The shelter asked for (a found dog's) if the user works for it, else the session's choice, else the first."""
    return _choose(list(Shelter.objects.for_member(request.user)), request, asked_for)


def acting_context(request: HttpRequest) -> dict:
    """What shelters/_acting_for.html needs: the shelter acted for, and the choices."""
    mine = list(Shelter.objects.for_member(request.user))
    return {"acting_for": _choose(mine, request), "member_shelters": mine}


def act_for(request: HttpRequest, shelter: Shelter) -> None:
    request.session[SESSION_KEY] = shelter.pk
