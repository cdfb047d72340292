"""Benchmark the matching engine: scoring, assignment, suggestions, end to end.

    python -m bench.matching [--newcomers 10000] [--mentors 3000] [--seed 7] [--small]
                             [--no-reference] [--no-suggestions] [--reads 10000]

It works in a throwaway database of its own, created and dropped the way the
test runner does (PostgreSQL when DATABASE_URL points there, SQLite in memory
otherwise), never in real data. Synthetic people come from `seed_demo`
(capacities 1–5). Scoring and assignment go block by block, as a batch run
does (`solver.assign_blocks`), so the full score matrix never exists; the
exact reference (OR-Tools' min-cost flow on every allowed pair, as in
`bench.solver`) needs the dense matrix and is skipped with --no-reference.
Suggestion lists are computed for everyone at once, reading the matrix a
block of rows at a time too (`spread.demand_aware_blocks`); --no-suggestions
skips them. Reading lists through the page's selector is timed on at most
--reads newcomers (10,000 by default); with more waiting, the spread measures
come from the stored lists (what a page shows right after a recompute) and the
JSON says so (`suggestions_read_sample`). `peak_rss_mb` is the process's peak
memory over the whole run. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

from bench.database import throwaway_database


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def spread_measures(lists: list[list[tuple[int, float]]], room: dict[int, int], rng) -> dict:
    """Measure how a set of suggestion lists spreads newcomers over the mentors with room.

    `lists` holds each waiting newcomer's suggestions as (mentor id, score), best first;
    `room` each mentor with room's free places. Per free place, a mentor is shown to
    `shown / places` newcomers; the ratios compare that with the average over all places.
    The first-ask simulation takes the newcomers in random order, each asking their first
    suggestion, and a mentor says yes while they have room.
    """
    shown = dict.fromkeys(room, 0)
    for suggestions in lists:
        for mentor_id, _ in suggestions:
            if mentor_id in shown:
                shown[mentor_id] += 1
    average = sum(shown.values()) / max(sum(room.values()), 1)
    ratios = sorted(shown[m] / room[m] / average for m in room) if average else [0.0]
    scores = [score for suggestions in lists for _, score in suggestions]
    askers = [suggestions[0][0] for suggestions in lists if suggestions]
    rng.shuffle(askers)
    left, reached = dict(room), 0
    for mentor_id in askers:
        if left.get(mentor_id, 0) > 0:
            left[mentor_id] -= 1
            reached += 1
    return {
        "newcomers_with_suggestions": len(askers),
        "unsuggested_share": round(sum(1 for m in room if not shown[m]) / max(len(room), 1), 4),
        "per_slot_p99_ratio": round(percentile(ratios, 0.99), 2),
        "per_slot_max_ratio": round(ratios[-1], 2),
        "mean_score": round(sum(scores) / max(len(scores), 1), 4),
        "first_ask_room_share": round(reached / max(len(askers), 1), 4),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--newcomers", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--small", action="store_true", help="600 newcomers, 200 mentors")
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the exact reference solver (needs the dense score matrix)",
    )
    parser.add_argument(
        "--no-suggestions",
        action="store_true",
        help="skip the suggestion lists",
    )
    parser.add_argument(
        "--reads",
        type=int,
        default=10_000,
        help="time the page's read of at most this many newcomers' lists (a random sample)",
    )
    args = parser.parse_args(argv)
    if args.small:
        args.newcomers, args.mentors = 600, 200

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlink.settings.test")
    # Notification tasks are enqueued on an in-process broker and dropped at exit:
    # end to end means "proposals written and their emails queued", and no
    # email about these synthetic people may reach a real worker.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from peerlink.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    from django.core.management import call_command

    with throwaway_database() as connection:
        return run(args, call_command, connection)


def run(args, call_command, connection) -> dict:
    import io
    import logging
    import resource

    import numpy as np

    from matching import batch, scoring, selectors, services, solver
    from matching.models import Match, MatchingSettings, SuggestionList, SuggestionRanking

    # Emails go to memory (test settings); one log line per email is noise here.
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log(f"Seeding {args.newcomers} newcomers and {args.mentors} mentors...")
    started = time.perf_counter()
    call_command(
        "seed_demo",
        newcomers=args.newcomers,
        mentors=args.mentors,
        seed=args.seed,
        stdout=io.StringIO(),
    )
    seed_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # As autovacuum would soon after a bulk load: plans then use the right indexes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    parameters = selectors.parameters_from(MatchingSettings.get_solo())
    index = selectors.VocabularyIndex.load()
    started = time.perf_counter()
    newcomers = selectors.load_people(selectors.newcomers_waiting(), index)
    mentors = selectors.load_people(selectors.mentor_pool(), index)
    blocked = selectors.blocked_pairs(newcomers, mentors)
    load_seconds = time.perf_counter() - started

    log("Scoring, block by block...")
    step = max(1, solver.BLOCK_CELLS // max(len(mentors), 1))
    spans = [slice(start, start + step) for start in range(0, len(newcomers), step)]
    started = time.perf_counter()
    allowed_pairs = 0
    for span in spans:
        allowed_pairs += int(
            scoring.score_rows(newcomers, mentors, parameters, span, blocked).allowed.sum()
        )
    score_seconds = time.perf_counter() - started
    capacity = np.maximum(mentors.capacity_left, 0)

    def solver_rows(rows):
        return scoring.score_rows(newcomers, mentors, parameters, rows, blocked).for_solver()

    log("Assigning, scoring blocks as needed...")
    started = time.perf_counter()
    plan = solver.assign_blocks(solver_rows, len(newcomers), capacity)
    assign_seconds = time.perf_counter() - started
    pairs = plan.pairs
    rows, columns = pairs[:, 0], pairs[:, 1]
    totals = scoring.pair_totals(newcomers, rows, mentors, columns, parameters)
    total = float((totals + np.float32(1e-3)).astype(np.float64).sum())

    reference_total = None
    reference_seconds = None
    dense_assign_seconds = None
    if not args.no_reference:
        from bench.solver import reference_assign

        log("Solving exactly for reference (min-cost flow on every allowed pair)...")
        solver_scores = np.vstack([solver_rows(span) for span in spans])
        total = float(solver_scores[rows, columns].astype(np.float64).sum())
        started = time.perf_counter()
        reference = reference_assign(solver_scores, capacity)
        reference_seconds = time.perf_counter() - started
        reference_total = float(
            solver_scores[reference[:, 0], reference[:, 1]].astype(np.float64).sum()
        )
        started = time.perf_counter()
        solver.assign(solver_scores, capacity)
        dense_assign_seconds = time.perf_counter() - started
        del solver_scores, reference

    log("Suggestions: computing everyone's, then reading each through the page's selector...")
    room = {
        int(mentor_id): int(left)
        for mentor_id, left in zip(
            mentors.ids.tolist(), mentors.capacity_left.tolist(), strict=True
        )
        if left > 0
    }
    waiting = list(selectors.newcomers_waiting().order_by("pk"))
    sampled = len(waiting) > args.reads
    readers = random.Random(args.seed).sample(waiting, args.reads) if sampled else waiting
    settings_row = MatchingSettings.get_solo()
    measured = {}
    rankings = (SuggestionRanking.PLAIN, SuggestionRanking.DEMAND_AWARE)
    for ranking in () if args.no_suggestions else rankings:
        settings_row.suggestion_ranking = ranking
        settings_row.save()
        log(f"Suggestions ({ranking}): recomputing everyone's...")
        started = time.perf_counter()
        services.suggestions_recompute()
        recompute_seconds = time.perf_counter() - started
        rss_after_recompute = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # Each read as a page would: the first pass also reads every mentor's card once
        # into this process (as each web worker does once per mentor and profile change),
        # the second is the steady state.
        log(f"Suggestions ({ranking}): reading {len(readers)} lists twice...")
        selectors._mentor_cards.clear()
        passes = []
        for _ in range(2):
            lists, timings = [], []
            for member in readers:
                started = time.perf_counter()
                found = selectors.suggestions_for(member)
                timings.append((time.perf_counter() - started) * 1000)
                lists.append([(s.mentor.pk, s.score) for s in found])
            passes.append(timings)
        if sampled:
            # Right after a recompute nothing stored is stale: a page shows the first
            # `shown` entries of each stored list.
            lists = [
                [(entry["mentor"], entry["score"]) for entry in entries[:shown]]
                for entries, shown in SuggestionList.objects.values_list(
                    "entries", "shown"
                ).iterator(chunk_size=2000)
            ]
        measured[ranking] = spread_measures(lists, room, random.Random(args.seed))
        del lists
        measured[ranking].update(
            p50_ms=round(percentile(passes[1], 0.50), 2),
            p95_ms=round(percentile(passes[1], 0.95), 2),
            first_read_p50_ms=round(percentile(passes[0], 0.50), 2),
            first_read_p95_ms=round(percentile(passes[0], 0.95), 2),
            recompute_seconds=round(recompute_seconds, 2),
            peak_rss_mb_after_recompute=round(rss_after_recompute),
        )
    spread_aware = measured.get(SuggestionRanking.DEMAND_AWARE, {})
    spread_plain = measured.get(SuggestionRanking.PLAIN, {})
    if measured:
        spread_aware["mean_score_ratio"] = round(
            spread_aware["mean_score"] / spread_plain["mean_score"], 4
        )

    log("End to end: database to proposals written...")
    started = time.perf_counter()
    run_row = batch.batch_run_preview(user=None)
    batch.batch_run_apply(run_id=run_row.pk, user=None)
    end_to_end_seconds = time.perf_counter() - started
    proposals = Match.objects.filter(batch_run=run_row).count()

    result = {
        "database": connection.vendor,
        "newcomers": len(newcomers),
        "mentors": args.mentors,
        "mentors_available": len(mentors),
        "mentor_slots": int(capacity.sum()),
        "allowed_pairs": allowed_pairs,
        "seed_seconds": round(seed_seconds, 2),
        "load_seconds": round(load_seconds, 3),
        "score_seconds": round(score_seconds, 3),
        "assign_seconds": round(assign_seconds, 3),
        "certified_gap": plan.certified_gap,
        "dense_assign_seconds": None
        if dense_assign_seconds is None
        else round(dense_assign_seconds, 3),
        "assigned": len(pairs),
        "total_score": round(total, 4),
        "reference_total_score": None if reference_total is None else round(reference_total, 4),
        "reference_seconds": None if reference_seconds is None else round(reference_seconds, 2),
        "quality": None if not reference_total else round(total / reference_total, 6),
        "mentors_with_room": len(room),
        "free_places": sum(room.values()),
        "suggestions_read_sample": len(readers) if sampled else None,
        "suggestions_spread_from": "stored lists" if sampled else "page reads",
        **{f"suggestions_{name}": value for name, value in spread_aware.items()},
        **{f"plain_suggestions_{name}": value for name, value in spread_plain.items()},
        "end_to_end_seconds": round(end_to_end_seconds, 2),
        "end_to_end_stage_seconds": run_row.summary["stage_seconds"],
        "proposals_written": proposals,
        # ru_maxrss is in kB on Linux: the peak of the whole run, seeding included.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
