"""The "I need help now" page: crisis resources first, then an optional note to staff."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from members.models import Member

from . import services
from .forms import HelpNowForm

ALREADY_ASKED = "Staff already know. We have noted your latest answers."
THANKS = "Thank you. We have told our staff."


@never_cache
def help_now(request):
    member = None
    if request.user.is_authenticated:
        member = Member.objects.filter(user=request.user).first()
    form = HelpNowForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if member is None:
            raise Http404("Sign in as a member to tell our staff.")
        if form.is_valid():
            already_asked = services.help_request_is_open(member=member)
            services.help_request_create(member=member, **form.cleaned_data)
            messages.success(request, ALREADY_ASKED if already_asked else THANKS)
            return redirect("safety:help_now")
    return render(request, "safety/help_now.html", {"member": member, "form": form})
