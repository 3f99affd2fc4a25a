"""Finding mentions of entities in a document and resolving each to one entity.

Components, run in order over one spaCy ``Doc`` (blank German tokenizer, each token's
``norm_`` set to :func:`~actorgraph.ingest.german.stem`):

1. ``gazetteer``: a trie of word stems finds known names in any case form;
2. ``acronym definitions``: "Long Name (ACR)" and "ACR (Long Name)" define new entities or
   add aliases to known ones; the long form's head noun gives the type (``data/heads.tsv``);
3. ``local aliases``: later uses of a defined acronym or long form in the same document;
4. ``disambiguation``: where a name fits several entries, the one whose jurisdiction the
   document speaks of most wins (the Flemish and the German "Auswärtiges Amt");
5. ``recogniser`` (optional): the trained model proposes names in the gaps the rules left
   (:mod:`~actorgraph.ingest.recogniser`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterator

import spacy
from spacy.attrs import IDX, NORM, ORTH
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..graph.ontology import EntityType
from .gazetteer import Gazetteer, GazetteerEntry
from .german import find_head, is_acronym, nominative, stem
from .phrases import ARTICLES, PhraseFinder, anaphors, generic_heads
from .recogniser import Recogniser
from .tokenizer import GermanTokenizer

_NAME_ENDS = None  # the key under which a trie node holds the name ending there (every stem is a str)
_QUOTES = set("„“”\"»«‚‘’'")
_STOP_PUNCT = set(",.;:!?()[]{}•–—/")


@lru_cache(maxsize=1)
def connectors() -> frozenset[str]:
    data = resources.files("actorgraph.ingest").joinpath("data/connectors.txt").read_text("utf-8")
    return frozenset(l.strip() for l in data.splitlines() if l.strip() and not l.startswith("#"))


@dataclass
class Mention:
    """A stretch of the text that names an entity (``text[start:end]``), resolved to one."""

    start: int
    end: int
    text: str
    entity_id: str
    type: EntityType
    name: str
    aliases: set[str] = field(default_factory=set)
    canonical: bool = False  # the name comes from the gazetteer
    token_start: int = 0
    token_end: int = 0
    heads_role: bool = False  # a person named after a title that means leading something
    attributes: dict[str, str] = field(default_factory=dict)
    compound_owner: bool = False  # "NATO-Rahmen": names its organisation only as part of a word


_COMPOUND_OWNERS = {EntityType.INTERNATIONAL_ORGANIZATION, EntityType.COUNTRY, EntityType.GOVERNMENT,
                    EntityType.AGENCY}
_DEFINITE = {"der", "die", "das", "dem", "den", "des", "diese", "dieser", "dieses", "diesem", "diesen",
             "im", "beim", "vom", "zum", "zur", "am"}


class _RoleEntry(GazetteerEntry):
    """A gazetteer entry proposed for a bare role word; kept only where its jurisdiction fits."""

    @classmethod
    def of(cls, entry: GazetteerEntry) -> "_RoleEntry":
        return cls(entry.id, entry.type, entry.name, entry.aliases, entry.attributes)


class MentionFinder:
    """Holds the tokenizer and the gazetteer matcher; built once per process and reused."""

    def __init__(self, gazetteer: Gazetteer, recogniser: Recogniser | None = None) -> None:
        self.gazetteer = gazetteer
        self.recogniser = recogniser  # the trained model (recogniser.py); None: rules only
        self.nlp = spacy.blank("de")
        self.nlp.tokenizer = GermanTokenizer(self.nlp.vocab)
        self.nlp.max_length = 100_000_000
        # The stem is a lexeme attribute: spaCy computes it once per word type, not per token.
        self.nlp.vocab.lex_attr_getters[NORM] = stem
        for lexeme in self.nlp.vocab:
            lexeme.norm_ = stem(lexeme.orth_)
        self._patterns: dict[str, Doc] = {}
        self.entries_by_key: dict[str, list[GazetteerEntry]] = {}
        self.surface_forms: dict[str, set[str]] = {}
        # The gazetteer's names as a trie of word stems: made from strings, not spaCy Docs (whose
        # vocabulary entries made building a matcher for ~25,000 names take seconds per process)
        self._trie: dict = {}
        for entry in gazetteer.entries.values():
            for name in self._variants(entry):
                norms = [stem(word) for word in GermanTokenizer.split(name)[0]]
                key = " ".join(norms)
                if not key:
                    continue
                bucket = self.entries_by_key.setdefault(key, [])
                if entry not in bucket:
                    bucket.append(entry)
                if len(norms) == 1:
                    self.surface_forms.setdefault(key, set()).add(name.lower())
                node = self._trie
                for norm in norms:
                    node = node.setdefault(norm, {})
                node[_NAME_ENDS] = key
        self.role_index = self._build_role_index(gazetteer)

    def _known_names(self, norms: list[str]) -> Iterator[tuple[str, int, int]]:
        """Every gazetteer name in a document of these word stems: its key, first and end
        token (all of them, overlapping and nested, as a phrase matcher gives them)."""
        trie = self._trie
        for start, first in enumerate(norms):
            node = trie.get(first)
            end = start + 1
            while node is not None:
                key = node.get(_NAME_ENDS)
                if key is not None:
                    yield key, start, end
                if end == len(norms):
                    break
                node = node.get(norms[end])
                end += 1

    @staticmethod
    def _build_role_index(gazetteer: Gazetteer) -> dict[str, list[GazetteerEntry]]:
        """Bodies named "<place> <role>" or "<role> <place>" ("Thüringer Staatskanzlei",
        "Landeskriminalamt Berlin"), by the stem of the role word."""
        index: dict[str, list[GazetteerEntry]] = {}
        for entry in gazetteer.entries.values():
            if not entry.attribute("jurisdiction") or entry.type.is_place:
                continue
            for name in entry.names:
                words = name.split()
                if len(words) != 2:
                    continue
                for word in words:
                    if find_head(word) and word.lower() not in generic_heads():
                        bucket = index.setdefault(stem(word), [])
                        if entry not in bucket:
                            bucket.append(entry)
        return index

    @staticmethod
    def _variants(entry: GazetteerEntry) -> list[str]:
        names = list(entry.names)
        # "Nato", "Osze": acronyms of four or more letters are also written as words
        names += [n.capitalize() for n in entry.names if is_acronym(n) and len(n) >= 4 and n.isalpha()]
        return list(dict.fromkeys(names))

    def tokenize(self, text: str) -> Doc:
        """Tokens of ``text``; each token's ``norm_`` is its :func:`stem`."""
        return self.nlp.make_doc(text)

    def pattern(self, name: str) -> Doc:
        """A name tokenised, cached: the same names recur in every document."""
        doc = self._patterns.get(name)
        if doc is None:
            doc = self._patterns[name] = self.tokenize(name)
        return doc

    def lookup(self, words: list[str]) -> list[GazetteerEntry]:
        """Gazetteer entries whose name has these words, in any case form."""
        key = " ".join(stem(w) for w in words)
        return self.entries_by_key.get(key, [])

    def mention_of(self, word: str) -> list[Mention]:
        """The known bodies a single word names ("EU", "NATO"), as mentions without a place in
        the text: for organisations named inside another name."""
        return [Mention(0, 0, word, e.id, e.type, e.name, set(e.aliases), True, 0, 0, False, dict(e.attributes))
                for e in self.lookup([word]) if is_acronym(word) or len(self.lookup([word])) == 1]

    # -- the components -------------------------------------------------------------------

    def find(self, doc: Doc, text: str | None = None) -> list[Mention]:
        """All mentions in the document, non-overlapping, in text order (``text`` is
        ``doc.text``, passed when the caller has it, as rebuilding it costs)."""
        text = doc.text if text is None else text
        strings = self.nlp.vocab.strings
        array = doc.to_array([ORTH, IDX])
        words = [strings[int(h)] for h in array[:, 0]]  # plain strings: Token objects are costly
        starts = [int(i) for i in array[:, 1]]
        norms = [stem(w) for w in words]
        candidates: dict[tuple[int, int], list[GazetteerEntry]] = {}
        spans: list[Span] = []

        def add(span: Span, entries: list[GazetteerEntry]) -> None:
            key = (span.start, span.end)
            if key not in candidates:
                spans.append(span)
                candidates[key] = list(entries)
            else:
                candidates[key] += [e for e in entries if e not in candidates[key]]

        for key, start, end in self._known_names(norms):
            if end - start == 1 and not self._accept_single_token(doc[start], key):
                continue
            add(doc[start:end], self.entries_by_key[key])
        defined_here: dict[tuple[int, int], GazetteerEntry] = {}
        for span, entity in self._local_alias_spans(doc, self._acronym_definitions(doc, text), norms):
            add(span, [entity])
            defined_here[(span.start, span.end)] = entity
        for index, word in enumerate(words):
            # "NATO-Rahmen", "EU-Programm": a compound that names its organisation in front
            if "-" in word[1:-1]:
                prefix = word.split("-")[0]
                owners = [e for e in self.lookup([prefix]) if e.type in _COMPOUND_OWNERS] if is_acronym(prefix) else []
                if owners:
                    add(doc[index:index + 1], owners[:1])

        known = {s.start: (s.end, candidates[(s.start, s.end)][0]) for s in filter_spans(spans)}
        for span, entries in self._role_names(doc, known, words, norms):
            add(span, entries)
        roles: set[tuple[int, int]] = set()
        for item in PhraseFinder(doc, known, words).find():
            add(doc[item.start:item.end], [item.entry])
            if item.heads_role:
                roles.add((item.start, item.end))
        if self.recogniser is not None:  # the model fills gaps only: what the rules found wins
            known_spans = [(s.start, s.end, candidates[(s.start, s.end)][0]) for s in spans]
            for proposal in self.recogniser.propose(words, known_spans, self.lookup):
                add(doc[proposal.start:proposal.end], [proposal.entry])

        chosen = filter_spans(spans)
        context = self._jurisdiction_context(doc, chosen, candidates)
        compound_spans = {(i, i + 1) for i, w in enumerate(words) if "-" in w[1:-1]}
        bodies = {i for s in chosen if not all(e.type.is_place for e in candidates[(s.start, s.end)])
                  for i in range(s.start, s.end)}
        mentions = []
        for span in chosen:
            entries = [e for e in candidates[(span.start, span.end)] if self._fits_context(e, context)]
            if (span.start, span.end) in defined_here:
                # the page's own definition ("Bundesministerium für Inneres (BMI)") beats a gazetteer
                # entry that shares the acronym
                entries = [defined_here[(span.start, span.end)]]
            if not entries:
                continue
            entry = self._choose(entries, context, span.text)
            # a name as written may end a longer name; a genitive ("Bürgermeisterin Wiens") never does
            if entry.type is EntityType.CITY and span.text in entry.names and _inside_name(words, span.start, bodies):
                continue
            # "NATO-Rahmen" mentions NATO inside a word: it is no name of NATO, so not an alias
            inside_word = (span.start, span.end) in compound_spans and not _names_whole_word(entry, span.text)
            mentions.append(Mention(span.start_char, span.end_char, span.text, entry.id, entry.type, entry.name,
                                    set(entry.aliases) | (set() if inside_word else {span.text}),
                                    entry.id in self.gazetteer, span.start, span.end, (span.start, span.end) in roles,
                                    dict(entry.attributes), inside_word))
        mentions += self._references_back(text, mentions, words, starts, norms)
        return sorted(mentions, key=lambda m: m.start)

    def _role_names(self, doc: Doc, known: dict, words: list[str],
                    norms: list[str]) -> list[tuple[Span, list[GazetteerEntry]]]:
        """"die Staatskanzlei", "des Landeskriminalamtes": a body named by its role alone, to be
        read as the body of that kind where the document is (see :meth:`_fits_context`)."""
        found = []
        for index, norm in enumerate(norms):
            entries = self.role_index.get(norm)
            if not entries or index in known or not words[index][:1].isupper():
                continue
            before = words[index - 1].lower() if index else ""
            if before in ("der", "die", "das", "des", "dem", "den", "im", "beim", "vom", "zum", "zur"):
                found.append((doc[index:index + 1], [_RoleEntry.of(e) for e in entries]))
        return found

    @staticmethod
    def _fits_context(entry: GazetteerEntry, context: Counter) -> bool:
        """A role name only counts where the document speaks of its jurisdiction."""
        if not isinstance(entry, _RoleEntry):
            return True
        return context[entry.attribute("jurisdiction") or ""] > 0

    def _references_back(self, text: str, mentions: list[Mention], words: list[str], starts: list[int],
                         norms: list[str]) -> list[Mention]:
        """Definite descriptions ("die Allianz", "dem Einsatz", "diese Stabsstelle") as mentions
        of the entity they fit best nearby: in the paragraph, the most often named (a sentence's
        subject counting twice), else the latest."""
        covered = set()
        for mention in mentions:
            covered.update(range(mention.token_start, mention.token_end))
        found = []
        ordered = sorted(mentions, key=lambda m: m.start)
        for index, norm in enumerate(norms):
            word = words[index]
            if index == 0 or index in covered or not word[:1].isupper():
                continue
            kind = anaphors().get(norm)
            new_mission = False
            if kind is None:
                if _compound_anaphor(norm) is None or not _indefinite_before(words, index):
                    continue
                kind, new_mission = "Mission", True
            elif words[index - 1].lower() not in _DEFINITE and not _indefinite_before(words, index):
                continue
            position = starts[index]
            earlier = [m for m in ordered if m.end <= position]
            if new_mission or kind == "name":
                # "eine neue maritime Sicherheitsoperation": the mission just named (a heading);
                # "diese Stabsstelle": the latest body whose name starts with the word
                fitting = [m for m in earlier if not m.compound_owner and
                           (m.type.value == kind if new_mission else stem(m.name.split()[0]) == norm)]
                if not fitting:
                    continue
                target = max(fitting, key=lambda m: m.start)
            else:
                fitting = [m for m in earlier if m.type.value == kind and not m.compound_owner]
                if not fitting:
                    continue
                paragraph_start = text.rfind("\n\n", 0, position)
                nearby = ([m for m in fitting if m.start > paragraph_start and position - m.start <= 300]
                          or [m for m in fitting if position - m.start <= 300] or fitting[-1:])
                counts: Counter = Counter()
                last_end: dict[str, int] = {}
                for m in nearby:
                    if m.start - last_end.get(m.entity_id, -100) > 20:  # "Name (ACR)" counts once
                        counts[m.entity_id] += 1
                        if re.search(r"(^|[.!?:]\s+|\n)(\S+\s+)?$", text[max(0, m.start - 30):m.start]):
                            counts[m.entity_id] += 1
                    last_end[m.entity_id] = m.end
                target = max(nearby, key=lambda m: (counts[m.entity_id], m.start))
            reference = Mention(position, position + len(word), word, target.entity_id, target.type, target.name,
                                set(), target.canonical, index, index + 1, False, dict(target.attributes))
            found.append(reference)
            ordered.append(reference)  # a resolved reference makes its entity more salient for the next
        return found

    def _accept_single_token(self, token, key: str) -> bool:
        """One-word names must be written as the name or its genitive ("Belgiens"), so that
        "Berliner Mauer" does not mention the city Berlin."""
        text = token.text
        if is_acronym(key):
            return True
        if not text[:1].isupper():
            return False
        lower = text.lower()
        forms = self.surface_forms.get(key, set())
        if all(entry.type.is_place for entry in self.entries_by_key[key]):
            # names of places inflect only in the genitive ("Wiens"): "Dilan" is no form of Dila
            return any(lower in (f, f + "s", f + "es") for f in forms)
        return any(lower in (f, f + "s", f + "es", f + "n", f + "en") for f in forms)

    def _acronym_definitions(self, doc: Doc, text: str) -> list[tuple[list[str], str, GazetteerEntry]]:
        """"Long Name (ACR)" and "ACR (Long Name)": (long-form words, acronym, entity) each."""
        found = []
        position = text.find("(")
        while position != -1:
            token = doc.char_span(position, position + 1)
            position = text.find("(", position + 1)
            if token is None:
                continue
            index = token.start
            if index + 2 >= len(doc):
                continue
            close = next((j for j in range(index + 1, min(index + 14, len(doc))) if doc[j].text.startswith(")")), None)
            if close is None:
                continue
            inside = doc[index + 1:close]
            if len(inside) == 1 and _acronym_like(inside[0].text):
                long_tokens = self._long_form_before(doc, index, inside[0].text)
                acronym = inside[0].text
            elif index >= 1 and _acronym_like(doc[index - 1].text) and len(inside) >= 2 and inside[0].text[:1].isupper():
                long_tokens = [t.text for t in inside if t.text not in _QUOTES]
                acronym = doc[index - 1].text
            else:
                continue
            while long_tokens and (not (long_tokens[0][:1].isupper() or long_tokens[0][:1].isdigit())
                                   or long_tokens[0].lower() in ARTICLES):
                long_tokens = long_tokens[1:]  # "die zusammengesetzte ICC", "Das Amt …": the name starts after them
            if not long_tokens:
                continue
            entity = self._define(long_tokens, acronym)
            if entity is not None:
                if entity.id in self.gazetteer and not self.lookup(long_tokens):
                    long_tokens = []  # a known acronym: its long form is the gazetteer's, not our guess
                found.append((long_tokens, acronym, entity))
        return found

    def _long_form_before(self, doc: Doc, paren: int, acronym: str) -> list[str]:
        """The words of the name the acronym in parentheses abbreviates."""
        window: list[int] = []
        index = paren - 1
        while index >= 0 and len(window) < 12:
            text = doc[index].text
            if text in _QUOTES:
                index -= 1
                continue
            if text in _STOP_PUNCT or doc[index].is_space:
                break
            lower = text.lower()
            if not (text[:1].isupper() or text[:1].isdigit() or text == "&" or lower in connectors()
                    or _adjective_like(text)):
                break
            window.insert(0, index)
            index -= 1
        heads = [i for i in window if find_head(doc[i].text)]
        aligned = [i for i in heads if _aligns(acronym, [doc[j].text for j in window if j >= self._pre_head(doc, i, window)])]
        if aligned:
            head = aligned[-1]
        elif heads:
            head = heads[0]
        else:
            # No known head: the run of capitalised words before the parenthesis.
            run = []
            for i in reversed(window):
                if doc[i].text[:1].isupper() or doc[i].text == "&":
                    run.insert(0, i)
                elif doc[i].text.lower() in connectors() and run and i - 1 in window and doc[i - 1].text[:1].isupper():
                    run.insert(0, i)
                else:
                    break
            return [doc[i].text for i in run if doc[i].text not in _QUOTES]
        start = self._pre_head(doc, head, window)
        return [doc[i].text for i in window if i >= start and doc[i].text not in _QUOTES]

    @staticmethod
    def _pre_head(doc: Doc, head: int, window: list[int]) -> int:
        """Where the name starts: the head and the modifiers right before it, not an article."""
        start = head
        while start - 1 in window:
            text = doc[start - 1].text
            if text.lower() in connectors():
                break
            if _adjective_like(text) or is_acronym(text) or (text[:1].isupper() and not find_head(text)):
                start -= 1
                continue
            break
        return start

    def _define(self, long_tokens: list[str], acronym: str) -> GazetteerEntry | None:
        """The entity an acronym definition names: a known one, or a new one typed by its head."""
        head = next((find_head(w) for w in long_tokens if find_head(w)), None)
        for words in (long_tokens, [acronym]):
            known = self.lookup(words)
            if known and words is not long_tokens and head is not None:
                # a known acronym names the known body only when the page's long form is part of
                # one of its names or holds one: "Bundesministerium für Inneres (BMI)" is not the
                # German BMI, "Lagezentrum von Bund und Ländern (GMLZ)" is the GMLZ
                known = [e for e in known if self._long_form_fits(long_tokens, e)]
            if known:
                entry = known[0]
                trusted = (acronym, " ".join(long_tokens)) if self.lookup(long_tokens) else (acronym,)
                return GazetteerEntry(entry.id, entry.type, entry.name,
                                      tuple(dict.fromkeys(entry.aliases + trusted)), entry.attributes)
        name = nominative(long_tokens)
        if head is None:
            return None
        entity_type = head[0].type
        from ..graph.model import make_entity_id

        aliases = tuple(dict.fromkeys(a for a in (acronym, " ".join(long_tokens)) if a != name))
        return GazetteerEntry(make_entity_id(entity_type, name), entity_type, name, aliases)

    def _long_form_fits(self, long_tokens: list[str], entry: GazetteerEntry) -> bool:
        """Whether the stems of a long form run inside one of the entry's names, or one runs inside it."""
        form = [stem(w) for w in long_tokens]
        for name in entry.names:
            known = [t.norm_ for t in self.pattern(name) if not t.is_space]
            shorter, longer = sorted((form, known), key=len)
            if shorter and any(longer[i:i + len(shorter)] == shorter for i in range(len(longer) - len(shorter) + 1)):
                return True
        return False

    def _local_alias_spans(self, doc: Doc, definitions, norms: list[str]) -> list[tuple[Span, GazetteerEntry]]:
        """Every use in this document of a defined acronym or long form, found by their stems
        (a search over the document's stems; a matcher per document would cost more)."""
        if not definitions:
            return []
        patterns: dict[tuple[str, ...], GazetteerEntry] = {}
        for long_tokens, acronym, entity in definitions:
            for name in (" ".join(long_tokens), acronym, entity.name):
                if name:
                    key = tuple(t.norm_ for t in self.pattern(name) if not t.is_space)
                    if key:
                        patterns.setdefault(key, entity)
        positions: dict[str, list[int]] = {}
        for index, norm in enumerate(norms):
            positions.setdefault(norm, []).append(index)
        found = []
        for key, entity in patterns.items():
            for start in positions.get(key[0], []):
                if tuple(norms[start:start + len(key)]) == key:
                    found.append((doc[start:start + len(key)], entity))
        return found

    def _jurisdiction_context(self, doc: Doc, spans: list[Span], candidates) -> Counter:
        """How often the document names each place (and the places of the bodies it names
        unambiguously): the context that picks among same-named bodies."""
        context: Counter = Counter()
        for span in spans:
            entries = candidates[(span.start, span.end)]
            if len(entries) != 1:
                continue
            entry = entries[0]
            if entry.type.is_place:
                context[entry.id] += 2
            jurisdiction = entry.attribute("jurisdiction")
            if jurisdiction:
                context[jurisdiction] += 1
        # adjectives of nationality ("deutschen", "flämische") count for their country or region
        norms = doc.count_by(NORM)
        for norm_hash, place in _adjective_place_hashes(self.nlp.vocab.strings).items():
            if norm_hash in norms:
                context[place] += norms[norm_hash]
        return context

    def _choose(self, entries: list[GazetteerEntry], context: Counter, surface: str = "") -> GazetteerEntry:
        """Of several bodies a name fits, the one whose jurisdiction the document speaks of most;
        without such context, the one whose own name (not an alias) was written."""
        if len(entries) == 1:
            return entries[0]
        written = " ".join(stem(w) for w in surface.split())

        def score(entry: GazetteerEntry) -> tuple[int, bool, bool, str]:
            jurisdiction = entry.attribute("jurisdiction") or ""
            parent = self.gazetteer.get(jurisdiction)
            outer = parent.attribute("jurisdiction") if parent else None
            own_name = " ".join(stem(w) for w in entry.name.split()) == written
            return (context[jurisdiction] * 2 + (context[outer] if outer else 0), own_name,
                    entry.id in self.gazetteer, entry.id)

        return max(entries, key=score)


