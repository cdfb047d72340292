"""The "I need help now" page, and a peer telling staff about a worrying message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members import selectors as member_selectors
from members.models import Member
from messaging import selectors as messaging_selectors

from . import selectors, services
from .forms import HelpNowForm, TellStaffForm
from .resources import render_resources

ALREADY_ASKED = "Staff already know. We have noted your latest answers."
THANKS = "Thank you. We have told our staff."
PEER_THANKS = (
    "Thank you. Our staff were told at {time}. They will take it from here; "
    "you don't have to handle this alone."
)


def _member(request) -> Member | None:
    return member_selectors.current_member(request)


@never_cache
def help_now(request):
    member = _member(request)
    form = HelpNowForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if member is None:
            raise Http404("Sign in as a member to tell our staff.")
        if form.is_valid():
            already_asked = services.help_request_is_open(member=member)
            services.help_request_create(member=member, **form.cleaned_data)
            messages.success(request, ALREADY_ASKED if already_asked else THANKS)
            return redirect("safety:help_now")
    context = {
        "member": member,
        "form": form,
        "sent": selectors.open_help_request(member) if member else None,
        "pause": selectors.pause_wording(member) if member else "",
    }
    return render(request, "safety/help_now.html", context)


@login_required
@require_POST
def tell_staff(request, match_id: int, message_id: int):
    """One tap: tell staff that the peer's message worried this member (no JavaScript needed)."""
    member = _member(request)
    match = messaging_selectors.match_for(member, match_id) if member else None
    if match is None:
        raise Http404
    form = TellStaffForm(request.POST)
    include = form.is_valid() and form.cleaned_data["include_message"]
    try:
        concern = services.peer_concern_raise(
            raised_by=member, match=match, message_id=message_id, include_message=include
        )
    except services.NotTheirMessage as exc:
        raise Http404 from exc
    told_at = timezone.localtime(concern.created_at).strftime("%H:%M")
    messages.success(request, PEER_THANKS.format(time=told_at))
    url = reverse("messaging:conversation", args=[match.pk])
    return redirect(f"{url}#message-{message_id}")


def resources(request):
    """The programme's resources, open to everyone, signed in or not."""
    body = render_resources(selectors.resources_text())
    return render(request, "safety/resources.html", {"body": body})
