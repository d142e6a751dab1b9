"""Agreement between analysts: units, statistics, bootstrap intervals and disagreements.

Analysts who code the same transcripts independently are compared **unit by unit**: every
analyst's coding is mapped onto one segmentation (the reader's sentences, turns, documents or
cases) and becomes, for each code, a decision per unit: 1 (applied), 0 (reviewed, not applied)
or missing (the analyst did not review that document). Missing is never counted as 0.

The core object is a ``values`` array of shape ``(units, analysts, codes)`` holding 1.0, 0.0 or
NaN. Every statistic is computed for all codes at once from two small tables of counts (how many
units show each pattern of decisions), so 5 analysts x 100,000 units x 17 codes take
milliseconds, and a bootstrap draws units with the same pattern together (multinomial counts
over patterns) instead of resampling units one by one.

Statistics (per code, the code treated as binary: present or not):

- ``percent_agreement``: over units reviewed by two or more analysts, the mean share of
  agreeing analyst pairs (for two analysts: the share of units on which they agree), in %.
- ``alpha``: Krippendorff's alpha for nominal data; any number of analysts, missing values
  allowed (a unit reviewed by fewer than two analysts is not pairable and is left out).
- ``kappa``: Cohen's kappa for two analysts; for more, Light's kappa (the mean of the pairwise
  Cohen's kappas), each pair over the units both reviewed.
- ``ac1``: Gwet's AC1 (first-order agreement coefficient), a secondary column that stays high
  when agreement is high on a rare code (the "kappa paradox").
- ``prevalence``: each analyst's share of reviewed units coded.

Overall figures come in two kinds, and the table says which is which: ``pooled`` stacks every
code's units (a unit x code pair is one unit) and computes each statistic once; ``mean of
codes`` is the unweighted mean of the per-code values over the codes where each is defined.

Undefined is not perfect: where a statistic is undefined (nobody applied the code, everyone
applied it everywhere, no unit reviewed by two analysts) it is NaN and the ``reason`` column
says why; it is never reported as 1.0 or 0.

The overlap rule: a coding counts for every unit it overlaps by at least one code point; with
``min_overlap=s`` (0 < s <= 1) it counts only where it covers at least the share ``s`` of the
unit's characters. ``min_overlap`` applies to sentence and turn units; for document and case
units any coding inside counts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import AgreementError, Problem, problem

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook
    from .transcripts import Document

__all__ = [
    "AUTO",
    "AnalystCoding",
    "CLUSTERS",
    "Comparison",
    "DECISIONS",
    "Ratings",
    "UNITS",
    "agreement_statistics",
    "bootstrap_alpha",
    "cohen_kappa",
    "compare",
    "disagreements",
    "disagreements_markdown",
    "gwet_ac1",
    "krippendorff_alpha",
    "load_codings",
    "nominal_alpha",
    "pairwise_agreement",
    "percent_agreement",
    "prevalence",
    "ratings_from_codings",
    "read_analyst_coding",
    "read_coding",
    "read_qdpx",
    "units_table",
    "write_comparison",
]

#: The units analysts can be compared on, finest first.
UNITS: tuple[str, ...] = ("sentence", "turn", "document", "case")
#: What a bootstrap resamples: ``auto`` is documents for sentence and turn units, else units.
CLUSTERS: tuple[str, ...] = ("auto", "unit", "document")
#: How the disagreements table writes a decision (1, 0, missing).
DECISIONS: tuple[str, str, str] = ("coded", "not coded", "not reviewed")

#: Columns of a units table, in order.
UNIT_COLUMNS: tuple[str, ...] = (
    "unit", "document", "case", "section", "turn", "speaker", "start", "end", "text", "documents",
)

# Above this many analysts the table of full decision patterns (3**m rows) gets large; the
# statistics are then computed from per-unit sums and per-pair tables instead.
_MAX_PATTERN_ANALYSTS = 10
# Units per chunk of the tabulation: keeps the working arrays in cache (measured: 1,024 units of
# 5 analysts x 17 codes is fastest on a 2-core machine).
_CHUNK = 1024

_NO_PAIRS = "no unit was reviewed by two or more analysts"
_NO_ONES = "no analyst applied the code"
_NO_ZEROS = "every analyst applied the code to every unit they reviewed"


# ============================================================================================
# the array core


def _as_values(values: Any, *, name: str = "values") -> tuple[np.ndarray, bool]:
    """Check a decisions array; return it as float (units, analysts, codes) and if it was 2-D.

    Raises
    ------
    AgreementError
        E610 for a wrong shape, E609 for a value other than 0, 1 or NaN.
    """
    arr = np.asarray(values)
    if arr.dtype == bool:
        arr = arr.astype(np.float64)
    elif not np.issubdtype(arr.dtype, np.floating):
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise AgreementError(problem("E609", field=name, found=f"values of type {arr.dtype}")) from exc
    squeeze = arr.ndim == 2
    if squeeze:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise AgreementError(
            problem("E610", field=name, expected="(units, analysts) or (units, analysts, codes)", found=arr.shape)
        )
    return arr, squeeze


@dataclass(frozen=True)
class _Tables:
    """Counts that every statistic is computed from (all per code, the last axis).

    ``nn[a, b, c]``: units whose decisions on code ``c`` hold ``a`` ones and ``b`` zeros.
    ``pairs[i, j, x, y, c]``: units both analysts ``i`` and ``j`` reviewed, ``i`` deciding
    ``x`` and ``j`` deciding ``y`` (index 0 is "not coded", 1 is "coded").
    ``reviewed[i, c]``, ``ones[i, c]``: units analyst ``i`` reviewed, and coded.
    ``keys[u, c]``: the index ``a * (m + 1) + b`` of unit ``u``'s (ones, zeros), when kept.
    """

    nn: np.ndarray
    pairs: np.ndarray
    reviewed: np.ndarray
    ones: np.ndarray
    units: int
    keys: np.ndarray | None = None


def _tabulate(values: Any, *, keep_keys: bool = False, name: str = "values") -> _Tables:
    """Count decision patterns per code in one pass over ``values`` (validated on the way)."""
    x, _ = _as_values(values, name=name)
    n_units, m, n_codes = x.shape
    if m <= _MAX_PATTERN_ANALYSTS:
        return _tabulate_patterns(x, keep_keys=keep_keys, name=name)
    return _tabulate_sums(x, keep_keys=keep_keys, name=name)


def _tabulate_patterns(x: np.ndarray, *, keep_keys: bool, name: str) -> _Tables:
    # Each unit's decisions on a code form a base-3 number (digit 0 missing, 1 coded,
    # 2 not coded, one digit per analyst); one bincount over (pattern, code) then gives the
    # full table of patterns, from which every statistic follows. Working chunk by chunk keeps
    # the temporaries in cache.
    n_units, m, n_codes = x.shape
    n_patterns = 3**m
    key_dtype = np.uint8 if n_patterns <= 256 else np.uint16
    idx_dtype = np.uint16 if n_patterns * n_codes < 2**16 else np.int64
    counts = np.zeros(n_patterns * n_codes, dtype=np.int64)
    b = min(_CHUNK, max(n_units, 1))
    is_one = np.empty((b, m, n_codes), dtype=bool)
    is_zero = np.empty((b, m, n_codes), dtype=bool)
    is_nan = np.empty((b, m, n_codes), dtype=bool)
    digit = np.empty((b, m, n_codes), dtype=np.uint8)
    key = np.empty((b, n_codes), dtype=key_dtype)
    idx = np.empty((b, n_codes), dtype=idx_dtype)
    offsets = np.arange(n_codes, dtype=idx_dtype)
    all_keys = np.empty((n_units, n_codes), dtype=key_dtype) if keep_keys else None
    valid = 0
    for s in range(0, n_units, b):
        chunk = x[s : s + b]
        k = chunk.shape[0]
        o, z, nan, d, kk, ii = is_one[:k], is_zero[:k], is_nan[:k], digit[:k], key[:k], idx[:k]
        np.equal(chunk, 1.0, out=o)
        np.equal(chunk, 0.0, out=z)
        np.isnan(chunk, out=nan)
        valid += np.count_nonzero(o) + np.count_nonzero(z) + np.count_nonzero(nan)
        np.add(z.view(np.uint8), z.view(np.uint8), out=d)
        d += o.view(np.uint8)
        kk[...] = d[:, m - 1, :]
        for i in range(m - 2, -1, -1):  # Horner: digit of analyst i has weight 3**i
            kk *= key_dtype(3)
            kk += d[:, i, :]
        if all_keys is not None:
            all_keys[s : s + k] = kk
        np.multiply(kk, n_codes, out=ii, dtype=idx_dtype)  # in the wider type: no overflow
        ii += offsets
        counts += np.bincount(ii.ravel(), minlength=n_patterns * n_codes)
    if valid != x.size:
        _raise_bad_values(x, name)
    table = counts.reshape(n_patterns, n_codes).astype(np.float64)
    digits = (np.arange(n_patterns)[:, None] // 3 ** np.arange(m)[None, :]) % 3  # (P, m)
    n1 = (digits == 1).sum(axis=1)
    n0 = (digits == 2).sum(axis=1)
    q = n1 * (m + 1) + n0
    nn = np.zeros(((m + 1) ** 2, n_codes))
    np.add.at(nn, q, table)
    # Per pair and per analyst: indicator rows over patterns, then one matrix product.
    rows = []
    for i in range(m):
        for j in range(m):
            for a in (2, 1):  # "not coded" first: index 0 of the pair table
                for bb in (2, 1):
                    rows.append((digits[:, i] == a) & (digits[:, j] == bb))
    for i in range(m):
        rows.append(digits[:, i] != 0)
        rows.append(digits[:, i] == 1)
    w = np.asarray(rows, dtype=np.float64) @ table
    pairs = w[: m * m * 4].reshape(m, m, 2, 2, n_codes)
    per = w[m * m * 4 :].reshape(m, 2, n_codes)
    keys = None
    if all_keys is not None:
        keys = q.astype(np.int16)[all_keys]
    return _Tables(nn.reshape(m + 1, m + 1, n_codes), pairs, per[:, 0], per[:, 1], n_units, keys)


def _tabulate_sums(x: np.ndarray, *, keep_keys: bool, name: str) -> _Tables:
    # Many analysts: per-unit sums for the (ones, zeros) table and one 2x2 table per pair.
    n_units, m, n_codes = x.shape
    o = x == 1.0
    z = x == 0.0
    if np.count_nonzero(o) + np.count_nonzero(z) + np.count_nonzero(np.isnan(x)) != x.size:
        _raise_bad_values(x, name)
    n1 = o.sum(axis=1)
    n0 = z.sum(axis=1)
    q = n1 * (m + 1) + n0
    nn = np.zeros(((m + 1) ** 2, n_codes))
    for c in range(n_codes):
        nn[:, c] = np.bincount(q[:, c], minlength=(m + 1) ** 2)
    pairs = np.zeros((m, m, 2, 2, n_codes))
    for i in range(m):
        for j in range(m):
            pairs[i, j, 0, 0] = np.count_nonzero(z[:, i] & z[:, j], axis=0)
            pairs[i, j, 0, 1] = np.count_nonzero(z[:, i] & o[:, j], axis=0)
            pairs[i, j, 1, 0] = np.count_nonzero(o[:, i] & z[:, j], axis=0)
            pairs[i, j, 1, 1] = np.count_nonzero(o[:, i] & o[:, j], axis=0)
    reviewed = (o | z).sum(axis=0).astype(np.float64)
    ones = o.sum(axis=0).astype(np.float64)
    keys = q.astype(np.int32) if keep_keys else None
    return _Tables(nn.reshape(m + 1, m + 1, n_codes), pairs, reviewed, ones, n_units, keys)


def _raise_bad_values(x: np.ndarray, name: str) -> None:
    bad = ~((x == 0.0) | (x == 1.0) | np.isnan(x))
    examples = sorted({float(v) for v in x[bad][:1000]})[:5]
    raise AgreementError(problem("E609", field=name, found=", ".join(repr(v) for v in examples)))


def _pattern_arrays(m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the (ones, zeros) table of ``m`` analysts: n1, n0 and m_u per cell, shape (m+1, m+1, 1)."""
    n1 = np.arange(m + 1, dtype=np.float64)[:, None, None]
    n0 = np.arange(m + 1, dtype=np.float64)[None, :, None]
    return n1, n0, n1 + n0


