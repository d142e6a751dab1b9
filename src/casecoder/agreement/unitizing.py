"""Krippendorff's unitizing alpha: agreement on the analysts' own spans, no fixed units.

For nominal codes on a continuum (a transcript, or several laid end to end), as in
Krippendorff (1995) "On the reliability of unitizing continuous data", *Sociological
Methodology* 25: 47-76, and Krippendorff (2004) *Content Analysis*, 2nd ed., section 12.4.
The distances and the expected disagreement are written out in :func:`unitizing_alpha`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import AgreementError, problem

if TYPE_CHECKING:  # pragma: no cover
    from ..transcripts import Document

__all__ = ["unitizing_alpha", "unitizing_from_codings"]


def _partition(spans: np.ndarray, begin: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One analyst's continuum for one category as segments: starts, ends, is-unit flags.

    Overlapping ``spans`` (k, 2) are merged first (one analyst's overlapping codings of one
    code are one stretch of coded text); spans that only touch stay two units, as in
    Krippendorff's examples where an analyst cuts one stretch into several units.
    """
    if len(spans):
        order = np.lexsort((spans[:, 1], spans[:, 0]))
        s, e = spans[order, 0], spans[order, 1]
        run_end = np.maximum.accumulate(e)
        new = np.r_[True, s[1:] >= run_end[:-1]]
        starts = s[new]
        ends = np.maximum.reduceat(e, np.flatnonzero(new))
    else:
        starts = ends = np.empty(0, dtype=np.int64)
    bounds_s = np.r_[begin, ends]
    bounds_e = np.r_[starts, end]
    gap = bounds_e > bounds_s
    seg_s = np.r_[bounds_s[gap], starts]
    seg_e = np.r_[bounds_e[gap], ends]
    unit = np.r_[np.zeros(gap.sum(), dtype=bool), np.ones(len(starts), dtype=bool)]
    order = np.argsort(seg_s, kind="stable")
    return seg_s[order], seg_e[order], unit[order]


def _pair_distance(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> float:
    """Sum of Krippendorff's distances between the intersecting segments of two analysts.

    Two coded segments that intersect: ``(b1 - b2)**2 + (e1 - e2)**2``; a coded segment lying
    inside the other analyst's gap: its length squared; anything else 0.
    """
    s1, e1, u1 = a
    s2, e2, u2 = b
    # every pair (i, j) with s1[i] < e2[j] and s2[j] < e1[i]: both partitions are sorted and
    # cover the continuum, so for each i the j's form a contiguous run
    lo = np.searchsorted(e2, s1, side="right")
    hi = np.searchsorted(s2, e1, side="left")
    n = np.maximum(hi - lo, 0)
    i = np.repeat(np.arange(len(s1)), n)
    j = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) + lo[i]
    si, ei, ui, sj, ej, uj = s1[i], e1[i], u1[i], s2[j], e2[j], u2[j]
    both = ui & uj
    d = np.where(both, (si - sj).astype(np.float64) ** 2 + (ei - ej).astype(np.float64) ** 2, 0.0)
    d += np.where(ui & ~uj & (sj <= si) & (ei <= ej), (ei - si).astype(np.float64) ** 2, 0.0)
    d += np.where(~ui & uj & (si <= sj) & (ej <= ei), (ej - sj).astype(np.float64) ** 2, 0.0)
    return float(d.sum())


