"""Chance-corrected agreement for nominal categories: Fleiss, Conger, AC1, Brennan-Prediger.

Pure numpy (importing it loads neither pandas nor spaCy). Where a unit carries **one of several
categories** (e.g. one code of a group of mutually exclusive codes, or ``none``), every
coefficient here is ``(p_a - p_e) / (1 - p_e)`` with the same observed agreement ``p_a`` and a
different chance agreement ``p_e`` (Gwet 2014, *Handbook of Inter-Rater Reliability*, 4th ed.,
ch. 2-5, ratings with missing values):

- ``r_i`` analysts rated unit ``i``, ``r_ik`` of them chose category ``k``; units rated by no
  analyst are left out. ``p_a`` is the mean over units with ``r_i >= 2`` of
  ``sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))``.
- ``pi_k`` is the mean over rated units of ``r_ik / r_i``.
- Fleiss' kappa: ``p_e = sum_k pi_k**2``.
- Gwet's AC1: ``p_e = sum_k pi_k (1 - pi_k) / (q - 1)``.
- Brennan-Prediger: ``p_e = 1 / q``.
- Conger's kappa (Cohen's kappa for two analysts): ``p_e`` from each analyst's own
  distribution over the units they rated, ``sum_k (pbar_k**2 - s2_k / r)``.

``q`` is the number of categories: those given, else those any analyst used. Checked against
irrCAC and statsmodels in ``tests/test_agreement_nominal.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import AgreementError, problem

__all__ = [
    "brennan_prediger",
    "category_counts",
    "code_group_categories",
    "conger_kappa",
    "fleiss_kappa",
    "gwet_ac1_nominal",
    "nominal_coefficients",
]


def category_counts(data: Any, categories: Sequence[Any] | None = None) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Count, per unit, how many analysts chose each category.

    Parameters
    ----------
    data : array-like, shape (units, analysts)
        A category per unit and analyst (numbers or strings); NaN or None for not rated.
    categories : sequence, optional
        Every possible category (default: those that occur, sorted).

    Returns
    -------
    counts : ndarray, shape (units, q)
        ``r_ik``.
    choice : ndarray of int, shape (units, analysts)
        The index of each analyst's category, -1 where not rated.
    categories : list
        The ``q`` categories, in column order.

    Raises
    ------
    AgreementError
        E610 for a wrong shape; E607 for a category not in ``categories``.

    Examples
    --------
    >>> counts, _, cats = category_counts([["a", "b"], ["a", "a"], ["b", None]])
    >>> cats, counts.tolist()
    (['a', 'b'], [[1, 1], [2, 0], [0, 1]])
    """
    arr = np.asarray(data, dtype=object)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise AgreementError(problem("E610", field="data", expected="(units, analysts >= 2)", found=np.shape(arr)))
    present = np.array([[not _missing(v) for v in row] for row in arr], dtype=bool).reshape(arr.shape)
    flat = arr[present]
    if categories is None:
        cats = sorted(set(flat.tolist()), key=lambda v: (str(type(v)), v))
    else:
        cats = list(categories)
        known = set(cats) | {str(c) for c in cats}
        unknown = sorted({str(v) for v in flat.tolist() if v not in known and str(v) not in known})
        if unknown:
            raise AgreementError(problem("E607", field="categories", expected=f"one of {cats}", found=", ".join(unknown)))
    index = {c: k for k, c in enumerate(cats)}
    by_text = {str(c): k for k, c in enumerate(cats)}  # "1" in a CSV matches category 1
    choice = np.full(present.shape, -1, dtype=np.int64)
    choice[present] = [index[v] if v in index else by_text[str(v)] for v in flat.tolist()]
    counts = np.zeros((arr.shape[0], len(cats)), dtype=np.int64)
    rows = np.nonzero(present)[0]
    np.add.at(counts, (rows, choice[present]), 1)
    return counts, choice, cats


