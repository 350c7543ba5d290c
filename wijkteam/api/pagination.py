from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors, no COUNT(*) on any page: lists stay fast on millions of rows."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"
