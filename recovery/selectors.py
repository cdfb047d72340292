"""Reads."""


def home_summary(member) -> dict:
    """Return what the member's home page shows of this part (filled in by the feature)."""
    return {}
