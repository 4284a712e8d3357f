from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    """Cursor pages, newest record first: a row added meanwhile never shifts a page (unlike page numbers)."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request) -> int:
        self.page_size = settings.API_PAGE_SIZE
        return super().get_page_size(request)
