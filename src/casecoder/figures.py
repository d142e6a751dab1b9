"""Figures: the findings chart (cases taking each code), the agreement and co-occurrence heatmaps.

Every function takes plain data (DataFrames) and returns a matplotlib ``Figure``; writing is
done by :func:`save_figure`, which writes PNG and SVG atomically with fixed metadata so that
re-running gives identical files.
"""

from __future__ import annotations

import contextlib
import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from .errors import FindingsError, problem
from .io import atomic_path

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook
    from .cooccurrence import Cooccurrence

__all__ = [
    "FIGURE_FORMATS",
    "cases_per_code",
    "chart_cases_per_code",
    "plot_agreement_heatmap",
    "plot_cooccurrence_heatmap",
    "save_figure",
]

#: The formats :func:`save_figure` writes by default.
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg")
#: Paul Tol's colour-blind-safe "bright" scheme, for bars coloured by a case attribute.
_GROUP_COLOURS: tuple[str, ...] = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")
_BAR_COLOUR = "#4477AA"
_MISSING = "(missing)"


def cases_per_code(presence: pd.DataFrame) -> pd.Series:
    """The number of cases taking each code, most to fewest, ties in the matrix's column order.

    Parameters
    ----------
    presence : DataFrame
        A cases × codes matrix (:func:`casecoder.matrix.code_matrix`); any value > 0 counts as
        taking the code.

    Returns
    -------
    Series
        Index code, int64 values, sorted descending by a stable sort (so codes with equal counts
        keep the codebook's order).
    """
    counts = (presence > 0).sum(axis=0).astype("int64")
    return counts.sort_values(ascending=False, kind="mergesort")


def _labels_for(codes: Sequence[str], labels: Codebook | Mapping[str, str] | None) -> list[str]:
    if labels is None:
        return list(codes)
    if hasattr(labels, "codes") and hasattr(labels, "ids"):
        lookup = {c.id: c.label for c in labels.codes}
    else:
        lookup = dict(labels)
    return [lookup.get(c, c) for c in codes]