# Nationality and regional adjectives, by stem, to the place they point to.
_ADJECTIVE_PLACES = {
    stem(word): place
    for place, words in {
        "country/de": ["deutsche", "deutschen", "Bundes"],
        "country/be": ["belgische", "belgischen"],
        "region/flandern": ["flämische", "flämischen", "Flanders"],
        "region/thueringen": ["Thüringer"],
        "city/berlin": ["Berliner"],
        "country/iq": ["irakische", "irakischen"],
        "country/fr": ["französische", "französischen"],
        "country/nl": ["niederländische", "niederländischen"],
        "country/at": ["österreichische", "österreichischen"],
    }.items()
    for word in words
}


_MISSION_WORDS = ("operation", "mission", "einsatz")


def _compound_anaphor(norm: str) -> str | None:
    """"Sicherheitsoperation", "Unterstützungsmission": a new mission the heading above names."""
    return "Mission" if norm.endswith(tuple(stem(w) for w in _MISSION_WORDS)) else None


_INDEFINITE_ARTICLES = ("ein", "eine", "einer", "einen", "einem", "eines")


def _indefinite_before(words: list[str], index: int) -> bool:
    """"eine neue maritime X": an indefinite article, perhaps with adjectives, before the word."""
    cursor = index - 1
    while cursor >= 0 and words[cursor].islower() and words[cursor] not in _INDEFINITE_ARTICLES \
            and words[cursor].endswith(("e", "en", "er", "es", "em")) and index - cursor <= 3:
        cursor -= 1
    return cursor >= 0 and words[cursor] in _INDEFINITE_ARTICLES


