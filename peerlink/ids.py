"""Ids that come from a form or an address.

An id is a positive whole number the database can hold. Anything else (a word,
a negative number, 30 digits that overflow SQLite's 64-bit integers) is
answered like an id that does not exist, never with a server error.
"""

from django import forms
from django.urls import register_converter

MAX_ID = 2**63 - 1  # the largest BigAutoField value on every supported database


def parse_id(value: object) -> int | None:
    """Return `value` as an id, or None if it cannot be one."""
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    """`<id:name>` in a URL: a path with anything but an id is a 404."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError("not an id")  # Django then tries the next pattern, then 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


class ModelMultipleIdField(forms.ModelMultipleChoiceField):
    """Choose rows by id: a value that cannot be an id is an invalid choice."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)
