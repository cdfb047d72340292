"""Each app's part of a member's data: what their export holds, what deleting their
account does and what the retention job purges.

An app that stores something about a member registers one `MemberData` from its
own `privacy.py`, loaded by its `AppConfig.ready()`. `members` runs them:
`members.export.member_data_export` asks each for its sections,
`members.services.delete_account` has each erase its rows and
`members.services.retention_purge` has each purge, always in `ORDER`.
`tests/members/test_privacy_registry.py` fails while any model pointing at a member
or an account is covered by no registered part.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

from .models import ConsentRecord, Member

# The order in which deletion and the retention job run each app's part. Matching
# comes first: closing the member's requests and matches ends them with the neutral
# reason and tells each peer before any text is removed. Every part runs before
# `members` anonymises the profile, because removing the member's name from what
# others wrote needs the name.
ORDER = (
    "matching",
    "checkins",
    "messaging",
    "safety",
    "steps",
    "api",
    "home",
    "recovery",
    "audit",
    "members",
)

# What replaces free text a deleted member wrote, so staff still see that
# something was written without reading it.
REMOVED_TEXT = "[removed]"


def export_time(value: datetime.datetime | datetime.date | None) -> str | None:
    """Return a time or date as the export writes it: ISO 8601, or None."""
    return value.isoformat() if value else None


def name_pattern(display_name: str) -> re.Pattern | None:
    """Return the display name as a whole word, in any case; None for a name too short
    to tell from ordinary words."""
    name = display_name.strip()
    if len(name) < 2:
        return None
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def remove_name(queryset, field_name: str, pattern: re.Pattern) -> None:
    """Replace each whole-word match of `pattern` in `field_name` with REMOVED_TEXT."""
    changed = []
    for row in queryset.exclude(**{field_name: ""}).only("pk", field_name).iterator():
        text = getattr(row, field_name)
        redacted = pattern.sub(REMOVED_TEXT, text)
        if redacted != text:
            setattr(row, field_name, redacted)
            changed.append(row)
    queryset.model.objects.bulk_update(changed, [field_name], batch_size=500)


@dataclass(frozen=True)
class ExportContext:
    """Who the export is for: the member's own download, or staff handing it to them."""

    for_staff: bool = False


@dataclass(frozen=True)
class MemberData:
    """One app's part of a member's data.

    `models` are the models whose rows these functions export, erase or purge;
    `kept` are models that point at a member but need none of them, each with why
    (a staff account's mark, an outbox without personal data, rows kept by design).
    `export(member, context)` returns the app's sections of the export, by key;
    `erase(member)` does what deleting the account does to the app's rows (delete,
    anonymise, remove text) and may read the member's name, not yet anonymised;
    `purge(now)` applies the retention settings and returns counts by name.
    """

    app_label: str
    models: tuple[type[Model], ...] = ()
    kept: Mapping[type[Model], str] = field(default_factory=dict)
    export: Callable[[Member, ExportContext], dict] | None = None
    erase: Callable[[Member], None] | None = None
    purge: Callable[[datetime.datetime], dict[str, int]] | None = None


_registry: dict[str, MemberData] = {}


def register(part: MemberData) -> MemberData:
    """Register an app's part; an app not in ORDER, or registered twice, is refused."""
    if part.app_label not in ORDER:
        raise ImproperlyConfigured(
            f"Add {part.app_label!r} to members.privacy.ORDER to say when its part runs."
        )
    if part.app_label in _registry:
        raise ImproperlyConfigured(f"{part.app_label!r} registered its member data twice.")
    _registry[part.app_label] = part
    return part


def unregister(app_label: str) -> MemberData:
    """Remove and return an app's part (tests put it back with `register`)."""
    return _registry.pop(app_label)


def registered() -> Iterator[MemberData]:
    """Yield every registered part, in ORDER."""
    for app_label in ORDER:
        if app_label in _registry:
            yield _registry[app_label]


# The account, the profile and the consent records: `member_data_export`,
# `delete_account` and `retention_purge` write and erase them directly, around every
# other app's part.
register(
    MemberData(
        app_label="members",
        models=(Member, ConsentRecord, EmailAddress, Authenticator, LogEntry),
    )
)
