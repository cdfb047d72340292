"""Matching: programme settings, matches and their lifecycle, blocks, batch runs.

A `Match` is one newcomer–mentor pairing from the first request or proposal
to its end. Its score, the per-component breakdown and the weights used are
stored on the row, so a later change of weights never rewrites history.
"""

from operator import attrgetter

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from solo.models import SingletonModel

from members.models import Member

WEIGHT_FIELDS = {
    "pathway": "weight_pathway",
    "age": "weight_age",
    "life_situation": "weight_life_situation",
    "availability": "weight_availability",
    "steps_ahead": "weight_steps_ahead",
    "substance": "weight_substance",
}


def _weight(default: float, label: str):
    return models.FloatField(
        default=default,
        validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
        help_text=f"Weight of {label} in the score (0 switches it off).",
    )


class SuggestionRanking(models.TextChoices):
    DEMAND_AWARE = "demand_aware", "Spread across mentors with room (recommended)"
    PLAIN = "plain", "Each newcomer's best scores only"


class MatchingSettings(SingletonModel):
    """The programme's matching rules; one row, edited by staff in the admin."""

    # Defaults follow the peer-support evidence: pathway, age and family or
    # life situation mattered to participants, substance did not.
    weight_pathway = _weight(3.0, "recovery pathway overlap")
    weight_age = _weight(2.0, "closeness in age")
    weight_life_situation = _weight(2.0, "shared life-situation tags")
    weight_availability = _weight(1.0, "overlapping free time")
    weight_steps_ahead = _weight(2.0, "the steps-ahead sweet spot")
    weight_substance = _weight(0.5, "shared substance tags")

    min_gap_months = models.PositiveSmallIntegerField(
        default=12,
        validators=[MaxValueValidator(240)],
        help_text="A mentor must be at least this many months further along.",
    )
    sweet_spot_max_months = models.PositiveSmallIntegerField(
        default=120,
        validators=[MaxValueValidator(600)],
        help_text="Full steps-ahead bonus up to this many months ahead; it tapers after.",
    )
    taper_months = models.PositiveSmallIntegerField(
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="Months over which the bonus falls to zero beyond the sweet spot.",
    )
    age_scale_years = models.PositiveSmallIntegerField(
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(80)],
        help_text="An age gap of this many years or more scores zero for age closeness.",
    )
    batch_minimum_score = models.FloatField(
        default=0.3,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Matching runs never propose a pair scoring below this (0 to 1).",
    )
    require_staff_approval = models.BooleanField(
        default=False, help_text="Staff approve every pairing before the mentor sees it."
    )
    request_expiry_hours = models.PositiveSmallIntegerField(
        default=72,
        validators=[MinValueValidator(1)],
        help_text="A request the mentor has not answered expires after this many hours.",
    )
    suggestion_count = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    unmatched_queue_days = models.PositiveSmallIntegerField(
        default=7, help_text="The staff queue shows newcomers unmatched for this many days."
    )
    suggestion_ranking = models.CharField(
        max_length=20,
        choices=SuggestionRanking.choices,
        default=SuggestionRanking.DEMAND_AWARE,
        help_text=(
            "Spread: each newcomer is first shown a mentor with room for them, and no mentor "
            "is shown to far more newcomers than they have room for. Best scores only: each "
            "newcomer sees their top scores, whoever else is asking the same mentors."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "matching settings"
        verbose_name_plural = "matching settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    weight_pathway__gte=0,
                    weight_age__gte=0,
                    weight_life_situation__gte=0,
                    weight_availability__gte=0,
                    weight_steps_ahead__gte=0,
                    weight_substance__gte=0,
                ),
                name="matching_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(weight_pathway__gt=0)
                | Q(weight_age__gt=0)
                | Q(weight_life_situation__gt=0)
                | Q(weight_availability__gt=0)
                | Q(weight_steps_ahead__gt=0)
                | Q(weight_substance__gt=0),
                name="matching_some_weight_above_zero",
            ),
        ]

    def __str__(self):
        return "Matching settings"

    def weights(self) -> dict[str, float]:
        return {name: float(getattr(self, field)) for name, field in WEIGHT_FIELDS.items()}


