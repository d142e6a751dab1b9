"""casecoder: reproducible, scriptable qualitative coding of interview transcripts.

The public API re-exported here is what researchers and the notebooks use; the stage modules
(:mod:`casecoder.transcripts`, :mod:`casecoder.codebook`, :mod:`casecoder.coder`, ...) hold the
rest. See ``ARCHITECTURE.md`` for the flow of data and the glossary.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "__version__",
]
