"""Benchmark: agreement statistics and the bootstrap of alpha at scale.

5 analysts x 100,000 units x 17 codes, units nested in 1,000 documents of 100 units, each
analyst leaving some documents unreviewed (missing). Prints, for the same data in the same run:

- our time for the five statistics of every code (alpha, kappa, AC1, percent agreement,
  prevalence; :func:`casecoder.agreement.agreement_statistics`, pooled and mean rows included);
- the ``krippendorff`` package's time for alpha alone over the 17 codes, and the ratio;
- the largest difference between the two alphas (must be below 1e-9);
- our time for a 1,000-replicate bootstrap of alpha for all 17 codes (and pooled), over units
  and over documents (cluster bootstrap), for the percentile and the studentized interval (the
  default, chosen by ``benchmarks/bench_intervals.py``);
- the ``krippendorff`` package's time for the same bootstrap, extrapolated from a few
  replicates (it has no bootstrap: each replicate is 17 calls on resampled units).

Run: ``.venv/bin/python benchmarks/bench_agreement.py [--units N] [--repeat R]``. Not a timed
test: timings depend on the machine. Exit status 1 if the values disagree.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time

import numpy as np

from casecoder.agreement import agreement_statistics, bootstrap_alpha, krippendorff_alpha


def make_data(units: int, analysts: int, codes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Correlated decisions: a latent truth per unit and code, each analyst errs at a rate."""
    rng = np.random.default_rng(seed)
    prevalence = np.geomspace(0.3, 0.01, codes)  # common to rare codes
    truth = rng.random((units, 1, codes)) < prevalence
    error = rng.uniform(0.02, 0.15, size=(1, analysts, codes))
    flip = rng.random((units, analysts, codes)) < error
    values = (truth ^ flip).astype(np.float64)
    docs = np.repeat(np.arange(units // 100 + 1), 100)[:units]
    skipped = rng.random((docs.max() + 1, analysts)) < 0.1  # a document an analyst did not review
    values[skipped[docs]] = np.nan
    return values, docs


def best(fn, repeat: int) -> tuple[float, float, object]:
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--analysts", type=int, default=5)
    parser.add_argument("--codes", type=int, default=17)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of our statistics (best and median shown)")
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--their-replicates", type=int, default=3, help="krippendorff bootstrap replicates to time, then extrapolate")
    args = parser.parse_args(argv)

    import krippendorff

    values, docs = make_data(args.units, args.analysts, args.codes)
    shape = "x".join(map(str, values.shape))
    print(f"data: units x analysts x codes = {shape}, {np.isnan(values).mean():.1%} missing; "
          f"numpy {np.__version__}, krippendorff {getattr(krippendorff, '__version__', '0.x')}, "
          f"python {platform.python_version()}")

    agreement_statistics(values)  # warm up
    ours_best, ours_median, table = best(lambda: agreement_statistics(values), args.repeat)
    alpha_only_best, _, ours_alpha = best(lambda: krippendorff_alpha(values), args.repeat)

    def theirs() -> np.ndarray:
        return np.array([
            krippendorff.alpha(values[:, :, c].T, level_of_measurement="nominal", value_domain=[0.0, 1.0])
            for c in range(values.shape[2])
        ])

    their_best, _, their_alpha = best(theirs, 3)
    per_code = table[table["scope"] == "code"]["alpha"].to_numpy(dtype=float)
    diff = float(np.nanmax(np.abs(per_code - their_alpha)))
    diff2 = float(np.nanmax(np.abs(ours_alpha - their_alpha)))
    print(f"five statistics, all codes (ours):  best {ours_best * 1e3:7.1f} ms, median {ours_median * 1e3:7.1f} ms")
    print(f"alpha only, all codes (ours):       best {alpha_only_best * 1e3:7.1f} ms")
    print(f"alpha, all codes (krippendorff):    best {their_best * 1e3:7.1f} ms")
    print(f"ratio krippendorff / ours:          {their_best / ours_best:7.1f}x (five statistics), "
          f"{their_best / alpha_only_best:.1f}x (alpha only)")
    print(f"max |alpha ours - krippendorff|:    {max(diff, diff2):.2e}  (must be < 1e-9)")

    boot_units, _, b1 = best(lambda: bootstrap_alpha(values, replicates=args.replicates, seed=1, method="percentile"), 3)
    boot_docs, _, b2 = best(lambda: bootstrap_alpha(values, clusters=docs, replicates=args.replicates, seed=1,
                                                     method="percentile"), 3)
    stud_units, _, _ = best(lambda: bootstrap_alpha(values, replicates=args.replicates, seed=1), 3)
    stud_docs, _, _ = best(lambda: bootstrap_alpha(values, clusters=docs, replicates=args.replicates, seed=1), 3)
    print(f"bootstrap {args.replicates} replicates, 17 codes + pooled, over units (ours, percentile):      {boot_units * 1e3:7.1f} ms")
    print(f"bootstrap {args.replicates} replicates, 17 codes + pooled, over documents (ours, percentile):  {boot_docs * 1e3:7.1f} ms")
    print(f"bootstrap {args.replicates} replicates, 17 codes + pooled, over units (ours, studentized):     {stud_units * 1e3:7.1f} ms")
    print(f"bootstrap {args.replicates} replicates, 17 codes + pooled, over documents (ours, studentized): {stud_docs * 1e3:7.1f} ms")

    rng = np.random.default_rng(2)
    t0 = time.perf_counter()
    for _ in range(args.their_replicates):
        idx = rng.integers(0, values.shape[0], values.shape[0])
        sample = values[idx]
        for c in range(values.shape[2]):
            krippendorff.alpha(sample[:, :, c].T, level_of_measurement="nominal", value_domain=[0.0, 1.0])
    per_rep = (time.perf_counter() - t0) / args.their_replicates
    their_boot = per_rep * args.replicates
    print(f"bootstrap {args.replicates} replicates (krippendorff, extrapolated from {args.their_replicates}): "
          f"{their_boot:7.1f} s  = {their_boot / boot_units:.0f}x ours (units)")
    first = b1.iloc[0]
    print(f"e.g. {first['code']}: alpha {first['alpha']:.4f}, 95% CI [{first['alpha_low']:.4f}, {first['alpha_high']:.4f}] over units; "
          f"[{b2.iloc[0]['alpha_low']:.4f}, {b2.iloc[0]['alpha_high']:.4f}] over documents")
    if not max(diff, diff2) < 1e-9:
        print("FAIL: the alphas disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