class MatchState(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", "Waiting for staff approval"
    AWAITING_MENTOR = "awaiting_mentor", "Waiting for the mentor"
    ACTIVE = "active", "Active"
    DECLINED = "declined", "Declined by the mentor"
    EXPIRED = "expired", "Expired without an answer"
    WITHDRAWN = "withdrawn", "Withdrawn by the newcomer"
    REJECTED = "rejected", "Not approved by staff"
    ENDED = "ended", "Ended"


OPEN_STATES = [MatchState.PENDING_APPROVAL, MatchState.AWAITING_MENTOR, MatchState.ACTIVE]
REQUEST_STATES = [MatchState.PENDING_APPROVAL, MatchState.AWAITING_MENTOR]
CLOSED_STATES = [
    MatchState.DECLINED,
    MatchState.EXPIRED,
    MatchState.WITHDRAWN,
    MatchState.REJECTED,
    MatchState.ENDED,
]


class MatchOrigin(models.TextChoices):
    REQUEST = "request", "Requested by the newcomer"
    RANKED = "ranked", "Newcomer's ranked choice"
    BATCH = "batch", "Proposed by a matching run"
    STAFF = "staff", "Proposed by staff"


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", "I don't have room right now"
    NOT_A_FIT = "not_a_fit", "I don't think I'm the right fit"
    AVAILABILITY = "availability", "Our times don't line up"
    OTHER = "other", "Another reason"


class EndedBy(models.TextChoices):
    NEWCOMER = "newcomer", "Newcomer"
    MENTOR = "mentor", "Mentor"
    STAFF = "staff", "Staff"


class PairStage(models.TextChoices):
    """What stage a request or match is at for one viewer: the one stage rule.

    A blocked pair is never its own stage: blocking closes every open request
    and match of the pair, and a closed pair shows exactly as any other end.
    """

    NOT_VISIBLE = "not_visible", "Not visible"
    PENDING_STAFF = "pending_staff", "Waiting for staff approval"
    REQUESTED = "requested", "Requested"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


# A mentor is asked once staff approve a request (or at once, without approval).
# A request rejected or withdrawn before that stays unknown to them.
_MAYBE_UNASKED_STATES = [MatchState.REJECTED, MatchState.WITHDRAWN]


class MatchQuerySet(models.QuerySet):
    def visible_to(self, member) -> models.QuerySet:
        """Return the requests and matches `member` may know of, in any stage.

        The same rule as `Match.stage_for`, in SQL: the newcomer knows of all
        of theirs, a mentor only of the ones they were asked.
        """
        member_id = getattr(member, "pk", member)
        mentor_asked = ~Q(state=MatchState.PENDING_APPROVAL) & (
            ~Q(state__in=_MAYBE_UNASKED_STATES) | Q(sent_to_mentor_at__isnull=False)
        )
        return self.filter(Q(newcomer_id=member_id) | (Q(mentor_id=member_id) & mentor_asked))

    def with_peers_of(self, member) -> models.QuerySet:
        """Read the other person of each of `member`'s matches with it. `member`'s own
        side is not read again (a whole member row per match): `by_age(member=…)` sets it."""
        return self.select_related("mentor" if member.is_newcomer else "newcomer")

    def by_age(self, *, newest_first: bool, member=None) -> list["Match"]:
        """Return the rows by creation (then id), sorted here rather than by the database,
        with `member` as their own side of each (see `with_peers_of`).

        To compile an ORDER BY, Django hashes every selected column: about 2 ms of CPU
        for a match read with both members' rows, more than the query takes to run.
        A member's own matches are few, so sorting them here costs nothing.
        """
        rows = sorted(self.order_by(), key=attrgetter("created_at", "pk"), reverse=newest_first)
        if member is not None:
            for match in rows:
                if match.newcomer_id == member.pk:
                    match.newcomer = member
                elif match.mentor_id == member.pk:
                    match.mentor = member
        return rows


class BatchRunState(models.TextChoices):
    RUNNING = "running", "Working"
    DONE = "done", "Ready to review"
    FAILED = "failed", "Failed"


class BatchRun(models.Model):
    """One run of batch matching: its preview and, once applied, its proposals.

    "Run matching" records the run as working and a task computes it, writing
    its stage and percentage here as it goes, so no page waits on the scoring.
    """

    state = models.CharField(
        max_length=10, choices=BatchRunState.choices, default=BatchRunState.DONE
    )
    stage = models.CharField(max_length=120, blank=True, help_text="What the run is doing now.")
    percent_done = models.PositiveSmallIntegerField(default=0)
    # Set on each step of progress: a run whose stage stopped moving lost its task.
    stage_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, help_text="Why the run failed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    parameters = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)
    pairs = models.JSONField(
        default=list, help_text="Proposed [newcomer id, mentor id, score, breakdown], best first."
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposals_created = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Matching run {self.pk} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_ready(self) -> bool:
        return self.state == BatchRunState.DONE

    def people_to_contact(self) -> tuple[int, int, int]:
        """Return (proposals, mentors, newcomers) that applying this run would make or
        contact at most; pairs the rules refuse by then are skipped."""
        mentors = {pair[1] for pair in self.pairs}
        newcomers = {pair[0] for pair in self.pairs}
        return len(self.pairs), len(mentors), len(newcomers)


class Match(models.Model):
    newcomer = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="matches_as_newcomer"
    )
    mentor = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="matches_as_mentor")
    state = models.CharField(max_length=20, choices=MatchState.choices)
    origin = models.CharField(max_length=10, choices=MatchOrigin.choices)
    choice_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    next_choices = models.JSONField(
        default=list, blank=True, help_text="Mentor ids the request moves to on decline or expiry."
    )
    batch_run = models.ForeignKey(
        BatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="matches"
    )

    score = models.FloatField()
    breakdown = models.JSONField(default=dict, help_text="Component scores, each in [0, 1].")
    weights = models.JSONField(default=dict, help_text="The weights used for this score.")
    reasons = models.JSONField(
        default=list, help_text="Plain-language reasons shown to the newcomer."
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_to_mentor_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    decline_note = models.CharField(max_length=300, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=10, choices=EndedBy.choices, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "matches"
        indexes = [
            models.Index(fields=["state", "expires_at"]),
            models.Index(fields=["mentor", "state"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["newcomer"],
                condition=Q(state__in=OPEN_STATES),
                name="one_open_request_or_match_per_newcomer",
            ),
            models.CheckConstraint(
                condition=~Q(newcomer=models.F("mentor")), name="match_not_with_oneself"
            ),
        ]

    def __str__(self):
        names = f"{self.newcomer.display_name} → {self.mentor.display_name}"
        return f"{names} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_request(self) -> bool:
        return self.state in REQUEST_STATES

    def _mentor_was_asked(self) -> bool:
        if self.state == MatchState.PENDING_APPROVAL:
            return False
        return self.state not in _MAYBE_UNASKED_STATES or self.sent_to_mentor_at is not None

    def stage_for(self, member) -> PairStage:
        """Return the stage this pair is at for `member`; NOT_VISIBLE when in doubt.

        Every surface that shows a pair asks this (pages, API, export, emails,
        report pages, staff context, disclosures); `Match.objects.visible_to`
        is the same rule for lists.
        """
        member_id = getattr(member, "pk", member)
        if member_id is None or member_id not in (self.newcomer_id, self.mentor_id):
            return PairStage.NOT_VISIBLE
        as_mentor = member_id == self.mentor_id
        if as_mentor and not self._mentor_was_asked():
            return PairStage.NOT_VISIBLE
        if self.state == MatchState.PENDING_APPROVAL:
            return PairStage.PENDING_STAFF
        if self.state == MatchState.AWAITING_MENTOR:
            return PairStage.REQUESTED
        if self.state == MatchState.ACTIVE:
            return PairStage.ACTIVE
        if self.state in CLOSED_STATES:
            return PairStage.ENDED
        return PairStage.NOT_VISIBLE

    def messages_visible_to(self, member) -> bool:
        """Whether `member` may read this pair's conversation (the request note included).

        The newcomer reads their own note at every stage. The mentor reads it
        while the request is theirs to answer, and the conversation once the pair
        was matched; a request that closed without a match shows them no note.
        """
        stage = self.stage_for(member)
        if stage in (PairStage.PENDING_STAFF, PairStage.REQUESTED, PairStage.ACTIVE):
            return True
        if stage == PairStage.ENDED:
            return getattr(member, "pk", member) == self.newcomer_id or (
                self.state == MatchState.ENDED
            )
        return False

    def checkins_visible_to(self, member) -> bool:
        """Whether `member` may check in on this pair, or see that it ended: only a
        pair that was matched has check-ins."""
        stage = self.stage_for(member)
        return stage == PairStage.ACTIVE or (
            stage == PairStage.ENDED and self.state == MatchState.ENDED
        )


class Block(models.Model):
    """One member blocks another: the pair is never suggested, proposed or matched again."""

    blocker = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="blocks_received")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once_per_pair"),
        ]

    def __str__(self):
        return f"Block {self.blocker_id} → {self.blocked_id}"


class MatchNotification(models.Model):
    """One email about one match event: the unique key makes sending idempotent."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "event"], name="one_notification_per_event"),
        ]

    def __str__(self):
        return f"{self.event} email for match {self.match_id}"


class MemberNotification(models.Model):
    """One email about a member's own standing (staff approved a mentor, say).

    The unique (member, event, key) makes sending idempotent: `key` names the
    occasion (the time of the approval), so a later approval is a new email and
    a second run of the same one sends nothing.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=20)
    key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "event", "key"], name="one_member_notification_per_occasion"
            ),
        ]

    def __str__(self):
        return f"{self.event} email for member {self.member_id}"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTED = "acted", "Acted on"
    CLOSED = "closed", "Closed"


