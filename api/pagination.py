"""Every list is paginated. Page numbers by default; a cursor for messages."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    """`?page=2&page_size=50`: at most MAX_PAGE_SIZE items per page."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class MessageCursorPagination(CursorPagination):
    """Messages oldest first; `?cursor=` from the last page's `next` fetches what came since."""

    ordering = ("created_at", "pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
