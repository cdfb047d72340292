"""My steps: the member's own page. Every step id that is not theirs is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members.selectors import current_member_or_404

from . import selectors, services
from .forms import EXAMPLES, StepAnswerForm, StepForm, StepTextForm
from .models import Step


def _example(request) -> str:
    try:
        return EXAMPLES[int(request.GET.get("example", ""))]
    except (ValueError, IndexError):
        return ""


def _page(request, member, *, form=None, status=200):
    active, retired = selectors.steps_page(member)
    example = _example(request)
    context = {
        "active": active,
        "retired": retired,
        "form": form or StepForm(initial={"text": example} if example else None),
        "examples": list(enumerate(EXAMPLES)),
        "answer_form": StepAnswerForm(),
        "can_add": len(active) < services.ACTIVE_STEPS_MAX,
    }
    return render(request, "steps/mine.html", context, status=status)


@never_cache
@login_required
def mine(request):
    member = current_member_or_404(request)
    if request.method != "POST":
        return _page(request, member)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.step_create(member=member, **form.cleaned_data)
        except services.StepError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, "Your step is saved.")
            return redirect("steps:mine")
    return _page(request, member, form=form, status=400)


def _change(request, step_id: int, action, done: str):
    member = current_member_or_404(request)
    try:
        action(member)
    except Step.DoesNotExist as missing:
        raise Http404 from missing
    except services.StepError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("steps:mine")


@require_POST
@login_required
def edit(request, step_id: int):
    form = StepTextForm(request.POST)
    if not form.is_valid():
        _member_step_or_404(request, step_id)
        messages.error(request, "Write your step in a few words.")
        return redirect("steps:mine")
    return _change(
        request,
        step_id,
        lambda m: services.step_update(member=m, step_id=step_id, text=form.cleaned_data["text"]),
        "Your step is updated.",
    )


@require_POST
@login_required
def share(request, step_id: int):
    shared = request.POST.get("shared") == "on"
    return _change(
        request,
        step_id,
        lambda m: services.step_update(member=m, step_id=step_id, shared=shared),
        "Your peer can see this step now." if shared else "This step is private again.",
    )


@require_POST
@login_required
def retire(request, step_id: int):
    return _change(
        request,
        step_id,
        lambda m: services.step_retire(member=m, step_id=step_id),
        "Step retired. It stays in your history below.",
    )


@require_POST
@login_required
def answer(request, step_id: int):
    form = StepAnswerForm(request.POST)
    if not form.is_valid():
        _member_step_or_404(request, step_id)
        messages.error(request, "Choose how it went.")
        return redirect("steps:mine")
    return _change(
        request,
        step_id,
        lambda m: services.step_answer(
            member=m, step_id=step_id, answer=form.cleaned_data["answer"]
        ),
        "Thanks, noted.",
    )


def _member_step_or_404(request, step_id: int) -> None:
    if not Step.objects.filter(pk=step_id, member=current_member_or_404(request)).exists():
        raise Http404
