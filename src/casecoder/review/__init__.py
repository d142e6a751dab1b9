"""The review site: static HTML pages of the coded transcripts (see :mod:`.builder`)."""

from __future__ import annotations

from .builder import FILLS, MARKER, PALETTE, PALETTE_NAME, build_review, code_styles

__all__ = ["FILLS", "MARKER", "PALETTE", "PALETTE_NAME", "build_review", "code_styles"]
