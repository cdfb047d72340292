"""The conversation page, sending, and the page's "anything new?" check.

Sending works without JavaScript (a form post and a redirect); with it,
static/js/conversation.js posts with fetch and asks for new messages every few
seconds with a conditional request, answered 304 while nothing changed.
"""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from members import selectors as member_selectors
from members.visibility import peer_view
from peerlink.ids import parse_id
from safety.selectors import peer_concern_open

from . import selectors, services
from .days import by_day
from .first_steps import first_steps as first_step_prompts
from .forms import MessageForm
from .models import MessagingSettings

CRISIS_SESSION_KEY = "messaging.crisis_shown_for"
BAD_CURSOR = "This conversation has changed since the page was opened. Reload the page."


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _page(request, member, match, *, form=None, status=200, before=None):
    conversation = services.conversation_start(match=match)
    messages = selectors.latest_messages(conversation, before=parse_id(before) if before else None)
    has_earlier = len(messages) > selectors.PAGE_SIZE
    messages = messages[-selectors.PAGE_SIZE :] if has_earlier else messages
    participant = conversation.participants.filter(member=member).first()
    if participant is not None and before is None:
        services.mark_seen(participant=participant, up_to=messages[-1].pk if messages else None)
    peer = match.mentor if member.pk == match.newcomer_id else match.newcomer
    writable = selectors.can_write(match, member)
    first_steps = []
    # The prompts stay until the pair have written to each other: the note sent
    # with the request does not start the conversation.
    if writable and before is None and all(message.is_request_note for message in messages):
        first_steps = first_step_prompts(
            MessagingSettings.lines(MessagingSettings.get_solo().first_steps)
        )
    peer_seen = peer_view(peer, viewer=member, match=match)
    if form is None and writable:
        form = _asking_about_step(request, peer_seen)
    shown = request.session.pop(CRISIS_SESSION_KEY, None)
    crisis = isinstance(shown, list) and shown[:1] == [match.pk]
    context = {
        "member": member,
        "match": match,
        "peer": peer_seen,
        "peer_id": peer.pk,
        "days": by_day(messages),
        "last_id": messages[-1].pk if messages else 0,
        "earlier_before": messages[0].pk if has_earlier else None,
        "writable": writable,
        "form": form or MessageForm(),
        "first_steps": first_steps,
        "show_crisis": crisis,
        "staff_told": crisis and bool(shown[1:2] == [True]),
        "peer_concern": peer_concern_open(raised_by=member, match=match),
        "viewing_earlier": before is not None,
    }
    return render(request, "messaging/conversation.html", context, status=status)


def _asking_about_step(request, peer_seen) -> MessageForm | None:
    """Pre-fill the message box from "Ask about this step": only a step the peer shares now."""
    asked = request.GET.get("ask", "")
    step = next((step for step in peer_seen.shared_steps if str(step.pk) == asked), None)
    if step is None:
        return None
    return MessageForm(
        initial={"token": uuid.uuid4().hex, "text": f"How is it going with “{step.text}”?"}
    )


@never_cache
@login_required
@require_GET
def conversation(request, match_id: int):
    member = member_selectors.current_member_or_404(request)
    match = selectors.match_for(member, match_id)
    if match is None:
        raise Http404
    return _page(request, member, match, before=request.GET.get("before"))


def _message_json(request, message, member) -> dict:
    """The message as the page shows it; a peer's message with a crisis phrase brings
    its panel (what to do, the lines, one tap to tell staff) also when it arrives live."""
    context = {"message": message, "member": member}
    html = render_to_string("messaging/_message.html", context, request=request)
    return {"id": message.pk, "html": html}


ERROR_STATUS = {services.RateLimited: 429, services.NotWritable: 409}


@login_required
@require_POST
def send(request, match_id: int):
    """Send a message; errors keep the text in the box (or come back as JSON)."""
    member = member_selectors.current_member_or_404(request)
    match = selectors.match_for(member, match_id)
    if match is None:
        raise Http404
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message = services.send_message(
                member=member,
                match_id=match_id,
                text=form.cleaned_data["text"],
                token=form.cleaned_data["token"],
            )
        except services.ConversationNotFound as exc:
            raise Http404 from exc
        except services.AlreadySending as exc:
            if _wants_json(request):
                return JsonResponse({"error": str(exc)}, status=409)
            return redirect("messaging:conversation", match_id=match_id)
        except services.MessagingError as exc:
            error, status = str(exc), ERROR_STATUS.get(type(exc), 400)
            form.add_error(None, error)
        else:
            return _sent(request, member, message, as_json=_wants_json(request))
    else:
        error, status = " ".join(form.errors["text"]), 400
    if _wants_json(request):
        return JsonResponse({"error": error}, status=status)
    return _page(request, member, match, form=form, status=status)


def _sent(request, member, message, *, as_json: bool):
    crisis = message.has_crisis_phrase
    if as_json:
        data = _message_json(request, message, member)
        if crisis:
            context = {"staff_told": message.staff_told}
            data["crisis_html"] = render_to_string(
                "messaging/_crisis.html", context, request=request
            )
        token = MessageForm().initial["token"]
        return JsonResponse({"message": data, "crisis": crisis, "token": token}, status=201)
    if crisis:
        request.session[CRISIS_SESSION_KEY] = [message.conversation.match_id, message.staff_told]
    return redirect("messaging:conversation", match_id=message.conversation.match_id)


def _etag(participant) -> str:
    conversation = participant.conversation
    last = conversation.last_message_at.timestamp() if conversation.last_message_at else 0
    state = conversation.match.state
    return f'"{conversation.pk}-{last}-{participant.last_read_message_id}-{state}"'


@login_required
@require_GET
def new(request, match_id: int):
    """Messages after `after` as JSON, or 304 when nothing changed since the last check."""
    member = member_selectors.current_member_or_404(request)
    participant = selectors.participant_for(member, match_id)
    if participant is None:
        raise Http404
    raw_after = request.GET.get("after", "")
    after = 0 if raw_after == "0" else parse_id(raw_after)
    if after is None:
        return JsonResponse({"error": BAD_CURSOR}, status=400)
    if request.headers.get("If-None-Match") == _etag(participant):
        services.mark_seen(participant=participant)
        return _not_modified(_etag(participant))
    conversation = participant.conversation
    messages = selectors.messages_after(conversation, after)
    if messages is None:
        return JsonResponse({"error": BAD_CURSOR}, status=400)
    services.mark_seen(participant=participant, up_to=messages[-1].pk if messages else None)
    response = JsonResponse(
        {
            "messages": [_message_json(request, message, member) for message in messages],
            "writable": selectors.can_write(conversation, member),
        }
    )
    response["ETag"] = _etag(participant)
    response["Cache-Control"] = "private, no-cache"
    return response


def _not_modified(etag: str) -> HttpResponse:
    response = HttpResponse(status=304)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response
