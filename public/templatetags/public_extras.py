from __future__ import annotations

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

from dogs.models import can_see_contacts
from reunions.services import log_contact_views

from ..models import Claim

register = template.Library()

# As django.utils.html.json_script escapes: no "</script>" or "<!--" can end the block early.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data: dict) -> SafeString:
    """A schema.org JSON-LD block (json_script would label it application/json, which crawlers skip)."""
    text = json.dumps({"@context": "https://schema.org", **data}, cls=DjangoJSONEncoder).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # escaped above


@register.inclusion_tag("public/_claims.html", takes_context=True)
def open_claims(context) -> dict:
    """Open claims for the staff dashboard: both photos and the owner's contact, each view logged."""
    request = context["request"]
    if not can_see_contacts(request.user):
        return {"claims": []}
    claims = list(Claim.objects.open().for_review()[:50])
    log_contact_views(request.user, [claim.owner for claim in claims], request.path)
    return {"claims": claims, "csrf_token": context.get("csrf_token")}
