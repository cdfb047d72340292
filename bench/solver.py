"""Benchmark batch assignment alone: `solver.assign` against an exact min-cost flow.

    python -m bench.solver [--newcomers 10000] [--mentors 3000] [--seeds 1 2 3] [--small]

Pure: no Django, no database. Each seed draws an instance shaped like a programme's scores
(`instance`): capacities 0 to 5, tag-overlap scores with a bonus for mentors further along in
recovery and small noise, about half the pairs not further along (NaN, forbidden), more pairs
forbidden as -inf, 0 or negative (about 30% of the rest), some identical newcomers, and one
newcomer nobody may take. It times `solver.assign` and, on the same instance in the same run,
the exact reference: OR-Tools' min-cost flow on every allowed pair (integer costs, scores
scaled by 2^32). `ratio` is assign's time over the reference's; `quality` is assign's total
over the reference's; `certified_gap` is the gap `assign` proved by LP duality. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np

from matching import solver

#: Integer cost units per score unit in the exact reference.
REFERENCE_SCALE = 2.0**32


def instance(newcomers: int, mentors: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (float32 scores, capacity) shaped like a programme's batch run."""
    rng = np.random.default_rng(seed)
    tags = 24
    newcomer_tags = rng.random((newcomers, tags)) < rng.uniform(0.08, 0.3, (newcomers, 1))
    mentor_tags = rng.random((mentors, tags)) < rng.uniform(0.08, 0.3, (mentors, 1))
    own = np.maximum(newcomer_tags.sum(axis=1, dtype=np.float32), 1)
    scores = newcomer_tags.astype(np.float32) @ mentor_tags.astype(np.float32).T
    scores /= own[:, None]
    scores *= np.float32(0.7)
    newcomer_months = rng.exponential(18, newcomers).astype(np.float32)
    mentor_months = rng.exponential(40, mentors).astype(np.float32)
    gap = mentor_months[None, :] - newcomer_months[:, None]
    ahead = gap >= 12
    scores += np.float32(0.2) * ahead
    scores += rng.random(scores.shape, dtype=np.float32) * np.float32(0.01)
    scores[~ahead] = np.nan
    forbidden = rng.random(scores.shape, dtype=np.float32) < 0.3
    kinds = rng.integers(0, 3, scores.shape, dtype=np.int8)
    scores[forbidden & (kinds == 0)] = -np.inf
    scores[forbidden & (kinds == 1)] = 0.0
    scores[forbidden & (kinds == 2)] = -0.5
    # A few newcomers answered exactly like someone else: identical rows.
    twins = np.flatnonzero(rng.random(newcomers) < 0.05)
    scores[twins] = scores[rng.integers(0, newcomers, twins.size)]
    scores[rng.integers(0, newcomers)] = -np.inf
    capacity = rng.integers(0, 6, mentors)
    return scores, capacity


def reference_assign(scores: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Return an exactly optimal assignment: OR-Tools min-cost flow on every allowed pair."""
    from ortools.graph.python import min_cost_flow

    n, m = scores.shape
    capacity = np.maximum(capacity, 0)
    rows, cols = np.nonzero((scores > 0) & np.isfinite(scores) & (capacity > 0)[None, :])
    costs = -np.rint(scores[rows, cols].astype(np.float64) * REFERENCE_SCALE).astype(np.int64)
    source, sink = n + m, n + m + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([np.full(n, source), rows, n + np.arange(m), [source]])
    heads = np.concatenate([np.arange(n), n + cols, np.full(m, sink), [sink]])
    limits = np.concatenate(
        [np.ones(n, np.int64), np.ones(rows.size, np.int64), capacity, [n]]
    ).astype(np.int64)
    arc_costs = np.concatenate([np.zeros(n, np.int64), costs, np.zeros(m + 1, np.int64)])
    del costs
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, limits, arc_costs)
    del tails, heads, limits, arc_costs
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n, -n]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"OR-Tools min-cost flow failed with status {status}")
    used = flow.flows(np.arange(n, n + rows.size)) > 0
    order = np.argsort(rows[used], kind="stable")
    return np.column_stack([rows[used][order], cols[used][order]]).astype(np.int64)


def total(scores: np.ndarray, pairs: np.ndarray) -> float:
    return float(scores[pairs[:, 0], pairs[:, 1]].astype(np.float64).sum())


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(newcomers: int, mentors: int, seed: int, reference: bool) -> dict:
    scores, capacity = instance(newcomers, mentors, seed)
    allowed = int(((scores > 0) & np.isfinite(scores) & (capacity > 0)[None, :]).sum())
    started = time.perf_counter()
    plan = solver.assign_with_prices(scores, capacity)
    assign_seconds = time.perf_counter() - started
    result = {
        "seed": seed,
        "allowed_pairs": allowed,
        "assign_seconds": round(assign_seconds, 3),
        "assigned": len(plan.pairs),
        "certified_gap": plan.certified_gap,
    }
    if reference:
        started = time.perf_counter()
        exact = reference_assign(scores, capacity)
        reference_seconds = time.perf_counter() - started
        result.update(
            reference_seconds=round(reference_seconds, 3),
            ratio=round(assign_seconds / reference_seconds, 3),
            quality=round(total(scores, plan.pairs) / total(scores, exact), 7),
        )
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--newcomers", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=3_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--small", action="store_true", help="1,000 newcomers, 300 mentors")
    parser.add_argument("--no-reference", action="store_true", help="skip the exact reference")
    args = parser.parse_args(argv)
    if args.small:
        args.newcomers, args.mentors = 1_000, 300
    runs = []
    for seed in args.seeds:
        print(f"Seed {seed}: {args.newcomers} x {args.mentors}...", file=sys.stderr, flush=True)
        runs.append(measure(args.newcomers, args.mentors, seed, not args.no_reference))
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    summary = {
        "newcomers": args.newcomers,
        "mentors": args.mentors,
        "seeds": args.seeds,
        "assign_seconds": [run["assign_seconds"] for run in runs],
        "certified_gap_max": max(run["certified_gap"] for run in runs),
        "peak_rss_mb": round(peak_rss_mb()),
    }
    if not args.no_reference:
        summary.update(
            reference_seconds=[run["reference_seconds"] for run in runs],
            ratio=[run["ratio"] for run in runs],
            ratio_max=max(run["ratio"] for run in runs),
            quality_min=min(run["quality"] for run in runs),
        )
    summary["runs"] = runs
    return summary


if __name__ == "__main__":
    result = main()
    print(json.dumps(result))
    # The solver's promise: within 0.1% of the optimum, and a certificate that says so.
    if result["certified_gap_max"] > 1e-3 or result.get("quality_min", 1.0) < 1 - 1e-3:
        sys.exit("assign missed its promise of 0.1% of the optimum")
