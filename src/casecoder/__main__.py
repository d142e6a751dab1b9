"""``python -m casecoder``: the command line."""

from .cli import entry

entry()
