"""The offline English pipeline: ``spacy.blank("en")`` + sentencizer + case-insensitive lemmas.

Nothing is downloaded: the lemma table comes from the ``spacy-lookups-data`` package installed
with casecoder. Everything here is built once per process (cached) because building it costs
about a second; worker processes build their own.

Lemmas in casecoder are **case-insensitive**: the lemma of a token is the lookup table's entry
for its lower-cased form, lower-cased (or the lower-cased form itself when the table has no
entry). spaCy's own lookup lemmatizer looks up the form as written, so sentence-initial
"Partners" would keep its form; :func:`lemma` and the ``casecoder_lemmatizer`` component do not.
The pipeline from :func:`get_nlp` is the *reference* the fast coder (:mod:`casecoder.coder`) is
tested against: its Matcher and PhraseMatcher on ``LEMMA`` must find the same matches.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["ChunkCachedTokenizer", "forms_of", "get_nlp", "lemma", "lemma_table"]


def _lookups_file(name: str) -> Path:
    import spacy_lookups_data

    return Path(spacy_lookups_data.__file__).parent / "data" / f"en_{name}.json.gz"


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """Return spaCy's English lookup lemma table (form -> lemma) as a plain dict.

    About 41,600 entries, read from the ``spacy-lookups-data`` package's own file (spaCy's
    ``Table`` keeps only hashes of the forms, and the coder needs the forms themselves to
    expand a lemma into its inflections). The table is case-sensitive; :func:`lemma` looks up
    the lower-cased form.
    """
    with gzip.open(_lookups_file("lemma_lookup"), "rt", encoding="utf-8") as fh:
        table = dict(json.load(fh))
    # Known errors of the table, corrected so that patterns can name the true lemma.
    return {form: _CORRECTIONS.get(lem, lem) for form, lem in table.items()}


#: Misspelt lemmas in spaCy's English lookup table ("developing" -> "develope").
_CORRECTIONS: dict[str, str] = {"develope": "develop"}


def lemma(form: str) -> str:
    """Return casecoder's lemma of a word: case-insensitive lookup, lower-cased.

    Parameters
    ----------
    form : str
        A token's text, in any case.

    Examples
    --------
    >>> lemma("Partnerships"), lemma("took"), lemma("agile")
    ('partnership', 'take', 'agile')
    """
    lower = form.lower()
    return lemma_table().get(lower, lower).lower()


@lru_cache(maxsize=1)
def _reverse_table() -> dict[str, tuple[str, ...]]:
    reverse: dict[str, set[str]] = defaultdict(set)
    for form, lem in lemma_table().items():
        if form == form.lower():
            reverse[lem.lower()].add(form)
    return {k: tuple(sorted(v)) for k, v in reverse.items()}


def forms_of(lemma_: str) -> tuple[str, ...]:
    """Every lower-cased form whose :func:`lemma` is ``lemma_``, sorted.

    The inverse of :func:`lemma`: ``lemma(f) == lemma_`` exactly for the returned ``f`` (and
    for their upper-case variants). Empty when ``lemma_`` is not a lemma at all (``"risks"``
    lemmatizes to ``"risk"``, so no word has the lemma ``"risks"``).

    Examples
    --------
    >>> forms_of("risk")
    ('risk', 'risked', 'risking', 'risks')
    """
    key = lemma_.lower()
    forms = set(_reverse_table().get(key, ()))
    if lemma(key) == key:
        forms.add(key)
    return tuple(sorted(forms))


@Language.component("casecoder_lemmatizer")
def _casecoder_lemmatizer(doc: Doc) -> Doc:
    """Set ``token.lemma_`` to casecoder's case-insensitive lookup lemma (see :func:`lemma`)."""
    table = lemma_table()
    for token in doc:
        lower = token.lower_
        token.lemma_ = table.get(lower, lower).lower()
    return doc


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """Build (once per process) and return the English pipeline.

    Components: the rule-based ``sentencizer`` and ``casecoder_lemmatizer`` (case-insensitive
    lookup lemmas from ``spacy-lookups-data``). No model weights, no network. The tokenizer is
    spaCy's English rule-based tokenizer, unchanged; ``get_nlp().make_doc`` is the bare
    tokenizer.

    Raises
    ------
    RuntimeError
        If ``spacy-lookups-data`` is not installed.
    """
    try:
        lemma_table()
    except ModuleNotFoundError as exc:  # pragma: no cover - a broken installation
        raise RuntimeError("casecoder needs the spacy-lookups-data package for lemmas; pip install spacy-lookups-data") from exc
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casecoder_lemmatizer")
    return nlp


class ChunkCachedTokenizer:
    """spaCy's tokenizer, with its cache of chunks filled before each text: the same tokens, faster.

    spaCy's tokenizer remembers how it split each white-space-delimited chunk ("partners,",
    "(we"), but it stops saving new chunks for the rest of a text after the first special case
    it meets ("don't", "I'm", "e.g."). In interview speech, where contractions come every few
    sentences, most of a turn was then split afresh every time it occurred: about three times
    the cost of a turn served from the cache. This wrapper first tokenizes, on its own, each
    chunk of a text not seen before, which saves it in the cache (a chunk's split never depends
    on its neighbours, so the cache holds exactly the tokenizer's own result), and then
    tokenizes the text as usual. The tokens are the tokenizer's, unchanged; only fewer are
    computed twice.

    It stops trying once it has seen as many chunks as the tokenizer's cache holds
    (``max_cache_size``, 10,000 in spaCy 3.8), so its memory is bounded.

    Parameters
    ----------
    tokenizer : spacy.tokenizer.Tokenizer
        Usually ``get_nlp().tokenizer``.

    Examples
    --------
    >>> tokenize = ChunkCachedTokenizer(get_nlp().tokenizer)
    >>> text = "We don't wait: we've partnered with residents, e.g. in the east."
    >>> [t.text for t in tokenize(text)] == [t.text for t in get_nlp().make_doc(text)]
    True
    >>> [t.text for t in tokenize("don't")]
    ['do', "n't"]
    """

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer
        self.limit = int(getattr(tokenizer, "max_cache_size", 10_000))
        self.seen: set[str] = set()

    def __call__(self, text: str) -> Doc:
        seen = self.seen
        if len(seen) < self.limit:
            # ``str.split`` cuts at the characters the tokenizer treats as white space
            # (``str.isspace``); the set difference is one C-level pass over the text.
            new = set(text.split()).difference(seen)
            if new:
                tokenizer = self.tokenizer
                for chunk in new:
                    tokenizer(chunk)
                seen |= new
        return self.tokenizer(text)
