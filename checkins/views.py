"""Check-in pages: log a check-in, the one-click link, upcoming check-ins and snooze."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from matching.models import Match, MatchState
from members import selectors as member_selectors
from members.visibility import peer_view
from recovery.selectors import offered_to as recovery_offered_to
from steps import selectors as step_selectors

from . import selectors, services
from .forms import CheckInForm
from .models import Connected, Reminder


@never_cache
@login_required
def new(request, match_id: int):
    member = member_selectors.current_member_or_404(request)
    match = Match.objects.filter(pk=match_id).first()
    if match is None or not match.checkins_visible_to(member):
        raise Http404
    # A message from each side since last time: pre-answer "Did you connect?"
    # with yes and say why; the member still submits, and may change it.
    conversation_seen = request.method != "POST" and selectors.both_wrote_since_last_checkin(
        match, member
    )
    initial = {"connected": Connected.YES} if conversation_seen else None
    form = CheckInForm(
        request.POST or None, initial=initial, steps=step_selectors.active_steps(member)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_record(match_id=match.pk, author=member, **form.checkin_data())
        except services.CheckinError as error:
            form.add_error(None, str(error))
        else:
            note = " Staff will be in touch." if form.cleaned_data["concern"] else ""
            messages.success(request, "Thanks for checking in." + note)
            return redirect("checkins:upcoming")
    other = match.mentor if match.newcomer_id == member.pk else match.newcomer
    context = {
        "form": form,
        "match": match,
        "peer": peer_view(other, viewer=member, match=match),
        "other_id": other.pk,
        "ended": match.state != MatchState.ACTIVE,
        "conversation_seen": conversation_seen,
        "recovery_offer": recovery_offered_to(member),
    }
    return render(request, "checkins/new.html", context)


@never_cache
# The signed single-use token in the address is what authorises the POST, and
# a forger would need it; a CSRF cookie would only fail in mail apps' browsers.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def link(request, token: str):
    """ "We connected" from the reminder email: signed, expiring, single use.

    Opening the link records nothing (mail scanners open links too): the page
    confirms with a POST, which a small script sends at once, so a person
    still needs one click; without JavaScript they press the button.
    """
    try:
        if request.method == "POST":
            services.checkin_from_link(token=token)
            return render(request, "checkins/link.html", {"state": "recorded"})
        services.link_reminder(token=token)
    except services.LinkAlreadyUsed:
        return render(request, "checkins/link.html", {"state": "used"})
    except services.CheckinError as error:
        return render(request, "checkins/link.html", {"state": "failed", "message": str(error)})
    return render(request, "checkins/link.html", {"state": "confirm"})


@never_cache
@login_required
def upcoming(request):
    member = member_selectors.current_member_or_404(request)
    return render(
        request,
        "checkins/upcoming.html",
        {
            "member": member,
            "upcoming": selectors.upcoming_for(member),
            "past": selectors.checkins_by(member)[:20],
        },
    )


@require_POST
@login_required
def snooze(request, reminder_id: int):
    member = member_selectors.current_member_or_404(request)
    get_object_or_404(Reminder, pk=reminder_id, recipient=member)
    try:
        reminder = services.reminder_snooze(reminder_id=reminder_id, member=member)
    except services.CheckinError as error:
        messages.error(request, str(error))
    else:
        local = timezone.localtime(reminder.due_at)  # the member's zone (MemberTimeZoneMiddleware)
        messages.success(request, f"Snoozed until {local:%A} at {local:%H:%M}.")
    return redirect("checkins:upcoming")