# long because: its NumPy docstring (every parameter, what is returned and raised, an example)
# is as long as its code, which is under 60 lines.
def chart_cases_per_code(
    presence: pd.DataFrame,
    labels: Codebook | Mapping[str, str] | None = None,
    *,
    title: str = "Cases taking each code",
    source: str | None = None,
    xlabel: str | None = None,
    by: pd.Series | Mapping[str, str] | None = None,
    group_order: Sequence[str] | None = None,
    width: float = 9.0,
) -> Figure:
    """A horizontal bar chart of the number of cases taking each code.

    One bar per code, longest at the top (ties in the matrix's column order), each labelled
    with its count; the axis runs from 0 to the number of cases. This is the report's chart
    "Key leadership actions identified in case studies" when given the councils' presence
    matrix.

    Parameters
    ----------
    presence : DataFrame
        Cases × codes (index case, columns code ids in codebook order), from
        :func:`casecoder.matrix.code_matrix`; values > 0 mean the case takes the code.
    labels : Codebook or mapping, optional
        Code id -> the label shown (in full, never cut); default the ids.
    title : str
        The chart's title.
    source : str, optional
        A source line printed under the chart (e.g. the corpus and the report).
    xlabel : str, optional
        The axis label; default "Number of cases (of n)".
    by : Series or mapping, optional
        Case -> group (e.g. council type): the bars are stacked by group, with a legend. A case
        with no group is stacked as ``(missing)``.
    group_order : sequence of str, optional
        Stacking and legend order of the groups; default their first appearance.
    width : float
        Figure width in inches; the height grows with the number of codes.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot (no global state). Its one axes holds the bars: for a plain
        chart one patch per code in top-to-bottom order; the y tick labels are the code labels,
        top to bottom; each bar's count is a text on the axes.

    Raises
    ------
    FindingsError
        E510 if the matrix has no cases.
    """
    n_cases = int(presence.shape[0])
    if n_cases == 0:
        raise FindingsError(problem("E510", field="presence"))
    counts = cases_per_code(presence)
    codes = list(counts.index)
    names = _labels_for(codes, labels)
    n = len(codes)
    # Why wrap at all: a label is never cut, but a 60-character label on one line would squeeze
    # the bars; wrapping at 56 keeps every word and leaves the bars most of the width.
    shown = ["\n".join(textwrap.wrap(t, 56)) or t for t in names]
    fig = Figure(figsize=(width, 1.6 + 0.42 * max(n, 1)), layout="constrained")
    ax = fig.add_subplot()
    ypos = list(range(n))  # 0 at the top once the axis is inverted
    if by is None:
        ax.barh(ypos, counts.to_numpy(), color=_BAR_COLOUR, height=0.7, label="cases")
    else:
        groups = pd.Series(dict(by) if not isinstance(by, pd.Series) else by, dtype=object)
        groups = groups.reindex(presence.index).fillna("").astype(str).replace("", _MISSING)
        order = list(group_order) if group_order is not None else list(dict.fromkeys(groups))
        order += [g for g in dict.fromkeys(groups) if g not in order]
        left = pd.Series(0, index=codes, dtype="int64")
        for i, g in enumerate(order):
            part = (presence.loc[groups[groups == g].index, codes] > 0).sum(axis=0).astype("int64")
            ax.barh(ypos, part.to_numpy(), left=left.to_numpy(), height=0.7,
                    color=_GROUP_COLOURS[i % len(_GROUP_COLOURS)], label=g, edgecolor="white", linewidth=0.6)
            left += part
        ax.legend(title=groups.name if isinstance(groups.name, str) else None, loc="lower right", frameon=False)
    for y, value in zip(ypos, counts.to_numpy(), strict=True):
        ax.text(value + 0.08, y, str(int(value)), va="center", ha="left", fontsize=10, clip_on=False)
    ax.set_yticks(ypos, shown)
    ax.invert_yaxis()
    ax.set_xlim(0, n_cases)
    ax.set_xticks(range(0, n_cases + 1))
    ax.set_xlabel(xlabel or f"Number of cases (of {n_cases})")
    ax.xaxis.grid(True, color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold")
    if source:
        fig.get_layout_engine().set(h_pad=0.1)
        # A supxlabel sits under the axis label and is laid out by the engine, so never clipped.
        fig.supxlabel(source, x=0.01, ha="left", fontsize=8, color="#555555", wrap=True)
    return fig


def save_figure(
    fig: Figure,
    path: str | os.PathLike[str],
    *,
    formats: Sequence[str] = FIGURE_FORMATS,
    dpi: int = 150,
) -> list[Path]:
    """Write a figure as PNG and SVG (or ``formats``), atomically and byte-for-byte repeatable.

    Parameters
    ----------
    fig : Figure
    path : path-like
        The output path without suffix (``out/chart`` gives ``out/chart.png`` and
        ``out/chart.svg``); a suffix given is replaced.
    formats : sequence of {"png", "svg", "pdf"}
    dpi : int
        Resolution of raster formats.

    Returns
    -------
    list of Path
        The files written, in ``formats`` order.

    Raises
    ------
    FindingsError
        E508 for a format other than png, svg or pdf.
    """
    allowed = ("png", "svg", "pdf")
    stem = Path(path)
    if stem.suffix.lower().lstrip(".") in allowed:
        stem = stem.with_suffix("")
    written = []
    # Fixed hash salt and ids and no dates: the same figure gives the same bytes every run.
    rc = {"svg.hashsalt": "casecoder", "svg.id": "casecoder-figure"} if "svg.id" in matplotlib.rcParams else {"svg.hashsalt": "casecoder"}
    metadata: dict[str, dict[str, Any]] = {
        "png": {"Software": "casecoder (matplotlib)"},
        "svg": {"Date": None, "Creator": "casecoder (matplotlib)"},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": "casecoder (matplotlib)", "Producer": None},
    }
    for fmt in formats:
        fmt = fmt.lower()
        if fmt not in allowed:
            raise FindingsError(problem("E508", field="formats", option="figure format", value=fmt, choices=", ".join(allowed)))
        target = stem.with_name(f"{stem.name}.{fmt}")
        with contextlib.ExitStack() as stack:
            stack.enter_context(matplotlib.rc_context(rc))
            tmp = stack.enter_context(atomic_path(target))
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata[fmt], bbox_inches="tight", pad_inches=0.15)
        written.append(target)
    return written


