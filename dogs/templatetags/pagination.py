from __future__ import annotations

from django import template
from django.template.defaulttags import querystring

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, page, number: int) -> str:
    """The current query string with `page`'s own parameter set to `number`: filters and other lists' pages stay."""
    return querystring(context, **{getattr(page, "param", "page"): number})
