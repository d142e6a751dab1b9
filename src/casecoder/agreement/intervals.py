"""Intervals for Krippendorff's alpha that hold their stated coverage, and when to give none.

Chosen by simulation (``benchmarks/bench_intervals.py``, figures in docs/AGREEMENT.md): of
the percentile bootstrap, BCa, a bootstrap-t (studentized) and the delta method, the
studentized bootstrap covered 95.5-97.5% for a nominal 95% wherever casecoder gives an
interval; the percentile bootstrap covered 66-73% on a rare code at n = 30 or three documents.
Where the data cannot support an interval (:func:`interval_rule`), none is given, with the
reason. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "INTERVAL_METHOD",
    "INTERVAL_METHODS",
    "IntervalRule",
    "MIN_CODED_UNITS",
    "MIN_DISAGREEMENTS",
    "MIN_DOCUMENTS",
    "alpha_intervals",
    "interval_rule",
]

#: Interval methods :func:`alpha_intervals` computes.
INTERVAL_METHODS: tuple[str, ...] = ("percentile", "bca", "studentized", "delta")


def _alpha(t: np.ndarray) -> np.ndarray:
    """Binary alpha from sums ``t[..., 0] = n`` (pairable values), ``1`` (coded), ``2`` (d)."""
    n, ones, d = t[..., 0, :], t[..., 1, :], t[..., 2, :]
    expected = ones * (n - ones)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1.0) * d / expected, np.nan)


def _gradient(t: np.ndarray) -> np.ndarray:
    """d alpha / d (n, ones, d) at sums ``t`` (..., 3, codes); NaN where alpha is undefined."""
    n, o, d = t[..., 0, :], t[..., 1, :], t[..., 2, :]
    z = n - o
    with np.errstate(divide="ignore", invalid="ignore"):
        g_d = -(n - 1.0) / (o * z)
        g_n = -(d / (o * z) - (n - 1.0) * d / (o * z * z))
        g_o = (n - 1.0) * d * (z - o) / (o * o * z * z)
    return np.stack([g_n, g_o, g_d], axis=-2)


def _delta_se(sums: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Linearised (delta-method) standard error of alpha over clusters.

    ``sums`` (k, 3, codes) per distinct cluster; ``weights`` (k,) or (R, k): how many times
    each is counted (its multiplicity, or its draws in each replicate). Returns (codes,) or
    (R, codes).

    Each cluster's linear term is ``g . t_c`` (``g`` the gradient of alpha at the replicate's
    totals); the weighted sum of its squares is ``g' Q g`` with ``Q = sum_c w_c t_c t_c'``,
    one matrix product for every replicate at once instead of a (replicates, clusters, codes)
    array; the mean linear term is ``g . T / K``.
    """
    w = np.atleast_2d(weights)
    k, _, n_codes = sums.shape
    big_k = w.sum(axis=1)  # clusters counted, per replicate
    total = np.tensordot(w, sums, axes=(1, 0))  # (R, 3, C)
    g = _gradient(total)
    outer = np.einsum("kjc,klc->kjlc", sums, sums).reshape(k, -1)
    q = (w @ outer).reshape(w.shape[0], 3, 3, n_codes)
    squares = np.einsum("rjc,rlc,rjlc->rc", g, g, q)
    mean = (total * g).sum(axis=1) / big_k[:, None]
    var = np.maximum(squares - mean**2 * big_k[:, None], 0.0)
    se = np.sqrt(big_k[:, None] / np.maximum(big_k[:, None] - 1.0, 1.0) * var)
    return se[0] if np.ndim(weights) == 1 else se


