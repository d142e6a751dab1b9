"""casecoder: reproducible, scriptable qualitative coding of interview transcripts.

The names below are what researchers and the notebooks use; the stage modules
(:mod:`casecoder.transcripts`, :mod:`casecoder.coder`, :mod:`casecoder.agreement`, ...) hold
the rest. See ``ARCHITECTURE.md`` for the flow of data and the glossary.

>>> import casecoder as cc                                        # doctest: +SKIP
>>> docs = cc.read_corpus("data/interviews")                      # doctest: +SKIP
>>> book = cc.load_codebook("codebook.yaml")                      # doctest: +SKIP
>>> codings = cc.code_documents(docs, book)                       # doctest: +SKIP
>>> cc.code_matrix(codings, book, value="presence")               # doctest: +SKIP

``evaluate`` and ``cooccurrence`` are both a module and its main function, so they are not
re-exported here (importing the module would shadow the function): call
``casecoder.evaluate.evaluate`` and ``casecoder.cooccurrence.cooccurrence``. The worked study
(targets, Appendix Two, the reproduction) is not part of the toolkit's surface: it lives in
:mod:`casecoder.studies.solace`.

Modules are imported on first use of one of their names (PEP 562), so ``import casecoder``
stays light and does not load spaCy or matplotlib until they are needed.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "CasecoderError": "errors",
    "Code": "codebook",
    "Codebook": "codebook",
    "Document": "transcripts",
    "Segment": "segments",
    "Turn": "transcripts",
    "OverrideEntry": "overrides",
    "Overrides": "overrides",
    "add_override": "overrides",
    "agreement_statistics": "agreement.statistics",
    "apply_overrides": "overrides",
    "bootstrap_alpha": "agreement.bootstrap",
    "build_review": "review",
    "case_key_of": "pipeline",
    "code_and_override": "pipeline",
    "code_files": "pipeline",
    "chart_cases_per_code": "figures",
    "code_corpus": "coder",
    "codebook_diff": "evidence",
    "code_documents": "coder",
    "code_matrix": "matrix",
    "cohen_kappa": "agreement.statistics",
    "compare": "agreement.comparison",
    "compile_codebook": "coder",
    "corpus_notices": "provenance",
    "disagreements": "agreement.report",
    "export_qdc": "refi",
    "export_qdpx": "refi",
    "framework_matrix": "matrix",
    "gwet_ac1": "agreement.statistics",
    "import_qdc": "refi",
    "import_qdpx": "refi",
    "iter_corpus": "transcripts",
    "krippendorff_alpha": "agreement.statistics",
    "load_codebook": "codebook",
    "load_codings": "sources",
    "load_overrides": "overrides",
    "plot_agreement_heatmap": "figures",
    "plot_cooccurrence_heatmap": "figures",
    "read_codings": "schema",
    "read_corpus": "transcripts",
    "read_transcripts": "pipeline",
    "read_document": "transcripts",
    "read_turn_kinds": "provenance",
    "save_figure": "figures",
    "rule_evidence": "evidence",
    "sentences": "segments",
    "suggest_rules": "mining",
    "suggestions_yaml": "mining",
    "validate": "pipeline",
    "write_codings": "schema",
    "write_comparison": "agreement.comparison",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'casecoder' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
