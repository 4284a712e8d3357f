from __future__ import annotations

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# As django.utils.html.json_script escapes: no "</script>" or "<!--" can end the block early.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data: dict) -> SafeString:
    """A schema.org JSON-LD block (json_script would label it application/json, which crawlers skip)."""
    text = json.dumps({"@context": "https://schema.org", **data}, cls=DjangoJSONEncoder).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # escaped above
