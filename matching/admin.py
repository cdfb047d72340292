"""Staff admin for matching: settings, pairings, batch runs, the unmatched queue.

Every change goes through `services` or `batch` so that the admin obeys the same
hard constraints as members do; a refusal is shown to staff as a message or a
form error, never as a server error.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

import peerlink.ids  # noqa: F401  (registers <id:…>)
from audit.admin import AuditedReads
from audit.models import RecordPart
from checkins.models import CheckIn
from members.models import Member, Role, VettingStatus
from peerlink.admin_site import ProgrammeSettingsAdmin, ReadOnlyAdmin

from . import batch, scoring, selectors, services
from .models import (
    WEIGHT_FIELDS,
    BatchRun,
    BatchRunState,
    Match,
    MatchingSettings,
    MatchState,
    SuggestionList,
    SuggestionPlan,
    SuggestionRanking,
)

COMPONENT_LABELS = {
    "pathway": "Recovery pathway overlap",
    "age": "Closeness in age",
    "life_situation": "Shared life-situation tags",
    "availability": "Overlapping free time",
    "steps_ahead": "Steps-ahead sweet spot",
    "substance": "Shared substance tags",
}
PARAMETER_LABELS = {
    "min_gap_months": "Mentor at least this many months further along",
    "sweet_spot_max_months": "Full steps-ahead bonus up to (months ahead)",
    "taper_months": "Bonus falls to zero over (months beyond that)",
    "age_scale_years": "Age gap that scores zero (years)",
}
PREVIEW_PAIRS_SHOWN = 200
QUEUE_PAGE_SIZE = 100


def component_label(name: str) -> str:
    return COMPONENT_LABELS.get(name, name.replace("_", " ").capitalize())


def ordered_breakdown(breakdown: dict[str, float]) -> list[tuple[str, float]]:
    """Return a breakdown's components in scoring's order, any others after them."""
    names = [name for name in scoring.COMPONENTS if name in breakdown]
    names += [name for name in breakdown if name not in names]
    return [(name, breakdown[name]) for name in names]


# --- Prices from the last suggestion plan ------------------------------------------

PRICE_MEANING = (
    "0 means room to spare. Above 0, more waiting newcomers who fit this mentor want their "
    "room than they have places: the figure is how much the programme's overall fit would "
    "gain from one more place of theirs."
)


def last_plan() -> SuggestionPlan | None:
    return SuggestionPlan.objects.filter(pk=1).first()


def price_in_words(plan: SuggestionPlan | None, mentor_id: int) -> str:
    """Return a mentor's price in the last plan with what it means, for staff."""
    if plan is None:
        return format_html("Not computed yet. <br>{}", PRICE_MEANING)
    if plan.ranking != SuggestionRanking.DEMAND_AWARE:
        # The plain ranking solves no plan, so it prices nobody.
        return "Not computed: suggestions are ranked by best scores only (Matching settings)."
    price = float(plan.prices.get(str(mentor_id), 0.0))
    return format_html(
        "<strong>{}</strong> (computed {}) <br>{}",
        f"{price:.2f}",
        f"{timezone.localtime(plan.computed_at):%Y-%m-%d %H:%M}",
        PRICE_MEANING,
    )


# --- Settings -------------------------------------------------------------------