def _alpha_sums(nn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairable values n, coded values n1 and the disagreement sum d from an nn table."""
    m = nn.shape[0] - 1
    n1, n0, mu = _pattern_arrays(m)
    pairable = mu >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        d_weight = np.where(pairable, n1 * n0 / np.where(pairable, mu - 1, 1), 0.0)
    n = (nn * (mu * pairable)).sum(axis=(0, 1))
    ones = (nn * (n1 * pairable)).sum(axis=(0, 1))
    d = (nn * d_weight).sum(axis=(0, 1))
    return n, ones, d


def _alpha_from_sums(n: np.ndarray, ones: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Krippendorff's alpha for binary data from pairable values, coded values and disagreement.

    alpha = 1 - (n - 1) * sum_u[n1_u * n0_u / (m_u - 1)] / (n1 * n0), which is
    1 - D_o / D_e of Krippendorff (2011) for two categories; NaN where n1 * n0 == 0.
    """
    zeros = n - ones
    expected = ones * zeros
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1.0) * d / expected
    return np.where(expected > 0, alpha, np.nan)


def _unit_stats(nn: np.ndarray) -> dict[str, np.ndarray]:
    """Percent agreement, AC1 and counts from an nn table (any trailing shape)."""
    m = nn.shape[0] - 1
    n1, n0, mu = _pattern_arrays(m)
    pairable = mu >= 2
    rated = mu >= 1
    with np.errstate(divide="ignore", invalid="ignore"):
        agree = np.where(pairable, 1.0 - 2.0 * n1 * n0 / np.where(pairable, mu * (mu - 1), 1), 0.0)
        share = np.where(rated, n1 / np.where(rated, mu, 1), 0.0)
    units2 = (nn * pairable).sum(axis=(0, 1))
    units1 = (nn * rated).sum(axis=(0, 1))
    differ = (nn * ((n1 > 0) & (n0 > 0))).sum(axis=(0, 1))
    coded = (nn * (n1 > 0)).sum(axis=(0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = np.where(units2 > 0, (nn * agree).sum(axis=(0, 1)) / units2, np.nan)
        pi = np.where(units1 > 0, (nn * share).sum(axis=(0, 1)) / units1, np.nan)
        pe = 2.0 * pi * (1.0 - pi)  # Gwet: sum_k pi_k (1 - pi_k) / (q - 1) with q = 2
        ac1 = (pa - pe) / (1.0 - pe)
    return {"pa": pa, "ac1": ac1, "units": units2, "differ": differ, "coded": coded}


def _kappa_from_pairs(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cohen's kappa, observed agreement and jointly reviewed units from 2x2 tables.

    ``pairs`` has shape (..., 2, 2, codes); returns arrays of shape (..., codes).
    """
    n00, n01 = pairs[..., 0, 0, :], pairs[..., 0, 1, :]
    n10, n11 = pairs[..., 1, 0, :], pairs[..., 1, 1, :]
    total = n00 + n01 + n10 + n11
    with np.errstate(divide="ignore", invalid="ignore"):
        po = (n00 + n11) / total
        pa = (n10 + n11) / total
        pb = (n01 + n11) / total
        pe = pa * pb + (1.0 - pa) * (1.0 - pb)
        kappa = (po - pe) / (1.0 - pe)
    kappa = np.where((total > 0) & (pe < 1.0), kappa, np.nan)
    return kappa, np.where(total > 0, po, np.nan), total


def _pair_alpha(pairs: np.ndarray) -> np.ndarray:
    """Krippendorff's alpha of each pair of analysts over the units both reviewed."""
    n01, n10, n11 = pairs[..., 0, 1, :], pairs[..., 1, 0, :], pairs[..., 1, 1, :]
    total = pairs.sum(axis=(-3, -2))
    return _alpha_from_sums(2.0 * total, 2.0 * n11 + n01 + n10, n01 + n10)


def _squeeze(result: np.ndarray, squeeze: bool) -> Any:
    return float(result[..., 0]) if squeeze and result.ndim == 1 else (result[..., 0] if squeeze else result)


def krippendorff_alpha(values: Any) -> Any:
    """Krippendorff's alpha for nominal (here binary) decisions, per code.

    Unit of analysis: a row of ``values`` (a sentence, turn, document or case). Units reviewed
    by fewer than two analysts are not pairable and are left out; missing decisions are not
    counted as disagreement.

    Parameters
    ----------
    values : array-like, shape (units, analysts) or (units, analysts, codes)
        1 (coded), 0 (reviewed, not coded) or NaN (not reviewed).

    Returns
    -------
    float or ndarray of shape (codes,)
        Alpha per code; NaN where undefined (no variation among pairable decisions, or no
        pairable unit).

    Raises
    ------
    AgreementError
        E609 for a value other than 0, 1 or NaN; E610 for a wrong shape.

    Examples
    --------
    Krippendorff (2011), binary data, two observers:

    >>> a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    >>> round(krippendorff_alpha(np.array([a, b]).T), 3)
    0.095
    """
    _, squeeze = _as_values(values)
    t = _tabulate(values)
    return _squeeze(_alpha_from_sums(*_alpha_sums(t.nn)), squeeze)


def percent_agreement(values: Any) -> Any:
    """Percent agreement per code, 0-100.

    Unit of analysis: a row of ``values``. For each unit reviewed by two or more analysts,
    the share of analyst pairs that made the same decision; the mean of these shares over the
    units. For two analysts this is the share of units on which they agree.

    Parameters
    ----------
    values : array-like, shape (units, analysts) or (units, analysts, codes)
        1, 0 or NaN (not reviewed).

    Returns
    -------
    float or ndarray of shape (codes,)
        NaN where no unit was reviewed by two analysts.

    Raises
    ------
    AgreementError
        E609, E610 for bad input.
    """
    _, squeeze = _as_values(values)
    return _squeeze(100.0 * _unit_stats(_tabulate(values).nn)["pa"], squeeze)


def gwet_ac1(values: Any) -> Any:
    """Gwet's AC1 per code (binary decisions, any number of analysts, missing allowed).

    Unit of analysis: a row of ``values``. Observed agreement is :func:`percent_agreement` (as a
    share); chance agreement is ``2 * pi * (1 - pi)`` where ``pi`` is the mean over units rated
    at least once of the share of analysts who coded the unit (Gwet 2014, multiple raters with
    missing ratings). Undefined (NaN) where there is no variation (nobody applied the code, or
    everybody applied it everywhere): the formula would give 1.0 there, but no variation is no
    evidence of agreement.

    Parameters
    ----------
    values : array-like, shape (units, analysts) or (units, analysts, codes)

    Returns
    -------
    float or ndarray of shape (codes,)

    Raises
    ------
    AgreementError
        E609, E610 for bad input.
    """
    _, squeeze = _as_values(values)
    t = _tabulate(values)
    n, ones, _ = _alpha_sums(t.nn)
    ac1 = _unit_stats(t.nn)["ac1"]
    return _squeeze(np.where((ones > 0) & (ones < n), ac1, np.nan), squeeze)


def cohen_kappa(values: Any) -> Any:
    """Cohen's kappa per code for exactly two analysts.

    Unit of analysis: a row of ``values``; only units both analysts reviewed count.

    Parameters
    ----------
    values : array-like, shape (units, 2) or (units, 2, codes)

    Returns
    -------
    float or ndarray of shape (codes,)
        NaN where undefined: no unit reviewed by both, or both made one and the same decision
        on every unit (chance agreement 1).

    Raises
    ------
    AgreementError
        E611 if there are not exactly two analysts; E609, E610 for bad input.

    Examples
    --------
    The 50 grant proposals of Wikipedia's "Cohen's kappa" article (20 yes/yes, 5 yes/no,
    10 no/yes, 15 no/no) give 0.4.
    """
    x, squeeze = _as_values(values)
    if x.shape[1] != 2:
        raise AgreementError(problem("E611", count=x.shape[1]))
    kappa, _, _ = _kappa_from_pairs(_tabulate(x).pairs[0, 1])
    return _squeeze(kappa, squeeze)


def prevalence(values: Any) -> np.ndarray:
    """Each analyst's prevalence per code: the share of the units they reviewed that they coded.

    Unit of analysis: a row of ``values``.

    Parameters
    ----------
    values : array-like, shape (units, analysts) or (units, analysts, codes)

    Returns
    -------
    ndarray of shape (analysts,) or (analysts, codes)
        NaN for an analyst who reviewed no unit.
    """
    _, squeeze = _as_values(values)
    t = _tabulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(t.reviewed > 0, t.ones / t.reviewed, np.nan)
    return p[:, 0] if squeeze else p


def _reasons(n: np.ndarray, ones: np.ndarray, units2: np.ndarray) -> list[str]:
    out = []
    for k in range(n.shape[-1]):
        if units2[k] == 0:
            out.append(_NO_PAIRS)
        elif ones[k] == 0:
            out.append(_NO_ONES)
        elif ones[k] == n[k]:
            out.append(_NO_ZEROS)
        else:
            out.append("")
    return out


def agreement_statistics(
    values: Any,
    *,
    codes: Sequence[str] | None = None,
    analysts: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every statistic for every code, plus the pooled and the mean-of-codes figures.

    Unit of analysis: a row of ``values`` (a sentence, turn, document or case, as built by
    :func:`ratings_from_codings`), each code judged present or absent. One pass over the array
    counts decision patterns; everything else is computed from those counts.

    Parameters
    ----------
    values : array-like, shape (units, analysts, codes)
        1 (coded), 0 (reviewed, not coded), NaN (not reviewed).
    codes : sequence of str, optional
        Names of the codes (default ``code0``, ``code1``...).
    analysts : sequence of str, optional
        Names of the analysts (default ``analyst0``...), used in the prevalence columns.

    Returns
    -------
    DataFrame
        One row per code, then a ``pooled`` row (all codes' units stacked) and a ``mean of
        codes`` row (unweighted mean of the per-code values where defined). Columns:
        ``scope`` (``code``, ``pooled``, ``mean of codes``), ``code``, ``units`` (units
        reviewed by two or more analysts), ``coded_units`` (units at least one analyst coded),
        ``disagreements`` (units on which analysts differ), ``percent_agreement`` (0-100),
        ``alpha``, ``kappa`` (Cohen's for two analysts, Light's for more), ``ac1``,
        ``prevalence:<analyst>`` for each analyst, ``reason`` (why a statistic is undefined).

    Raises
    ------
    AgreementError
        E609, E610 for bad input; E601 for fewer than two analysts.
    """
    x, _ = _as_values(values)
    return _statistics_from_tables(_tabulate(x), *_names(x, codes, analysts))


def _names(x: np.ndarray, codes: Sequence[str] | None, analysts: Sequence[str] | None) -> tuple[list[str], list[str]]:
    _, m, c = x.shape
    if m < 2:
        raise AgreementError(problem("E601", count=m))
    codes = list(codes) if codes is not None else [f"code{i}" for i in range(c)]
    analysts = list(analysts) if analysts is not None else [f"analyst{i}" for i in range(m)]
    if len(codes) != c:
        raise AgreementError(problem("E610", field="codes", expected=f"{c} code names", found=len(codes)))
    if len(analysts) != m:
        raise AgreementError(problem("E610", field="analysts", expected=f"{m} analyst names", found=len(analysts)))
    return codes, analysts


def _statistics_from_tables(t: _Tables, codes: list[str], analysts: list[str]) -> pd.DataFrame:
    m = t.nn.shape[0] - 1
    rows: dict[str, list[Any]] = {}
    pooled_nn = t.nn.sum(axis=-1, keepdims=True)
    iu, ju = np.triu_indices(m, k=1)
    for scope, nn, pairs, reviewed, ones in (
        ("code", t.nn, t.pairs, t.reviewed, t.ones),
        ("pooled", pooled_nn, t.pairs.sum(axis=-1, keepdims=True),
         t.reviewed.sum(axis=-1, keepdims=True), t.ones.sum(axis=-1, keepdims=True)),
    ):
        n, n_ones, d = _alpha_sums(nn)
        us = _unit_stats(nn)
        alpha = _alpha_from_sums(n, n_ones, d)
        variation = (n_ones > 0) & (n_ones < n)
        kappas, _, _ = _kappa_from_pairs(pairs[iu, ju])  # (pairs, codes)
        with np.errstate(invalid="ignore"), _quiet():
            kappa = kappas[0] if m == 2 else np.nanmean(kappas, axis=0)
        kappa = np.where(variation, kappa, np.nan)
        reasons = _reasons(n, n_ones, us["units"])
        if m > 2:
            defined = np.isfinite(kappas).sum(axis=0)
            reasons = [
                r if r or defined[k] == len(iu) else f"kappa is the mean over {defined[k]} of {len(iu)} pairs (the others undefined)"
                for k, r in enumerate(reasons)
            ]
        with np.errstate(divide="ignore", invalid="ignore"):
            prev = np.where(reviewed > 0, ones / reviewed, np.nan)
        names = codes if scope == "code" else ["(all codes)"]
        for k, name in enumerate(names):
            rows.setdefault("scope", []).append(scope)
            rows.setdefault("code", []).append(name)
            rows.setdefault("units", []).append(int(us["units"][k]))
            rows.setdefault("coded_units", []).append(int(us["coded"][k]))
            rows.setdefault("disagreements", []).append(int(us["differ"][k]))
            rows.setdefault("percent_agreement", []).append(100.0 * us["pa"][k])
            rows.setdefault("alpha", []).append(alpha[k])
            rows.setdefault("kappa", []).append(kappa[k])
            rows.setdefault("ac1", []).append(np.where(variation[k], us["ac1"][k], np.nan).item())
            for a, analyst in enumerate(analysts):
                rows.setdefault(f"prevalence:{analyst}", []).append(prev[a, k])
            rows.setdefault("reason", []).append(reasons[k])
    table = pd.DataFrame(rows)
    per_code = table[table["scope"] == "code"]
    mean_row: dict[str, Any] = {"scope": "mean of codes", "code": "(all codes)"}
    for col in ("units", "coded_units", "disagreements"):
        mean_row[col] = int(per_code[col].sum())
    counts = []
    for col in ("percent_agreement", "alpha", "kappa", "ac1"):
        vals = per_code[col].to_numpy(dtype=float)
        ok = np.isfinite(vals)
        mean_row[col] = float(vals[ok].mean()) if ok.any() else np.nan
        if col != "percent_agreement":
            counts.append(f"{col} {int(ok.sum())}")
    for analyst in analysts:
        vals = per_code[f"prevalence:{analyst}"].to_numpy(dtype=float)
        mean_row[f"prevalence:{analyst}"] = float(np.nanmean(vals)) if np.isfinite(vals).any() else np.nan
    mean_row["reason"] = f"mean over the codes where defined ({', '.join(counts)} of {len(per_code)})"
    table = pd.concat([table, pd.DataFrame([mean_row])], ignore_index=True)
    for col in ("units", "coded_units", "disagreements"):
        table[col] = table[col].astype("int64")
    return table


class _quiet:
    """Silence numpy's "mean of empty slice" warning: an all-NaN mean is NaN by design here."""

    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)


def pairwise_agreement(
    values: Any,
    *,
    codes: Sequence[str] | None = None,
    analysts: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Agreement of every pair of analysts, per code and pooled.

    Unit of analysis: a row of ``values``; each pair over the units both reviewed.

    Parameters
    ----------
    values : array-like, shape (units, analysts, codes)
    codes, analysts : sequence of str, optional
        Names, as in :func:`agreement_statistics`.

    Returns
    -------
    DataFrame
        Columns ``analyst_a``, ``analyst_b``, ``code`` (``(all codes)`` for the pooled row of
        the pair), ``units`` (reviewed by both), ``percent_agreement``, ``alpha``, ``kappa``;
        sorted by pair then code order.
    """
    x, _ = _as_values(values)
    codes, analysts = _names(x, codes, analysts)
    t = _tabulate(x)
    m = len(analysts)
    rows = []
    for i in range(m):
        for j in range(i + 1, m):
            for pairs, names in ((t.pairs[i, j], codes), (t.pairs[i, j].sum(axis=-1, keepdims=True), ["(all codes)"])):
                kappa, po, total = _kappa_from_pairs(pairs)
                alpha = _pair_alpha(pairs)
                for k, name in enumerate(names):
                    rows.append({
                        "analyst_a": analysts[i], "analyst_b": analysts[j], "code": name,
                        "units": int(total[k]), "percent_agreement": 100.0 * po[k],
                        "alpha": alpha[k], "kappa": kappa[k],
                    })
    return pd.DataFrame(rows, columns=["analyst_a", "analyst_b", "code", "units", "percent_agreement", "alpha", "kappa"])


def nominal_alpha(data: Any) -> float:
    """Krippendorff's alpha for nominal data with any number of categories.

    Unit of analysis: a row of ``data``. This is the general coincidence-matrix computation
    (Krippendorff 2011); the per-code statistics use its binary special case.

    Parameters
    ----------
    data : array-like, shape (units, analysts)
        Category values (numbers or strings); NaN or None for a missing value.

    Returns
    -------
    float
        NaN where undefined (no pairable unit, or a single category among pairable values).

    Examples
    --------
    >>> nominal_alpha([["a", "b"], ["a", "a"], ["b", "b"], ["b", "b"], ["d", "b"], ["c", "c"],
    ...                ["c", "c"], ["c", "c"], ["e", "e"], ["d", "d"], ["d", "d"], ["a", "d"]])
    0.6919642857142857
    """
    frame = pd.DataFrame(np.asarray(data, dtype=object))
    if frame.ndim != 2 or frame.shape[1] < 2:
        raise AgreementError(problem("E610", field="data", expected="(units, analysts >= 2)", found=np.shape(data)))
    stacked = frame.stack(future_stack=True)
    stacked = stacked[stacked.notna()]
    codes, categories = pd.factorize(stacked.to_numpy(), sort=False)
    q = len(categories)
    if q == 0:
        return math.nan
    unit_idx = stacked.index.get_level_values(0).to_numpy()
    counts = np.zeros((frame.shape[0], q))
    np.add.at(counts, (unit_idx, codes), 1.0)
    mu = counts.sum(axis=1)
    keep = mu >= 2
    counts, mu = counts[keep], mu[keep]
    if counts.size == 0:
        return math.nan
    # o_ck = sum_u n_uc (n_uk - [c == k]) / (m_u - 1)
    weighted = counts / (mu - 1.0)[:, None]
    o = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = o.sum(axis=1)
    n = n_c.sum()
    d_o = (o.sum() - np.trace(o)) / n
    d_e = (n * n - (n_c**2).sum()) / (n * (n - 1.0))
    return float(1.0 - d_o / d_e) if d_e > 0 else math.nan


# ============================================================================================
# bootstrap


def bootstrap_alpha(
    values: Any,
    *,
    clusters: Any = None,
    replicates: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A percentile bootstrap confidence interval for alpha, per code and pooled.

    Unit of analysis (of the resampling): the unit (a row of ``values``), or the cluster when
    ``clusters`` is given (e.g. the document each sentence belongs to: a cluster bootstrap,
    since sentences of one interview are not independent).

    Resampling ``N`` units with replacement is the same as drawing, for each pattern of
    decisions, how many times a unit with that pattern is drawn: multinomial counts over the
    patterns with probabilities equal to their shares. So each replicate costs a draw over a
    few dozen patterns, not ``N`` units. Each code's replicates and the pooled replicates are
    drawn separately (the marginal distribution of each is exactly the unit bootstrap's); under
    a cluster bootstrap all are drawn jointly from the same clusters.

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

    Returns
    -------
    DataFrame
        Rows: each code, then ``(all codes)`` (pooled). Columns ``code``, ``alpha``,
        ``alpha_low``, ``alpha_high``, ``replicates`` (replicates where alpha was defined),
        ``resampled`` (``units`` or ``clusters``), ``groups`` (how many were resampled: the
        units, or clusters, holding a unit reviewed by two or more analysts; others carry no
        information about agreement and are left out).

    Raises
    ------
    AgreementError
        E607 for a bad ``replicates`` or ``level``; E610 if ``clusters`` has the wrong length.
    """
    if not isinstance(replicates, (int, np.integer)) or isinstance(replicates, bool) or replicates < 1:
        raise AgreementError(problem("E607", field="replicates", expected="a whole number >= 1", found=repr(replicates)))
    if not (isinstance(level, (int, float)) and 0.0 < float(level) < 1.0):
        raise AgreementError(problem("E607", field="level", expected="a number between 0 and 1", found=repr(level)))
    x, _ = _as_values(values)
    n_units, m, n_codes = x.shape
    codes = list(codes) if codes is not None else [f"code{i}" for i in range(n_codes)]
    t = _tabulate(x, keep_keys=True)
    rng = np.random.default_rng(seed)
    point_n, point_ones, point_d = _alpha_sums(t.nn)
    point = _alpha_from_sums(point_n, point_ones, point_d)
    pooled_point = _alpha_from_sums(point_n.sum(), point_ones.sum(), point_d.sum())
    n1, n0, mu = (np.broadcast_to(a, (m + 1, m + 1, 1)).ravel() for a in _pattern_arrays(m))
    pairable = mu >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        w_n = mu * pairable
        w_1 = n1 * pairable
        w_d = np.where(pairable, n1 * n0 / np.where(pairable, mu - 1, 1), 0.0)
    assert t.keys is not None
    if clusters is None:
        reps = np.empty((replicates, n_codes))
        nn = t.nn.reshape(-1, n_codes)
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
        pooled, groups = _pooled_unit_bootstrap(t.keys, (w_n, w_1, w_d), m, rng, replicates)
        resampled = "units"
    else:
        labels = np.asarray(clusters)
        if labels.shape != (n_units,):
            raise AgreementError(problem("E610", field="clusters", expected=f"({n_units},)", found=labels.shape))
        cluster_idx, uniques = pd.factorize(labels, sort=True)
        k = len(uniques)
        # Each cluster's sums (pairable values, coded values, disagreement) per code.
        order = np.argsort(cluster_idx, kind="stable")
        sorted_idx = cluster_idx[order]
        starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
        keys = t.keys[order]
        per_cluster = np.stack([np.add.reduceat(w[keys], starts, axis=0) for w in (w_n, w_1, w_d)], axis=1)
        # Clusters with no pairable unit (e.g. documents only one analyst reviewed) carry no
        # information about agreement: resample the others.
        per_cluster = per_cluster[per_cluster[:, 0].sum(axis=1) > 0]
        k = len(per_cluster)
        if k == 0:
            per_cluster = np.zeros((1, 3, n_codes))
            k = 1
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
        resampled, groups = "clusters", k
    all_reps = np.concatenate([reps, pooled[:, None]], axis=1)
    lo_q, hi_q = 50.0 * (1.0 - level), 100.0 - 50.0 * (1.0 - level)
    defined = np.isfinite(all_reps).sum(axis=0)
    with _quiet():
        low = np.nanpercentile(all_reps, lo_q, axis=0)
        high = np.nanpercentile(all_reps, hi_q, axis=0)
    # An interval from fewer than half the replicates would hide how often alpha is undefined.
    enough = defined * 2 >= replicates
    return pd.DataFrame({
        "code": codes + ["(all codes)"],
        "alpha": np.append(point, pooled_point),
        "alpha_low": np.where(enough, low, np.nan),
        "alpha_high": np.where(enough, high, np.nan),
        "replicates": defined.astype("int64"),
        "resampled": resampled,
        "groups": groups,
    })


def _pooled_unit_bootstrap(
    keys: np.ndarray, weights: tuple[np.ndarray, np.ndarray, np.ndarray], m: int,
    rng: np.random.Generator, replicates: int,
) -> tuple[np.ndarray, int]:
    """Pooled alpha per replicate of a unit bootstrap (all codes of a unit drawn together),
    and the number of pairable units resampled.

    A unit enters pooled alpha only through three sums over its codes; units with the same
    three sums are drawn together (multinomial counts over the distinct sums).
    """
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
    total = int(multiplicity.sum())
    if total == 0:
        return np.full(replicates, np.nan), 0
    draws = rng.multinomial(total, multiplicity / total, size=replicates).astype(np.float64)
    sums = draws @ patterns.astype(np.float64)
    return _alpha_from_sums(sums[:, 0], sums[:, 1], sums[:, 2]), total


# ============================================================================================
# units and ratings from codings


@dataclass(frozen=True)
class Ratings:
    """Every analyst's decision on every unit and code: the input of every statistic.

    Attributes
    ----------
    values : ndarray, shape (units, analysts, codes)
        1.0 coded, 0.0 reviewed and not coded, NaN not reviewed.
    units : DataFrame
        One row per unit, in the order of ``values``; columns :data:`UNIT_COLUMNS`.
    analysts : tuple of str
    codes : tuple of str
    unit : str
        The kind of unit, one of :data:`UNITS`.
    notes : DataFrame
        Analysts' notes mapped to units: columns ``unit``, ``analyst``, ``code``, ``note``.
    unmapped : DataFrame
        Codings that fell on no unit, and why: columns ``analyst``, ``document``, ``start``,
        ``end``, ``code``, ``text``, ``why``. Reported, never silently dropped.
    min_overlap : float
        The overlap rule used (see the module docstring).
    """

    values: np.ndarray
    units: pd.DataFrame
    analysts: tuple[str, ...]
    codes: tuple[str, ...]
    unit: str = "sentence"
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["unit", "analyst", "code", "note"]))
    unmapped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_UNMAPPED_COLUMNS))
    min_overlap: float = 0.0

    def __post_init__(self) -> None:
        expected = (len(self.units), len(self.analysts), len(self.codes))
        if self.values.shape != expected:
            raise AgreementError(problem("E610", field="values", expected=expected, found=self.values.shape))

    def clusters(self, cluster: str = "auto") -> np.ndarray | None:
        """Cluster labels for :func:`bootstrap_alpha`: documents for sentence and turn units
        under ``auto`` or ``document``, None (resample units) otherwise."""
        if cluster not in CLUSTERS:
            raise AgreementError(problem("E606", option="cluster", value=cluster, choices=", ".join(CLUSTERS)))
        if cluster == "unit" or (cluster == "auto" and self.unit not in ("sentence", "turn")):
            return None
        return self.units["documents"].to_numpy()


_UNMAPPED_COLUMNS = ["analyst", "document", "start", "end", "code", "text", "why"]


def units_table(
    documents: Iterable[Document], unit: str = "sentence", *, include_interviewer: bool = False
) -> pd.DataFrame:
    """The units analysts are compared on, one row each.

    Unit of analysis: as named by ``unit``: the reader's sentences
    (:func:`casecoder.segments.sentences`), turns, documents or cases.

    Parameters
    ----------
    documents : iterable of Document
    unit : str
        ``sentence``, ``turn``, ``document`` or ``case``.
    include_interviewer : bool
        Keep the interviewer's sentences and turns (default False: nobody codes them, and
        counting them would add agreement on units no analyst judges).

    Returns
    -------
    DataFrame
        Columns :data:`UNIT_COLUMNS`, sorted by document and start (cases by case id).
        ``documents`` lists the unit's documents (``;``-separated for a case); for document
        and case units ``text`` is ``""``, ``turn`` is -1 and ``start``/``end`` span the
        document (-1 for a case).

    Raises
    ------
    AgreementError
        E606 for an unknown ``unit``.
    """
    if unit not in UNITS:
        raise AgreementError(problem("E606", option="unit", value=unit, choices=", ".join(UNITS)))
    docs = sorted(documents, key=lambda d: d.id)
    rows: list[tuple[Any, ...]] = []
    if unit == "sentence":
        from .segments import sentences

        for doc in docs:
            turns = {t.index: t for t in doc.turns}
            for seg in sentences(doc):
                turn = turns[seg.turn]
                if turn.interviewer and not include_interviewer:
                    continue
                rows.append((doc.id, doc.case, turn.section, seg.turn, turn.speaker, seg.start, seg.end, seg.text, doc.id))
    elif unit == "turn":
        for doc in docs:
            for turn in doc.turns:
                if turn.interviewer and not include_interviewer:
                    continue
                rows.append((doc.id, doc.case, turn.section, turn.index, turn.speaker, turn.start, turn.end, turn.text, doc.id))
    elif unit == "document":
        for doc in docs:
            rows.append((doc.id, doc.case, "", -1, "", 0, len(doc.text), "", doc.id))
    else:
        by_case: dict[str, list[str]] = {}
        for doc in docs:
            by_case.setdefault(doc.case, []).append(doc.id)
        for case in sorted(by_case):
            rows.append(("", case, "", -1, "", -1, -1, "", ";".join(sorted(by_case[case]))))
    table = pd.DataFrame(rows, columns=list(UNIT_COLUMNS[1:]))
    table.insert(0, "unit", np.arange(len(table), dtype=np.int64))
    for col in ("turn", "start", "end"):
        table[col] = table[col].astype("int64")
    return table


def _analyst_name(codings: pd.DataFrame) -> str:
    """The analyst a table belongs to: its ``analyst`` value; machine codings reviewed by
    analysts (an overrides file applied) read ``casecoder+<analyst>``."""
    names = sorted({str(a) for a in codings["analyst"] if str(a)}) if "analyst" in codings else []
    if "casecoder" in names:
        names = ["casecoder"] + [n for n in names if n != "casecoder"]
    return "+".join(names)


def ratings_from_codings(
    codings: Sequence[pd.DataFrame],
    units: pd.DataFrame,
    *,
    unit: str = "sentence",
    codes: Sequence[str] | None = None,
    analysts: Sequence[str] | None = None,
    reviewed: Sequence[Iterable[str] | None] | None = None,
    min_overlap: float = 0.0,
) -> Ratings:
    """Map each analyst's codings onto shared units: the :class:`Ratings` every statistic takes.

    Unit of analysis: a row of ``units`` (see :func:`units_table`). A coding with status
    ``coded`` counts for each unit it overlaps (see the overlap rule in the module docstring);
    excluded codings count for none. A unit of a document the analyst did not review is missing
    (NaN), not 0.

    Parameters
    ----------
    codings : sequence of DataFrame
        One codings table (:mod:`casecoder.schema` columns) per analyst.
    units : DataFrame
        From :func:`units_table`.
    unit : str
        The kind of the units (one of :data:`UNITS`).
    codes : sequence of str, optional
        The codes to compare, in order (default: every code any analyst applied, sorted).
        Codings of other codes are ignored.
    analysts : sequence of str, optional
        Names (default: each table's ``analyst`` values, several joined with ``+``).
    reviewed : sequence of (iterable of str or None), optional
        Per analyst, the documents they reviewed; None means the documents their table names
        (every document of ``units`` if the table holds machine codings, ``source == auto``).
    min_overlap : float
        Share of a unit a coding must cover to count for it (0: any overlap).

    Returns
    -------
    Ratings

    Raises
    ------
    AgreementError
        E601 fewer than two analysts; E602 no document reviewed by two of them; E603 a coding
        of a document that is not among the units; E605 an empty coding; E606 an unknown
        unit; E607 a bad ``min_overlap``; E617 two analysts with the same name.
    """
    if unit not in UNITS:
        raise AgreementError(problem("E606", option="unit", value=unit, choices=", ".join(UNITS)))
    if not (isinstance(min_overlap, (int, float)) and 0.0 <= float(min_overlap) <= 1.0):
        raise AgreementError(problem("E607", field="min_overlap", expected="a share between 0 and 1", found=repr(min_overlap)))
    codings = list(codings)
    if len(codings) < 2:
        raise AgreementError(problem("E601", count=len(codings)))
    names = list(analysts) if analysts is not None else [_analyst_name(c) or f"analyst{i + 1}" for i, c in enumerate(codings)]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            raise AgreementError(problem("E617", analyst=name, first=f"input {seen[name] + 1}", second=f"input {i + 1}"))
        seen[name] = i
    unit_docs = units["documents"].astype(str).to_numpy()
    all_docs = sorted({d for ds in unit_docs for d in ds.split(";") if d})
    doc_set = set(all_docs)
    reviewed_sets: list[set[str]] = []
    for i, table in enumerate(codings):
        given = None if reviewed is None else reviewed[i]
        if given is not None:
            reviewed_sets.append(set(given))
            continue
        if len(table) == 0:
            raise AgreementError(problem("E605", field=names[i], why=f"analyst '{names[i]}' has no rows, so no document is known to be reviewed; give the documents they reviewed"))
        if "source" in table and (table["source"].astype(str) == "auto").any():
            reviewed_sets.append(set(all_docs))
        else:
            reviewed_sets.append(set(table["document"].astype(str)))
    problems: list[Problem] = []
    for i, table in enumerate(codings):
        counts = table["document"].astype(str).value_counts() if len(table) else pd.Series(dtype="int64")
        for doc in sorted(set(counts.index) - doc_set):
            problems.append(problem("E603", field=names[i], document=doc, count=int(counts[doc]), total=len(all_docs)))
    if problems:
        raise AgreementError(problems)
    shared = [d for d in all_docs if sum(d in r for r in reviewed_sets) >= 2]
    if not shared:
        detail = "; ".join(f"{n}: {', '.join(sorted(r)) or 'none'}" for n, r in zip(names, reviewed_sets))
        raise AgreementError(problem("E602", detail=detail))
    if codes is None:
        applied: set[str] = set()
        for table in codings:
            if len(table):
                applied |= set(table.loc[table["status"].astype(str) == "coded", "code"].astype(str))
        codes = sorted(applied)
    codes = list(codes)
    code_index = {c: k for k, c in enumerate(codes)}
    n_units = len(units)
    values = np.full((n_units, len(names), len(codes)), np.nan)
    notes_rows: list[dict[str, Any]] = []
    unmapped_rows: list[dict[str, Any]] = []
    for a, (table, name, rev) in enumerate(zip(codings, names, reviewed_sets)):
        if unit == "case":
            covered = np.array([all(d in rev for d in ds.split(";")) for ds in unit_docs], dtype=bool)
        else:
            covered = np.array([d in rev for d in unit_docs], dtype=bool)
        values[covered, a, :] = 0.0
        if not len(table):
            continue
        t = table.reset_index(drop=True)
        status = t["status"].astype(str).to_numpy() if "status" in t else np.full(len(t), "coded")
        row_codes = t["code"].astype(str).to_numpy()
        in_codes = np.array([c in code_index for c in row_codes], dtype=bool)
        unit_of_row, row_of_unit, why = _map_rows(t, units, unit, float(min_overlap))
        coded = (status == "coded") & in_codes
        hit = coded[row_of_unit]
        u_hit = unit_of_row[hit]
        r_hit = row_of_unit[hit]
        k_hit = np.array([code_index[c] for c in row_codes[r_hit]], dtype=np.int64)
        ok = covered[u_hit]
        values[u_hit[ok], a, k_hit[ok]] = 1.0
        mapped_rows = set(r_hit[ok].tolist())
        not_reviewed = set(r_hit[~ok].tolist())
        for r in np.nonzero(coded)[0]:
            if r in mapped_rows:
                continue
            reason = "document not reviewed by this analyst" if r in not_reviewed else why[r]
            unmapped_rows.append({
                "analyst": name, "document": str(t.at[r, "document"]), "start": int(t.at[r, "start"]),
                "end": int(t.at[r, "end"]), "code": row_codes[r], "text": str(t.at[r, "text"]) if "text" in t else "",
                "why": reason,
            })
        if "note" in t:
            note = t["note"].fillna("").astype(str).to_numpy()
            has_note = (note[row_of_unit] != "") & in_codes[row_of_unit]
            for u, r in zip(unit_of_row[has_note], row_of_unit[has_note]):
                notes_rows.append({"unit": int(u), "analyst": name, "code": row_codes[r], "note": note[r]})
    notes = pd.DataFrame(notes_rows, columns=["unit", "analyst", "code", "note"]).drop_duplicates()
    notes = notes.sort_values(["unit", "code", "analyst", "note"], kind="mergesort").reset_index(drop=True)
    unmapped = pd.DataFrame(unmapped_rows, columns=_UNMAPPED_COLUMNS)
    unmapped = unmapped.sort_values(["analyst", "document", "start", "end", "code"], kind="mergesort").reset_index(drop=True)
    return Ratings(values, units.reset_index(drop=True), tuple(names), tuple(codes), unit, notes, unmapped, float(min_overlap))


def _map_rows(table: pd.DataFrame, units: pd.DataFrame, unit: str, min_overlap: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Pairs (unit index, row index) for every coding row and unit it counts for.

    Returns the unit indices, the row indices, and per row a reason used when it maps nowhere.
    """
    n_rows = len(table)
    why = ["outside every unit (an interviewer turn or a heading)"] * n_rows
    docs = table["document"].astype(str).to_numpy()
    if unit == "case":
        case_of_doc = {}
        for u, ds in zip(units["unit"].to_numpy(), units["documents"].astype(str)):
            for d in ds.split(";"):
                case_of_doc[d] = int(u)
        pairs = [(case_of_doc[d], r) for r, d in enumerate(docs) if d in case_of_doc]
        arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0], arr[:, 1], why
    starts = table["start"].to_numpy(dtype=np.int64)
    ends = table["end"].to_numpy(dtype=np.int64)
    unit_parts: list[np.ndarray] = []
    row_parts: list[np.ndarray] = []
    by_doc = {d: g for d, g in units.groupby("document", sort=False)}
    for doc in np.unique(docs):
        group = by_doc.get(doc)
        rows = np.nonzero(docs == doc)[0]
        if group is None:
            continue
        group = group.sort_values("start", kind="mergesort")
        u_ids = group["unit"].to_numpy(dtype=np.int64)
        u_start = group["start"].to_numpy(dtype=np.int64)
        u_end = group["end"].to_numpy(dtype=np.int64)
        s, e = starts[rows], ends[rows]
        if unit == "document":
            ok = (e > s) | (len(u_ids) > 0)
            unit_parts.append(np.repeat(u_ids[:1], ok.sum()))
            row_parts.append(rows[ok])
            continue
        # Units do not overlap one another and are sorted, so both bounds are monotone.
        lo = np.searchsorted(u_end, s, side="right")  # first unit ending after the start
        hi = np.searchsorted(u_start, e, side="left")  # units starting before the end
        n = np.maximum(hi - lo, 0)
        rep = np.repeat(np.arange(len(rows)), n)
        offs = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        cand = lo[rep] + offs
        overlap = np.minimum(e[rep], u_end[cand]) - np.maximum(s[rep], u_start[cand])
        length = np.maximum(u_end[cand] - u_start[cand], 1)
        keep = overlap > 0
        if min_overlap > 0:
            short = keep & (overlap < min_overlap * length)
            for r in np.unique(rows[rep[short]]):
                why[r] = f"covers less than {min_overlap:g} of every unit it touches"
            keep &= ~short
        unit_parts.append(u_ids[cand[keep]])
        row_parts.append(rows[rep[keep]])
    if not unit_parts:
        return np.empty(0, np.int64), np.empty(0, np.int64), why
    return np.concatenate(unit_parts), np.concatenate(row_parts), why


# ============================================================================================
# disagreements


def disagreements(ratings: Ratings, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """Every unit on which the analysts differ on a code: the agenda for the team's discussion.

    Unit of analysis: a unit of ``ratings`` and a code, where at least one analyst coded the
    unit and at least one reviewed it and did not.

    Parameters
    ----------
    ratings : Ratings
    codebook : Codebook, optional
        Adds each code's label.

    Returns
    -------
    DataFrame
        Columns ``code``, ``label``, ``document``, ``case``, ``section``, ``turn``,
        ``speaker``, ``start``, ``end``, ``text``, then one column per analyst holding
        ``coded``, ``not coded`` or ``not reviewed`` (:data:`DECISIONS`), then ``notes``
        (each analyst's note on that unit and code, ``analyst: note`` joined by `` | ``).
        Sorted by code (in the ratings' order), document and start.
    """
    x = ratings.values
    ones = (x == 1.0).any(axis=1)
    zeros = (x == 0.0).any(axis=1)
    u_idx, c_idx = np.nonzero(ones & zeros)
    order = np.lexsort((u_idx, c_idx))
    u_idx, c_idx = u_idx[order], c_idx[order]
    units = ratings.units
    out = pd.DataFrame({
        "code": [ratings.codes[c] for c in c_idx],
        "label": [_label(codebook, ratings.codes[c]) for c in c_idx],
    })
    for col in ("document", "case", "section", "turn", "speaker", "start", "end", "text"):
        out[col] = units[col].to_numpy()[u_idx] if len(u_idx) else pd.Series([], dtype=units[col].dtype)
    if ratings.unit == "case":
        out["document"] = units["documents"].to_numpy()[u_idx] if len(u_idx) else []
    for a, analyst in enumerate(ratings.analysts):
        v = x[u_idx, a, c_idx]
        out[analyst] = np.where(v == 1.0, DECISIONS[0], np.where(v == 0.0, DECISIONS[1], DECISIONS[2]))
    notes: dict[tuple[int, str], list[str]] = {}
    for row in ratings.notes.itertuples(index=False):
        notes.setdefault((int(row.unit), str(row.code)), []).append(f"{row.analyst}: {row.note}")
    out["notes"] = [" | ".join(notes.get((int(u), ratings.codes[c]), [])) for u, c in zip(u_idx, c_idx)]
    return out.reset_index(drop=True)


def _label(codebook: Codebook | None, code: str) -> str:
    if codebook is None:
        return ""
    try:
        return str(codebook[code].label)
    except (KeyError, IndexError):
        return ""


def disagreements_markdown(table: pd.DataFrame, analysts: Sequence[str]) -> str:
    """Render a :func:`disagreements` table as Markdown, one section per code."""
    lines = ["# Disagreements", "", f"{len(table)} unit(s) on which the analysts differ, by code.", ""]
    for code, group in table.groupby("code", sort=False):
        label = group["label"].iloc[0]
        lines += [f"## {code}" + (f": {label}" if label else "") + f" ({len(group)})", ""]
        header = ["document", "speaker", "text", *analysts, "notes"]
        lines.append("| " + " | ".join(_md(h) for h in header) + " |")
        lines.append("|" + "---|" * len(header))
        for row in group.itertuples(index=False):
            d = row._asdict()
            cells = [d["document"], d["speaker"], d["text"], *(getattr(row, _field(group, a)) for a in analysts), d["notes"]]
            lines.append("| " + " | ".join(_md(str(c)) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _field(frame: pd.DataFrame, column: str) -> str:
    # itertuples renames columns that are not identifiers (e.g. "demo-analyst-b") to _<pos>.
    pos = list(frame.columns).index(column)
    return column if column.isidentifier() and not column.startswith("_") else f"_{pos}"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


# ============================================================================================
# inputs: one analyst's coding


@dataclass(frozen=True)
class AnalystCoding:
    """One analyst's coding, ready to compare.

    Attributes
    ----------
    analyst : str
        The name the file gives (never invented).
    codings : DataFrame
        A codings table (:mod:`casecoder.schema`).
    reviewed : frozenset of str, optional
        The documents the analyst reviewed; None: as :func:`ratings_from_codings` infers.
    path : str
        Where it came from (``""`` if built in memory).
    notes : tuple of str
        What the reader set aside or changed and the user should know (e.g. a REFI-QDA project
        source that matches no transcript); empty for most inputs.
    """

    analyst: str
    codings: pd.DataFrame
    reviewed: frozenset[str] | None = None
    path: str = ""
    notes: tuple[str, ...] = ()


def read_analyst_coding(
    path: str | os.PathLike[str],
    documents: Sequence[Document],
    *,
    codebook: Codebook | None = None,
) -> AnalystCoding:
    """Read an anchored analyst coding (YAML) into a codings table.

    The file names its analyst, the documents reviewed, and each coding as an exact quote::

        analyst: demo-analyst-b
        reviewed: [oldham, wigan, surrey]
        codings:
          - {document: oldham, quote: "exact words of the transcript", code: partnerships,
             note: "why"}

    Quotes are anchored as in overrides files (:func:`casecoder.overrides.find_quote`: white
    space and curly/straight quotes need not match; optional ``prefix``/``suffix`` choose among
    several places). Each must resolve to exactly one place; it is resolved to its offsets and to
    the sentence (:func:`casecoder.segments.sentences`) that contains it (``segment`` -1 when it
    spans several). A reviewed document with no coding means the analyst coded nothing there.

    Parameters
    ----------
    path : path
    documents : sequence of Document
        The transcripts the quotes are in.
    codebook : Codebook, optional
        If given, every code must be one of its ids.

    Returns
    -------
    AnalystCoding

    Raises
    ------
    AgreementError
        Listing every problem: E612 invalid YAML, E616 wrong shape or missing key, E603 unknown
        document, E604 unknown code, E613 quote not found, E614 quote ambiguous, E615 a coding
        of a document not in ``reviewed``.
    """
    import yaml

    from ._yaml import error_place, load_with_lines
    from .overrides import find_quote
    from .segments import sentences

    p = Path(path)
    try:
        data, lines = load_with_lines(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AgreementError(problem("E616", path=p, why="file not found")) from exc
    except UnicodeDecodeError as exc:
        raise AgreementError(problem("E612", path=p, error=f"not UTF-8 ({exc.reason})")) from exc
    except yaml.YAMLError as exc:
        line, _ = error_place(exc)
        raise AgreementError(problem("E612", path=p, line=line, error=str(exc).splitlines()[0])) from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("analyst"), str) or not data.get("analyst"):
        raise AgreementError(problem("E616", path=p, why="expected a mapping with 'analyst: <name>', 'reviewed: [...]' and 'codings: [...]'"))
    analyst = str(data["analyst"])
    reviewed = data.get("reviewed")
    entries = data.get("codings") or []
    if not isinstance(reviewed, list) or not reviewed or not all(isinstance(d, str) for d in reviewed):
        raise AgreementError(problem("E616", path=p, field="reviewed", why="'reviewed' must list the document ids the analyst reviewed"))
    if not isinstance(entries, list):
        raise AgreementError(problem("E616", path=p, field="codings", why="'codings' must be a list"))
    docs = {d.id: d for d in documents}
    known = list(codebook.ids) if codebook is not None else None
    problems: list[Problem] = []
    for doc in reviewed:
        if doc not in docs:
            problems.append(problem("E603", path=p, field="reviewed", document=doc, count=0, total=len(docs)))
    segs = {d: sentences(docs[d]) for d in reviewed if d in docs}
    rows = []
    for i, entry in enumerate(entries):
        line = lines("codings", i)
        where = f"codings[{i}]"
        if not isinstance(entry, Mapping) or not all(isinstance(entry.get(k), str) and entry.get(k) for k in ("document", "quote", "code")):
            problems.append(problem("E616", path=p, line=line, field=where, why="each coding needs document, quote and code (text)"))
            continue
        doc_id, quote, code = entry["document"], entry["quote"], entry["code"]
        note = str(entry.get("note") or "")
        if doc_id not in docs:
            problems.append(problem("E603", path=p, line=line, field=f"{where}.document", document=doc_id, count=1, total=len(docs)))
            continue
        if doc_id not in reviewed:
            problems.append(problem("E615", path=p, line=line, field=f"{where}.document", document=doc_id))
            continue
        if known is not None and code not in known:
            problems.append(problem("E604", path=p, line=line, field=f"{where}.code", code=code, where="", known=", ".join(known)))
            continue
        doc = docs[doc_id]
        # The same anchoring as overrides files: tolerant of white space and quote characters,
        # with optional prefix/suffix to choose among several places.
        found = find_quote(doc.text, quote, str(entry.get("prefix") or ""), str(entry.get("suffix") or ""))
        if not found:
            problems.append(problem("E613", path=p, line=line, field=f"{where}.quote", document=doc_id, quote=_short(quote)))
            continue
        if len(found) > 1:
            places = ", ".join(f"{a}:{b}" for a, b in found[:5])
            problems.append(problem("E614", path=p, line=line, field=f"{where}.quote", count=len(found), document=doc_id, places=places))
            continue
        start, end = found[0]
        seg = next((s for s in segs[doc_id] if s.start <= start and end <= s.end), None)
        turn = next((t for t in doc.turns if t.start <= start < t.end), None)
        rows.append({
            "document": doc_id, "case": doc.case, "section": turn.section if turn else "",
            "turn": turn.index if turn else -1, "speaker": turn.speaker if turn else "",
            "segment": seg.index if seg else -1, "start": start, "end": end, "text": doc.text[start:end],
            "code": code, "rule": "quote", "source": "manual", "analyst": analyst,
            "status": "coded", "reason": "", "note": note,
        })
    if problems:
        raise AgreementError(problems)
    from .schema import empty_codings, normalise_codings

    table = normalise_codings(pd.DataFrame(rows)) if rows else empty_codings()
    return AnalystCoding(analyst, table, frozenset(reviewed), str(p))


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def read_coding(
    path: str | os.PathLike[str],
    documents: Sequence[Document],
    *,
    codebook: Codebook | None = None,
) -> AnalystCoding:
    """Read one analyst's coding from a codings table (``.csv``/``.parquet``) or an anchored
    analyst coding (``.yaml``, see :func:`read_analyst_coding`).

    A codings table is checked against the transcripts: every document must be one of them
    (E603) and every row's ``text`` must be the transcript's text at its offsets (E608); codes
    must be the codebook's (E604). The analyst is the table's ``analyst`` value (several, e.g.
    machine codings reviewed by an analyst, are joined with ``+``).

    Raises
    ------
    AgreementError, CodingsError
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return read_analyst_coding(p, documents, codebook=codebook)
    from .schema import read_codings

    table = read_codings(p)
    return _checked_table(table, documents, codebook=codebook, where=str(p))


#: The input name that stands for the patterns-only coding (the coder run on the transcripts).
AUTO = "auto"


def load_codings(
    sources: Sequence[str | os.PathLike[str]],
    documents: Sequence[Document],
    *,
    codebook: Codebook | None = None,
    jobs: int = 1,
) -> list[AnalystCoding]:
    """Read each analyst's coding for :func:`compare`, whatever its form.

    Each source is one of:

    - ``auto``: the patterns-only coding, made here by :func:`casecoder.coder.code_documents`
      with ``codebook`` (analyst ``casecoder``; every document reviewed);
    - an overrides file (YAML with ``overrides:``): the reviewed coding, i.e. the patterns-only
      coding with the file applied by :func:`casecoder.overrides.apply_overrides` (analyst
      ``casecoder+<analyst>``; every document reviewed);
    - an analyst coding (YAML with ``codings:``, see :func:`read_analyst_coding`);
    - a gold coding (``data/gold/``: a folder of, or one, CSV with columns ``document, turn,
      code, quote, reason``; :func:`casecoder.evaluate.read_gold`): analyst ``gold``, the
      documents it names reviewed;
    - a codings table (``.csv``/``.parquet``, see :func:`read_coding`);
    - a REFI-QDA project (``.qdpx``, see :func:`read_qdpx`): **one analyst per user** who made
      codings, so one source may give several entries.

    Parameters
    ----------
    sources : sequence of str or path
    documents : sequence of Document
    codebook : Codebook, optional
        Needed for ``auto`` and overrides files; checks codes everywhere.
    jobs : int
        Worker processes for the coder.

    Returns
    -------
    list of AnalystCoding
        In the order of ``sources`` (a ``.qdpx`` contributes its users in name order).

    Raises
    ------
    AgreementError, CodingsError, OverridesError, RefiError
        Whatever the input's reader finds, each problem with its file.
    """
    import yaml

    out: list[AnalystCoding] = []
    auto: pd.DataFrame | None = None

    def patterns_only() -> pd.DataFrame:
        nonlocal auto
        if auto is None:
            if codebook is None:
                raise AgreementError(problem("E616", path=str(source), why="the patterns-only coding needs a codebook"))
            from .coder import code_documents

            auto = code_documents(documents, codebook, jobs=jobs)
        return auto

    all_docs = frozenset(d.id for d in documents)
    for source in sources:
        if str(source) == AUTO:
            out.append(AnalystCoding("casecoder", patterns_only(), all_docs, AUTO))
            continue
        p = Path(source)
        if p.suffix.lower() == ".qdpx":
            out.extend(read_qdpx(p, documents, codebook=codebook))
            continue
        if _is_gold(p):
            out.append(_gold_coding(p, documents, codebook))
            continue
        if p.suffix.lower() in (".yaml", ".yml"):
            try:
                head = yaml.safe_load(p.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                head = None  # the reader below reports it with its place
            if isinstance(head, Mapping) and "overrides" in head:
                from .overrides import apply_overrides, load_overrides

                reviewed = apply_overrides(patterns_only(), documents, load_overrides(p, codebook=codebook), codebook)
                out.append(AnalystCoding(_analyst_name(reviewed), reviewed, all_docs, str(p)))
                continue
        out.append(read_coding(p, documents, codebook=codebook))
    return out


def _doc_key(name: str) -> str:
    """A source or document name compared loosely: no suffix, case, spaces, ``-`` or ``_``."""
    import re

    base = name.strip()
    stem, dot, suffix = base.rpartition(".")
    if dot and stem and suffix.lower() in ("txt", "md", "docx", "doc", "rtf", "pdf", "odt", "html", "htm"):
        base = stem
    return re.sub(r"[\s_\-]+", "_", base.casefold()).strip("_")


def _first_difference(a: str, b: str) -> str:
    """Where two texts first differ, in words, with a few characters of each."""
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return (f"{len(a):,} characters in the project, {len(b):,} in the transcript; first difference at "
            f"character {i:,}: {a[max(i - 15, 0):i + 25]!r} in the project, {b[max(i - 15, 0):i + 25]!r} in the "
            "transcript")


def read_qdpx(
    path: str | os.PathLike[str],
    documents: Sequence[Document],
    *,
    codebook: Codebook | None = None,
) -> list[AnalystCoding]:
    """Read a REFI-QDA project (``.qdpx`` from NVivo, ATLAS.ti, MAXQDA, ...): one analyst per user.

    The project is read by :func:`casecoder.refi.import_qdpx` (codes matched to ``codebook`` by
    GUID, id or label; positions in the tool's convention). Each text source is then matched to
    one of ``documents``: by id equal to the source's document id (its name without ``.txt``
    etc.), else by the same name ignoring case, spaces, ``-`` and ``_`` when only one transcript
    has it. A source that matches no transcript is left out and named in ``notes``.

    **Same text.** The codings are kept only on the words they were made on:

    - the source text equals the transcript text (after the BOM and line ends are normalised,
      as import does): offsets are kept;
    - the transcript text occurs **exactly once** inside the source text (a tool given the raw
      file, front matter and all): codings are moved by that offset (re-anchored), and those
      outside the transcript's part (in the front matter) are named in ``notes``;
    - otherwise the project refuses with E619, naming the source, the transcript and the first
      difference.

    Every matched source counts as **reviewed by every user** of the project (as in NVivo's
    coding comparison: a source in the project that a user did not code is "not coded" for
    them, not missing). Each user becomes one :class:`AnalystCoding`, named as the project
    names the user (:attr:`casecoder.refi.ImportReport.analysts`).

    Parameters
    ----------
    path : path
        The ``.qdpx`` file.
    documents : sequence of Document
        Our transcripts.
    codebook : Codebook, optional
        Codes are matched to it, and every coded code must be in it (E604).

    Returns
    -------
    list of AnalystCoding
        One per user who made codings, by name; ``path`` is ``<file>#<user>`` and ``notes``
        what was left out (unmatched sources, codings outside the transcript, selections the
        import skipped).

    Raises
    ------
    RefiError
        The file cannot be read as a REFI-QDA project (E7xx).
    AgreementError
        E618 no source matches a transcript; E619 a source's text differs from its transcript;
        E604 an unknown code; E605 no user made a coding.
    """
    from .refi import import_qdpx
    from .schema import empty_codings, normalise_codings

    p = Path(path)
    project = import_qdpx(p, codebook)
    ours = {d.id: d for d in documents}
    by_key: dict[str, list[str]] = {}
    for d in ours:
        by_key.setdefault(_doc_key(d), []).append(d)
    notes: list[str] = []
    problems: list[Problem] = []
    target: dict[str, tuple[str, int]] = {}  # project document id -> (our id, offset of our text in theirs)
    claimed: dict[str, str] = {}
    unmatched: list[str] = []
    for src in project.documents:
        ours_id = src.id if src.id in ours else None
        if ours_id is None:
            cands = by_key.get(_doc_key(src.id), [])
            ours_id = cands[0] if len(cands) == 1 else None
        if ours_id is None:
            unmatched.append(src.id)
            continue
        if ours_id in claimed:
            notes.append(f"project source '{src.id}' matches transcript '{ours_id}', as source '{claimed[ours_id]}' "
                         "already does; its codings are left out")
            continue
        text = ours[ours_id].text
        if src.text == text:
            offset = 0
        else:
            offset = src.text.find(text) if text else -1
            if offset < 0 or src.text.find(text, offset + 1) >= 0:
                problems.append(problem("E619", path=str(p), field=f"source {src.id}", source=src.id, document=ours_id,
                                        detail=_first_difference(src.text, text)))
                continue
            notes.append(f"project source '{src.id}' holds transcript '{ours_id}' from character {offset:,} "
                         f"(and {len(src.text) - offset - len(text):,} characters after it); codings re-anchored by "
                         "that offset")
        claimed[ours_id] = src.id
        target[src.id] = (ours_id, offset)
    if problems:
        raise AgreementError(problems)
    for s in unmatched:
        notes.append(f"project source '{s}' matches no transcript; its codings are left out")
    if not target:
        raise AgreementError(problem(
            "E618", path=str(p), sources=", ".join(unmatched) or "none with text",
            known=", ".join(sorted(ours)[:10]) + (", ..." if len(ours) > 10 else "")))
    for issue in project.report.skipped:
        notes.append(f"not imported: {issue}")
    reviewed = frozenset(doc for doc, _ in target.values())

    table = project.codings
    keep = table["document"].astype(str).map(lambda d: d in target).to_numpy(dtype=bool) if len(table) else np.zeros(0, bool)
    table = table[keep].reset_index(drop=True)
    rows: list[dict[str, Any]] = []
    for r in table.itertuples(index=False):
        doc_id, offset = target[r.document]
        doc = ours[doc_id]
        a, b = int(r.start) - offset, int(r.end) - offset
        if a < 0 or b > len(doc.text):
            notes.append(f"{r.analyst}: coding {r.code!r} at {r.start}:{r.end} of source '{r.document}' lies outside "
                         f"the transcript's text ({_short(str(r.text))!r}); left out")
            continue
        turn = next((t for t in doc.turns if t.start <= a < t.end), None)
        rows.append({
            "document": doc_id, "case": doc.case, "section": turn.section if turn else "",
            "turn": turn.index if turn else -1, "speaker": turn.speaker if turn else "", "segment": -1,
            "start": a, "end": b, "text": doc.text[a:b], "code": r.code, "rule": r.rule, "source": "manual",
            "analyst": r.analyst, "status": "coded", "reason": "", "note": r.note,
        })
    moved = normalise_codings(pd.DataFrame(rows)) if rows else empty_codings()
    users = sorted(set(project.report.analysts.values()) | set(moved["analyst"].astype(str)))
    if not users:
        raise AgreementError(problem("E605", path=str(p), why="no user of the project made a coding of a text source"))
    out: list[AnalystCoding] = []
    for user in users:
        mine = moved[moved["analyst"].astype(str) == user].reset_index(drop=True)
        where = f"{p}#{user}"
        if len(mine):
            # the same checks as a codings table: codes in the codebook (E604), text at the offsets (E608)
            checked = _checked_table(mine, documents, codebook=codebook, where=where).codings
        else:
            checked = empty_codings()
        out.append(AnalystCoding(user, checked, reviewed, where, tuple(notes)))
    return out


def _is_gold(path: Path) -> bool:
    """A folder of CSVs, or a CSV, whose header is the gold coding's (no offsets, a quote)."""
    first = next(iter(sorted(path.glob("*.csv"))), None) if path.is_dir() else path
    if first is None or first.suffix.lower() != ".csv" or not first.is_file():
        return False
    try:
        with open(first, encoding="utf-8-sig") as fh:
            header = [h.strip() for h in fh.readline().split(",")]
    except UnicodeDecodeError:
        return False  # not a gold file; the codings reader reports the encoding with its path
    return "quote" in header and "turn" in header and "start" not in header


def _gold_coding(path: Path, documents: Sequence[Document], codebook: Codebook | None) -> AnalystCoding:
    from .evaluate import locate_gold, read_gold

    located = locate_gold(read_gold(path), documents, codes=list(codebook.ids) if codebook is not None else None)
    docs = {d.id: d for d in documents}
    table = pd.DataFrame({
        "document": located["document"].astype(str), "case": located["case"], "turn": located["turn"],
        "start": located["start"], "end": located["end"],
        "text": [docs[d].text[a:b] for d, a, b in zip(located["document"], located["start"], located["end"])],
        "code": located["code"], "rule": "gold", "source": "manual", "analyst": "gold",
        "status": "coded", "note": located["reason"].fillna("").astype(str),
    })
    from .schema import normalise_codings

    return AnalystCoding("gold", normalise_codings(table), frozenset(table["document"]), str(path))


def _checked_table(
    table: pd.DataFrame, documents: Sequence[Document], *, codebook: Codebook | None, where: str
) -> AnalystCoding:
    docs = {d.id: d for d in documents}
    problems: list[Problem] = []
    if len(table) == 0:
        raise AgreementError(problem("E605", path=where or None, why="the table has no rows"))
    counts = table["document"].value_counts()
    for doc in sorted(set(counts.index) - set(docs)):
        problems.append(problem("E603", path=where or None, field="document", document=doc, count=int(counts[doc]), total=len(docs)))
    if codebook is not None:
        known = list(codebook.ids)
        code_counts = table["code"].value_counts()
        for code in sorted(set(code_counts.index) - set(known)):
            problems.append(problem("E604", path=where or None, field="code", code=code,
                                    where=f" in {int(code_counts[code])} row(s)", known=", ".join(known)))
    for r, row in enumerate(table.itertuples(index=False)):
        doc = docs.get(row.document)
        if doc is None or not row.text:
            continue
        actual = doc.text[row.start : row.end]
        if actual != row.text:
            problems.append(problem("E608", path=where or None, field="text", start=row.start, end=row.end,
                                    document=row.document, found=_short(actual), expected=_short(row.text), row=r + 2))
            if len(problems) > 20:
                break
    if problems:
        raise AgreementError(problems)
    return AnalystCoding(_analyst_name(table), table, None, where)


# ============================================================================================
# the whole comparison


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`.

    Attributes
    ----------
    ratings : Ratings
    statistics : DataFrame
        :func:`agreement_statistics` with ``alpha_low``/``alpha_high`` from
        :func:`bootstrap_alpha` after ``alpha``.
    pairwise : DataFrame
        :func:`pairwise_agreement`.
    disagreements : DataFrame
        :func:`disagreements`.
    settings : Mapping
        What was asked: unit, min_overlap, replicates, seed, level, resampled.
    labels : Mapping of str to str
        Code labels (from the codebook, if given), for figures.
    """

    ratings: Ratings
    statistics: pd.DataFrame
    pairwise: pd.DataFrame
    disagreements: pd.DataFrame
    settings: Mapping[str, Any]
    labels: Mapping[str, str] = field(default_factory=dict)


def compare(
    codings: Sequence[AnalystCoding | pd.DataFrame],
    documents: Sequence[Document],
    *,
    unit: str = "sentence",
    codes: Sequence[str] | None = None,
    codebook: Codebook | None = None,
    min_overlap: float = 0.0,
    include_interviewer: bool = False,
    replicates: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    cluster: str = "auto",
) -> Comparison:
    """Compare two or more analysts' codings of the same transcripts.

    Unit of analysis: ``unit`` (sentence, turn, document or case) x code; see
    :func:`ratings_from_codings` for how codings are mapped onto units and
    :func:`agreement_statistics` for the statistics.

    Parameters
    ----------
    codings : sequence of AnalystCoding or DataFrame
        One per analyst (a DataFrame is a codings table; its documents are the reviewed ones).
    documents : sequence of Document
        The transcripts coded.
    unit : str
        One of :data:`UNITS`.
    codes : sequence of str, optional
        Codes to compare (default: the codebook's, else every code applied).
    codebook : Codebook, optional
        Gives the code order and labels, and checks ``codes``.
    min_overlap : float
        See the overlap rule in the module docstring.
    include_interviewer : bool
        Count interviewer sentences or turns as units (default False).
    replicates, seed, level : int, int, float
        The bootstrap of alpha (``replicates=0`` skips it).
    cluster : str
        What the bootstrap resamples: ``auto`` (documents for sentence and turn units, else
        units), ``unit`` or ``document``.

    Returns
    -------
    Comparison

    Raises
    ------
    AgreementError
        E601-E617 as the functions it calls; E604 for an unknown code in ``codes``.
    """
    inputs = [c if isinstance(c, AnalystCoding) else AnalystCoding(_analyst_name(c), c) for c in codings]
    if len(inputs) < 2:
        raise AgreementError(problem("E601", count=len(inputs)))
    if cluster not in CLUSTERS:
        raise AgreementError(problem("E606", option="cluster", value=cluster, choices=", ".join(CLUSTERS)))
    if codebook is not None:
        known = list(codebook.ids)
        if codes is not None:
            bad = [c for c in codes if c not in known]
            if bad:
                raise AgreementError([problem("E604", field="codes", code=c, where="", known=", ".join(known)) for c in bad])
        codes = list(codes) if codes is not None else known
    elif codes is not None:
        applied = set()
        for c in inputs:
            applied |= set(c.codings["code"].astype(str)) if len(c.codings) else set()
        bad = [c for c in codes if c not in applied]
        if bad and len(bad) == len(list(codes)):
            raise AgreementError([problem("E604", field="codes", code=c, where=" (no analyst used it)", known=", ".join(sorted(applied))) for c in bad])
    units = units_table(documents, unit, include_interviewer=include_interviewer)
    ratings = ratings_from_codings(
        [c.codings for c in inputs], units, unit=unit, codes=codes,
        analysts=[c.analyst or f"analyst{i + 1}" for i, c in enumerate(inputs)],
        reviewed=[c.reviewed for c in inputs], min_overlap=min_overlap,
    )
    stats = agreement_statistics(ratings.values, codes=ratings.codes, analysts=ratings.analysts)
    settings: dict[str, Any] = {"unit": unit, "min_overlap": float(min_overlap), "replicates": int(replicates),
                                "seed": int(seed), "level": float(level), "cluster": cluster,
                                "include_interviewer": bool(include_interviewer)}
    if replicates:
        clusters = ratings.clusters(cluster)
        boot = bootstrap_alpha(ratings.values, clusters=clusters, replicates=replicates, seed=seed,
                               level=level, codes=list(ratings.codes))
        low = dict(zip(boot["code"], boot["alpha_low"]))
        high = dict(zip(boot["code"], boot["alpha_high"]))
        is_mean = stats["scope"] == "mean of codes"
        stats.insert(stats.columns.get_loc("alpha") + 1, "alpha_low", [np.nan if m else low[c] for c, m in zip(stats["code"], is_mean)])
        stats.insert(stats.columns.get_loc("alpha_low") + 1, "alpha_high", [np.nan if m else high[c] for c, m in zip(stats["code"], is_mean)])
        groups, kind = int(boot["groups"].iloc[0]), str(boot["resampled"].iloc[0])
        settings["resampled"] = f"{groups} {'documents' if kind == 'clusters' else kind}"
        if kind == "clusters" and groups < 10:
            settings["warning"] = (
                f"only {groups} document(s) hold units reviewed by two analysts: the interval from "
                "resampling documents is rough; cluster='unit' gives one that ignores the nesting"
            )
    pairwise = pairwise_agreement(ratings.values, codes=ratings.codes, analysts=ratings.analysts)
    labels = {c: _label(codebook, c) or c for c in ratings.codes}
    return Comparison(ratings, stats, pairwise, disagreements(ratings, codebook=codebook), settings, labels)


def write_comparison(comparison: Comparison, out: str | os.PathLike[str]) -> list[Path]:
    """Write a comparison's tables and heatmap into folder ``out``.

    Files: ``agreement.csv`` (the statistics), ``pairwise.csv``, ``disagreements.csv`` and
    ``disagreements.md``, ``unmapped.csv`` (codings that fell on no unit), and
    ``agreement_heatmap.png``/``.svg``. Each is written atomically; floats are written with 12
    significant digits so that re-running gives identical bytes.

    Returns
    -------
    list of Path
        The files written.
    """
    from .io import atomic_write_text

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in (("agreement.csv", comparison.statistics), ("pairwise.csv", comparison.pairwise),
                        ("disagreements.csv", comparison.disagreements), ("unmapped.csv", comparison.ratings.unmapped)):
        text = frame.to_csv(index=False, lineterminator="\n", float_format="%.12g")
        written.append(atomic_write_text(folder / name, text))
    md = disagreements_markdown(comparison.disagreements, comparison.ratings.analysts)
    written.append(atomic_write_text(folder / "disagreements.md", md))
    written.extend(_write_heatmap(comparison, folder))
    return written


def _write_heatmap(comparison: Comparison, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from . import figures
    from .io import atomic_path

    pairwise = comparison.pairwise if len(comparison.ratings.analysts) > 2 else None
    fig = figures.plot_agreement_heatmap(comparison.statistics, pairwise, dict(comparison.labels) or None)
    paths = []
    try:
        save = getattr(figures, "save_figure", None)
        if save is not None:
            result = save(fig, folder / "agreement_heatmap")
            paths.extend(Path(p) for p in (result if isinstance(result, (list, tuple)) else [result]) if p is not None)
        else:  # pragma: no cover - until the findings chart's helper lands
            for suffix, meta in ((".png", {"Software": None}), (".svg", {"Date": None, "Creator": None})):
                with atomic_path(folder / f"agreement_heatmap{suffix}") as tmp:
                    fig.savefig(tmp, format=suffix[1:], metadata=meta)
                paths.append(folder / f"agreement_heatmap{suffix}")
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return paths
