"""The review site: static HTML pages of the coded transcripts.

:mod:`.site` holds what every page shares (colours, file names, the template), :mod:`.pages`
renders the pages and :mod:`.builder` checks the inputs and writes the site.
"""

from __future__ import annotations

from .builder import build_review
from .site import FILLS, MARKER, PALETTE, PALETTE_NAME, code_styles

__all__ = ["FILLS", "MARKER", "PALETTE", "PALETTE_NAME", "build_review", "code_styles"]
