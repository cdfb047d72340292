"""The recovery check pages: answer it (or say "not now"), and see your own trend."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from members.selectors import current_member_or_404

from . import selectors, services
from .forms import NOT_NOW, RecoveryCheckForm


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def check(request):
    member = current_member_or_404(request)
    if request.method == "POST" and NOT_NOW in request.POST:
        services.check_dismiss(member=member)
        messages.success(request, "No problem. We'll offer it again another time.")
        return redirect("home:me")
    version = selectors.current_version()
    status = selectors.status_for(member, version=version) if version else None
    # Answers are read against the questions the member was shown, even if those
    # have since been retired: the service then refuses them with a clear message.
    answered = selectors.version_answered(request.POST.get("version")) or version
    form = RecoveryCheckForm(request.POST or None, version=answered) if answered else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.check_record(
                member=member,
                version_id=answered.pk,
                answers=form.answers(),
                idempotency_key=form.cleaned_data["token"],
            )
        except services.RecoveryCheckError as error:
            form = RecoveryCheckForm(version=version) if version else None
            messages.error(request, str(error))
        else:
            messages.success(request, "Thank you. Your answers are saved, and only you see them.")
            return redirect("home:me" if "first" in request.GET else "recovery:trend")
    context = {"form": form, "version": version, "status": status, "first": "first" in request.GET}
    return render(request, "recovery/check.html", context)


@never_cache
@login_required
def trend(request):
    member = current_member_or_404(request)
    context = {"trend": selectors.trend_for(member), "status": selectors.status_for(member)}
    return render(request, "recovery/trend.html", context)
