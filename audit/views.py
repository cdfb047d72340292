"""A member's own accounting of disclosures."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from members import selectors as member_selectors

from . import selectors


def _when(iso: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(iso)


@never_cache
@login_required
def accounting(request):
    """Show the signed-in member who saw what of their record in the last three years."""
    member = member_selectors.current_member(request)
    if member is None:
        raise Http404("No member profile for this account.")
    data = selectors.accounting_for(member)
    peers = [
        {
            "peer": entry["peer"],
            "categories": [
                {"label": category["label"], "since": _when(category["since"])}
                for category in entry["categories"]
            ],
        }
        for entry in data["peers"]
    ]
    reads = [{**read, "at": _when(read["at"])} for read in data["staff_reads"]]
    return render(
        request,
        "audit/accounting.html",
        {"since": _when(data["since"]), "peers": peers, "staff_reads": reads},
    )
