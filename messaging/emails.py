"""The "your peer wrote" email (its outbox and batching are built separately)."""


def queue_message_email(message) -> None:
    """Queue the email telling the other side that `message` arrived."""
