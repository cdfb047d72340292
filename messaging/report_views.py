"""Reporting one message to staff (the member pages are in views.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from matching import services as matching_services
from members.selectors import current_member_or_404
from members.visibility import peer_view

from .forms import MessageReportForm
from .reports import reportable_message


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def report(request, match_id: int, message_id: int):
    """Show the message with a short optional note and a confirm button; POST reports it."""
    member = current_member_or_404(request)
    message = reportable_message(member, match_id=match_id, message_id=message_id)
    if message is None:
        raise Http404
    form = MessageReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            matching_services.report_create(
                reporter=member,
                reported=message.sender,
                text=form.cleaned_data["text"],
                message=message,
            )
        except matching_services.MatchError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Thank you. Our staff will look at this message soon.")
            return redirect("messaging:conversation", match_id=match_id)
    peer = peer_view(message.sender, viewer=member, match=message.conversation.match)
    context = {"peer": peer, "message": message, "form": form}
    return render(request, "messaging/report.html", context)
