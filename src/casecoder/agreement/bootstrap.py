"""Bootstrap intervals for Krippendorff's alpha, per code and pooled: pure numpy.

The default is the studentized (bootstrap-t) interval that the coverage simulation chose
(:mod:`casecoder.agreement.intervals`); the percentile interval stays available.

Resampling ``N`` units with replacement is the same as drawing, for each pattern of decisions,
how many times a unit with that pattern is drawn: multinomial counts over the patterns with
probabilities equal to their shares. So each replicate costs a draw over a few dozen patterns,
not ``N`` units. Each code's replicates and the pooled replicates are drawn separately (the
marginal distribution of each is exactly the unit bootstrap's); under a cluster bootstrap all
are drawn jointly from the same clusters.

Like :mod:`casecoder.agreement.statistics`, importing this module loads neither spaCy nor
pandas nor matplotlib; :func:`bootstrap_alpha` imports pandas when called, for its table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import AgreementError, problem
from .intervals import alpha_intervals
from .statistics import _alpha_from_sums, _alpha_sums, _as_values, _pattern_arrays, _quiet, _tabulate

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["BOOTSTRAP_METHODS", "bootstrap_alpha"]

#: Interval methods of :func:`bootstrap_alpha`, the default first.
BOOTSTRAP_METHODS: tuple[str, ...] = ("studentized", "percentile")

# long because: its NumPy docstring (every parameter, what is returned and raised, an example)
# is as long as its code, which is under 60 lines.
def bootstrap_alpha(
    values: Any,
    *,
    clusters: Any = None,
    replicates: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    codes: Sequence[str] | None = None,
    method: str = "studentized",
) -> pd.DataFrame:
    """A bootstrap confidence interval for alpha, per code and pooled.

    ``method="studentized"`` (the default) is a bootstrap-t: each replicate's alpha is
    standardised by its own delta-method standard error, and the interval is alpha minus the
    quantiles of those t values times alpha's standard error. It is the method chosen by the
    coverage simulation (``benchmarks/bench_intervals.py``; docs/AGREEMENT.md): the percentile
    interval (``method="percentile"``) covered the true alpha far less often than 95% with few
    documents or a rare code. When the data cannot support any interval, see
    :func:`casecoder.agreement.interval_rule` (applied by :func:`compare`).

    Unit of analysis (of the resampling): the unit (a row of ``values``), or the cluster when
    ``clusters`` is given (e.g. the document each sentence belongs to: a cluster bootstrap,
    since sentences of one interview are not independent).

    How units are drawn, by pattern, is in the module docstring.

    Parameters
    ----------
    values : array-like, shape (units, analysts, codes)
    clusters : array-like of shape (units,), optional
        A cluster label per unit; None resamples units.
    replicates : int
        Number of bootstrap replicates (default 1,000).
    seed : int
        Seed of the random generator: the same seed gives the same interval.
    level : float
        Confidence level, between 0 and 1 (default 0.95).
    codes : sequence of str, optional
        Code names.
    method : str
        ``studentized`` or ``percentile``.

    Returns
    -------
    DataFrame
        Rows: each code, then ``(all codes)`` (pooled). Columns ``code``, ``alpha``,
        ``alpha_low``, ``alpha_high``, ``replicates`` (replicates where alpha was defined),
        ``resampled`` (``units`` or ``clusters``), ``groups`` (how many were resampled: the
        units, or clusters, holding a unit reviewed by two or more analysts; others carry no
        information about agreement and are left out), ``coded_groups`` (clusters in which
        any analyst applied the code; -1 when resampling units), ``method``.

    Raises
    ------
    AgreementError
        E606 for an unknown ``method``; E607 for a bad ``replicates`` or ``level``; E610 if
        ``clusters`` has the wrong length.
    """
    import pandas as pd  # imported on call: importing this module must not load pandas

    _check_settings(replicates, level)
    if method not in BOOTSTRAP_METHODS:
        raise AgreementError(problem("E606", option="method", value=method, choices=", ".join(BOOTSTRAP_METHODS)))
    x, _ = _as_values(values)
    n_units, m, n_codes = x.shape
    codes = list(codes) if codes is not None else [f"code{i}" for i in range(n_codes)]
    t = _tabulate(x, keep_keys=True)
    rng = np.random.default_rng(seed)
    point_n, point_ones, point_d = _alpha_sums(t.nn)
    point = _alpha_from_sums(point_n, point_ones, point_d)
    pooled_point = _alpha_from_sums(point_n.sum(), point_ones.sum(), point_d.sum())
    weights, pairable = _pattern_weights(m)
    assert t.keys is not None
    alpha = np.append(point, pooled_point)
    if clusters is None and method == "studentized":
        return _studentized_units(t, codes, weights, pairable, m, rng, replicates, level, alpha)
    coded_groups = None
    if clusters is None:
        reps = _unit_bootstrap(t.nn.reshape(-1, n_codes), weights, pairable, rng, replicates)
        pooled, groups = _pooled_unit_bootstrap(t.keys, weights, m, rng, replicates)
        resampled = "units"
    else:
        labels = np.asarray(clusters)
        if labels.shape != (n_units,):
            raise AgreementError(problem("E610", field="clusters", expected=f"({n_units},)", found=labels.shape))
        cluster_idx, _ = pd.factorize(labels, sort=True)
        per_cluster = _per_cluster(t.keys, cluster_idx, weights)
        coded_groups = np.append((per_cluster[:, 1, :] > 0).sum(axis=0), (per_cluster[:, 1, :].sum(axis=1) > 0).sum())
        if method == "studentized":
            # every code and the pooled figure from the same draws of documents
            joint = np.concatenate([per_cluster, per_cluster.sum(axis=2, keepdims=True)], axis=2)
            out = alpha_intervals(joint, replicates=replicates, level=level, seed=rng, methods=("studentized",))
            return _table(codes, alpha, out["studentized"], out["defined"], replicates, "clusters", len(per_cluster),
                          method, coded_groups)
        reps, pooled, groups = _cluster_bootstrap(per_cluster, rng, replicates)
        resampled = "clusters"
    low, high, defined = _percentile_interval(np.concatenate([reps, pooled[:, None]], axis=1), level)
    return _table(codes, alpha, np.stack([low, high]), defined, replicates, resampled, groups, method, coded_groups)


def _table(codes: list[str], alpha: np.ndarray, bounds: np.ndarray, defined: np.ndarray, replicates: int,
           resampled: str, groups: int, method: str, coded_groups: np.ndarray | None = None) -> pd.DataFrame:
    import pandas as pd

    # An interval from fewer than half the replicates would hide how often alpha is undefined.
    enough = np.asarray(defined) * 2 >= replicates
    return pd.DataFrame({
        "code": codes + ["(all codes)"],
        "alpha": alpha,
        "alpha_low": np.where(enough, bounds[0], np.nan),
        "alpha_high": np.where(enough, bounds[1], np.nan),
        "replicates": np.asarray(defined).astype("int64"),
        "resampled": resampled,
        "groups": groups,
        "coded_groups": (np.full(len(codes) + 1, -1) if coded_groups is None else np.asarray(coded_groups)).astype("int64"),
        "method": method,
    })


def _studentized_units(t: Any, codes: list[str], weights: tuple[np.ndarray, np.ndarray, np.ndarray],
                       pairable: np.ndarray, m: int, rng: np.random.Generator, replicates: int, level: float,
                       alpha: np.ndarray) -> pd.DataFrame:
    """The studentized interval resampling units: per code over its decision patterns (units with
    one pattern are interchangeable), pooled over the units' sums over the codes."""
    n_codes = len(codes)
    w = np.stack(weights, axis=1)  # (patterns, 3)
    nn = t.nn.reshape(-1, n_codes)
    bounds = np.full((2, n_codes + 1), np.nan)
    defined = np.zeros(n_codes + 1)
    for c in range(n_codes):
        present = np.nonzero(nn[:, c] * pairable)[0]
        if nn[present, c].sum() == 0:
            continue
        out = alpha_intervals(w[present][:, :, None], multiplicity=nn[present, c], replicates=replicates, level=level,
                              seed=rng, methods=("studentized",))
        bounds[:, c], defined[c] = out["studentized"][:, 0], out["defined"][0]
    patterns, multiplicity = _unit_patterns(t.keys, weights, m)
    groups = int(multiplicity.sum())
    if groups:
        out = alpha_intervals(patterns[:, :, None], multiplicity=multiplicity, replicates=replicates, level=level,
                              seed=rng, methods=("studentized",))
        bounds[:, -1], defined[-1] = out["studentized"][:, 0], out["defined"][0]
    return _table(codes, alpha, bounds, defined, replicates, "units", groups, "studentized")