# "Stadt Wien", "Partnerstädte Lille und Lüttich", "Länder Berlin, Brandenburg": a word for a
# place before a city's name leaves it a city
_PLACE_WORDS = ("stadt", "städte", "städten", "metropole", "metropolen", "gemeinde", "gemeinden", "kommune",
                "kommunen", "land", "länder", "ländern", "partnerschaft", "partnerschaften")
_SENTENCE_STARTS = {".", "!", "?", ":", ";", "„", "\"", "“", "»", "«", "•"}


def _inside_name(words: list[str], index: int, bodies: set[int]) -> bool:
    """Whether the city named at token ``index`` is part of a longer name ("Regierungspräsidium
    Freiburg", "Interpol Wiesbaden", "Wojewodschaft Krakau"): a capitalised noun right before it
    that is no word for a place. At a sentence's start a capitalised word may be any word
    ("Auch Wien …"), so there it must be a known body or a body's head noun."""
    if index == 0:
        return False
    before = words[index - 1]
    if not before[:1].isupper() or not before.replace("-", "").isalpha() or before.lower().endswith(_PLACE_WORDS):
        return False
    starts_sentence = index == 1 or words[index - 2] in _SENTENCE_STARTS or words[index - 2].isspace()
    return not starts_sentence or index - 1 in bodies or find_head(before) is not None


