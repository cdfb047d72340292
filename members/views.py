"""Member pages: sign-up, the onboarding wizard and the profile."""

from allauth.account.views import SignupView as AllauthSignupView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from recovery.selectors import offered_to as recovery_offered_to

from . import selectors, services
from .export import EXPORT_FILENAME, member_data_export
from .forms import (
    ONBOARDING_FORMS,
    ONBOARDING_SECTIONS,
    SECTION_FORMS,
    SECTION_TITLES,
    DeleteAccountForm,
)
from .middleware import forget_time_zone
from .models import Member, Role
from .visibility import matched_peer_preview, peer_view

STEP_SLUGS = [slug for slug, _, _ in ONBOARDING_SECTIONS]


class SignupView(AllauthSignupView):
    """allauth's sign-up, with the role preselected from the home page's two doors."""

    def get_initial(self):
        initial = super().get_initial()
        role = self.request.GET.get("role")
        if role in Role.values:
            initial["role"] = role
        return initial


def _member_or_none(request) -> Member | None:
    """The signed-in member with the languages and tags their profile shows."""
    member = selectors.current_member(request)
    return None if member is None else selectors.with_profile(member)


@login_required
def onboarding_resume(request):
    member = _member_or_none(request)
    if member is None:
        raise Http404("No member profile for this account.")
    next_index = min(member.onboarding_step, len(STEP_SLUGS) - 1)
    return redirect("members:onboarding_step", step=STEP_SLUGS[next_index])


@never_cache
@login_required
def onboarding_step(request, step: str):
    member = _member_or_none(request)
    if member is None or step not in ONBOARDING_FORMS:
        raise Http404
    index = STEP_SLUGS.index(step)
    if index > member.onboarding_step:
        # Steps are taken in order; jumping ahead lands on the first unfinished one.
        return redirect("members:onboarding_step", step=STEP_SLUGS[member.onboarding_step])
    form = ONBOARDING_FORMS[step](request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        services.member_save_section(
            member=member, form=form, step=index + 1, steps=len(STEP_SLUGS)
        )
        forget_time_zone(request)
        if index + 1 < len(STEP_SLUGS):
            return redirect("members:onboarding_step", step=STEP_SLUGS[index + 1])
        messages.success(request, "Your profile is ready.")
        if recovery_offered_to(member):
            # The recovery check is offered once here; "not now" is one tap away.
            return redirect(reverse("recovery:check") + "?first=1")
        return redirect("home:me")
    return render(
        request,
        "members/onboarding.html",
        {
            "member": member,
            "form": form,
            "step": step,
            "title": SECTION_TITLES[step],
            "step_number": index + 1,
            "step_count": len(STEP_SLUGS),
            "previous_step": STEP_SLUGS[index - 1] if index else None,
        },
    )


@never_cache
@login_required
def profile(request):
    member = _member_or_none(request)
    if member is None:
        raise Http404("No member profile for this account.")
    if not member.is_onboarded:
        return redirect("members:onboarding")
    preview = matched_peer_preview(member).rows()
    # Each current peer as this member may see them, and this member as that peer does.
    peers_see = [
        (peer_view(peer, viewer=member, match=match), peer_view(member, viewer=peer, match=match))
        for match, peer in selectors.current_peers(member)
    ]
    return render(
        request,
        "members/profile.html",
        {
            "member": member,
            "sections": ONBOARDING_SECTIONS,
            "peer_preview": preview,
            "peers_see": peers_see,
            "consent_history": selectors.consent_history(member),
        },
    )


@never_cache
@login_required
def profile_edit(request, section: str):
    member = _member_or_none(request)
    if member is None or section not in SECTION_FORMS:
        raise Http404
    form = SECTION_FORMS[section](request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        vetting_status = member.vetting_status
        member = services.member_save_section(member=member, form=form)
        forget_time_zone(request)
        messages.success(request, "Saved.")
        if member.vetting_status != vetting_status:
            messages.warning(request, services.REVETTING_MESSAGE)
        return redirect("members:profile")
    return render(
        request,
        "members/profile_edit.html",
        {
            "member": member,
            "form": form,
            "title": SECTION_TITLES[section],
        },
    )


@never_cache
@require_GET
@login_required
def export_my_data(request):
    """Download everything stored about the signed-in member as one JSON file."""
    member = _member_or_none(request)
    if member is None:
        raise Http404("No member profile for this account.")
    response = JsonResponse(member_data_export(member), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILENAME}"'
    return response


@never_cache
@login_required
def delete_account(request):
    """Explain what deleting the account does, then delete it once the password is given."""
    member = _member_or_none(request)
    if member is None:
        raise Http404("No member profile for this account.")
    form = DeleteAccountForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        services.delete_account(member=member)
        logout(request)
        return redirect("members:goodbye")
    return render(request, "members/delete_account.html", {"member": member, "form": form})


def goodbye(request):
    """The calm page a member sees after deleting their account."""
    return render(request, "members/goodbye.html")


def sign_in_locked_out(request, original_response=None, credentials=None):
    """Tell a person whose sign-in is paused when to try again (django-axes calls this)."""
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(request, "account/locked_out.html", {"minutes": minutes}, status=429)