def plot_agreement_heatmap(
    statistics: pd.DataFrame,
    pairwise: pd.DataFrame | None = None,
    labels: Codebook | Mapping[str, str] | None = None,
    *,
    statistic: str = "alpha",
    title: str = "Agreement between analysts (Krippendorff's alpha)",
) -> Figure:
    """Heatmap of an agreement statistic per code: all analysts, and each pair if given.

    Parameters
    ----------
    statistics : DataFrame
        :func:`casecoder.agreement.agreement_statistics` (or ``AnalystComparison.statistics``): its
        ``code`` rows give the first column; its ``pooled`` row the bottom row.
    pairwise : DataFrame, optional
        :func:`casecoder.agreement.pairwise_agreement`; adds one column per pair of analysts
        (useful with more than two).
    labels : Codebook or mapping, optional
        Code labels for the rows (default the code ids).
    statistic : str
        The column to show (``alpha``, ``kappa``, ``ac1``; default ``alpha``).
    title : str

    Returns
    -------
    Figure
        Cells coloured from -1 (red) through 0 (white) to 1 (blue), each annotated with its
        value; an undefined value (NaN) is a grey hatched cell marked ``n/a``. Each row's
        label says the units compared, how many were coded and how many differ.
    """
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm

    per_code = statistics[statistics["scope"] == "code"]
    pooled = statistics[statistics["scope"] == "pooled"]
    codes = list(per_code["code"])
    row_labels = _labels_for(codes, labels) + ["All codes (pooled)"]
    if {"units", "coded_units", "disagreements"} <= set(statistics.columns):
        # how much each value rests on: a code at 1.00 may rest on three coded sentences
        counts = list(per_code.itertuples(index=False)) + list(pooled.itertuples(index=False))[:1]
        row_labels = [f"{label} ({r.units:,} units, {r.coded_units:,} coded, {r.disagreements:,} differ)"
                      for label, r in zip(row_labels, counts)]
    columns = {"all analysts": list(per_code[statistic].astype(float)) + list(pooled[statistic].astype(float)[:1])}
    if pairwise is not None and len(pairwise):
        pw_stat = statistic if statistic in pairwise.columns else "alpha"
        for (a, b), group in pairwise.groupby(["analyst_a", "analyst_b"], sort=False):
            lookup = dict(zip(group["code"], group[pw_stat].astype(float)))
            columns[f"{a}\nvs {b}"] = [lookup.get(c, np.nan) for c in codes] + [lookup.get("(all codes)", np.nan)]
    grid = np.array(list(columns.values()), dtype=float).T  # (rows, columns)
    n_rows, n_cols = grid.shape
    wrapped = [textwrap.fill(label, 48) for label in row_labels]
    fig = Figure(figsize=(5.5 + 1.1 * n_cols, 1.6 + 0.36 * n_rows), layout="constrained")
    ax = fig.add_subplot()
    masked = np.ma.masked_invalid(grid)
    cmap = matplotlib.colormaps["RdBu"].with_extremes(bad="#DDDDDD")
    image = ax.imshow(masked, cmap=cmap, norm=TwoSlopeNorm(vcenter=0.0, vmin=-1.0, vmax=1.0), aspect="auto")
    for r in range(n_rows):
        for c in range(n_cols):
            v = grid[r, c]
            if np.isnan(v):
                ax.add_patch(matplotlib.patches.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#999999", linewidth=0))
                ax.text(c, r, "n/a", ha="center", va="center", fontsize=8, color="#555555")
            else:
                ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if abs(v) > 0.6 else "black")
    ax.set_xticks(range(n_cols), list(columns), fontsize=8)
    ax.set_yticks(range(n_rows), wrapped, fontsize=8)
    ax.xaxis.tick_top()
    ax.axhline(n_rows - 1.5, color="black", linewidth=0.8)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    bar = fig.colorbar(image, ax=ax, shrink=0.6)
    bar.set_label(f"{statistic} (n/a: undefined)", fontsize=8)
    return fig


