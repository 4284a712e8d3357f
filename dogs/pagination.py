"""Long lists split into pages; several lists on one page each have their own query parameter."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, items, per_page: int, param: str = "page") -> Page:
    """The page of `items` asked for in `param`: a missing or bad number gives the first page, one too large the last.

    The page remembers `param`, so includes/pagination.html links to its neighbours with it.
    """
    page = Paginator(items, per_page).get_page(request.GET.get(param))
    page.param = param
    return page
