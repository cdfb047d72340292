"""Emails to staff about one row: sent once, naming no member and no health detail.

The row is its own outbox: its `staff_alerted_at` is claimed with a conditional
update before sending, so a second run sends nothing, and released if the send
fails, so the task's retry sends it. Staff follow the link to the admin, where
reading is their job.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

logger = logging.getLogger(__name__)


def staff_emails() -> list[str]:
    """Return the addresses of every active staff account."""
    return list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def email_staff(*, subject: str, text: str) -> bool:
    """Email every active staff account; return whether anyone was emailed.

    For alerts about no particular row: callers name no member and quote nothing.
    """
    recipients = staff_emails()
    if not recipients:
        logger.warning("Staff alert %r: no staff account to alert", subject)
        return False
    send_mail(subject, text, None, recipients)
    return True


def alert_staff_once(
    *, model, pk: int, subject: str, text: str, link_query: str = "", **conditions
) -> bool:
    """Email staff about one row of `model` unless already done; the admin link ends `text`.

    `link_query` is added to the link (e.g. a preselected reason to open the row).
    `conditions` narrow which rows may be alerted about (e.g. concern=True).
    Return whether the email went out.
    """
    claimed = model.objects.filter(pk=pk, staff_alerted_at=None, **conditions).update(
        staff_alerted_at=timezone.now()
    )
    if not claimed:
        return False
    label = f"{model._meta.model_name} {pk}"
    recipients = staff_emails()
    if not recipients:
        logger.warning("Staff alert for %s: no staff account to alert", label)
        return False
    url = settings.PEERLINK_SITE_URL.rstrip("/") + reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk]
    )
    if link_query:
        url += "?" + link_query
    try:
        send_mail(subject, f"{text}\n\nOpen it: {url}\n", None, recipients)
    except Exception:
        model.objects.filter(pk=pk).update(staff_alerted_at=None)
        logger.warning("Sending the staff alert for %s failed", label)
        raise
    return True