class MatchingSettingsForm(forms.ModelForm):
    class Meta:
        model = MatchingSettings
        fields = [
            *WEIGHT_FIELDS.values(),
            "min_gap_months",
            "sweet_spot_max_months",
            "taper_months",
            "age_scale_years",
            "require_staff_approval",
            "request_expiry_hours",
            "suggestion_count",
            "suggestion_ranking",
            "unmatched_queue_days",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A post without the field (a page opened before it was added) keeps the ranking.
        self.fields["suggestion_ranking"].required = False

    def clean_suggestion_ranking(self):
        return self.cleaned_data["suggestion_ranking"] or self.instance.suggestion_ranking

    def clean(self):
        cleaned = super().clean()
        weights = [cleaned.get(field) for field in WEIGHT_FIELDS.values()]
        # Scoring divides by the sum of the weights: all zero would score nothing.
        if all(weight is not None for weight in weights) and sum(weights) <= 0:
            raise forms.ValidationError("At least one weight must be above zero.")
        return cleaned


@admin.register(MatchingSettings)
class MatchingSettingsAdmin(ProgrammeSettingsAdmin):
    form = MatchingSettingsForm
    readonly_fields = ["updated_at", "updated_by"]
    fieldsets = [
        (
            "Score weights",
            {
                "description": (
                    "How much each kind of similarity counts in a pairing's score. Weights are "
                    "relative: a component's share of the score is its weight divided by the sum "
                    "of all weights, and 0 switches it off. Use numbers from 0 to 100; at least "
                    "one must be above zero. Hard rules (vetted and unpaused mentor with room, "
                    "no block, a shared language, gender preference, harm-reduction "
                    "compatibility, the steps-ahead minimum, people held for review) are never "
                    "weighed: no weight can override them. Changes apply to new suggestions and "
                    "runs only; existing pairings keep the weights they were scored with."
                ),
                "fields": list(WEIGHT_FIELDS.values()),
            },
        ),
        (
            "A few steps ahead",
            {
                "fields": [
                    "min_gap_months",
                    "sweet_spot_max_months",
                    "taper_months",
                    "age_scale_years",
                ]
            },
        ),
        (
            "Process",
            {
                "fields": [
                    "require_staff_approval",
                    "request_expiry_hours",
                    "suggestion_count",
                    "suggestion_ranking",
                    "unmatched_queue_days",
                ]
            },
        ),
        ("Last change", {"fields": ["updated_at", "updated_by"]}),
    ]

    def save_model(self, request, obj, form, change):
        services.matching_settings_save(settings_row=obj, user=request.user)


# --- Matches ----------------------------------------------------------------------


# How well a pair fits, in words: (filter key, words, lowest score in the band).
FIT_BANDS = [("high", "Strong fit", 0.7), ("medium", "Fair fit", 0.4), ("low", "Weak fit", 0.0)]


def fit_in_words(score: float) -> str:
    """Return how well a pair fits, in words and rounded: "Strong fit (0.93)"."""
    words = next(words for _, words, lowest in FIT_BANDS if score >= lowest)
    return f"{words} ({score:.2f})"


def fit_with_bar(score: float) -> str:
    # The words carry the meaning; the bar repeats it at a glance.
    return format_html(
        '<meter min="0" max="1" low="0.4" high="0.7" optimum="1" value="{}" '
        'aria-hidden="true"></meter> {}',
        f"{score:.2f}",
        fit_in_words(score),
    )


class ScoreRangeFilter(admin.SimpleListFilter):
    title = "fit"
    parameter_name = "score_range"
    ranges = {
        "low": ("Weak fit (below 0.40)", Q(score__lt=0.4)),
        "medium": ("Fair fit (0.40 to 0.70)", Q(score__gte=0.4, score__lt=0.7)),
        "high": ("Strong fit (0.70 and above)", Q(score__gte=0.7)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.ranges.items()]

    def queryset(self, request, queryset):
        if self.value() in self.ranges:
            return queryset.filter(self.ranges[self.value()][1])
        return queryset


class ReassignForm(forms.Form):
    mentor = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        help_text="Approved mentors, with open requests and matches / capacity. The pairing is "
        "checked against every hard rule before it is made.",
    )

    def __init__(self, *args, match: Match, **kwargs):
        super().__init__(*args, **kwargs)
        mentors = Member.objects.filter(role=Role.MENTOR, vetting_status=VettingStatus.APPROVED)
        self.fields["mentor"].queryset = (
            selectors.with_places(mentors)
            .exclude(pk=match.mentor_id)
            .select_related("user")
            .order_by("display_name", "pk")
        )
        self.fields["mentor"].label_from_instance = self.mentor_label

    @staticmethod
    def mentor_label(mentor: Member) -> str:
        paused = ", paused" if mentor.is_paused else ""
        return (
            f"{mentor.display_name} ({mentor.user.email}) — "
            f"{mentor.places_taken}/{mentor.capacity}{paused}"
        )


class CheckInInline(admin.TabularInline):
    """The match's check-ins, read-only: members write them, staff read them."""

    model = CheckIn
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "author",
        "connected",
        "rating",
        "concern",
        "note",
        "concern_acknowledged_by",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # Each row names its author: one query for all of them, not one per check-in.
        return super().get_queryset(request).select_related("author", "concern_acknowledged_by")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Match)