# long because: its NumPy docstring (every parameter, what is returned and raised, an example)
# is as long as its code, which is under 60 lines.
def unitizing_alpha(
    spans: Any,
    *,
    begin: int,
    end: int,
    analysts: int | None = None,
) -> pd.DataFrame:
    """Krippendorff's unitizing alpha (``alpha_U``) for nominal codes on analysts' own spans.

    Unit of analysis: the code point. Each analyst marks stretches of one continuum (a text,
    or several texts laid end to end) with codes; nothing is fixed in advance. For each code the
    continuum of every analyst is the code's stretches and the gaps between them; the observed
    disagreement sums, over pairs of analysts and their intersecting segments, the squared
    differences of the ends of two overlapping coded stretches, or the squared length of a
    stretch lying inside the other's gap (Krippendorff 1995; 2004, section 12.4)::

        D_o(c) = 2 / (m (m - 1) L**2) * sum_pairs sum_segments distance
        D_e(c) = 2/L * sum_u [ (N_c - 1)(2 l**3 - 3 l**2 + l)/3
                               + l**2 * sum_{gaps g >= l} (g - l + 1) ]
                 / (m L (m L - 1) - sum_u l (l - 1))
        alpha_c = 1 - D_o(c) / D_e(c);   alpha = 1 - mean_c D_o(c) / mean_c D_e(c)

    Stretches of one code by one analyst that overlap are merged first (touching ones are not).

    Validated against Krippendorff's worked example (Krippendorff, K. 2004, *Content Analysis:
    An Introduction to Its Methodology*, 2nd ed., Sage, pp. 251-256): two observers on a
    continuum from 150 to 450, codes c and k: D_o(c) = 0.0144, D_e(c) = 0.0532,
    D_e(k) = 0.0490, alpha_c = 0.7286, alpha_k = 1, alpha = 0.8591 (the book divides the
    rounded disagreements; unrounded they give 0.8587); and the observed disagreements of the four
    examples of Krippendorff (1995), "On the reliability of unitizing continuous data",
    *Sociological Methodology* 25: 47-76, p. 57.

    Parameters
    ----------
    spans : array-like or DataFrame
        Rows ``(analyst, code, start, end)`` with ``begin <= start < end <= end``; analysts as
        integers ``0..m-1`` or names, codes as any labels.
    begin, end : int
        The continuum (code points).
    analysts : int, optional
        The number of analysts (default: those in ``spans``); an analyst with no span still
        counts (they marked nothing).

    Returns
    -------
    DataFrame
        One row per code (sorted), then ``(all codes)``. Columns ``code``, ``stretches`` (after
        merging), ``observed`` (D_o), ``expected`` (D_e), ``alpha`` (NaN where D_e is 0).

    Raises
    ------
    AgreementError
        E607 for a span outside the continuum or empty; E601 for fewer than two analysts.

    Examples
    --------
    >>> spans = [(0, "c", 225, 295), (0, "c", 370, 400), (1, "c", 220, 300), (1, "c", 355, 375),
    ...          (1, "c", 400, 420), (0, "k", 180, 240), (0, "k", 300, 350), (1, "k", 180, 240),
    ...          (1, "k", 300, 350)]
    >>> t = unitizing_alpha(spans, begin=150, end=450)
    >>> [round(a, 4) for a in t["alpha"]]
    [0.7286, 1.0, 0.8587]
    """
    frame = pd.DataFrame(spans, columns=["analyst", "code", "start", "end"]) if not isinstance(spans, pd.DataFrame) else spans[["analyst", "code", "start", "end"]].copy()
    length = int(end) - int(begin)
    starts = frame["start"].to_numpy(dtype=np.int64)
    ends = frame["end"].to_numpy(dtype=np.int64)
    bad = (starts < begin) | (ends > end) | (ends <= starts)
    if length <= 0 or bad.any():
        found = f"{int(starts[bad][0])}:{int(ends[bad][0])}" if bad.any() else f"continuum {begin}:{end}"
        raise AgreementError(problem("E607", field="spans", expected=f"non-empty spans inside {begin}:{end}", found=found))
    names, a_idx = np.unique(frame["analyst"].to_numpy(), return_inverse=True) if len(frame) else (np.array([]), np.array([], dtype=np.int64))
    m = int(analysts) if analysts is not None else len(names)
    if analysts is not None and np.issubdtype(frame["analyst"].dtype, np.integer):
        a_idx = frame["analyst"].to_numpy(dtype=np.int64)
    if m < 2:
        raise AgreementError(problem("E601", count=m))
    codes = sorted(set(frame["code"].tolist()), key=str)
    rows = []
    for code in codes:
        mine = (frame["code"] == code).to_numpy()
        parts = [_partition(np.stack([starts[mine & (a_idx == a)], ends[mine & (a_idx == a)]], axis=1), begin, end) for a in range(m)]
        total = 0.0
        for a in range(m):
            for b in range(a + 1, m):
                total += _pair_distance(parts[a], parts[b])
        observed = 2.0 * total / (m * (m - 1) * float(length) ** 2)
        lengths = np.concatenate([(p[1] - p[0])[p[2]] for p in parts]).astype(np.float64)
        gaps = np.sort(np.concatenate([(p[1] - p[0])[~p[2]] for p in parts]).astype(np.float64))
        expected = _expected(lengths, gaps, m, float(length))
        rows.append({"code": code, "stretches": len(lengths), "observed": observed, "expected": expected})
    table = pd.DataFrame(rows, columns=["code", "stretches", "observed", "expected"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["alpha"] = np.where(table["expected"] > 0, 1.0 - table["observed"] / table["expected"], np.nan)
    mean_o, mean_e = table["observed"].mean(), table["expected"].mean()
    overall = 1.0 - mean_o / mean_e if len(table) and mean_e > 0 else math.nan
    all_row = pd.DataFrame([{"code": "(all codes)", "stretches": int(table["stretches"].sum()),
                             "observed": mean_o if len(table) else math.nan,
                             "expected": mean_e if len(table) else math.nan, "alpha": overall}])
    return pd.concat([table, all_row], ignore_index=True)


def _expected(lengths: np.ndarray, gaps: np.ndarray, m: int, length: float) -> float:
    """Krippendorff's expected disagreement for one code from its stretches and gaps."""
    n_c = len(lengths)
    if n_c == 0:
        return 0.0
    l = lengths
    within = (n_c - 1.0) * (2.0 * l**3 - 3.0 * l**2 + l) / 3.0
    # sum over gaps g >= l of (g - l + 1): with the gaps sorted, a suffix sum
    suffix_sum = np.r_[np.cumsum(gaps[::-1])[::-1], 0.0]
    k = np.searchsorted(gaps, l, side="left")
    count = len(gaps) - k
    placed = l**2 * (suffix_sum[k] - count * (l - 1.0))
    denominator = m * length * (m * length - 1.0) - (l * (l - 1.0)).sum()
    return float(2.0 / length * (within + placed).sum() / denominator)


def unitizing_from_codings(codings: Sequence[Any], documents: Sequence[Document], *, codes: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Krippendorff's unitizing alpha on the analysts' own spans (no fixed units).

    Unit of analysis: the code point. The documents every analyst reviewed are laid end to end
    (sorted by id) as one continuum, as Krippendorff et al. (2016) treat several texts; each
    analyst's ``coded`` codings are their stretches, by code.

    Parameters
    ----------
    codings : sequence of AnalystCoding
        Each with ``analyst``, ``codings`` (a codings table) and ``reviewed`` (None: the
        documents the table names, or every document for machine codings).
    documents : sequence of Document
    codes : sequence of str, optional
        Codes to include (default: every code applied).

    Returns
    -------
    table : DataFrame
        :func:`unitizing_alpha`'s table.
    used : list of str
        The documents on the continuum.

    Raises
    ------
    AgreementError
        E601 fewer than two analysts; E602 no document every analyst reviewed.
    """
    if len(codings) < 2:
        raise AgreementError(problem("E601", count=len(codings)))
    all_docs = sorted(d.id for d in documents)
    sets = []
    for c in codings:
        t = c.codings
        if c.reviewed is not None:
            sets.append(set(c.reviewed))
        elif len(t) and "source" in t and (t["source"].astype(str) == "auto").any():
            sets.append(set(all_docs))
        else:
            sets.append(set(t["document"].astype(str)) if len(t) else set())
    used = [d for d in all_docs if all(d in s for s in sets)]
    if not used:
        detail = "; ".join(f"{c.analyst}: {', '.join(sorted(s)) or 'none'}" for c, s in zip(codings, sets))
        raise AgreementError(problem("E602", detail=detail))
    lengths = {d.id: len(d.text) for d in documents}
    offset, at = {}, 0
    for d in used:
        offset[d] = at
        at += lengths[d]
    spans = []
    for a, c in enumerate(codings):
        t = c.codings
        if not len(t):
            continue
        keep = t["document"].astype(str).isin(used) & (t["status"].astype(str) == "coded") & (t["end"] > t["start"])
        if codes is not None:
            keep &= t["code"].astype(str).isin(list(codes))
        for r in t[keep].itertuples(index=False):
            spans.append((a, str(r.code), offset[str(r.document)] + int(r.start), offset[str(r.document)] + int(r.end)))
    return unitizing_alpha(spans, begin=0, end=at, analysts=len(codings)), used
