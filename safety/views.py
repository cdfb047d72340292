"""The "I need help now" page, a peer telling staff about a worrying message, and a
member blocking or reporting a peer or reporting one message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from matching.services import MatchError
from members import selectors as member_selectors
from members.models import Member
from members.visibility import peer_view
from messaging import selectors as messaging_selectors
from messaging.reports import reportable_message

from . import selectors, services
from .forms import BlockForm, HelpNowForm, MessageReportForm, ReportForm, TellStaffForm
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


def _peer_or_404(request, member_id: int) -> tuple[Member, Member]:
    """Return (the signed-in member, their peer); 404 for anyone never their peer."""
    member = member_selectors.current_member_or_404(request)
    return member, selectors.peer_of_or_404(member, member_id)


def _home(member: Member) -> str:
    return "matching:inbox" if member.role == "mentor" else "matching:suggestions"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def block(request, member_id: int):
    """Confirm, then block a peer. The card's small form lands here unconfirmed."""
    member, other = _peer_or_404(request, member_id)
    confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
    form = BlockForm(request.POST if confirmed else None)
    if confirmed and form.is_valid():
        services.member_block(blocker=member, blocked=other, reason=form.cleaned_data["reason"])
        messages.success(request, services.BLOCKED)
        return redirect(_home(member))
    peer = peer_view(other, viewer=member, match=selectors.latest_match_between(member, other))
    return render(request, "safety/block.html", {"peer": peer, "other": other, "form": form})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def report(request, member_id: int):
    """Report a concern about a peer to staff."""
    member, other = _peer_or_404(request, member_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(reporter=member, reported=other, text=form.cleaned_data["text"])
        except MatchError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, services.REPORTED)
            return redirect(_home(member))
    peer = peer_view(other, viewer=member, match=selectors.latest_match_between(member, other))
    return render(request, "safety/report.html", {"peer": peer, "other": other, "form": form})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def report_message(request, match_id: int, message_id: int):
    """Show the message with a short optional note and a confirm button; POST reports it."""
    member = member_selectors.current_member_or_404(request)
    message = reportable_message(member, match_id=match_id, message_id=message_id)
    if message is None:
        raise Http404
    form = MessageReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(
                reporter=member,
                reported=message.sender,
                text=form.cleaned_data["text"],
                message=message,
            )
        except MatchError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Thank you. Our staff will look at this message soon.")
            return redirect("messaging:conversation", match_id=match_id)
    peer = peer_view(message.sender, viewer=member, match=message.conversation.match)
    context = {"peer": peer, "message": message, "form": form}
    return render(request, "safety/report_message.html", context)
