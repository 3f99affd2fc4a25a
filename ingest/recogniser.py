"""The trained entity recogniser: a mention component that proposes the names the rules miss.

Rules find names by their form (a gazetteer entry, an acronym definition, a head noun, a title
before a person); names without such a form — a person in apposition ("Maria Muster,
Präfektin des …"), a person as object ("… empfing Max Beispiel"), a body whose name ends in no
known head noun — need a model. This one is a linear-chain CRF (python-crfsuite) trained on
GermEval 2014 (``ingest/train_ner.py``, ``models/MODEL_CARD.md``) over the tokens of our own
tokenizer, with the gazetteer, the head nouns and the title list as features, not as rules.

What the component does with the tagger's spans (:meth:`Recogniser.propose`):

- it only fills gaps: a span that touches a token some other component already named
  (gazetteer, acronym definition, head-noun phrase, titled person) is dropped, so the model
  never overrides them;
- PER → Person, named in full as written; a later surname alone ("Muster") in the same
  document is the same person (coreference by surname);
- ORG → the type of its head noun (``data/heads.tsv``) if it has one, Agency if it is named as
  a public body ("Bundes…", "Landes…", "Eidgenössisch…"), else Organization;
- LOC → only with a word before it that says what kind of place it is ("Stadt", "Region",
  "Kanton", "Republik"); known places are the gazetteer's business;
- a span that is only a generic word, a title, a pronoun or lower-case words is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable, Sequence

from ..graph.model import make_entity_id
from ..graph.ontology import EntityType
from .gazetteer import GazetteerEntry, load_gazetteer
from .german import find_head, is_acronym, nominative, stem
from .phrases import designated_type, anaphors, generic_heads, nationality_of, person_titles

MODEL_RESOURCE = "models/ner.crfsuite"
LABELS = ("PER", "ORG", "LOC", "OTH")

_SENTENCE_END = {".", "!", "?"}
_MAX_SEQUENCE = 120
_PRONOUNS = {"sie", "er", "es", "ihr", "wir", "ich", "du", "ihm", "ihn", "ihnen", "uns", "man", "dies", "diese",
             "dieser", "dieses", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "herr", "frau"}
_NAME_PARTICLES = {"von", "van", "de", "der", "den", "du", "da", "di", "la", "le", "zu", "vom", "ten", "al", "bin",
                   "el", "y"}
_PUBLIC_PREFIXES = ("bundes", "landes", "staats", "eidgenössisch", "kantonal", "städtisch", "kommunal")
# a word before an unknown place that says what kind of place it is
_PLACE_CUES: dict[str, EntityType] = {
    **{w: EntityType.CITY for w in ("stadt", "hauptstadt", "gemeinde", "ortschaft", "ort", "großstadt",
                                     "partnerstadt", "metropole", "landeshauptstadt")},
    **{w: EntityType.REGION for w in ("region", "provinz", "kanton", "bundesland", "bundesstaat", "bezirk",
                                       "landkreis", "kreis", "departement", "wojewodschaft", "oblast", "distrikt",
                                       "grafschaft", "präfektur", "gouvernement", "gebiet")},
    **{w: EntityType.COUNTRY for w in ("staat", "republik", "königreich", "fürstentum", "großherzogtum")},
}
_SHAPE = re.compile(r"(.)\1+")


# -- features ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def lexicon() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    """From the bundled gazetteer, in one pass: stems of one-word names with their type, stems of
    the capitalised words inside longer names, and those of them in the longer names of bodies
    (not places, not persons)."""
    single: dict[str, str] = {}
    inner: set[str] = set()
    bodies: set[str] = set()
    for entry in load_gazetteer().entries.values():
        body = not entry.type.is_place and entry.type is not EntityType.PERSON
        for name in entry.names:
            words = name.split()
            if len(words) == 1:
                single.setdefault(stem(name), entry.type.value)
                continue
            stems = {stem(w) for w in words if w[:1].isupper()}
            inner |= stems
            if body:
                bodies |= stems
    return single, frozenset(inner), frozenset(bodies)


def _shape(word: str) -> str:
    mapped = "".join("X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c for c in word)
    return _SHAPE.sub(r"\1\1", mapped)  # "Xxxxxxx" → "Xxx": runs kept to two


@lru_cache(maxsize=300_000)
def word_features(word: str) -> tuple[str, ...]:
    """Features of one word on its own (cached per word type: the same words recur)."""
    lower = word.lower()
    single, inner, _ = lexicon()
    word_stem = stem(word)
    features = ["b", "w=" + word, "l=" + lower, "sh=" + _shape(word)]
    features += ["p%d=%s" % (n, lower[:n]) for n in range(1, 5) if len(lower) >= n]
    features += ["s%d=%s" % (n, lower[-n:]) for n in range(1, 5) if len(lower) >= n]
    if word[:1].isupper():
        features.append("cap")
    if is_acronym(word):
        features.append("acr")
    if "-" in word[1:]:
        features.append("hyph")
    if any(c.isdigit() for c in word):
        features.append("dig")
    if not word[:1].isalnum():
        features.append("punct")
    features.append("len=%d" % min(len(word), 12))
    if word_stem in single:
        features.append("gaz=" + single[word_stem])
    if word_stem in inner:
        features.append("gazin")
    head = find_head(word)
    if head is not None:
        features.append("head=" + head[0].type.value)
        if head[1].lower() in generic_heads():
            features.append("generic")
    if word.rstrip(".") in person_titles() or word in person_titles():
        features.append("title")
    if nationality_of(word):
        features.append("nat")
    if word_stem in anaphors():
        features.append("anaphor")
    return tuple(features)


@lru_cache(maxsize=300_000)
def _context_features(word: str, offset: int) -> tuple[str, ...]:
    """What a neighbour at ``offset`` contributes to a token's features."""
    own = word_features(word)
    keep = [f for f in own if f.startswith(("l=", "sh=", "s3=")) or f in ("cap", "title", "acr", "nat", "generic")
            or f.startswith(("gaz=", "head="))]
    return tuple("%+d:%s" % (offset, f) for f in keep)


