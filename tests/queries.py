"""Counting the queries one request runs, to compare it with a later count.

A test that knows its number asserts it with pytest-django's
`django_assert_num_queries` or `django_assert_max_num_queries`. A test that asks
whether a page runs as many queries with ten times the data needs the first count
before it can assert the second: `count_queries` gives it.
(`tests/test_query_budgets.py` walks every address with its own counter, since each
of its cases is built afresh for the warm-up and the counted request.)
"""

from collections.abc import Callable

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext


def answered_200(response: HttpResponse) -> bool:
    return response.status_code == 200


def count_queries(
    client: Client,
    url: str,
    *,
    method: str = "get",
    warm_up: bool = True,
    ok: Callable[[HttpResponse], bool] = answered_200,
    **request,
) -> int:
    """Return how many queries one request to `url` runs; its response must pass `ok`.

    With `warm_up`, the same request is made once before, uncounted: the first
    request of a session records "last active", and a token's "last used" is
    written at most once a minute.
    """
    send = getattr(client, method)
    if warm_up:
        send(url, **request)
    with CaptureQueriesContext(connection) as captured:
        response = send(url, **request)
    assert ok(response), f"{method.upper()} {url} answered {response.status_code}"
    return len(captured)
