"""Does a sentence assert the action a match names? Negation, mood and frame, decided per match.

An analyst codes an action only where it is taken, recommended or described as important
(the code frame's rule). A pattern finds the *words* of an action; this module decides, for
each match the coder found, whether the sentence asserts it, and if not, why. Each reason is
recorded in the codings table (``status`` ``excluded``), so the review shows it:

=================  ===========================================================================
reason             the match is set aside when ...
=================  ===========================================================================
``negated``        a negator stands before it in its clause ("we haven't invested in"), or an
                   auxiliary + "not"/"never" follows it ("culture isn't ..."), unless the
                   negator is confined to a relative clause ("staff who had never been asked
                   are now involved"); see below
``question``       its sentence holds a question mark ("would a shared vision help?")
``contrasted``     it is what a contrast sets aside: it follows "rather than", "instead of" or "as
                   opposed to" in its clause ("people grab for restructures rather than shifting
                   the culture"); what the speaker chose instead is not affected, nor is what
                   follows "rather than just" (not enough alone, not refused)
``hypothetical``   a conditional or hypothetical word stands before it in its clause ("if we
                   involved residents", "we could set up", "whether to partner")
``barrier``        a word of fear, lack or resistance stands in its clause ("frightened of any
                   risk", "a lack of partnership working", "struggle to recruit", "resistance to
                   agile") and nothing overcomes it ("we tackled the barriers", "not afraid")
``reported``       what research, a report or many organisations say or do, not the speaker's
                   own organisation ("research shows that ...", "the inquiry into the failures
                   found that ...", "many councils have ...")
``statistic``      its clause (commas do not end it) gives a percentage ("ninety per cent of
                   staff say they feel listened to", "up 12% thanks to our partnership"): a
                   figure reported, not an action taken
``mention``        a rule the codebook marks as a *mention* (a word that names a topic, an
                   organisation or a job title: "partners", "technology", "middle managers")
                   and no verb of doing, recommending or valuing stands near it in its clause,
                   or it names a job, a team or a document ("the partnerships team", "head of
                   commissioning"), whatever verb stands near
=================  ===========================================================================

The pipeline has no parser (``spacy.blank("en")`` with lookup lemmas), so a *clause* is the
run of tokens between boundaries: punctuation ``, ; : ( ) [ ] — – ... ! ?``, the words of
:data:`BOUNDARY_WORDS`, and "and"/"or" followed by a subject pronoun ("..., and we invested").
The word lists below are general English, not words of any particular interview; a codebook
may replace any of them under ``settings: assertion:`` (``{list name: [words]}``, names as in
:data:`WORD_LISTS`).

Everything here works on the lower-case hashes of a sentence's tokens (the coder's arrays), and
only for sentences that have a match, so it costs nothing on the other sentences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.strings import get_string_id

from .nlp import forms_of

__all__ = [
    "BOUNDARY_WORDS",
    "NEGATORS",
    "REASONS",
    "WORD_LISTS",
    "Assertion",
    "compile_assertion",
]

#: Every reason this module gives, in the order they are checked (the first that applies wins).
REASONS: tuple[str, ...] = ("negated", "question", "contrasted", "hypothetical", "barrier", "reported", "statistic",
                            "mention")

#: Words that negate what follows them in their clause ("we haven't invested", "no culture of").
#: ``n't`` is spaCy's token for the ending of "haven't", "don't", "can't"; "cannot" is split
#: into "can" + "not".
NEGATORS: tuple[str, ...] = (
    "not", "n't", "n’t", "nt", "no", "never", "none", "nobody", "nothing", "neither", "nor",
    "without", "hardly", "rarely", "seldom", "barely",
)
#: A negator directly followed by one of these does not negate: "not only", "not just",
#: "no doubt", "not least", "no less".
NEGATION_CANCELLERS: tuple[str, ...] = ("only", "just", "doubt", "least", "less")
#: "not long ago", "not long after": a negator, "long", then one of these is a time, not a negation.
NOT_LONG_TIME: tuple[str, ...] = ("ago", "after", "before", "since")
#: Relative pronouns: a negator after one of them, followed by a new auxiliary before the match,
#: negates only the relative clause ("staff who had never been asked are now involved").
RELATIVES: tuple[str, ...] = ("who", "which", "whose")
#: Contrasts that set aside what follows them in the clause: "rather than X", "instead of X",
#: "as opposed to X" (the first word, then the second).
CONTRASTS: tuple[tuple[str, str], ...] = (("rather", "than"), ("instead", "of"), ("opposed", "to"))
#: A contrast directly followed by one of these does not set aside: "rather than just", "instead
#: of only" say what is not enough alone.
CONTRAST_CANCELLERS: tuple[str, ...] = ("just", "only", "simply", "merely", "purely")
#: A percentage: "per cent", "percent", "%" in the match's clause makes it a statistic.
PERCENT: tuple[str, ...] = ("%", "percent", "per cent")
#: Tokens that end a clause: a negator before them does not reach a match after them.
BOUNDARY_PUNCT: tuple[str, ...] = (",", ";", ":", "(", ")", "[", "]", "—", "–", "--", "...", "…", "!", "?")
BOUNDARY_WORDS: tuple[str, ...] = (
    "but", "although", "though", "however", "whereas", "yet", "because", "while", "whilst",
    "unless", "so", "instead",
)
#: "and"/"or" followed by a subject pronoun starts a new clause ("..., and we invested").
CLAUSE_CONJUNCTIONS: tuple[str, ...] = ("and", "or")
#: "culture isn't", "risk was never": an auxiliary right after a match, then one of these.
AUXILIARIES: tuple[str, ...] = (
    "is", "was", "are", "were", "be", "been", "'s", "’s", "do", "does", "did", "has", "have",
    "had", "can", "could", "will", "would", "should", "may", "might", "must", "ca", "wo",
)
POST_NEGATORS: tuple[str, ...] = ("not", "n't", "n’t", "nt", "never")
SUBJECTS: tuple[str, ...] = ("i", "we", "you", "he", "she", "they", "it", "there", "this", "that", "people", "everyone")

#: The lists a codebook may replace under ``settings: assertion:``. Entries marked "lemmas"
#: match every inflection (``forms_of``); the others match the lower-case word as written.
WORD_LISTS: dict[str, tuple[str, ...]] = {
    # A question: the sentence holds one of these.
    "question": ("?",),
    # Hypothetical, before the match in its clause (lower-case words). Not "if": analysts code
    # "if you bring staff in, they get behind it" (advice stated as a condition), and an
    # unfulfilled condition shows in its modal ("would have", "could have"), below.
    "hypothetical": (
        "whether", "imagine", "imagined", "suppose", "supposing", "hypothetically", "wish",
        "wished", "wonder", "wondered", "wondering",
    ),
    # A modal that, followed by "have", makes a counterfactual: "we could have partnered".
    "counterfactual": ("would", "could", "might", "'d", "’d", "should"),
    # "I would say", "we could recommend": a modal that introduces advice, not a hypothesis
    # (lemmas, the word right after the modal, or after one pronoun/adverb).
    "advice": ("say", "recommend", "advise", "suggest", "urge", "encourage", "argue", "like", "love", "want"),
    # Fear, lack, difficulty and resistance, in the match's clause (lemmas).
    "barrier": (
        "barrier", "obstacle", "hurdle", "blocker", "lack", "shortage", "struggle", "resistance",
        "resist", "reluctant", "reluctance", "fear", "afraid", "frightened", "scared", "worried",
        "worry", "nervous", "anxious", "averse", "aversion", "danger", "difficulty", "difficult",
        "hinder", "hamper", "stifle", "inertia", "complacency", "suspicious", "wary", "sceptical",
        "skeptical", "impossible",
    ),
    # Words that overcome a barrier when they come just before it (lemmas): "we tackled the
    # barriers", "removing the fear of failure".
    "overcome": (
        "overcome", "tackle", "remove", "break", "address", "reduce", "challenge", "combat", "beat",
        "fight", "lower", "dismantle", "ease", "allay", "confront", "conquer", "eliminate", "banish",
        "without", "despite", "not", "n't", "no", "never",
    ),
    # Who reports (lemmas): "research shows", "the standard says".
    "reporter": (
        "research", "study", "survey", "report", "evidence", "figure", "data", "statistic",
        "standard", "guidance", "literature", "analysis", "poll", "review", "government",
        "minister", "commentator", "academic", "expert", "article", "paper", "inspector", "inquiry",
        "investigation", "evaluation",
    ),
    # Verbs of reporting (lemmas).
    "report_verb": (
        "show", "say", "suggest", "find", "indicate", "argue", "claim", "state", "reveal",
        "conclude", "estimate", "highlight", "note", "recommend", "tell", "demonstrate", "expect",
    ),
    # A quantifier of a generic subject: "many councils", "most authorities" (lower-case).
    "quantifier": ("many", "most", "some", "several", "few", "numerous", "lots", "plenty", "countless"),
    # Plural subjects that make a generality with a quantifier (lower-case).
    "generic_subject": (
        "councils", "authorities", "organisations", "organizations", "people", "places", "areas",
        "leaders", "managers", "trusts", "services", "boards", "bodies", "agencies", "companies",
        "firms", "businesses", "departments", "officers", "staff", "employees", "colleagues",
    ),
    # The speaker's own organisation: a first-person word between a generic subject and the
    # match makes it the speaker's ("many councils, like us, ...") (lower-case).
    "first_person": ("i", "we", "us", "our", "ours", "me", "my"),
    # Nouns that make a mention the name of a job, a team or a document when they follow it
    # ("the partnerships team", "a commissioning manager", "the service design manual") or
    # govern it with "of" ("head of partnerships") (lemmas).
    "title_noun": (
        "team", "unit", "manager", "officer", "director", "directorate", "department", "head",
        "coordinator", "co-ordinator", "adviser", "advisor", "specialist", "manual", "handbook",
        "toolkit", "template", "newsletter", "bulletin", "review",
    ),
    # An action frame for a mention: a verb of doing, recommending or valuing near the
    # mention in its clause (lemmas).
    "frame": (
        "work", "build", "set", "create", "develop", "establish", "form", "launch", "start", "run",
        "lead", "deliver", "invest", "fund", "bring", "involve", "engage", "join", "share", "pool",
        "collaborate", "design", "redesign", "introduce", "adopt", "use", "put", "make", "give",
        "hold", "host", "help", "support", "grow", "strengthen", "train", "recruit", "hire",
        "appoint", "employ", "spend", "test", "trial", "pilot", "try", "transform", "improve",
        "embrace", "harness", "exploit", "champion", "drive", "encourage", "enable", "empower",
        "commit", "integrate", "merge", "align", "connect", "link", "convene", "facilitate",
        "co-produce", "coproduce", "co-design", "codesign", "partner", "team", "listen", "ask",
        "consult", "learn", "visit", "adapt", "borrow", "copy", "procure", "buy", "contract",
        "should", "must", "need", "ought", "recommend", "urge", "advise", "key", "vital",
        "essential", "crucial", "important", "critical", "matter", "value", "prize", "priority",
        "prioritise", "focus", "believe", "benefit",
    ),
}
#: Words of recommendation: what a report or a standard recommends is coded ("the standard says
#: councils should use agile methods"), only what it describes is set aside as reported.
RECOMMENDING: tuple[str, ...] = ("should", "must", "need", "needs", "ought", "recommend", "recommends")
#: A job or a unit that governs a mention with "of" ("head of partnerships", "director of
#: commissioning"): the mention names a post, not an action. (Not "team of": "a team of partners".)
TITLE_OF: tuple[str, ...] = ("head", "director", "manager", "officer", "directorate", "department")
#: Which lists hold lemmas (matched in every inflection); the others hold lower-case words.
LEMMA_LISTS: frozenset[str] = frozenset({"advice", "barrier", "overcome", "reporter", "report_verb", "frame",
                                         "title_noun"})
#: How far a reporter may stand before its verb ("the latest research shows": 1 token apart),
#: or before a verb followed by "that" ("the inquiry into the failures found that": 6 apart),
#: a barrier's overcoming word before it, and an action frame from a mention, in tokens.
REPORT_GAP = 3
REPORT_THAT_GAP = 8
OVERCOME_GAP = 3
FRAME_BEFORE = 20
FRAME_AFTER = 12


def _hashes(words: Iterable[str], lemmas: bool) -> frozenset[int]:
    out: set[int] = set()
    for w in words:
        w = w.lower()
        forms = (set(forms_of(w)) | {w}) if lemmas else {w}
        out.update(int(get_string_id(f)) for f in forms)
    return frozenset(out)


@dataclass(frozen=True)
class Assertion:
    """The word lists of this module as sets of lower-case hashes; immutable and picklable.

    Build it with :func:`compile_assertion`; :meth:`judge` decides one match.
    """

    negators: frozenset[int]
    cancellers: frozenset[int]
    boundaries: frozenset[int]
    strong_boundaries: frozenset[int]
    conjunctions: frozenset[int]
    subjects: frozenset[int]
    auxiliaries: frozenset[int]
    post_negators: frozenset[int]
    words: Mapping[str, frozenset[int]]
    have: frozenset[int]
    relation: frozenset[int]
    recommend: frozenset[int]
    of: int
    title_of: frozenset[int]
    that: int = 0
    not_long: tuple[int, frozenset[int]] = (0, frozenset())
    contrasts: Mapping[int, int] = field(default_factory=dict)
    percent: frozenset[int] = frozenset()
    per_cent: tuple[int, int] = (0, 0)
    relatives: frozenset[int] = frozenset()
    contrast_cancellers: frozenset[int] = frozenset()
    # The words whose presence in a sentence makes each check worth running (:meth:`cues`).
    _any_cue: frozenset[int] = frozenset()
    _cue_bits: Mapping[int, int] = field(default_factory=dict)

    def clause(self, lower: Sequence[int], start: int, end: int, *, commas: bool = True) -> tuple[int, int]:
        """The clause holding tokens ``start:end`` of a sentence, as token offsets ``(a, b)``.

        With ``commas=False`` a comma does not end it (an apposition or a list)."""
        bounds = self.boundaries if commas else self.strong_boundaries
        a = start
        while a > 0:
            h = lower[a - 1]
            if h in bounds or (h in self.conjunctions and a < start and lower[a] in self.subjects):
                break
            a -= 1
        b = end
        n = len(lower)
        while b < n:
            h = lower[b]
            if h in bounds or (h in self.conjunctions and b + 1 < n and lower[b + 1] in self.subjects):
                break
            b += 1
        return a, b

    def negated(self, lower: Sequence[int], start: int, end: int) -> bool:
        """Is the match of tokens ``start:end`` negated in its clause?

        ``lower`` holds the sentence's lower-case hashes. Scanning back from the match, a
        clause boundary stops the search; a negator ("not", "n't", "no", "never", "without"...)
        negates the match unless "only"/"just"/"doubt"/"least"/"less" follows it ("not only")
        or a word of fear follows it ("not afraid to take risks", "no fear of failure": two
        negatives that assert). After the match, an auxiliary then "not"/"n't"/"never"
        ("culture isn't", "risk was never") negates it too. A negator inside the match does
        not negate it: a rule may hold its own negator when the negation is the concept ("no
        daylight between", "don't try to do everything").
        """
        n = len(lower)
        if end + 1 < n and lower[end] in self.auxiliaries and lower[end + 1] in self.post_negators:
            if not (end + 2 < n and lower[end + 2] in self.cancellers):
                return True
        barrier = self.words["barrier"]
        q = start - 1
        while q >= 0:
            h = lower[q]
            if h in self.boundaries:
                return False
            if h in self.conjunctions and q + 1 < start and lower[q + 1] in self.subjects:
                return False
            if h in self.negators:
                nxt = lower[q + 1] if q + 1 < n else 0
                if nxt not in self.cancellers and not (nxt in barrier and q + 1 < start) and not (
                        nxt == self.not_long[0] and q + 2 < n and lower[q + 2] in self.not_long[1]) and not (
                        self._relative(lower, q, start)):
                    return True
            q -= 1
        return False

    def _relative(self, lower: Sequence[int], q: int, start: int) -> bool:
        """Is the negator at ``q`` confined to a relative clause that ends before the match?

        "Staff who had never been asked are now co-designing services": a relative pronoun
        (``who``, ``which``, ``whose``) stands before the negator in its clause, and a new
        auxiliary after the negated verb ("are", not the "been" of the negated verb group)
        starts the main clause's verb before the match. Without a parser this is a word
        pattern: a negated relative clause with no auxiliary after it ("staff who never spoke
        up now co-design") still negates."""
        aux = self.auxiliaries
        if not any(lower[k] in aux and lower[k - 1] not in aux and lower[k - 1] not in self.negators
                   for k in range(q + 2, start)):
            return False
        r = q - 1
        while r >= 0 and lower[r] not in self.boundaries:
            if lower[r] in self.relatives:
                return True
            r -= 1
        return False

    def cues(self, lower: Sequence[int]) -> int:
        """Which kinds of cue a sentence holds at all, as bits: 1 negation, 2 question, 4
        hypothetical, 8 barrier, 16 report, 32 contrast, 64 percentage. Computed once per
        sentence, so that :meth:`judge` scans a clause only for the kinds present; most
        sentences have none, which one C-level set test finds."""
        if self._any_cue.isdisjoint(lower):
            return 0
        bits = 0
        get = self._cue_bits.get
        for h in lower:
            bits |= get(h, 0)
        return bits

    def judge(self, lower: Sequence[int], start: int, end: int, *, mention: bool = False,
              cues: int | None = None) -> str:
        """Why the match of tokens ``start:end`` is not asserted, or ``""`` if it is.

        Parameters
        ----------
        lower : sequence of int
            The sentence's lower-case hashes.
        start, end : int
            The match, as token offsets into ``lower``.
        mention : bool
            The rule names a topic, an organisation or a job title: it needs an action frame.
        cues : tuple, optional
            The sentence's :meth:`cues`, if already known (they are the same for every match
            of a sentence).

        Returns
        -------
        str
            One of :data:`REASONS`, or ``""``.

        Examples
        --------
        >>> from casecoder.nlp import get_nlp
        >>> rules = compile_assertion()
        >>> def why(text, word, mention=False):
        ...     toks = [t.lower_ for t in get_nlp().make_doc(text) if not t.is_space]
        ...     lower = [int(get_string_id(t)) for t in toks]
        ...     i = toks.index(word)
        ...     return rules.judge(lower, i, i + 1, mention=mention)
        >>> why("We set up a joint venture with partners.", "partners", mention=True)
        ''
        >>> why("Would a shared vision help?", "vision")
        'question'
        >>> why("We could have involved residents.", "residents")
        'hypothetical'
        >>> why("If you involve residents, they trust you.", "residents")
        ''
        >>> why("Our directors are frightened of any risk.", "risk")
        'barrier'
        >>> why("We are not afraid of risk.", "risk")
        ''
        >>> why("Research shows that councils value culture.", "culture")
        'reported'
        >>> why("Residents, partners and councillors came to the meeting.", "partners", mention=True)
        'mention'
        """
        bits = self.cues(lower) if cues is None else cues
        if bits & 1 and self.negated(lower, start, end):
            return "negated"
        if bits & 2:
            return "question"
        if bits & 32 and self._contrasted(lower, start):
            return "contrasted"
        if not (bits & 92 or mention):
            return ""
        a, b = self.clause(lower, start, end)
        if bits & 4 and self._hypothetical(lower, a, start):
            return "hypothetical"
        if bits & 8 and self._barrier(lower, a, b, start, end):
            return "barrier"
        if bits & 16 and self._reported(lower, a, start):
            return "reported"
        if bits & 64 and self._statistic(lower, start, end):
            return "statistic"
        if mention and (self._titled(lower, start, end) or not self._framed(lower, start, end)):
            return "mention"
        return ""

    def _contrasted(self, lower: Sequence[int], start: int) -> bool:
        # Back from the match to its clause's start: "rather than" / "instead of" / "as opposed
        # to" sets aside what follows it. ("instead" ends a clause when "of" does not follow it:
        # "what we did instead was ...".)
        contrasts = self.contrasts
        q = start - 1
        while q >= 1:
            h = lower[q]
            if contrasts.get(h) == lower[q - 1]:
                # "rather than just putting forms online": what is not enough alone, not refused.
                return lower[q + 1] not in self.contrast_cancellers
            if h in self.boundaries or (h in self.conjunctions and lower[q + 1] in self.subjects):
                return False
            q -= 1
        return False

    def _statistic(self, lower: Sequence[int], start: int, end: int) -> bool:
        a, b = self.clause(lower, start, end, commas=False)
        per, cent = self.per_cent
        return any(lower[q] in self.percent or (lower[q] == per and q + 1 < b and lower[q + 1] == cent)
                   for q in range(a, b))

    def _hypothetical(self, lower: Sequence[int], a: int, start: int) -> bool:
        w = self.words
        hyp, modal, have = w["hypothetical"], w["counterfactual"], self.have
        for q in range(a, start):
            if lower[q] in hyp:
                return True
            # "we could have partnered", "it would have been bold": not done.
            if lower[q] in modal and q + 1 < start and (lower[q + 1] in have or
                                                        (q + 2 < start and lower[q + 2] in have)):
                return True
        return False

    def _barrier(self, lower: Sequence[int], a: int, b: int, start: int, end: int) -> bool:
        barrier, overcome = self.words["barrier"], self.words["overcome"]
        for q in range(a, b):
            if start <= q < end or lower[q] not in barrier:
                continue
            if any(lower[k] in overcome for k in range(max(a, q - OVERCOME_GAP), q)):
                continue
            return True
        return False

    def _reported(self, lower: Sequence[int], a: int, start: int) -> bool:
        w = self.words
        reporter, verb = w["reporter"], w["report_verb"]
        # "research shows ...", anywhere before the match in the sentence ("that" does not
        # end a clause, and a report's content often runs over commas).
        that, first = self.that, w["first_person"]
        for q in range(0, start):
            if lower[q] in reporter and (
                    any(lower[k] in verb for k in range(q + 1, min(q + 1 + REPORT_GAP, start))) or
                    any(lower[k] in verb and lower[k + 1] == that
                        for k in range(q + 1, min(q + 1 + REPORT_THAT_GAP, start - 1)))):
                # What the report says "we" did is the speaker's own action ("the review shows
                # how fast we moved"), and what it recommends is coded.
                return not any(lower[k] in self.recommend or lower[k] in first for k in range(q + 1, start))
        # "many councils have ...": a generic subject in the match's clause, with no first
        # person between it and the match.
        quant, subj = w["quantifier"], w["generic_subject"]
        # The subject opens its clause ("many councils have ..."), at most after one word
        # ("and many councils", "now most authorities"); "we trained some staff" is an object.
        for q in range(a, min(a + 2, start - 1)):
            if lower[q] in quant and (lower[q + 1] in subj or (q + 2 < start and lower[q + 2] in subj)):
                if not any(lower[k] in first for k in range(q + 1, start)):
                    return True
        return False

    def _titled(self, lower: Sequence[int], start: int, end: int) -> bool:
        # "the partnerships team", "our commissioning manager", "head of partnerships": the
        # mention names a job, a team or a document, which no verb nearby makes an action
        # (the team may act, but what it does is said by other words).
        titles = self.words["title_noun"]
        if end < len(lower) and lower[end] in titles:
            return True
        return start >= 2 and lower[start - 1] == self.of and lower[start - 2] in self.title_of

    def _framed(self, lower: Sequence[int], start: int, end: int) -> bool:
        frame = self.words["frame"]
        # The frame may stand across a comma ("we're committed to the programme, the
        # partnership of councils ..."): an apposition or a list belongs to the same clause.
        a, b = self.clause(lower, start, end, commas=False)
        # "partnered with", "a partnership between the two councils": a relation with
        # someone named right after the mention is itself the action.
        if end < len(lower) and lower[end] in self.relation:
            return True
        lo, hi = max(a, start - FRAME_BEFORE), min(b, end + FRAME_AFTER)
        return any(lower[q] in frame for q in range(lo, hi) if not start <= q < end)


def compile_assertion(settings: Mapping[str, Any] | None = None) -> Assertion:
    """Hash this module's word lists, replacing any that ``settings`` names.

    Parameters
    ----------
    settings : mapping, optional
        ``{list name: [words]}`` (a codebook's ``settings["assertion"]``); names as in
        :data:`WORD_LISTS`. Unknown names are refused by the codebook's validation.

    Returns
    -------
    Assertion

    Examples
    --------
    >>> a = compile_assertion({"hypothetical": ["if"]})
    >>> len(a.words["hypothetical"])
    1
    """
    chosen = dict(WORD_LISTS)
    for name, words in (settings or {}).items():
        chosen[name] = tuple(words)

    def hashed(words: Iterable[str]) -> frozenset[int]:
        return _hashes(words, lemmas=False)

    words = {name: _hashes(words, lemmas=name in LEMMA_LISTS) for name, words in chosen.items()}
    negators, post_negators = hashed(NEGATORS), hashed(POST_NEGATORS)
    contrasts = {int(get_string_id(second)): int(get_string_id(first)) for first, second in CONTRASTS}
    percent = hashed(p for p in PERCENT if " " not in p)
    per_cent = tuple(int(get_string_id(w)) for w in "per cent".split())
    cue_sets = (negators | post_negators, words["question"], words["hypothetical"] | words["counterfactual"],
                words["barrier"], words["reporter"] | words["quantifier"], hashed(f for f, _ in CONTRASTS),
                percent | {per_cent[1]})
    cue_bits: dict[int, int] = {}
    for i, cue_set in enumerate(cue_sets):
        for h in cue_set:
            cue_bits[h] = cue_bits.get(h, 0) | (1 << i)
    return Assertion(
        negators=negators,
        cancellers=hashed(NEGATION_CANCELLERS),
        boundaries=hashed(BOUNDARY_PUNCT + BOUNDARY_WORDS),
        strong_boundaries=hashed(tuple(p for p in BOUNDARY_PUNCT if p != ",") + BOUNDARY_WORDS),
        conjunctions=hashed(CLAUSE_CONJUNCTIONS),
        subjects=hashed(SUBJECTS),
        auxiliaries=hashed(AUXILIARIES),
        post_negators=post_negators,
        words=words,
        have=hashed(("have", "'ve", "’ve")),
        relation=hashed(("with", "between", "across")),
        _any_cue=frozenset().union(*cue_sets),
        _cue_bits=cue_bits,
        recommend=hashed(RECOMMENDING),
        of=int(get_string_id("of")),
        title_of=_hashes(TITLE_OF, lemmas=True),
        that=int(get_string_id("that")),
        not_long=(int(get_string_id("long")), hashed(NOT_LONG_TIME)),
        contrasts=contrasts,
        percent=percent,
        per_cent=(per_cent[0], per_cent[1]),
        relatives=hashed(RELATIVES),
        contrast_cancellers=hashed(CONTRAST_CANCELLERS),
    )