def _draw(k: int, multiplicity: np.ndarray | None, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """How many times each cluster is drawn in each replicate: (replicates, k)."""
    if multiplicity is None:
        # k clusters with replacement, counted per cluster: bincounts of uniform indices
        idx = rng.integers(0, k, size=(replicates, k)) + (np.arange(replicates) * k)[:, None]
        return np.bincount(idx.ravel(), minlength=replicates * k).reshape(replicates, k).astype(np.float64)
    total = int(multiplicity.sum())
    # identical clusters (units with one decision pattern) drawn together: multinomial counts
    return rng.multinomial(total, multiplicity / total, size=replicates).astype(np.float64)


# long because: its NumPy docstring (every parameter, what is returned and raised, an example)
# is as long as its code, which is under 60 lines.
def alpha_intervals(
    sums: Any,
    *,
    multiplicity: Any = None,
    replicates: int = 1000,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    methods: Sequence[str] = INTERVAL_METHODS,
) -> dict[str, np.ndarray]:
    """Confidence intervals for Krippendorff's alpha (binary) from per-cluster sums.

    Unit of analysis (of the resampling): the cluster, a row of ``sums`` (a document under a
    cluster bootstrap, a unit otherwise). Every replicate draws as many clusters as there are,
    with replacement; all codes share the draws.

    Methods: ``percentile`` (the replicates' quantiles), ``bca`` (bias-corrected and
    accelerated, acceleration from the leave-one-cluster-out jackknife; Efron 1987),
    ``studentized`` (bootstrap-t: each replicate's alpha standardised by its own
    delta-method standard error; the interval is alpha minus the t quantiles times the
    standard error), ``delta`` (alpha +- z * delta-method standard error).

    Parameters
    ----------
    sums : array-like, shape (clusters, 3) or (clusters, 3, codes)
        Per cluster: pairable values ``n``, coded values and the disagreement sum
        ``sum_u n1_u n0_u / (m_u - 1)`` (as in the alpha formula).
    multiplicity : array-like of int, shape (clusters,), optional
        How many identical clusters each row stands for (units with the same decisions); the
        bootstrap then draws multinomial counts over the rows.
    replicates : int
    level : float
    seed : int or Generator
    methods : sequence of str

    Returns
    -------
    dict
        ``alpha`` (codes,), ``defined`` (replicates where alpha was defined, per code) and, per
        method, an array (2, codes) of low and high; NaN where alpha or the interval is
        undefined (or fewer than half the replicates define alpha).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> truth = rng.random(400) < 0.3
    >>> a, b = truth ^ (rng.random(400) < 0.1), truth ^ (rng.random(400) < 0.1)
    >>> sums = np.stack([np.full(400, 2.0), a + 0.0 + b, (a != b) + 0.0], axis=1)
    >>> out = alpha_intervals(sums, replicates=500, seed=0)
    >>> bool(out["studentized"][0, 0] < out["alpha"][0] < out["studentized"][1, 0])
    True
    """
    from statistics import NormalDist

    x = np.asarray(sums, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    k, _, n_codes = x.shape
    mult = None if multiplicity is None else np.asarray(multiplicity, dtype=np.float64)
    base = np.ones(k) if mult is None else mult
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    total = np.tensordot(base, x, axes=(0, 0))
    point = _alpha(total)
    weights = _draw(k, mult, replicates, rng) if k else np.zeros((replicates, 0))
    reps = _alpha(np.tensordot(weights, x, axes=(1, 0)))  # (R, C)
    out: dict[str, np.ndarray] = {"alpha": point, "defined": np.isfinite(reps).sum(axis=0)}
    lo_q, hi_q = (1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0
    nd = NormalDist()
    with np.errstate(invalid="ignore", divide="ignore"):
        if "percentile" in methods:
            out["percentile"] = _quantiles(reps, [lo_q, hi_q])
        if "bca" in methods:
            out["bca"] = _bca(x, base, total, point, reps, lo_q, hi_q, nd)
        if "studentized" in methods or "delta" in methods:
            se = _delta_se(x, base)
            if "delta" in methods:
                z = nd.inv_cdf(hi_q)
                out["delta"] = np.stack([point - z * se, np.minimum(point + z * se, 1.0)])
            if "studentized" in methods:
                se_r = _delta_se(x, weights)
                t = np.where(se_r > 0, (reps - point) / se_r, np.nan)
                tq = _quantiles(t, [lo_q, hi_q])
                low, high = point - tq[1] * se, np.minimum(point - tq[0] * se, 1.0)
                ok = np.isfinite(point) & (se > 0)
                out["studentized"] = np.where(ok, np.stack([low, high]), np.nan)
    return out


def _quantiles(reps: np.ndarray, qs: Sequence[float] | np.ndarray) -> np.ndarray:
    """Per code, quantiles of the defined replicates; NaN if fewer than half are defined."""
    import warnings

    defined = np.isfinite(reps).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if np.ndim(qs) == 1:
            q = np.nanquantile(reps, np.asarray(qs), axis=0)
        else:  # one pair of quantiles per code (BCa)
            q = np.stack([np.nanquantile(reps[:, c], np.asarray(qs)[:, c]) if defined[c] else np.full(2, np.nan)
                          for c in range(reps.shape[1])], axis=1)
    return np.where(defined * 2 >= reps.shape[0], q, np.nan)


def _bca(x, base, total, point, reps, lo_q, hi_q, nd):
    finite = np.isfinite(reps)
    below = np.where(finite, reps < point, False).sum(axis=0) + 0.5 * np.where(finite, reps == point, False).sum(axis=0)
    share = below / np.maximum(finite.sum(axis=0), 1)
    share = np.clip(share, 1.0 / (len(reps) + 1), 1.0 - 1.0 / (len(reps) + 1))
    z0 = np.array([nd.inv_cdf(float(s)) for s in share])
    jack = _alpha(total[None] - x)  # (k, C) leave one cluster out; each stands for base[c] of them
    w = base[:, None] * np.isfinite(jack)
    jz = np.where(np.isfinite(jack), jack, 0.0)
    jm = (w * jz).sum(axis=0) / np.maximum(w.sum(axis=0), 1e-300)
    num = (w * (jm - jz) ** 3).sum(axis=0)
    den = 6.0 * (w * (jm - jz) ** 2).sum(axis=0) ** 1.5
    acc = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    qs = []
    for q in (lo_q, hi_q):
        zq = nd.inv_cdf(q)
        adj = z0 + (z0 + zq) / (1.0 - acc * (z0 + zq))
        qs.append(np.array([nd.cdf(float(v)) if np.isfinite(v) else np.nan for v in adj]))
    qs_arr = np.clip(np.nan_to_num(np.stack(qs), nan=0.5), 0.0, 1.0)
    return _quantiles(reps, qs_arr)


#: Fewest documents (with a unit reviewed by two analysts, and in which the code was applied)
#: from which a cluster bootstrap interval is given; chosen by ``benchmarks/bench_intervals.py``:
#: with 3 documents no method reached 92.5%, with 5 only the studentized one did, at a mean
#: width of 1.5 (an interval that says nothing); a common code over 8 or 10 documents was
#: covered 96-97%, but a rare code applied in 8 or 9 of 10 documents only 91-93%.
MIN_DOCUMENTS = 10
#: Fewest units on which the analysts differ, and fewest units coded by at least one analyst,
#: for an interval of one code (or the pooled row): below, a rare code's interval covered as
#: little as 34-88% in the simulation, and a single disagreeing unit gave a zero-width one.
MIN_DISAGREEMENTS = 3
MIN_CODED_UNITS = 10
#: The interval method, chosen by the simulation: a bootstrap-t (each replicate's alpha
#: standardised by its own delta-method standard error).
INTERVAL_METHOD = "studentized"


@dataclass(frozen=True)
class IntervalRule:
    """Whether an interval for alpha can be given, by which method, and if not why."""

    ok: bool
    method: str
    reason: str = ""


def interval_rule(*, groups: int, disagreements: int, coded_units: int, resampled: str,
                  coded_groups: int | None = None) -> IntervalRule:
    """Decide whether the data can support an interval for alpha.

    Parameters
    ----------
    groups : int
        Clusters resampled (documents, or units) holding a unit reviewed by two analysts.
    disagreements : int
        Units on which the analysts differ (for this code, or pooled).
    coded_units : int
        Units that at least one analyst coded.
    resampled : str
        ``documents`` or ``units``.
    coded_groups : int, optional
        Documents in which any analyst applied the code (when resampling documents): a rare
        code applied in 8 or 9 of 10 documents was covered only 91-93% in the simulation.

    Returns
    -------
    IntervalRule
        ``ok`` False with the reason when no interval should be printed.

    Examples
    --------
    >>> interval_rule(groups=3, disagreements=20, coded_units=40, resampled="documents").reason
    'only 3 documents hold units reviewed by two analysts (an interval needs 10)'
    >>> interval_rule(groups=200, disagreements=1, coded_units=1, resampled="units").ok
    False
    """
    if resampled == "documents" and groups < MIN_DOCUMENTS:
        return IntervalRule(False, INTERVAL_METHOD,
                            f"only {groups} documents hold units reviewed by two analysts (an interval needs {MIN_DOCUMENTS})")
    if disagreements < MIN_DISAGREEMENTS:
        return IntervalRule(False, INTERVAL_METHOD,
                            f"only {disagreements} unit(s) with a disagreement (an interval needs {MIN_DISAGREEMENTS})")
    if coded_units < MIN_CODED_UNITS:
        return IntervalRule(False, INTERVAL_METHOD,
                            f"only {coded_units} unit(s) coded by any analyst (an interval needs {MIN_CODED_UNITS})")
    if resampled == "documents" and coded_groups is not None and coded_groups < MIN_DOCUMENTS:
        return IntervalRule(False, INTERVAL_METHOD,
                            f"the code was applied in only {coded_groups} document(s) (an interval needs {MIN_DOCUMENTS})")
    return IntervalRule(True, INTERVAL_METHOD)
