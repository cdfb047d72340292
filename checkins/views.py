"""Check-in pages: log a check-in, the one-click link, upcoming check-ins and snooze."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from matching.models import Match
from members.models import Member

from . import selectors, services
from .forms import CheckInForm


def _member(request) -> Member:
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        raise Http404
    return member


@never_cache
@login_required
def new(request, match_id: int):
    member = _member(request)
    match = Match.objects.filter(Q(newcomer=member) | Q(mentor=member), pk=match_id).first()
    if match is None:
        raise Http404
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_record(match_id=match.pk, author=member, **form.cleaned_data)
        except services.CheckinError as error:
            form.add_error(None, str(error))
        else:
            note = " Staff will be in touch." if form.cleaned_data["concern"] else ""
            messages.success(request, "Thanks for checking in." + note)
            return redirect("checkins:upcoming")
    peer = match.mentor if match.newcomer_id == member.pk else match.newcomer
    return render(request, "checkins/new.html", {"form": form, "match": match, "peer": peer})


@never_cache
def link(request, token: str):
    """Record "we connected" from the reminder email: signed, expiring, single use."""
    try:
        services.checkin_from_link(token=token)
    except services.CheckinError as error:
        return render(request, "checkins/link.html", {"ok": False, "message": str(error)})
    return render(request, "checkins/link.html", {"ok": True})


@never_cache
@login_required
def upcoming(request):
    member = _member(request)
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
    member = _member(request)
    try:
        reminder = services.reminder_snooze(reminder_id=reminder_id, member=member)
    except services.CheckinError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Snoozed until {reminder.due_at:%A}.")
    return redirect("checkins:upcoming")
