"""The member home page (`/me/`): where sign-in lands, and what is next."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

import recovery.selectors
import steps.selectors
from members import services as member_services
from members.selectors import current_member

from . import selectors, services
from .forms import PauseForm

PAUSED = (
    "New requests are paused. Anyone waiting for your answer is passed on to someone else, "
    "and your current matches carry on as before."
)
UNPAUSED = "You are taking new requests again."


@never_cache
@login_required
def me(request):
    """Show the signed-in member what is next for them, and what changed since last time."""
    member = current_member(request)
    if member is None:
        return redirect("admin:index" if request.user.is_staff else "home")
    if not member.is_onboarded:
        return redirect("members:onboarding")
    since = services.home_visit_record(member=member)
    page = selectors.home_page(member, since=since)
    return render(
        request,
        "home/me.html",
        {
            "member": member,
            "page": page,
            "unread_messages": page.unread_total,  # counted already: not again for the header
            "steps": steps.selectors.home_summary(member),
            "recovery": recovery.selectors.home_summary(member),
        },
    )


@require_POST
@login_required
def pause(request):
    """Pause new requests, or take them again, from the mentor's home page."""
    member = current_member(request, role="mentor")
    if member is None:
        raise Http404("Only mentors take requests.")
    form = PauseForm(request.POST, instance=member)
    if form.is_valid():
        member = member_services.member_save_section(member=member, form=form)
        messages.success(request, PAUSED if member.is_paused else UNPAUSED)
    return redirect("home:me")