def _check_settings(replicates: Any, level: Any) -> None:
    """E607 for a number of replicates that is not a whole number >= 1 or a level not in (0, 1)."""
    if not isinstance(replicates, (int, np.integer)) or isinstance(replicates, bool) or replicates < 1:
        raise AgreementError(problem("E607", field="replicates", expected="a whole number >= 1", found=repr(replicates)))
    if not (isinstance(level, (int, float)) and 0.0 < float(level) < 1.0):
        raise AgreementError(problem("E607", field="level", expected="a number between 0 and 1", found=repr(level)))


def _pattern_weights(m: int) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Per decision pattern of ``m`` analysts (flattened (ones, zeros) index): its pairable
    values, coded values and disagreement, the three sums alpha is made of; and which patterns
    are pairable (two or more decisions)."""
    n1, n0, mu = (np.broadcast_to(a, (m + 1, m + 1, 1)).ravel() for a in _pattern_arrays(m))
    pairable = mu >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        w_n = mu * pairable
        w_1 = n1 * pairable
        w_d = np.where(pairable, n1 * n0 / np.where(pairable, mu - 1, 1), 0.0)
    return (w_n, w_1, w_d), pairable


def _percentile_interval(all_reps: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The percentile interval per column of replicates, and how many replicates were defined;
    NaN bounds where fewer than half were."""
    replicates = all_reps.shape[0]
    lo_q, hi_q = 50.0 * (1.0 - level), 100.0 - 50.0 * (1.0 - level)
    defined = np.isfinite(all_reps).sum(axis=0)
    with _quiet():
        low = np.nanpercentile(all_reps, lo_q, axis=0)
        high = np.nanpercentile(all_reps, hi_q, axis=0)
    # An interval from fewer than half the replicates would hide how often alpha is undefined.
    enough = defined * 2 >= replicates
    return np.where(enough, low, np.nan), np.where(enough, high, np.nan), defined