class ReportAction(models.TextChoices):
    END_MATCH = "end_match", "Ended the match"
    BLOCK = "block", "Blocked on the member's behalf"
    PAUSE_MENTOR = "pause_mentor", "Paused the mentor"
    CLOSE = "close", "Closed without action"


REPORT_TEXT_MAX = 1000


class Report(models.Model):
    """A member's concern about a peer, for staff; the row is also the alert's outbox."""

    reporter = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reports_made")
    reported = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reports_received")
    match = models.ForeignKey(
        Match, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # A report about one message in the pair's conversation: staff see it and the
    # ten before it. A string reference, since messaging builds on matching.
    message = models.ForeignKey(
        "messaging.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    text = models.TextField(max_length=REPORT_TEXT_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    staff_alerted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    action = models.CharField(max_length=20, choices=ReportAction.choices, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"Report {self.pk} ({self.get_status_display()})"


class SuggestionPlan(models.Model):
    """The last computation of every waiting newcomer's suggestions (one row).

    `prices` holds each mentor's price in the plan: how much the programme's total fit would
    gain from one more free place of theirs (0, and left out, with room to spare).
    """

    computed_at = models.DateTimeField()
    ranking = models.CharField(max_length=20, choices=SuggestionRanking.choices)
    prices = models.JSONField(default=dict, help_text="Mentor id -> price, where above 0.")
    newcomers = models.PositiveIntegerField(default=0)
    waiting_for_room = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)

    class Meta:
        verbose_name = "suggestion plan"

    def __str__(self):
        return f"Suggestions computed {self.computed_at:%Y-%m-%d %H:%M}"


class SuggestionList(models.Model):
    """One waiting newcomer's suggestions as last computed, best first.

    Read through `matching.selectors.suggestions_for`, which drops any mentor who is no
    longer eligible, and computes afresh when the newcomer or the rules changed since.
    Each entry: {"mentor": id, "score": 0..1, "price": >= 0, "breakdown": {component: 0..1},
    "reasons": [plain words]}.
    """

    newcomer = models.OneToOneField(
        Member, on_delete=models.CASCADE, primary_key=True, related_name="suggestion_list"
    )
    computed_at = models.DateTimeField(
        help_text="When the data behind the list was read (not when it was written)."
    )
    ranking = models.CharField(max_length=20, choices=SuggestionRanking.choices)
    waiting_for_room = models.BooleanField(
        default=False,
        help_text="Mentors fit this newcomer, but all their room is planned for others.",
    )
    entries = models.JSONField(default=list)
    shown = models.PositiveSmallIntegerField(
        default=5, help_text="How many the page shows: the setting when the list was computed."
    )

    class Meta:
        verbose_name = "suggestion list"

    def __str__(self):
        return f"Suggestions for member {self.newcomer_id}"
