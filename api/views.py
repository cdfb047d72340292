"""API endpoints. Thin: selectors read, services write, serializers shape."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import generics
from rest_framework.response import Response

from members import selectors as member_selectors
from members import services as member_services
from members.middleware import forget_time_zone
from members.models import Member

from . import forms, selectors, services
from .models import PersonalToken
from .permissions import IsMember, IsPerson, member_of
from .serializers import LanguageSerializer, MeSerializer, MeUpdateSerializer, TagSerializer


class MeView(generics.GenericAPIView):
    """The signed-in member's own profile and sharing choices.

    PATCH changes only the fields sent, with the same checks as the profile page;
    changing a sharing choice is recorded like a change made on the page.
    """

    permission_classes = [IsMember]
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "options", "head"]

    def get_object(self) -> Member:
        return member_selectors.with_profile(member_of(self.request))

    def get(self, request):
        return self.respond(self.get_object())

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request):
        changes = MeUpdateSerializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        member = member_services.member_profile_update(
            member=member_of(request), changes=changes.validated_data
        )
        if "time_zone" in changes.validated_data:
            forget_time_zone(request)
        return self.respond(member_selectors.with_profile(member))

    def respond(self, member):
        return Response(self.get_serializer(member).data)


class TagList(generics.ListAPIView):
    """The lived-experience tags members can choose (their ids are used in /me/)."""

    permission_classes = [IsPerson]
    serializer_class = TagSerializer

    def get_queryset(self):
        return selectors.offered_tags()


class LanguageList(generics.ListAPIView):
    """The languages members can talk in (their codes are used in /me/)."""

    permission_classes = [IsPerson]
    serializer_class = LanguageSerializer

    def get_queryset(self):
        return selectors.languages()


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from PeerLink's own static files, its start-up script a separate file,
    so the page runs under the Content-Security-Policy without inline code."""

    template_name = "api/docs.html"


# --- Pages: the member's "Apps and tokens" --------------------------------------


def _member_or_404(request) -> Member:
    member = getattr(request.user, "member", None)
    if member is None or member.deleted_at is not None:
        raise Http404("No member profile for this account.")
    return member


# Each "Create token" form carries a single-use key, so that sending the same form
# again (reloading the page that shows the new secret) creates no second token.
# The secret itself is never kept in the session: it is shown on this one answer.
PENDING_FORM_KEYS = "api_token_form_keys"
PENDING_FORM_KEYS_KEPT = 5
ALREADY_CREATED = (
    "That form was already sent, so no second token was made. The token’s secret was "
    "shown once; if you did not copy it, revoke the token and create another."
)


def _new_form_key(request) -> str:
    key = secrets.token_urlsafe(16)
    pending = request.session.get(PENDING_FORM_KEYS, [])[-(PENDING_FORM_KEYS_KEPT - 1) :]
    request.session[PENDING_FORM_KEYS] = [*pending, key]
    return key


def _form_key_used(request, key: str) -> bool:
    return bool(key) and key not in request.session.get(PENDING_FORM_KEYS, [])


def _use_form_key(request, key: str) -> None:
    pending = request.session.get(PENDING_FORM_KEYS, [])
    request.session[PENDING_FORM_KEYS] = [kept for kept in pending if kept != key]


@never_cache
@login_required
def tokens_page(request):
    """List the member's tokens; create one and show its secret once."""
    member = _member_or_404(request)
    form_key = request.POST.get("form_key", "")
    if request.method == "POST" and _form_key_used(request, form_key):
        messages.info(request, ALREADY_CREATED)
        return redirect("tokens:list")
    form = forms.PersonalTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.personal_token_create(
                member=member, name=form.cleaned_data["name"]
            )
        except services.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            _use_form_key(request, form_key)
            form = forms.PersonalTokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "member": member,
            "form": form,
            "form_key": _new_form_key(request),
            "new_secret": new_secret,
            "tokens": selectors.personal_tokens_of(member),
            "token_limit": settings.PEERLINK_API_TOKENS_PER_MEMBER,
        },
    )


@never_cache
@require_POST
@login_required
def token_revoke(request, token_id: int):
    member = _member_or_404(request)
    try:
        token = services.personal_token_revoke(member=member, token_id=token_id)
    except PersonalToken.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, f"“{token.name}” is revoked: it no longer works.")
    return redirect("tokens:list")