def sequence_features(words: Sequence[str]) -> list[list[str]]:
    """The features of every token of one sentence (words, neighbours ±2, position)."""
    n = len(words)
    result = []
    for i, word in enumerate(words):
        features = list(word_features(word))
        if i == 0:
            features.append("BOS")
        if i == n - 1:
            features.append("EOS")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < n:
                features += _context_features(words[j], offset)
        if i > 0:
            features.append("bi=%s|%s" % (words[i - 1].lower(), word.lower()))
        result.append(features)
    return result


def sequences(words: Sequence[str]) -> list[tuple[int, int]]:
    """Token ranges to tag one at a time: sentences, cut at white space (line breaks) and at
    most ``_MAX_SEQUENCE`` tokens long; white-space tokens belong to none."""
    ranges: list[tuple[int, int]] = []
    start = None
    for i, word in enumerate(words):
        if word.isspace():
            if start is not None:
                ranges.append((start, i))
                start = None
            continue
        if start is None:
            start = i
        if word in _SENTENCE_END or i - start + 1 >= _MAX_SEQUENCE:
            ranges.append((start, i + 1))
            start = None
    if start is not None:
        ranges.append((start, len(words)))
    return ranges


def spans_of(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of the BIO-tagged spans."""
    found: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        if tag.startswith("I-") and label == tag[2:]:
            continue
        if start is not None:
            found.append((start, i, label))
            start, label = None, None
        if tag != "O":
            start, label = i, tag[2:]
    return found


# -- the component ----------------------------------------------------------------------


class ModelMissing(RuntimeError):
    """The package has no trained model (``make model`` builds it)."""


@lru_cache(maxsize=1)
def model_bytes() -> bytes:
    """The shipped model, read from the installed package."""
    resource = resources.files("actorgraph.ingest").joinpath(MODEL_RESOURCE)
    if not resource.is_file():
        raise ModelMissing("the entity recogniser's model is missing from the package; run `make model`")
    return resource.read_bytes()


@dataclass(frozen=True)
class Proposal:
    """A name the model proposes: tokens ``start:end`` and the entity it names."""

    start: int
    end: int
    entry: GazetteerEntry


class Recogniser:
    """Tags tokens with the shipped CRF and turns the spans into proposals; one per process."""

    def __init__(self, model: bytes | None = None) -> None:
        import pycrfsuite

        self.tagger = pycrfsuite.Tagger()
        # from memory, not a file: extraction of uploads runs where nothing may be written. The
        # tagger reads the bytes in place, so they live as long as it does.
        self._model = model if model is not None else model_bytes()
        self.tagger.open_inmemory(self._model)

    def tag(self, words: Sequence[str]) -> list[str]:
        """BIO tags for every token (white space tokens get "O")."""
        tags = ["O"] * len(words)
        for start, end in sequences(words):
            tags[start:end] = self.tagger.tag(sequence_features(words[start:end]))
        return tags

    def propose(self, words: Sequence[str], known: Sequence[tuple[int, int, GazetteerEntry]] = (),
                lookup: Callable[[list[str]], list[GazetteerEntry]] | None = None) -> list[Proposal]:
        """Names the model finds in the tokens ``words`` outside the ``known`` spans (start, end,
        entity) other components found; ``lookup`` gives the gazetteer entries of a name."""
        taken = {i for start, end, _entry in known for i in range(start, end)}
        named = sorted(known, key=lambda k: k[0])
        tags = self.tag(words)
        proposals: list[Proposal] = []
        persons: dict[str, GazetteerEntry] = {}
        person_spans: list[tuple[int, int, list[str]]] = []
        for start, end, label in spans_of(tags):
            if any(i in taken for i in range(start, end)):
                continue
            if label == "PER":
                span = _person_tokens(words, start, end)
                if span is not None:
                    person_spans.append((span[0], span[1], list(words[span[0]:span[1]])))
            elif label == "ORG":
                entry = _organisation(list(words[start:end]), lookup,
                                      [e for s, _e, e in named if s < start and not e.type.is_place])
                if entry is not None:
                    proposals.append(Proposal(start, end, entry))
            elif label == "LOC":
                entry = _place(words, start, end)
                if entry is not None:
                    proposals.append(Proposal(start, end, entry))
        proposals += _persons(words, person_spans, taken, persons)
        return sorted(proposals, key=lambda p: p.start)


@lru_cache(maxsize=1)
def shared_recogniser() -> Recogniser:
    """The process's recogniser, loaded once."""
    return Recogniser()


def _generic(word: str) -> bool:
    """A word that names nothing on its own: a pronoun, a title, a role word, a bare head noun."""
    lower = word.lower()
    if lower in _PRONOUNS or word in person_titles() or lower in generic_heads() or stem(word) in anaphors():
        return True
    head = find_head(word)
    return head is not None and head[1].lower() in generic_heads()


def _person_tokens(words: Sequence[str], start: int, end: int) -> tuple[int, int] | None:
    """The name part of a PER span: titles in front removed; None unless it reads as a name."""
    while start < end and (words[start] in person_titles() or words[start].lower() in _PRONOUNS
                           or words[start].lower() in _NAME_PARTICLES):
        start += 1
    while end > start and not words[end - 1][:1].isupper():
        end -= 1
    names = words[start:end]
    if not names or any(not (w[:1].isupper() or w.lower() in _NAME_PARTICLES) or not w.replace("-", "").replace("'", "").isalpha()
                        for w in names):
        return None
    if any(is_acronym(w) or find_head(w) for w in names):
        return None
    _single, _inner, body_stems = lexicon()
    if any(stem(w) in body_stems for w in names if w.lower() not in _NAME_PARTICLES):
        return None  # "des Roten Halbmondes": words of a known body's name
    return start, end


def _persons(words: Sequence[str], spans: list[tuple[int, int, list[str]]], taken: set[int],
             persons: dict[str, GazetteerEntry]) -> list[Proposal]:
    """Persons named in full (two words or more), and later uses of their surname alone."""
    written = {" ".join(names) for _s, _e, names in spans}
    proposals: list[Proposal] = []
    surnames: dict[str, GazetteerEntry] = {}
    used: set[int] = set()
    for start, end, names in spans:
        if len(names) < 2:
            continue
        name = " ".join(names)
        if name.endswith("s") and name[:-1] in written:
            name = name[:-1]  # "Max Beispiels" where "Max Beispiel" is written too: the genitive
        entry = persons.get(name)
        if entry is None:
            entry = persons[name] = GazetteerEntry(make_entity_id(EntityType.PERSON, name), EntityType.PERSON, name,
                                                  tuple(a for a in (" ".join(names),) if a != name))
        proposals.append(Proposal(start, end, entry))
        used.update(range(start, end))
        surnames.setdefault(name.split()[-1], entry)
    if not surnames:
        return proposals
    first_seen = {entry.id: min(p.start for p in proposals if p.entry is entry) for entry in surnames.values()}
    for index, word in enumerate(words):
        if index in taken or index in used:
            continue
        surname = word if word in surnames else word[:-1] if word.endswith("s") and word[:-1] in surnames else None
        if surname is None:
            continue
        entry = surnames[surname]
        if index <= first_seen[entry.id]:
            continue
        before = words[index - 1] if index else ""
        after = words[index + 1] if index + 1 < len(words) else ""
        part_of_name = (before[:1].isupper() and before.isalpha() and before not in person_titles()
                        and before.lower() not in _PRONOUNS) or (after[:1].isupper() and after.isalpha())
        if not part_of_name:
            proposals.append(Proposal(index, index + 1, entry))
    return proposals


def _organisation(words: list[str], lookup: Callable[[list[str]], list[GazetteerEntry]] | None = None,
                  earlier: Sequence[GazetteerEntry] = ()) -> GazetteerEntry | None:
    """An ORG span as an entity: a known one the gazetteer has under another spelling ("INTERPOL"),
    an acronym of a body named earlier in the document ("NAZ" after "Nationale Alarmzentrale"),
    or a new one typed by its head noun, its designator ("…programm"), as a public body, or as
    Organization. "Europäisches Polizeiamt Europol": a trailing acronym is an alias."""
    while words and (words[0].lower() in _PRONOUNS or not words[0][:1].isalnum()):
        words = words[1:]
    if not words or not any(w[:1].isupper() for w in words):
        return None
    acronym = None
    if len(words) > 1 and is_acronym(words[-1]) and not is_acronym(words[-2]):
        acronym, words = words[-1], words[:-1]
    if lookup is not None:
        for form in (words, [w.capitalize() for w in words], [acronym] if acronym else []):
            entries = lookup(form) if form else []
            if entries:
                return entries[0]
    if len(words) == 1 and is_acronym(words[0]):
        match = next((e for e in reversed(earlier) if _abbreviates(words[0], e.name)), None)
        if match is not None:
            return match
    if len(words) == 1 and (_generic(words[0]) or len(words[0]) < 2):
        return None
    if all(_generic(w) or not w[:1].isupper() for w in words):
        return None
    heads = [find_head(w) for w in words]
    typed = next((h for h in reversed(heads) if h is not None), None)
    if typed is not None:
        entity_type = typed[0].type
        if entity_type.is_place:
            entity_type = EntityType.AGENCY
    elif any(designated_type(w) for w in words if w[:1].isalpha()):
        entity_type = next(designated_type(w) for w in reversed(words) if w[:1].isalpha() and designated_type(w))
    elif words[0].lower().startswith(_PUBLIC_PREFIXES):
        entity_type = EntityType.AGENCY
    else:
        entity_type = EntityType.ORGANIZATION
    name = nominative(words)
    surface = " ".join(words)
    return GazetteerEntry(make_entity_id(entity_type, name), entity_type, name,
                          tuple(dict.fromkeys(a for a in (surface, acronym) if a and a != name)))


def _abbreviates(acronym: str, name: str) -> bool:
    """Whether ``acronym`` (three letters or more) abbreviates ``name``: its first letter starts
    the name and its letters occur in order ("NAZ", "Nationale Alarmzentrale")."""
    letters = [c.lower() for c in acronym if c.isalpha()]
    text = name.lower()
    if len(letters) < 3 or not text.startswith(letters[0]):
        return False
    position = 1
    for letter in letters[1:]:
        position = text.find(letter, position) + 1
        if position == 0:
            return False
    return len(name.split()) >= 2


def _place(words: Sequence[str], start: int, end: int) -> GazetteerEntry | None:
    """An unknown LOC span as a place, only where the word before it says what kind of place."""
    if start == 0:
        return None
    cue = _PLACE_CUES.get(words[start - 1].lower())
    if cue is None:
        return None
    names = list(words[start:end])
    if not all(w[:1].isupper() or w in ("-", "'") or w.lower() in _NAME_PARTICLES for w in names):
        return None
    name = " ".join(names)
    if name.endswith("s") and len(names) == 1 and words[start - 2:start - 1] in (["des"], ["eines"]):
        name = name[:-1]
    return GazetteerEntry(make_entity_id(cue, name), cue, name)