# long because: its NumPy docstring (every parameter, what is returned and raised, an example)
# is as long as its code, which is under 60 lines.
def plot_cooccurrence_heatmap(
    result: Cooccurrence,
    labels: Codebook | Mapping[str, str] | None = None,
    *,
    value: str = "jaccard",
    title: str | None = None,
) -> Figure:
    """Heatmap of codes coded together (:func:`casecoder.cooccurrence.cooccurrence`).

    Parameters
    ----------
    result : Cooccurrence
        The counts at one unit.
    labels : Codebook or mapping, optional
        Code labels for the rows (default the code ids). Rows read ``n. label``; columns carry
        the same numbers ``n``, so long labels are written once.
    value : {"jaccard", "conditional"}
        What colours a cell: the Jaccard index (symmetric), or the share of the row code's
        units also coded with the column code.
    title : str, optional
        Default "Codes coded in the same <unit>".

    Returns
    -------
    Figure
        One axes: an n × n image of ``value`` from 0 (pale) to the largest value rounded up
        to a tenth (dark blue), pairs never coded together white; each
        off-diagonal cell with units in common is annotated with that number of units; each
        diagonal cell is grey, annotated with the number of units coded with the code (in
        bold). A colour bar says what colours mean.

    Raises
    ------
    FindingsError
        E508 for another ``value``.

    Examples
    --------
    >>> fig = plot_cooccurrence_heatmap(cooccurrence(codings, book, unit="turn"), book)  # doctest: +SKIP
    >>> save_figure(fig, "out/cooccurrence")  # doctest: +SKIP
    """
    import numpy as np

    choices = ("jaccard", "conditional")
    if value not in choices:
        raise FindingsError(problem("E508", field="value", option="value", value=value, choices=", ".join(choices)))
    codes = list(result.counts.index)
    n = len(codes)
    counts = result.counts.to_numpy()
    grid = (result.jaccard if value == "jaccard" else result.conditional).to_numpy(dtype=float).copy()
    grid[np.eye(n, dtype=bool)] = np.nan  # the diagonal is a count, not a share: drawn grey
    shown = grid[~np.isnan(grid)]
    # Why not 0 to 1: co-occurrence is sparse (the shipped study's largest Jaccard by turn is
    # 0.2), and on a 0-1 scale every cell is the same pale blue. The scale ends at the largest
    # value rounded up to a tenth; the colour bar says so. Pairs never coded together are white.
    top = max(0.1, math.ceil(float(shown.max()) * 10 - 1e-9) / 10) if shown.size else 1.0
    grid[(counts == 0) & ~np.eye(n, dtype=bool)] = -1.0
    names = [f"{i + 1}. {label}" for i, label in enumerate(_labels_for(codes, labels))]
    side = 3.0 + 0.42 * max(n, 1)
    fig = Figure(figsize=(side + 3.2, side), layout="constrained")
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#DDDDDD", under="white")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0.0, vmax=top, aspect="equal")
    for r in range(n):
        for c in range(n):
            if r == c:
                ax.text(c, r, str(int(counts[r, c])), ha="center", va="center", fontsize=7, fontweight="bold", color="#333333")
            elif counts[r, c] > 0:
                v = grid[r, c]
                ax.text(c, r, str(int(counts[r, c])), ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * top else "black")
    ax.set_xticks(range(n), [str(i + 1) for i in range(n)], fontsize=8)
    ax.set_yticks(range(n), ["\n".join(textwrap.wrap(t, 48)) or t for t in names], fontsize=8)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    unit = result.unit
    ax.set_title(title or f"Codes coded in the same {unit}", loc="left", fontsize=11, fontweight="bold")
    what = ("Jaccard index: {u}s coded with both / {u}s coded with either" if value == "jaccard"
            else "share of the row code's {u}s also coded with the column code")
    bar = fig.colorbar(image, ax=ax, shrink=0.5, extend="neither")
    bar.set_label(what.format(u=unit), fontsize=8)
    fig.supxlabel(f"Numbers in cells: {unit}s coded with both codes; on the grey diagonal, {unit}s coded with the code "
                  f"({result.n_units} {unit}s coded in all).", x=0.01, ha="left", fontsize=7, color="#555555", wrap=True)
    return fig
