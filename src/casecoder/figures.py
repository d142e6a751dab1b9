"""Figures: the findings chart (cases taking each code) and the agreement heatmap.

Every function takes plain data (DataFrames) and returns a matplotlib ``Figure``; writing is
done by :func:`save_figure`, which writes PNG and SVG atomically with fixed metadata so that
re-running gives identical files.
"""

from __future__ import annotations
