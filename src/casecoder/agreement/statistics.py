"""Agreement statistics on arrays of decisions: pure numpy, usable on its own.

Importing this module loads numpy and nothing else of casecoder but its error catalogue (no
spaCy, pandas or matplotlib): a researcher checking a kappa needs only this file. The functions
that return a table import pandas when called.

The core object is a ``values`` array of shape ``(units, analysts, codes)`` (or ``(units,
analysts)`` for one code) holding 1.0 (coded), 0.0 (reviewed, not coded) or NaN (not
reviewed). Missing is never counted as 0. Every statistic is computed for all codes at once
from two small tables of counts (how many units show each pattern of decisions), so 5 analysts
x 100,000 units x 17 codes take milliseconds.

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

The bootstrap of alpha is in :mod:`casecoder.agreement.bootstrap`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import AgreementError, problem

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "agreement_statistics",
    "cohen_kappa",
    "gwet_ac1",
    "krippendorff_alpha",
    "nominal_alpha",
    "pairwise_agreement",
    "percent_agreement",
    "prevalence",
]


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
    ``common[c]``, ``common_ones[i, c]``: units every analyst reviewed, and those ``i`` coded
    (the one base of the prevalence columns).
    ``keys[u, c]``: the index ``a * (m + 1) + b`` of unit ``u``'s (ones, zeros), when kept.
    """

    nn: np.ndarray
    pairs: np.ndarray
    reviewed: np.ndarray
    ones: np.ndarray
    units: int
    keys: np.ndarray | None = None
    common: np.ndarray | None = None
    common_ones: np.ndarray | None = None


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
    complete = (digits != 0).all(axis=1)
    for i in range(m):
        rows.append(complete & (digits[:, i] == 1))
    rows.append(complete)
    w = np.asarray(rows, dtype=np.float64) @ table
    pairs = w[: m * m * 4].reshape(m, m, 2, 2, n_codes)
    per = w[m * m * 4 : m * m * 4 + 2 * m].reshape(m, 2, n_codes)
    keys = None
    if all_keys is not None:
        keys = q.astype(np.int16)[all_keys]
    return _Tables(nn.reshape(m + 1, m + 1, n_codes), pairs, per[:, 0], per[:, 1], n_units, keys,
                   w[-1], w[m * m * 4 + 2 * m : -1])


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
    complete = (o | z).all(axis=1)  # (units, codes)
    common = complete.sum(axis=0).astype(np.float64)
    common_ones = (o & complete[:, None, :]).sum(axis=0).astype(np.float64)
    return _Tables(nn.reshape(m + 1, m + 1, n_codes), pairs, reviewed, ones, n_units, keys, common, common_ones)


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
    coded = (nn * ((n1 > 0) & pairable)).sum(axis=(0, 1))  # units two analysts saw, one coded
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