def _names_whole_word(entry: GazetteerEntry, text: str) -> bool:
    """Whether a hyphenated word is itself a name of the entry ("Benelux-Staaten", "NATO-Mission")."""
    return stem(text) in {stem(n) for n in entry.names} or text in entry.names


def _adjective_place_hashes(strings) -> dict[int, str]:
    return {strings.add(norm): place for norm, place in _ADJECTIVE_PLACES.items()}


def _acronym_like(text: str) -> bool:
    """ACR, BMVg, ThürBKG, KRITIS-Strategie: short, no spaces, two or more capitals."""
    if len(text) > 20 or len(text) < 2 or not text[:1].isupper():
        return False
    return sum(c.isupper() for c in text) >= 2 and not text.isdigit()


def _adjective_like(text: str) -> bool:
    lower = text.lower()
    return lower.endswith(("e", "en", "er", "es", "em")) and not find_head(text) and len(text) > 3


def _aligns(acronym: str, words: list[str]) -> bool:
    """Schwartz–Hearst: the acronym's letters occur in order in the long form, the first at a
    word start. ``_aligns("ICC", ["International", "Crisis", "Management", "Cell"])`` is True."""
    letters = [c.lower() for c in acronym if c.isalnum()]
    long_form = " ".join(words).lower()
    s, l = len(letters) - 1, len(long_form) - 1
    while s >= 0:
        char = letters[s]
        while l >= 0 and (long_form[l] != char or (s == 0 and l > 0 and long_form[l - 1].isalnum())):
            l -= 1
        if l < 0:
            return False
        s -= 1
        l -= 1
    return True