class MatchAdmin(AuditedReads, admin.ModelAdmin):
    # The page lists the match's check-ins, notes included.
    audit_parts = (RecordPart.MATCH, RecordPart.CHECK_INS)
    # Staff override one match's check-in cadence under Check-ins → Match cadences.
    inlines = [CheckInInline]
    change_list_template = "admin/matching/match/change_list.html"
    change_form_template = "admin/matching/match/change_form.html"
    list_display = [
        "pair_id",
        "newcomer_name",
        "mentor_name",
        "state",
        "origin",
        "score_display",
        "created_at",
        "age_in_days",
    ]
    list_display_links = ["pair_id", "newcomer_name"]
    list_filter = ["state", "origin", ScoreRangeFilter, "created_at"]
    date_hierarchy = "created_at"
    search_fields = [
        "newcomer__display_name",
        "mentor__display_name",
        "newcomer__user__email",
        "mentor__user__email",
    ]
    list_select_related = ["newcomer", "mentor"]
    list_per_page = 50
    actions = ["approve_pairings", "reject_pairings"]
    readonly_fields = [
        "fit",
        "breakdown_table",
        "mentor_price",
        "reasons_list",
        "next_choices_list",
    ]
    fieldsets = [
        (
            "Pairing",
            {"fields": ["newcomer", "mentor", "state", "origin", "choice_rank", "batch_run"]},
        ),
        ("Score", {"fields": ["fit", "breakdown_table", "mentor_price", "reasons_list"]}),
        (
            "Lifecycle",
            {
                "fields": [
                    "created_by",
                    "created_at",
                    "sent_to_mentor_at",
                    "expires_at",
                    "approved_by",
                    "decided_at",
                    "decline_reason",
                    "decline_note",
                    "ended_at",
                    "ended_by",
                    "end_reason",
                    "next_choices_list",
                ]
            },
        ),
    ]

    # Matches change only through the lifecycle services (actions and the
    # reassign page), so the detail page is read-only and nothing is added or
    # deleted by hand.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("queue/", view(self.queue_view), name="matching_match_queue"),
            path(
                "<id:match_id>/reassign/",
                view(self.reassign_view),
                name="matching_match_reassign",
            ),
            *super().get_urls(),
        ]

    def audit_member_ids(self, match):
        return [match.newcomer_id, match.mentor_id]

    # List columns.

    @admin.display(description="#", ordering="pk")
    def pair_id(self, match):
        return match.pk

    @admin.display(description="Newcomer", ordering="newcomer__display_name")
    def newcomer_name(self, match):
        return match.newcomer.display_name

    @admin.display(description="Mentor", ordering="mentor__display_name")
    def mentor_name(self, match):
        return match.mentor.display_name

    @admin.display(description="Fit", ordering="score")
    def score_display(self, match):
        return fit_with_bar(match.score)

    @admin.display(description="Age (days)", ordering="-created_at")
    def age_in_days(self, match):
        return (timezone.now() - match.created_at).days

    # Detail fields.

    @admin.display(description="Fit")
    def fit(self, match):
        return fit_with_bar(match.score)

    @admin.display(description="Score breakdown")
    def breakdown_table(self, match):
        names = [
            name for name in scoring.COMPONENTS if name in match.breakdown or name in match.weights
        ]
        names += [name for name in match.breakdown if name not in names]
        total_weight = sum(float(weight) for weight in match.weights.values()) or 1.0

        def number(value):
            return "–" if value is None else f"{float(value):.2f}"

        def share(contribution):
            # Each component's part of the score, as points and as a share of the whole.
            if contribution is None:
                return "–"
            percent = contribution / match.score if match.score else 0.0
            return f"{contribution:.2f} ({percent:.0%})"

        rows = []
        for name in names:
            value, weight = match.breakdown.get(name), match.weights.get(name)
            contribution = (
                float(value) * float(weight) / total_weight
                if value is not None and weight is not None
                else None
            )
            rows.append((component_label(name), number(value), number(weight), share(contribution)))
        body = format_html_join("\n", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            '<table class="score-breakdown"><thead><tr><th>Component</th>'
            "<th>Value (0–1)</th><th>Weight used</th><th>Share of score</th></tr></thead>"
            "<tbody>{}</tbody><tfoot><tr><th>Total</th><td></td><td>{}</td><th>{}</th></tr>"
            "</tfoot></table>",
            body,
            number(total_weight),
            fit_in_words(match.score),
        )

    @admin.display(description="Mentor's price now")
    def mentor_price(self, match):
        return price_in_words(last_plan(), match.mentor_id)

    @admin.display(description="The newcomer's next choices")
    def next_choices_list(self, match):
        """Name the mentors a request moves on to, in order, each linking to their record
        (which asks staff why before it opens)."""
        if not match.next_choices:
            return "–"
        names = dict(
            Member.objects.filter(pk__in=match.next_choices).values_list("pk", "display_name")
        )
        items = format_html_join(
            "\n",
            '<li><a href="{}">{}</a></li>',
            (
                (reverse("admin:members_member_change", args=[member_id]), names[member_id])
                for member_id in match.next_choices
                if member_id in names
            ),
        )
        return format_html("<ol>{}</ol>", items)

    @admin.display(description="Reasons shown to the newcomer")
    def reasons_list(self, match):
        if not match.reasons:
            return "–"
        items = format_html_join("\n", "<li>{}</li>", ((reason,) for reason in match.reasons))
        return format_html("<ul>{}</ul>", items)

    # Actions.

    def _report(self, request, done: int, verb: str, errors: list[tuple[Match, str]]):
        if done:
            self.message_user(request, f"{done} pairing(s) {verb}.", messages.SUCCESS)
        for match, message in errors:
            self.message_user(request, f"{match}: {message}", messages.ERROR)

    @admin.action(description="Approve selected pairings", permissions=["change"])
    def approve_pairings(self, request, queryset):
        done, errors = 0, []
        for match in queryset.order_by("pk"):
            try:
                services.match_approve(match_id=match.pk, staff_user=request.user)
            except services.MatchError as exc:
                errors.append((match, str(exc)))
            else:
                done += 1
        self._report(request, done, "approved", errors)

    @admin.action(description="Reject selected pairings", permissions=["change"])
    def reject_pairings(self, request, queryset):
        done, moved, errors = 0, 0, []
        for match in queryset.order_by("pk"):
            try:
                next_match = services.match_reject(match_id=match.pk, staff_user=request.user)
            except services.MatchError as exc:
                errors.append((match, str(exc)))
            else:
                done += 1
                moved += next_match is not None
        self._report(request, done, "rejected", errors)
        if moved:
            self.message_user(
                request, f"{moved} newcomer(s) moved on to their next choice.", messages.INFO
            )

    # Custom views.

    def reassign_view(self, request, match_id: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        match = get_object_or_404(Match.objects.select_related("newcomer", "mentor"), pk=match_id)
        form = ReassignForm(request.POST or None, match=match)
        if request.method == "POST" and form.is_valid():
            try:
                new_match = services.match_reassign(
                    match_id=match.pk, mentor=form.cleaned_data["mentor"], staff_user=request.user
                )
            except services.MatchError as exc:
                form.add_error("mentor", str(exc))
            else:
                self.message_user(
                    request,
                    f"{match.newcomer.display_name} is now paired with "
                    f"{new_match.mentor.display_name} ({new_match.get_state_display().lower()}).",
                    messages.SUCCESS,
                )
                return redirect("admin:matching_match_change", new_match.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Reassign {match.newcomer.display_name} to another mentor",
            "match": match,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/matching/match/reassign.html", context)

    def queue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        programme = MatchingSettings.get_solo()
        last_match = Match.objects.filter(newcomer=OuterRef("pk")).order_by("-created_at", "-pk")
        newcomers = (
            selectors.unmatched_queue(programme.unmatched_queue_days)
            .annotate(
                last_match_state=Subquery(last_match.values("state")[:1]),
                last_match_mentor=Subquery(last_match.values("mentor__display_name")[:1]),
            )
            .order_by("onboarded_at", "pk")
        )
        page = Paginator(newcomers, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        state_labels = dict(MatchState.choices)
        rows = [
            {
                "member": member,
                "last_match": state_labels.get(member.last_match_state),
                "last_mentor": member.last_match_mentor,
            }
            for member in page
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Unmatched queue",
            "days": programme.unmatched_queue_days,
            "waiting": selectors.newcomers_waiting_count(),
            "page": page,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/matching/match/queue.html", context)


# --- Suggestion lists ---------------------------------------------------------------


@admin.register(SuggestionList)
class SuggestionListAdmin(AuditedReads, ReadOnlyAdmin):
    """Each waiting newcomer's suggestions as last computed, with scores and prices.

    Staff who may read pairings may read these; members never see a score or a price.
    """

    # The page names the newcomer and every mentor on their list.
    audit_parts = (RecordPart.MATCH,)
    change_list_template = "admin/matching/suggestionlist/change_list.html"
    list_display = ["newcomer_name", "computed_at", "ranking", "waiting_for_room", "entry_count"]
    list_filter = ["waiting_for_room", "ranking"]
    search_fields = ["newcomer__display_name", "newcomer__user__email"]
    list_select_related = ["newcomer"]
    list_per_page = 50
    # Newcomers shown no one to ask come first: they are who staff may help.
    ordering = ["-waiting_for_room", "newcomer__display_name", "pk"]
    actions = None
    fields = ["newcomer_link", "computed_at", "ranking", "waiting_for_room", "entries_table"]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.has_perm("matching.view_match")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("matching.view_match")

    def audit_member_ids(self, suggestion_list):
        return [suggestion_list.newcomer_id, *self._mentor_ids(suggestion_list)]

    @staticmethod
    def _mentor_ids(suggestion_list) -> list[int]:
        return [entry["mentor"] for entry in suggestion_list.entries]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "plan": last_plan()}
        return super().changelist_view(request, extra_context)

    # List columns.

    @admin.display(description="Newcomer", ordering="newcomer__display_name")
    def newcomer_name(self, suggestion_list):
        return suggestion_list.newcomer.display_name

    @admin.display(description="Mentors suggested")
    def entry_count(self, suggestion_list):
        return len(suggestion_list.entries)

    # Detail fields.

    @admin.display(description="Newcomer")
    def newcomer_link(self, suggestion_list):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:members_member_change", args=[suggestion_list.newcomer_id]),
            suggestion_list.newcomer.display_name,
        )

    @admin.display(description="Suggestions, best first")
    def entries_table(self, suggestion_list):
        if suggestion_list.waiting_for_room:
            return "None: every mentor who fits them has all their room planned for others."
        if not suggestion_list.entries:
            return "–"
        names = dict(
            Member.objects.filter(pk__in=self._mentor_ids(suggestion_list)).values_list(
                "pk", "display_name"
            )
        )
        # The plain ranking solves no plan, so it prices nobody.
        priced = suggestion_list.ranking == SuggestionRanking.DEMAND_AWARE
        rows = []
        for place, entry in enumerate(suggestion_list.entries, start=1):
            mentor_id = entry["mentor"]
            mentor = (
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:members_member_change", args=[mentor_id]),
                    names[mentor_id],
                )
                if mentor_id in names
                else "No longer a member"
            )
            breakdown = format_html_join(
                "\n",
                "<li>{}: {}</li>",
                (
                    (component_label(name), f"{float(value):.2f}")
                    for name, value in ordered_breakdown(entry.get("breakdown", {}))
                ),
            )
            reasons = format_html_join(
                "\n", "<li>{}</li>", ((reason,) for reason in entry.get("reasons", []))
            )
            rows.append(
                (
                    place,
                    mentor,
                    fit_with_bar(float(entry["score"])),
                    f"{float(entry.get('price', 0.0)):.2f}" if priced else "–",
                    format_html("<ul>{}</ul>", breakdown) if breakdown else "–",
                    format_html("<ul>{}</ul>", reasons) if reasons else "–",
                )
            )
        body = format_html_join(
            "\n",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            rows,
        )
        return format_html(
            '<table class="suggestion-entries"><thead><tr><th>#</th><th>Mentor</th>'
            "<th>Fit</th><th>Price</th><th>Score breakdown (0–1)</th>"
            "<th>Reasons shown to the newcomer</th></tr></thead><tbody>{}</tbody></table>"
            '<p class="help">Price: {}</p>',
            body,
            PRICE_MEANING,
        )


# --- Batch runs ------------------------------------------------------------------


@admin.register(BatchRun)
class BatchRunAdmin(ReadOnlyAdmin):
    change_list_template = "admin/matching/batchrun/change_list.html"
    list_display = [
        "run_name",
        "run_state",
        "created_at",
        "created_by",
        "proposed_pairs",
        "matched_share",
        "mean_score",
        "applied_at",
        "proposals_created",
    ]
    list_select_related = ["created_by", "applied_by"]
    list_filter = ["applied_at"]
    list_display_links = None  # "Run n" links to the run; a link around it would be empty

    # Runs are made by "Run matching" and kept as a record of what was proposed.

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("run/", view(self.run_view), name="matching_batchrun_run"),
            path("<id:run_id>/preview/", view(self.preview_view), name="matching_batchrun_preview"),
            path("<id:run_id>/apply/", view(self.apply_view), name="matching_batchrun_apply"),
            *super().get_urls(),
        ]

    @admin.display(description="Run", ordering="pk")
    def run_name(self, run):
        url = reverse("admin:matching_batchrun_preview", args=[run.pk])
        return format_html('<a href="{}">Run {}</a>', url, run.pk)

    @admin.display(description="State", ordering="state")
    def run_state(self, run):
        if run.state == BatchRunState.RUNNING:
            return f"Working ({run.percent_done}%)"
        if run.applied_at is not None:
            return "Applied"
        return run.get_state_display()

    @admin.display(description="Proposed pairs")
    def proposed_pairs(self, run):
        return run.summary.get("proposed_pairs", "–")

    @admin.display(description="Matched share")
    def matched_share(self, run):
        share = run.summary.get("matched_share")
        return "–" if share is None else f"{share:.0%}"

    @admin.display(description="Mean score")
    def mean_score(self, run):
        mean = run.summary.get("mean_score")
        return "–" if mean is None else f"{mean:.2f}"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:matching_batchrun_preview", object_id)

    def _can_run(self, request) -> bool:
        return request.user.has_perms(["matching.add_batchrun", "matching.add_match"])

    def run_view(self, request):
        if not self._can_run(request):
            raise PermissionDenied
        if request.method == "POST":
            run = batch.batch_run_start(user=request.user)
            return redirect("admin:matching_batchrun_preview", run.pk)
        programme = MatchingSettings.get_solo()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Run matching",
            "newcomers_waiting": selectors.newcomers_waiting().count(),
            "mentors_available": selectors.mentor_pool().count(),
            "programme": programme,
            "weights": [
                (component_label(name), weight) for name, weight in programme.weights().items()
            ],
        }
        return TemplateResponse(request, "admin/matching/batchrun/run.html", context)

    def preview_view(self, request, run_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(
            BatchRun.objects.select_related("created_by", "applied_by"), pk=run_id
        )
        shown = run.pairs[:PREVIEW_PAIRS_SHOWN]
        names = dict(
            Member.objects.filter(pk__in={pk for pair in shown for pk in pair[:2]}).values_list(
                "pk", "display_name"
            )
        )
        components = [name for name in scoring.COMPONENTS if shown and name in shown[0][3]]
        rows = [
            {
                "newcomer_id": newcomer_id,
                "newcomer": names.get(newcomer_id, "(removed)"),
                "mentor_id": mentor_id,
                "mentor": names.get(mentor_id, "(removed)"),
                "score": score,
                "components": [breakdown.get(name) for name in components],
            }
            for newcomer_id, mentor_id, score, breakdown in shown
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Matching run {run.pk}",
            "run": run,
            "summary": run.summary,
            "weights": [
                (component_label(name), weight)
                for name, weight in run.parameters.get("weights", {}).items()
            ],
            "parameters": [
                (PARAMETER_LABELS.get(name, name), value)
                for name, value in run.parameters.items()
                if name != "weights"
            ],
            "component_labels": [component_label(name) for name in components],
            "rows": rows,
            "shown": len(rows),
            "total_pairs": len(run.pairs),
            "can_apply": run.is_ready and run.applied_at is None and self._can_run(request),
            "can_run": self._can_run(request),
            "matches_url": reverse("admin:matching_match_changelist")
            + f"?batch_run__id__exact={run.pk}",
        }
        return TemplateResponse(request, "admin/matching/batchrun/preview.html", context)

    def apply_view(self, request, run_id: int):
        """Ask first, saying who will be emailed; only the confirmation's POST applies."""
        if not self._can_run(request):
            raise PermissionDenied
        if request.method != "POST" or request.POST.get("confirm") != "yes":
            return self._confirm_apply(request, run_id)
        try:
            run = batch.batch_run_apply(run_id=run_id, user=request.user)
        except services.MatchError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                f"Created {run.proposals_created} proposal(s); "
                f"skipped {run.summary.get('skipped', 0)}.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:matching_batchrun_preview", args=[run_id]))

    def _confirm_apply(self, request, run_id: int):
        run = get_object_or_404(BatchRun.objects.defer("parameters", "summary"), pk=run_id)
        if not run.is_ready or run.applied_at is not None:
            return redirect("admin:matching_batchrun_preview", run.pk)
        proposals, mentors, newcomers = run.people_to_contact()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Apply matching run {run.pk}?",
            "run": run,
            "proposals": proposals,
            "mentors": mentors,
            "newcomers": newcomers,
            # With staff approval on, mentors are asked only once staff approve each one.
            "staff_approval": MatchingSettings.get_solo().require_staff_approval,
        }
        return TemplateResponse(request, "admin/matching/batchrun/confirm_apply.html", context)