def _reasons(n: np.ndarray, ones: np.ndarray, units2: np.ndarray, elsewhere: np.ndarray | None = None) -> list[str]:
    out = []
    for k in range(n.shape[-1]):
        if units2[k] == 0:
            out.append(_NO_PAIRS)
        elif ones[k] == 0 and elsewhere is not None and elsewhere[k] > 0:
            # coded, but only on units no second analyst reviewed
            out.append(f"{_NO_ONES} on a unit two analysts reviewed ({int(elsewhere[k])} coding(s) on units only one "
                       "analyst reviewed)")
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
        reviewed by two or more analysts), ``coded_units`` (of those, units at least one
        analyst coded), ``disagreements`` (units on which analysts differ),
        ``percent_agreement`` (0-100), ``alpha``, ``kappa`` (Cohen's for two analysts, Light's
        for more), ``ac1``, ``fleiss_kappa``, ``brennan_prediger``, ``prevalence_units`` (units
        every analyst reviewed: the one base of the prevalence columns),
        ``prevalence:<analyst>`` for each analyst (the share of those units they coded),
        ``reason`` (why a statistic is undefined).

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
    import pandas as pd  # imported on call: importing this module must not load pandas

    m = t.nn.shape[0] - 1
    rows: dict[str, list[Any]] = {}
    pooled_nn = t.nn.sum(axis=-1, keepdims=True)
    iu, ju = np.triu_indices(m, k=1)
    for scope, nn, pairs, reviewed, ones in (
        ("code", t.nn, t.pairs, t.common, t.common_ones),
        ("pooled", pooled_nn, t.pairs.sum(axis=-1, keepdims=True),
         t.common.sum(axis=-1, keepdims=True), t.common_ones.sum(axis=-1, keepdims=True)),
    ):
        n, n_ones, d = _alpha_sums(nn)
        us = _unit_stats(nn)
        fleiss, bp = _fleiss_bp(nn)
        every_one = ones_everywhere = None
        every_one = t.ones.sum(axis=0) if scope == "code" else t.ones.sum(axis=(0, 1))[None]
        ones_everywhere = np.maximum(every_one - n_ones, 0)
        alpha = _alpha_from_sums(n, n_ones, d)
        variation = (n_ones > 0) & (n_ones < n)
        kappas, _, _ = _kappa_from_pairs(pairs[iu, ju])  # (pairs, codes)
        with np.errstate(invalid="ignore"), _quiet():
            kappa = kappas[0] if m == 2 else np.nanmean(kappas, axis=0)
        kappa = np.where(variation, kappa, np.nan)
        reasons = _reasons(n, n_ones, us["units"], ones_everywhere)
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
            rows.setdefault("fleiss_kappa", []).append(np.where(variation[k], fleiss[k], np.nan).item())
            rows.setdefault("brennan_prediger", []).append(np.where(variation[k], bp[k], np.nan).item())
            rows.setdefault("prevalence_units", []).append(int(reviewed[k]))
            for a, analyst in enumerate(analysts):
                rows.setdefault(f"prevalence:{analyst}", []).append(prev[a, k])
            rows.setdefault("reason", []).append(reasons[k])
    table = pd.DataFrame(rows)
    per_code = table[table["scope"] == "code"]
    mean_row: dict[str, Any] = {"scope": "mean of codes", "code": "(all codes)"}
    for col in ("units", "coded_units", "disagreements", "prevalence_units"):
        mean_row[col] = int(per_code[col].sum())
    counts = []
    for col in ("percent_agreement", "alpha", "kappa", "ac1", "fleiss_kappa", "brennan_prediger"):
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
    for col in ("units", "coded_units", "disagreements", "prevalence_units"):
        table[col] = table[col].astype("int64")
    return table


def _fleiss_bp(nn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fleiss' kappa and Brennan-Prediger's coefficient for a code as two categories.

    Observed agreement as :func:`percent_agreement`; chance agreement ``pi**2 + (1 - pi)**2``
    (Fleiss 1971, ``pi`` as in AC1) or ``1/2`` (Brennan and Prediger 1981), as
    :mod:`casecoder.agreement.nominal` computes for any number of categories.
    """
    us = _unit_stats(nn)
    m = nn.shape[0] - 1
    n1, n0, mu = _pattern_arrays(m)
    rated = mu >= 1
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(rated, n1 / np.where(rated, mu, 1), 0.0)
        units1 = (nn * rated).sum(axis=(0, 1))
        pi = np.where(units1 > 0, (nn * share).sum(axis=(0, 1)) / units1, np.nan)
        pe = pi**2 + (1.0 - pi) ** 2
        fleiss = (us["pa"] - pe) / (1.0 - pe)
    return fleiss, 2.0 * us["pa"] - 1.0


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
    import pandas as pd  # imported on call: importing this module must not load pandas

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
    Krippendorff (2011), section B: two observers, twelve units, alpha = 0.692.

    >>> data = [["a", "b"], ["a", "a"], ["b", "b"], ["b", "b"], ["d", "b"], ["c", "c"],
    ...         ["c", "c"], ["c", "c"], ["e", "e"], ["d", "d"], ["d", "d"], ["a", "d"]]
    >>> round(nominal_alpha(data), 3)
    0.692
    """
    import pandas as pd  # imported on call: importing this module must not load pandas

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
