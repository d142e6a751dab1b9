"""Agreement between analysts: statistics, units, bootstrap intervals and disagreements.

The package's rooms, each importable alone:

- :mod:`~casecoder.agreement.statistics`: alpha, kappa, AC1, percent agreement and prevalence
  on arrays of decisions (pure numpy; importing it loads neither spaCy nor pandas);
- :mod:`~casecoder.agreement.bootstrap`: the percentile bootstrap of alpha (pure numpy too);
- :mod:`~casecoder.agreement.units`: units (sentence, turn, document, case) and the
  :class:`Ratings` every statistic takes, mapped from codings tables;
- :mod:`~casecoder.agreement.report`: the disagreements table and its Markdown;
- :mod:`~casecoder.agreement.comparison`: :func:`compare` and :func:`write_comparison`.

Reading an analyst's coding from a file (an overrides file, a ``.qdpx``, a gold coding, ...)
is :mod:`casecoder.sources`. The names below are loaded on first use (PEP 562), so importing
one room does not import the others.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the module of this package that defines it
_EXPORTS: dict[str, str] = {
    "AnalystCoding": "comparison",
    "AnalystComparison": "comparison",
    "CLUSTERS": "units",
    "DECISIONS": "report",
    "Ratings": "units",
    "UNITS": "units",
    "UNIT_COLUMNS": "units",
    "agreement_statistics": "statistics",
    "bootstrap_alpha": "bootstrap",
    "cohen_kappa": "statistics",
    "compare": "comparison",
    "disagreements": "report",
    "disagreements_markdown": "report",
    "gwet_ac1": "statistics",
    "krippendorff_alpha": "statistics",
    "nominal_alpha": "statistics",
    "pairwise_agreement": "statistics",
    "percent_agreement": "statistics",
    "prevalence": "statistics",
    "ratings_from_codings": "units",
    "span_units": "units",
    "units_table": "units",
    "write_comparison": "comparison",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'casecoder.agreement' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
