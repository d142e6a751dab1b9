"""The XML schemas REFI-QDA exports are validated against, shipped as ``.xsd`` files.

``codebook.xsd`` is the codebook schema of the REFI-QDA 1.5 specification (section 5.2);
``project-subset.xsd`` the part of the project schema casecoder writes (section 5.3). The full
published ``Project.xsd`` is not shipped: a caller who has it passes its path (``schema=`` of
:func:`casecoder.refi.export_qdpx`, ``--schema`` of ``casecoder export-qdpx``).
"""

from __future__ import annotations

import io
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ...errors import RefiError, problem

__all__ = ["CODEBOOK_XSD", "PROJECT_SUBSET_XSD", "codebook_schema", "project_schema", "validate"]

#: The codebook schema file (a path inside the installed package).
CODEBOOK_XSD = resources.files(__name__) / "codebook.xsd"
#: The schema file of the project subset casecoder writes.
PROJECT_SUBSET_XSD = resources.files(__name__) / "project-subset.xsd"

# Building an xmlschema schema takes a while; each is built once per process and reused.
_SCHEMA_CACHE: dict[str, Any] = {}


def _schema(key: str, source: Any) -> Any:
    """Build (once per process) an ``xmlschema`` schema from a schema file."""
    if key not in _SCHEMA_CACHE:
        import xmlschema  # imported here: building a schema is slow and only export needs it

        # The built-in files are read as text, so that a package installed as a zip works too.
        _SCHEMA_CACHE[key] = xmlschema.XMLSchema(source if isinstance(source, str) else source.read_text(encoding="utf-8"))
    return _SCHEMA_CACHE[key]


def codebook_schema() -> Any:
    """The built-in codebook schema, as an ``xmlschema.XMLSchema``."""
    return _schema("codebook", CODEBOOK_XSD)


def validate(xml: bytes, schema: Any, *, path: str, element: str) -> None:
    """Raise :class:`~casecoder.errors.RefiError` (E722, up to 20 problems) if ``xml`` fails ``schema``."""
    errors = list(schema.iter_errors(io.BytesIO(xml)))
    if errors:
        raise RefiError(
            [
                problem("E722", path=path, field=element, reason=str(getattr(e, "reason", e) or e).splitlines()[0],
                        where=getattr(e, "path", "") or "")
                for e in errors[:20]
            ]
        )


def project_schema(schema: str | os.PathLike[str] | None, path: str) -> tuple[Any, str]:
    """The schema to validate an export against, and how to name it in the report.

    ``schema`` is a ``Project.xsd`` file given by the caller; None means the built-in subset.
    """
    if schema is None:
        return _schema("project-subset", PROJECT_SUBSET_XSD), "built-in"
    p = Path(schema)
    if not p.is_file():
        raise RefiError(problem("E723", path=path, field="schema", schema=str(p)))
    return _schema(f"file:{p.resolve()}", str(p)), str(p)
