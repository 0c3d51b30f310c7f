"""Pagination that never counts the table.

A page fetches ``page_size + 1`` rows: the extra row says whether there is a next page, so a
list of a million customers costs one LIMIT/OFFSET query per page instead of a COUNT(*) too.
"""

from collections import OrderedDict

from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class NoCountPagination(BasePagination):
    page_size = 50
    max_page_size = 500
    page_query_param = "page"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self._page_size(request)
        try:
            self.page = max(1, int(request.query_params.get(self.page_query_param, 1)))
        except ValueError:
            self.page = 1
        start = (self.page - 1) * self.page_size
        rows = list(queryset[start : start + self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        return rows[: self.page_size]

    def _page_size(self, request):
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except ValueError:
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def _link(self, page):
        url = self.request.build_absolute_uri()
        if page is None:
            return None
        if page == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, page)

    def get_paginated_response(self, data):
        return Response(OrderedDict([
            ("next", self._link(self.page + 1) if self.has_next else None),
            ("previous", self._link(self.page - 1) if self.page > 1 else None),
            ("page", self.page),
            ("results", data),
        ]))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "page": {"type": "integer"},
                "results": schema,
            },
        }


def page_of(queryset, page: int, size: int):
    """The same idea for server-rendered lists: (rows, has_next)."""
    page = max(1, page)
    rows = list(queryset[(page - 1) * size : page * size + 1])
    return rows[:size], len(rows) > size


def page_context(request, queryset, size: int) -> dict:
    """What a list page and ``web/pager.html`` need: the page's ``rows``, ``page`` (a bad or
    missing ``?page=`` is 1), ``has_next`` and the ``query_string`` of the other parameters."""
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    rows, has_next = page_of(queryset, page, size)
    query = request.GET.copy()
    query.pop("page", None)
    return {"rows": rows, "page": page, "has_next": has_next, "query_string": query.urlencode()}
