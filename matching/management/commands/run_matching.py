"""Run batch matching from the command line: preview, and apply with --apply.

    python manage.py run_matching                 # preview only: nobody is contacted
    python manage.py run_matching --apply --user staff@example.org

Every run is recorded like one started from the admin, so a preview made here
can be reviewed and applied there later.
"""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from matching import batch
from matching.services import MatchError
from members.models import User


class Command(BaseCommand):
    help = "Propose an optimal set of newcomer–mentor pairings; with --apply, send them out."

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Create the proposals (otherwise only record a preview).",
        )
        parser.add_argument(
            "--user", metavar="EMAIL", help="Staff account recorded as running the match."
        )

    def handle(self, *args, **options):
        user = self._staff_user(options["user"])
        stage = iter(range(1, 5))

        def progress(message: str) -> None:
            self.stdout.write(f"[{next(stage, 4)}/4] {message}…")

        run = batch.batch_run_preview(user=user, progress=progress)
        self._write_summary(run.summary)
        if not options["apply"]:
            url = reverse("admin:matching_batchrun_preview", args=[run.pk])
            self.stdout.write(
                f"Run {run.pk} recorded as a preview; nobody was contacted. Review it at {url} "
                "or run again with --apply."
            )
            return
        self.stdout.write(f"Applying run {run.pk}…")
        try:
            run = batch.batch_run_apply(run_id=run.pk, user=user)
        except MatchError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {run.proposals_created} proposals; skipped {run.summary['skipped']}."
            )
        )
        for reason, count in run.summary["skipped_reasons"].items():
            self.stdout.write(f"  skipped {count}: {reason}")

    def _staff_user(self, email: str | None) -> User | None:
        if not email:
            return None
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None or not user.is_staff:
            raise CommandError(f"No staff account with the email {email}.")
        return user

    def _write_summary(self, summary: dict) -> None:
        stages = ", ".join(
            f"{name} {seconds:.2f}" for name, seconds in summary["stage_seconds"].items()
        )
        mean = summary["mean_score"]
        lines = [
            f"Newcomers considered: {summary['newcomers_considered']} "
            f"({summary['newcomers_held']} held for review, "
            f"{summary['newcomers_with_a_possible_mentor']} with at least one allowed mentor)",
            f"Mentors considered: {summary['mentors_considered']} "
            f"({summary['mentors_with_room']} with room)",
            f"Proposed pairs: {summary['proposed_pairs']} "
            f"({summary['matched_share']:.1%} of newcomers considered)",
            f"Mean score: {mean:.3f}" if mean is not None else "Mean score: –",
            "New proposals per mentor: "
            + ", ".join(
                f"{new} → {mentors} mentors" for new, mentors in summary["mentor_load"].items()
            ),
            "Highest mentor load after applying: "
            f"{summary['max_mentor_utilisation']:.0%} of capacity",
            f"Took {summary['seconds']:.2f} s ({stages})",
        ]
        for line in lines:
            self.stdout.write(line)
