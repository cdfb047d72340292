"""Matching pages: suggestions, requests and their status, the mentor inbox."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members import selectors as member_selectors
from members.visibility import peer_view
from messaging import selectors as messaging_selectors

from . import selectors, services
from .deadlines import request_deadline
from .forms import DeclineForm, EndForm, RankForm
from .models import OPEN_STATES, EndedBy, Match


def _onboarded_newcomer(request):
    member = member_selectors.current_member_or_404(request, role="newcomer")
    if not member.is_onboarded:
        return None
    return member


@never_cache
@login_required
def suggestions(request):
    newcomer = _onboarded_newcomer(request)
    if newcomer is None:
        return redirect("members:onboarding")
    if selectors.has_open_match(newcomer):
        return redirect("matching:status")
    found = selectors.suggestions_with_status(newcomer)
    rows = [(s, peer_view(s.mentor, viewer=newcomer)) for s in found.suggestions]
    form = RankForm(mentor_ids=[s.mentor.pk for s in found.suggestions])
    return render(
        request,
        "matching/suggestions.html",
        {
            "member": newcomer,
            "suggestions": rows,
            "rank_form": form,
            "waiting_for_room": selectors.WAITING_FOR_ROOM if found.waiting_for_room else "",
        },
    )


@require_POST
@login_required
def request_mentor(request):
    """Request one mentor (`mentor` field) or a ranking of up to three (`rank_<id>`)."""
    newcomer = _onboarded_newcomer(request)
    if newcomer is None:
        return redirect("members:onboarding")
    if "mentor" in request.POST:
        mentor_ids = [request.POST["mentor"]]
    else:
        candidates = [
            int(key[5:]) for key in request.POST if key.startswith("rank_") and key[5:].isdigit()
        ]
        form = RankForm(request.POST, mentor_ids=candidates)
        if not form.is_valid():
            messages.error(request, " ".join(form.non_field_errors()) or "Check your ranking.")
            return redirect("matching:suggestions")
        mentor_ids = form.cleaned_data["ranked_mentor_ids"]
    try:
        services.match_request(
            newcomer=newcomer,
            mentor_ids=mentor_ids,
            user=request.user,
            note=request.POST.get("note", ""),
        )
    except services.MatchError as error:
        messages.error(request, str(error) or "That request could not be made.")
        return redirect("matching:suggestions")
    messages.success(request, "Your request is on its way.")
    return redirect("matching:status")


@never_cache
@login_required
def status(request):
    newcomer = member_selectors.current_member_or_404(request, role="newcomer")
    matches = selectors.matches_for_newcomer(newcomer)
    # At most one is open (a constraint says so): the rest are the history.
    match = next((m for m in matches if m.state in OPEN_STATES), None)
    peer = None if match is None else peer_view(match.mentor, viewer=newcomer, match=match)
    reasons = selectors.reasons_for_newcomer(match) if match and match.is_request else []
    earlier = [old for old in matches if old is not match]
    history = [(old, peer_view(old.mentor, viewer=newcomer, match=old)) for old in earlier[:10]]
    unread = messaging_selectors.unread_by_match(newcomer)
    return render(
        request,
        "matching/status.html",
        {
            "member": newcomer,
            "match": match,
            "peer": peer,
            "reasons": reasons,
            "deadline": "" if match is None else request_deadline(match),
            "history": history,
            "unread": unread.get(getattr(match, "pk", None), 0),
            # The header's count is the sum of these: not counted a second time.
            "unread_messages": sum(unread.values()),
            "end_form": EndForm(),
        },
    )


@require_POST
@login_required
def withdraw(request, match_id: int):
    newcomer = member_selectors.current_member_or_404(request, role="newcomer")
    get_object_or_404(Match.objects.visible_to(newcomer), pk=match_id, newcomer=newcomer)
    try:
        services.match_withdraw(match_id=match_id, newcomer=newcomer)
        messages.success(request, "Your request was withdrawn.")
    except services.MatchError as error:
        messages.error(request, str(error))
    return redirect("matching:status")


@never_cache
@login_required
def inbox(request):
    mentor = member_selectors.current_member_or_404(request, role="mentor")
    requests = []
    inbox = selectors.mentor_inbox(mentor)
    waiting = inbox.waiting
    # Read only when there is a request to compare with.
    mentor_tag_ids = set(mentor.tags.values_list("pk", flat=True)) if waiting else set()
    notes = messaging_selectors.request_notes(waiting, mentor) if waiting else {}
    for match in waiting:
        peer = peer_view(match.newcomer, viewer=mentor, match=match)
        requests.append(
            (
                match,
                peer,
                peer.tags_in_common(mentor_tag_ids),
                notes.get(match.pk),
                request_deadline(match),
            )
        )
    unread = messaging_selectors.unread_by_match(mentor)
    active = [
        (match, peer_view(match.newcomer, viewer=mentor, match=match), unread.get(match.pk, 0))
        for match in inbox.active
    ]
    ended = [
        (match, peer_view(match.newcomer, viewer=mentor, match=match))
        for match in inbox.recently_ended
    ]
    return render(
        request,
        "matching/inbox.html",
        {
            "member": mentor,
            "requests": requests,
            "active": active,
            "ended": ended,
            # The header's counts, from what this page read already.
            "awaiting_requests": len(waiting),
            "unread_messages": sum(unread.values()),
            "decline_form": DeclineForm(),
            "end_form": EndForm(),
        },
    )


@require_POST
@login_required
def accept(request, match_id: int):
    mentor = member_selectors.current_member_or_404(request, role="mentor")
    get_object_or_404(Match.objects.visible_to(mentor), pk=match_id, mentor=mentor)
    try:
        services.match_accept(match_id=match_id, mentor=mentor)
        messages.success(request, "You accepted. You can now see how to reach each other.")
    except services.MatchError as error:
        messages.error(request, str(error))
    return redirect("matching:inbox")


@require_POST
@login_required
def decline(request, match_id: int):
    mentor = member_selectors.current_member_or_404(request, role="mentor")
    match = get_object_or_404(Match.objects.visible_to(mentor), pk=match_id, mentor=mentor)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a reason so we can find them someone else.")
        return redirect("matching:inbox")
    try:
        services.match_decline(match_id=match.pk, mentor=mentor, **form.cleaned_data)
        messages.success(request, "Thanks for letting them know.")
    except services.MatchError as error:
        messages.error(request, str(error))
    return redirect("matching:inbox")


@require_POST
@login_required
def end(request, match_id: int):
    member = member_selectors.current_member(request)
    if member is None:
        raise Http404
    match = get_object_or_404(Match.objects.visible_to(member), pk=match_id)
    ended_by = EndedBy.NEWCOMER if member.pk == match.newcomer_id else EndedBy.MENTOR
    form = EndForm(request.POST)
    target = "matching:status" if ended_by == EndedBy.NEWCOMER else "matching:inbox"
    if not form.is_valid():
        messages.error(request, "Please give a short reason.")
        return redirect(target)
    try:
        services.match_end(
            match_id=match.pk, ended_by=ended_by, member=member, reason=form.cleaned_data["reason"]
        )
        messages.success(request, "The match has ended.")
    except services.MatchError as error:
        messages.error(request, str(error))
    if ended_by == EndedBy.NEWCOMER:
        return redirect("matching:suggestions")
    return redirect(target)