def _pooled_unit_bootstrap(
    keys: np.ndarray, weights: tuple[np.ndarray, np.ndarray, np.ndarray], m: int,
    rng: np.random.Generator, replicates: int,
) -> tuple[np.ndarray, int]:
    """Pooled alpha per replicate of a unit bootstrap (all codes of a unit drawn together),
    and the number of pairable units resampled.

    A unit enters pooled alpha only through three sums over its codes; units with the same
    three sums are drawn together (multinomial counts over the distinct sums).
    """
    patterns, multiplicity = _unit_patterns(keys, weights, m)
    total = int(multiplicity.sum())
    if total == 0:
        return np.full(replicates, np.nan), 0
    draws = rng.multinomial(total, multiplicity / total, size=replicates).astype(np.float64)
    sums = draws @ patterns
    return _alpha_from_sums(sums[:, 0], sums[:, 1], sums[:, 2]), total


def _unit_patterns(keys: np.ndarray, weights: tuple[np.ndarray, np.ndarray, np.ndarray], m: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (pairable values, coded values, disagreement) sums of pairable units over
    the codes, shape (patterns, 3), and how many units have each."""
    n_units, n_codes = keys.shape
    w_n, w_1, w_d = weights
    scale = math.lcm(*range(1, max(m, 2)))  # makes n1 * n0 / (m_u - 1) a whole number
    w_d_int = np.rint(w_d * scale).astype(np.int64)
    width_a = int(w_n.max()) * n_codes + 1
    width_b = int(w_1.max()) * n_codes + 1
    width_d = int(w_d_int.max()) * n_codes + 1
    if width_a * width_b * width_d < 2**62:
        # Pack the three sums into one integer per pattern; field widths exceed any sum over
        # the codes, so the packed sum of a unit unpacks into its three sums exactly.
        packed = (w_n.astype(np.int64) * width_b + w_1.astype(np.int64)) * width_d + w_d_int
        per_unit = packed[keys].sum(axis=1)
        per_unit = per_unit[per_unit >= width_b * width_d]  # pairable: some pairable value
        uniq, multiplicity = np.unique(per_unit, return_counts=True)
        patterns = np.stack([uniq // (width_b * width_d), (uniq // width_d) % width_b, (uniq % width_d) / scale], axis=1)
    else:  # pragma: no cover - very many analysts and codes
        per_unit = np.stack([w[keys].sum(axis=1) for w in weights], axis=1)
        per_unit = per_unit[per_unit[:, 0] > 0]
        patterns, multiplicity = np.unique(per_unit, axis=0, return_counts=True)
    return patterns.astype(np.float64), multiplicity.astype(np.float64)


def _unit_bootstrap(nn: np.ndarray, weights: tuple[np.ndarray, np.ndarray, np.ndarray], pairable: np.ndarray,
                    rng: np.random.Generator, replicates: int) -> np.ndarray:
    """Alpha per replicate and code when units are resampled: ``nn`` counts the units of each
    decision pattern (patterns x codes); each code's replicates are drawn separately."""
    n_codes = nn.shape[1]
    w_n, w_1, w_d = weights
    reps = np.empty((replicates, n_codes))
    for c in range(n_codes):
        # Only pairable units are resampled (the others carry no information about
        # agreement), so every replicate has as many pairable units as the data.
        present = np.nonzero(nn[:, c] * pairable)[0]
        total = int(nn[present, c].sum())
        if total == 0:
            reps[:, c] = np.nan
            continue
        draws = rng.multinomial(total, nn[present, c] / total, size=replicates).astype(np.float64)
        reps[:, c] = _alpha_from_sums(draws @ w_n[present], draws @ w_1[present], draws @ w_d[present])
    return reps


def _per_cluster(keys: np.ndarray, cluster_idx: np.ndarray, weights: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Each cluster's sums (pairable values, coded values, disagreement) per code, (k, 3, codes),
    for the clusters holding a pairable unit."""
    n_codes = keys.shape[1]
    w_n, w_1, w_d = weights
    # Each cluster's sums (pairable values, coded values, disagreement) per code.
    order = np.argsort(cluster_idx, kind="stable")
    sorted_idx = cluster_idx[order]
    starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
    keys = keys[order]
    per_cluster = np.stack([np.add.reduceat(w[keys], starts, axis=0) for w in (w_n, w_1, w_d)], axis=1)
    # Clusters with no pairable unit (e.g. documents only one analyst reviewed) carry no
    # information about agreement: resample the others.
    per_cluster = per_cluster[per_cluster[:, 0].sum(axis=1) > 0]
    if len(per_cluster) == 0:
        per_cluster = np.zeros((1, 3, n_codes))
    return per_cluster


def _cluster_bootstrap(per_cluster: np.ndarray, rng: np.random.Generator, replicates: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Alpha per replicate and code, pooled alpha per replicate, and the number of clusters
    resampled, when clusters are resampled: all codes jointly."""
    n_codes = per_cluster.shape[2]
    k = len(per_cluster)
    # Drawing k clusters with replacement, counted per cluster: a multinomial with equal
    # shares, drawn here as bincounts of uniform indices (faster for many clusters).
    sums = np.empty((replicates, 3, n_codes))
    step = max(1, 20_000_000 // max(k, 1))
    for r0 in range(0, replicates, step):
        r = min(step, replicates - r0)
        idx = rng.integers(0, k, size=(r, k)) + (np.arange(r) * k)[:, None]
        draws = np.bincount(idx.ravel(), minlength=r * k).reshape(r, k).astype(np.float64)
        sums[r0 : r0 + r] = np.tensordot(draws, per_cluster, axes=(1, 0))
    reps = _alpha_from_sums(sums[:, 0], sums[:, 1], sums[:, 2])
    tot = sums.sum(axis=2)
    pooled = _alpha_from_sums(tot[:, 0], tot[:, 1], tot[:, 2])
    return reps, pooled, k
