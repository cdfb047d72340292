"""The tag and language lists: paginated, in a fixed number of queries."""

import pytest
from django.urls import reverse

from members.models import Language, Tag, TagCategory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def test_tags_lists_the_active_tags_paginated(token_client):
    Tag.objects.filter(slug__startswith="substance").update(is_active=False)
    body = token_client.get(reverse("api:v1:tags") + "?page_size=100").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == Tag.objects.filter(is_active=True).count()
    assert {row["category"] for row in body["results"]} == set(TagCategory.values) - {"substance"}
    assert set(body["results"][0]) == {"id", "slug", "name", "category", "description"}


def test_languages_are_listed_by_code(token_client):
    body = token_client.get(reverse("api:v1:languages")).json()
    assert {"code": "en", "name": "English"} in body["results"]


def test_a_page_holds_at_most_the_largest_page_size(token_client):
    Language.objects.bulk_create(Language(code=f"x{n}", name=f"Language {n}") for n in range(130))
    body = token_client.get(reverse("api:v1:languages") + "?page_size=1000").json()
    assert len(body["results"]) == 100
    assert body["next"]
    default = token_client.get(reverse("api:v1:languages")).json()
    assert len(default["results"]) == 25


@pytest.mark.parametrize("name", ["api:v1:tags", "api:v1:languages"])
def test_a_list_takes_the_same_queries_with_ten_times_the_rows(name, token_client):
    def queries() -> int:
        return count_queries(token_client, reverse(name) + "?page_size=100")

    small = queries()
    Language.objects.bulk_create(Language(code=f"y{n}", name=f"Lang {n}") for n in range(60))
    Tag.objects.bulk_create(
        Tag(category=TagCategory.COMMUNITY, name=f"Tag {n}", slug=f"tag-{n}") for n in range(60)
    )
    assert queries() == small
