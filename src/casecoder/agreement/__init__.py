"""Agreement between analysts: statistics, units, bootstrap intervals and disagreements.

The package's rooms, each importable alone:

- :mod:`~casecoder.agreement.statistics`: alpha, kappa, AC1, percent agreement and prevalence
  on arrays of decisions (pure numpy; importing it loads neither spaCy nor pandas);
- :mod:`~casecoder.agreement.bootstrap`: the percentile bootstrap of alpha (pure numpy too);
- :mod:`~casecoder.agreement.units`: units (sentence, turn, document, case) and the
  :class:`Ratings` every statistic takes, mapped from codings tables;
- :mod:`~casecoder.agreement.report`: the disagreements table and its Markdown;
- :mod:`~casecoder.agreement.comparison`: :func:`compare` and :func:`write_comparison`;
- :mod:`~casecoder.agreement.intervals`: intervals for alpha chosen by simulation, and the
  rules for when the data cannot support one (pure numpy);
- :mod:`~casecoder.agreement.nominal`: Fleiss', Conger's, AC1 and Brennan-Prediger for units
  that carry one of several categories (pure numpy);
- :mod:`~casecoder.agreement.unitizing`: Krippendorff's unitizing alpha on analysts' own spans;
- :mod:`~casecoder.agreement.breakdown`: statistics per document, within and between groups.

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
    "alpha_intervals": "intervals",
    "bootstrap_alpha": "bootstrap",
    "brennan_prediger": "nominal",
    "code_group_categories": "nominal",
    "cohen_kappa": "statistics",
    "compare": "comparison",
    "conger_kappa": "nominal",
    "disagreements": "report",
    "disagreements_markdown": "report",
    "fleiss_kappa": "nominal",
    "group_agreement": "breakdown",
    "gwet_ac1": "statistics",
    "gwet_ac1_nominal": "nominal",
    "interval_rule": "intervals",
    "krippendorff_alpha": "statistics",
    "nominal_alpha": "statistics",
    "nominal_coefficients": "nominal",
    "pairwise_agreement": "statistics",
    "per_document": "breakdown",
    "percent_agreement": "statistics",
    "prevalence": "statistics",
    "ratings_from_codings": "units",
    "span_units": "units",
    "unitizing_alpha": "unitizing",
    "unitizing_from_codings": "unitizing",
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
