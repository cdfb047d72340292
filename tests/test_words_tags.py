"""Tag choices grouped under their category are named without repeating it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from members.models import TagCategory
from tests.factories import tag

pytestmark = pytest.mark.django_db


def checkbox_labels(page: str) -> list[str]:
    return re.findall(r'<input type="checkbox"[^>]*> <span>([^<]+)</span></label>', page)


@pytest.mark.parametrize(
    ("section", "slug"),
    [("recovery", "pathway-12-step"), ("experience", "life_situation-parenting")],
)
def test_tag_choices_do_not_repeat_the_category_the_field_names(newcomer, section, slug):
    client = Client()
    client.force_login(newcomer.user)

    page = client.get(reverse("members:profile_edit", args=[section])).content.decode()

    labels = checkbox_labels(page)
    assert tag(slug).name in labels
    categories = [str(label) for label in TagCategory.labels]
    assert not [label for label in labels if any(f"({c})" in label for c in categories)]
