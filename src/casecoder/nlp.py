"""The offline English pipeline: ``spacy.blank("en")`` + sentencizer + lookup lemmatizer.

Nothing is downloaded: the lemma table comes from the ``spacy-lookups-data`` package installed
with casecoder. The pipeline is built once per process (:func:`get_nlp` caches it) because
building it costs about a second, and worker processes build their own.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.lookups import Lookups, load_lookups

__all__ = ["get_nlp", "lemma_table"]


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """Return spaCy's English lookup lemma table (form -> lemma) as a plain dict.

    About 41,600 entries, read from the ``spacy-lookups-data`` package's own file (spaCy's
    ``Table`` keeps only hashes of the forms, and the coder needs the forms themselves to
    expand a lemma into its inflections). The table is case-sensitive; callers that want
    case-insensitive lemmas look up the lower-cased form.
    """
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return dict(json.load(fh))


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """Build (once per process) and return the English pipeline.

    Components: the rule-based ``sentencizer`` and a ``lemmatizer`` in ``lookup`` mode
    initialised from ``spacy-lookups-data``. No model weights, no network.

    Raises
    ------
    RuntimeError
        If ``spacy-lookups-data`` is not installed (spaCy's error E955).
    """
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    lookups = Lookups()
    lookups.add_table("lemma_lookup", load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup"))
    nlp.initialize(lambda: [])  # no examples: the sentencizer and lookup tables need none
    nlp.get_pipe("lemmatizer").initialize(lookups=lookups)
    return nlp
