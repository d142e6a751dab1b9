"""REFI-QDA interchange: export casecoder's work to ``.qdpx``/``.qdc`` and import other tools'.

REFI-QDA (QDA-XML 1.0) is the exchange standard of NVivo, ATLAS.ti, MAXQDA, QualCoder and
others. A project (``.qdpx``) is a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``) and a ``sources/`` folder; a codebook (``.qdc``) is one XML file
in ``urn:QDA-XML:codebook:1.0``.

Export (:func:`export_qdpx`, :func:`export_qdc`)
    Users (one per analyst, plus ``casecoder``), the codebook (nesting, colours,
    descriptions), cases (one per case, its attributes as variables, its documents as source
    references), every document as a UTF-8 ``.txt`` source (no BOM, LF, referenced as
    ``internal://<guid>.txt``) and every coded row of the codings table as a
    ``PlainTextSelection`` carrying one ``Coding`` per code. GUIDs are uuid5 of stable names,
    zip entries have fixed times and order and the XML carries no clock time, so the same input
    always gives the same bytes. Before the zip is renamed into place the XML is validated
    against the caller's schema when one is given, else checked for well-formedness and
    casecoder's structural invariants (the report says which: no schema ships with casecoder).

Import (:func:`import_qdpx`, :func:`import_qdc`)
    Liberal in what it reads (``Sources/`` or ``sources/``, any ``.qde`` name, a BOM, CRLF,
    missing optional attributes, inline ``PlainTextContent``), strict in what it checks (every
    GUID reference resolves, every selection lies inside its text). It returns the documents,
    a codings table (one analyst per REFI user; ``source`` ``manual``; ``segment`` -1 where a
    span is not a sentence), the codebook (codes unknown to ours kept under their own names)
    and an :class:`ImportReport` that lists every selection it could not place, with element
    and GUID, and the position convention it detected.

The package's rooms: :mod:`~casecoder.refi.export` (writing), :mod:`~casecoder.refi.import_`
(reading a project in named steps), :mod:`~casecoder.refi.reading` (the container, the XML,
codes), :mod:`~casecoder.refi.positions` (the position conventions tools count in, detected
and converted on import), :mod:`~casecoder.refi.model` (GUIDs and the result types) and
:mod:`~casecoder.refi.schemas` (an export checked against the caller's schema, else by
casecoder's structural invariants). The names below are loaded on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the module of this package that defines it
_EXPORTS: dict[str, str] = {
    "CONVENTIONS": "positions",
    "CodebookImport": "model",
    "Convention": "positions",
    "ConventionScore": "positions",
    "ExportReport": "model",
    "ImportIssue": "model",
    "ImportReport": "model",
    "ImportedCode": "model",
    "NO_SCHEMA": "schemas",
    "ProjectImport": "model",
    "ReadLimits": "reading",
    "export_qdc": "export",
    "export_qdpx": "export",
    "guid_for": "model",
    "import_qdc": "import_",
    "import_qdpx": "import_",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'casecoder.refi' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