def _missing(value: Any) -> bool:
    """None, NaN and pandas' NA/NaT mean "not rated"."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or (value != value)


def _pa_pi(counts: np.ndarray) -> tuple[float, np.ndarray, int]:
    """Observed agreement over units rated twice or more, category shares, and that unit count."""
    r = counts.sum(axis=1).astype(np.float64)
    rated = r >= 1
    pairable = r >= 2
    n2 = int(pairable.sum())
    if n2 == 0:
        return math.nan, np.full(counts.shape[1], math.nan), 0
    c2 = counts[pairable].astype(np.float64)
    rp = r[pairable]
    pa = float(((c2 * (c2 - 1.0)).sum(axis=1) / (rp * (rp - 1.0))).mean())
    pi = (counts[rated] / r[rated][:, None]).mean(axis=0)
    return pa, pi, n2


def _coefficient(pa: float, pe: float) -> float:
    if not math.isfinite(pa) or not math.isfinite(pe) or pe >= 1.0 - 1e-15:
        return math.nan
    return (pa - pe) / (1.0 - pe)


def nominal_coefficients(data: Any, categories: Sequence[Any] | None = None) -> dict[str, float]:
    """Percent agreement and four chance-corrected coefficients for nominal ratings.

    Unit of analysis: a row of ``data`` (a sentence, turn, document ...); each analyst gives it
    one category (e.g. the one code of a group of mutually exclusive codes, or ``none``).

    Parameters
    ----------
    data : array-like, shape (units, analysts)
        Categories; NaN or None where an analyst did not rate the unit.
    categories : sequence, optional
        Every possible category (default: those used). ``q`` enters AC1 and Brennan-Prediger.

    Returns
    -------
    dict
        ``percent_agreement`` (0-100), ``fleiss_kappa``, ``conger_kappa``, ``ac1``,
        ``brennan_prediger``, ``units`` (rated by two or more analysts), ``categories`` (q).
        A coefficient is NaN where undefined (no unit rated twice; one category only).

    Examples
    --------
    >>> r = nominal_coefficients([["a", "a"], ["b", "b"], ["a", "b"], ["c", "c"]])
    >>> round(r["percent_agreement"], 1), round(r["brennan_prediger"], 3)
    (75.0, 0.625)
    """
    counts, choice, cats = category_counts(data, categories)
    q = len(cats)
    pa, pi, n2 = _pa_pi(counts)
    out = {"percent_agreement": 100.0 * pa, "units": n2, "categories": q}
    if n2 == 0 or q < 2:
        out.update(fleiss_kappa=math.nan, conger_kappa=math.nan, ac1=math.nan, brennan_prediger=math.nan)
        return out
    out["fleiss_kappa"] = _coefficient(pa, float((pi**2).sum()))
    out["ac1"] = _coefficient(pa, float((pi * (1.0 - pi)).sum() / (q - 1)))
    out["brennan_prediger"] = _coefficient(pa, 1.0 / q)
    out["conger_kappa"] = _coefficient(pa, _conger_pe(choice, q))
    return out


def _conger_pe(choice: np.ndarray, q: int) -> float:
    # Each analyst's distribution over the categories, over the units they rated; chance
    # agreement is the mean over pairs of analysts of sum_k p_ak p_bk (Conger 1980), written
    # with the mean and variance over analysts as in Gwet (2014), eq. 2.3.8.
    # An analyst who rated no unit has no distribution and is left out of it.
    rows = [np.bincount(choice[choice[:, a] >= 0, a], minlength=q) / (choice[:, a] >= 0).sum()
            for a in range(choice.shape[1]) if (choice[:, a] >= 0).any()]
    m = len(rows)
    if m < 2:
        return math.nan
    p = np.array(rows)
    mean = p.mean(axis=0)
    s2 = ((p - mean) ** 2).sum(axis=0) / (m - 1)
    return float((mean**2 - s2 / m).sum())


def fleiss_kappa(data: Any, categories: Sequence[Any] | None = None) -> float:
    """Fleiss' kappa for nominal ratings by any number of analysts, missing ratings allowed.

    Unit of analysis: a row of ``data``. Chance agreement ``sum_k pi_k**2`` (Fleiss 1971; with
    missing ratings as in Gwet 2014).

    Parameters
    ----------
    data : array-like, shape (units, analysts)
    categories : sequence, optional

    Returns
    -------
    float
        NaN where undefined.

    Examples
    --------
    >>> round(fleiss_kappa([[1, 1, 1], [1, 2, 2], [2, 2, 2], [1, 1, 2]]), 4)
    0.3333
    """
    return nominal_coefficients(data, categories)["fleiss_kappa"]


def brennan_prediger(data: Any, categories: Sequence[Any] | None = None) -> float:
    """Brennan and Prediger's (1981) coefficient: chance agreement ``1/q``.

    Unit of analysis: a row of ``data``.

    Parameters
    ----------
    data : array-like, shape (units, analysts)
    categories : sequence, optional
        The ``q`` possible categories (default: those used).

    Returns
    -------
    float

    Examples
    --------
    >>> brennan_prediger([[0, 0], [1, 1], [0, 1], [1, 1]])
    0.5
    """
    return nominal_coefficients(data, categories)["brennan_prediger"]


def gwet_ac1_nominal(data: Any, categories: Sequence[Any] | None = None) -> float:
    """Gwet's AC1 for nominal ratings with any number of categories and analysts.

    Unit of analysis: a row of ``data``. Chance agreement ``sum_k pi_k (1 - pi_k) / (q - 1)``.

    Parameters
    ----------
    data : array-like, shape (units, analysts)
    categories : sequence, optional

    Returns
    -------
    float

    Examples
    --------
    >>> round(gwet_ac1_nominal([["x", "x"], ["y", "y"], ["x", "y"], ["z", "z"]]), 4)
    0.6279
    """
    return nominal_coefficients(data, categories)["ac1"]


def conger_kappa(data: Any, categories: Sequence[Any] | None = None) -> float:
    """Conger's kappa (1980): Cohen's kappa for two analysts, generalised to more.

    Unit of analysis: a row of ``data``. Each analyst's own distribution over categories gives
    the chance agreement (for two analysts with no missing rating, exactly Cohen's kappa).

    Parameters
    ----------
    data : array-like, shape (units, analysts)
    categories : sequence, optional

    Returns
    -------
    float

    Examples
    --------
    >>> round(conger_kappa([["y", "y"]] * 20 + [["y", "n"]] * 5 + [["n", "y"]] * 10 + [["n", "n"]] * 15), 3)
    0.4
    """
    return nominal_coefficients(data, categories)["conger_kappa"]


def code_group_categories(values: Any, codes: Sequence[str], group: Sequence[str], *, none: str = "(none)") -> np.ndarray:
    """Turn per-code decisions into one category per unit for a group of codes.

    Unit of analysis: a row of ``values``. For a group of codes meant to be mutually exclusive,
    each analyst's category on a unit is the one code of the group they applied, ``none`` if
    they applied none, NaN if they did not review the unit. An analyst who applied several codes
    of the group gets the category of those codes joined with ``+`` (so the overlap shows as its
    own category instead of being dropped).

    Parameters
    ----------
    values : array-like, shape (units, analysts, codes)
        1, 0 or NaN, as :class:`~casecoder.agreement.Ratings` holds.
    codes : sequence of str
        The names of the last axis.
    group : sequence of str
        The codes of the group (at least two).
    none : str
        The category of a reviewed unit with no code of the group.

    Returns
    -------
    ndarray of object, shape (units, analysts)
        For :func:`nominal_coefficients`.

    Raises
    ------
    AgreementError
        E604 for a code not in ``codes``; E607 for a group of fewer than two codes.

    Examples
    --------
    >>> v = np.array([[[1, 0], [0, 1]], [[0, 0], [0, 0]], [[1, 1], [np.nan, np.nan]]], dtype=float)
    >>> code_group_categories(v, ["a", "b"], ["a", "b"]).tolist()
    [['a', 'b'], ['(none)', '(none)'], ['a+b', nan]]
    """
    x = np.asarray(values, dtype=np.float64)
    names = list(codes)
    missing = [c for c in group if c not in names]
    if missing:
        raise AgreementError([problem("E604", field="group", code=c, where="", known=", ".join(names)) for c in missing])
    if len(set(group)) < 2:
        raise AgreementError(problem("E607", field="group", expected="two or more codes", found=len(set(group))))
    idx = [names.index(c) for c in group]
    sub = x[:, :, idx]
    out = np.full(sub.shape[:2], np.nan, dtype=object)
    reviewed = ~np.isnan(sub).any(axis=2)
    for u, a in zip(*np.nonzero(reviewed)):
        chosen = [group[k] for k in range(len(idx)) if sub[u, a, k] == 1.0]
        out[u, a] = "+".join(chosen) if chosen else none
    return out
