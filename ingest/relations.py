"""Relations from sentences.

Three sources, applied to each segment (sentence, list item, heading) and its mentions:

1. **cue frames** (``data/relation_cues.tsv``): a cue word says which relation a sentence
   states; its frame says which mentions are subject and objects. Objects are the mentions
   right after the cue or marker and those coordinated with them ("X, Y und Z"); the subject
   stands in subject position before the cue, right after a cue verb (German verb-second
   order: "Zu diesem Zweck arbeitet das NCCN mit …"), or is the paragraph's topic when a
   pronoun or a back-referring word ("Sie", "Dabei") asks for it. A list under a sentence that
   ends in ":" inherits that sentence's cues and subject (headings inside the list included),
   each item becoming one relation whose evidence points at the lead (``Found.lead``); a lead
   noun ("Partner des X sind: A, B und C", "Mitglieder …", "Dazu gehören …") does the same for
   an enumeration in one sentence (frame ``members``).
2. **adjacency**: "X des Y" (a unit of a body: PART_OF; a mission of an organisation: CONDUCTS;
   a body of a place: LOCATED_IN) and "X in Ort" (LOCATED_IN, for missions OPERATES_IN).
3. **names and titles**: an organisation named in a mission's or programme's name or designator
   ("EU Advisory Mission Iraq", "EU-Programm LEONARDO") CONDUCTS it; a person named after a
   title like "Ministerpräsident der Region X" HEADS X.

The page's publisher (:func:`publisher_of`) stands behind "wir", "uns", "unser Amt" and a role
word only its name has ("das Ministerium"): these become mentions of it at their own spans.
Each :class:`Found` from a cue frame records the spans of its two mentions, subject first.
The ontology keeps only the pairs of types each relation allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable

from ..graph.model import Evidence
from ..graph.ontology import CRISIS_CONTEXT, EntityType, RelationType
from .mentions import Mention
from .qualifiers import is_crisis_context, stated_times
from .relation_classifier import PairModel, candidates, relation_of
from .text import Segment

_FRAMES = {"forward", "backward", "pairs", "party", "all_before", "nearest", "reciprocal", "members"}
_WORD = re.compile(r"[\w.\-]+|[^\w\s]")
_ARTICLES = {"der", "die", "das", "des", "dem", "den", "ein", "eine", "einer", "eines", "einem", "einen",
             "seine", "seinen", "seiner", "ihre", "ihren", "ihrer", "ihrem", "sein", "ihr", "beide", "beiden",
             "diese", "dieser", "diesem", "diesen", "dieses", "jeweiligen"}
_PREPOSITIONS = {"wie", "als", "in", "im", "an", "am", "auf", "aus", "bei", "beim", "mit", "nach", "seit", "von", "vom", "zu",
                 "zum", "zur", "für", "über", "unter", "durch", "gegen", "ohne", "um", "vor", "hinter", "neben",
                 "zwischen", "innerhalb", "außerhalb", "während", "wegen", "trotz", "aufgrund", "gemäß", "bis",
                 "ab", "entlang", "gegenüber", "namens", "seitens"}
_FUNCTION_WORDS = {"denen", "deren", "dessen", "einen", "einem", "keinen", "seinen", "ihren", "diesen", "jenen",
                   "allen", "beiden", "ihnen", "werden", "wurden", "haben", "hatten", "sollen", "können", "müssen",
                   "wollen", "dürfen", "sind", "seien", "waren", "ersten", "unseren", "unsere", "jede", "welche",
                   "welchen", "keine", "eine", "ohne", "gegen", "unter", "wieder", "bereits", "immer", "gerne"}
_GAP_WORDS = {"z.b", "u.a", "z.t", "d.h", "denen", "deren", "welche", "welchen", "und", "oder", "sowie", "bzw", ".", ",", "auch", "eng", "enger", "engen", "insbesondere", "vor",
              "allem", "etwa", "wie", "z", "b", "beispielsweise", "zum", "beispiel", "darunter", "sind", "ist",
              "(", ")", "„", "“", "\"", "dem", "den", "der", "die", "das", "des", "zu", "als", "u", "a"}
_COORDINATION = {"und", "oder", "sowie", "bzw", ",", "als", "auch", "(", ")", "z", ".", "b", "beispiel", "zum",
                 "wie", "etwa", "u", "a", "darunter"}
_TIME = re.compile(r"\b(?:seit|ab|im|am|vom|bis)\s+(?:(?:dem\s+)?Jahr(?:e)?\s+)?(?:\d{1,2}\.\s*)?"
                   r"(?:\w+\s+)?(?:1[89]|20)\d{2}\b|\b(?:1[89]|20)\d{2}\b", re.I)
_CHAIR = re.compile(r"Vorsitz|leitet|chair", re.I)
_ACTOR_OWNERS = {EntityType.INTERNATIONAL_ORGANIZATION, EntityType.COUNTRY, EntityType.GOVERNMENT,
                 EntityType.AGENCY, EntityType.REGION, EntityType.CITY}
_GENITIVE = re.compile(r"\s+(?:des|der|von|vom|von der|von den)\s+(?:\w+\s+)?", re.I)
_LIST_LINK = re.compile(r"\b(?:sind|waren|gehören|gehörten|zählen|zählten|umfassen|aus)\b(?:\s*:)?|:")
_APPOSITION = re.compile(r"[\s,()]*")
_OPTIONAL_COLON = re.compile(r"(?:\s*:)?")
_POSSESSIVE = re.compile(r"\b(\w+)\s+$")
_OWN_POSSESSIVES = {"unsere", "unseren", "unserer", "unser"}
_THIRD_POSSESSIVES = {"ihre", "ihren", "ihrer", "seine", "seinen", "seiner", "deren", "dessen"}
_FIRST_PERSON = re.compile(r"\b(?:[Ww]ir|uns|[Uu]nser(?:e|en|em|er|es)?\s+(?:Amt|Amtes|Behörde|Ministerium|Ministeriums"
                           r"|Institut|Instituts|Organisation|Verband|Verbandes|Haus|Hauses|Zentrum|Zentrums"
                           r"|Bundesamt|Bundesamtes|Landesamt|Landesamtes|Dienst|Dienstes|Stelle))\b")
# "das Ministerium", "die Behörde": a role word without a name, for the publisher when no other body
# of the page has that head noun in its name
_ROLE_WORD = re.compile(r"\b(?:[Dd]as|[Dd]ie|[Dd]er|[Dd]em|[Dd]en|[Dd]es|[Dd]iese[msr]?)\s+(?P<noun>Ministerium|Amt|Bundesamt|Landesamt"
                        r"|Behörde|Institut|Zentrum|Direktion|Agentur|Kommission|Ministeriums|Amtes|Bundesamtes"
                        r"|Landesamtes|Instituts|Zentrums)\b(?!\s+(?:für|der|des|von)\b)")
_APPOSITION_END = re.compile(r"[,;.)]")  # what closes "St. Petersburg, Russland"
_COORDINATED = re.compile(r"\s*(?:\([^()]*\)\s*)?(?:,|und\b|oder\b|sowie\b)")
_OPENING = re.compile(r"(?:(?:Der|Die|Das)\s+)?")
_CLAUSE_BREAK = re.compile(r",\s*(?:um|damit|dass|weil|wenn|da|ob|die|der|das)\b")
_BODIES = {EntityType.AGENCY, EntityType.COMMITTEE, EntityType.GOVERNMENT, EntityType.INTERNATIONAL_ORGANIZATION,
           EntityType.ORGANIZATION}
_PUBLISHERS = _BODIES | {EntityType.REGION, EntityType.CITY}


@dataclass(frozen=True)
class Cue:
    type: RelationType
    frame: str
    cue: re.Pattern
    marker: re.Pattern | None
    marker_position: str = "after"
    subject_types: frozenset[EntityType] | None = None


@dataclass(frozen=True)
class Found:
    """One relation stated by one segment, before it becomes a graph relation."""

    type: RelationType
    source: str
    target: str
    evidence: Evidence
    mentions: tuple[tuple[int, int], ...] = ()  # document spans of source and target, subject first
    lead: tuple[int, int] | None = None  # the list lead the evidence's segment belongs to


def _data_lines(name: str) -> list[str]:
    text = resources.files("actorgraph.ingest").joinpath(f"data/{name}").read_text("utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def cues() -> tuple[Cue, ...]:
    rules = []
    for number, line in enumerate(_data_lines("relation_cues.tsv"), start=1):
        columns = line.split("\t") + ["", "", ""]
        type_name, frame, cue, marker, position, subject_types = (c.strip() for c in columns[:6])
        if frame not in _FRAMES:
            raise ValueError(f"relation_cues.tsv rule {number}: unknown frame {frame!r}")
        types = frozenset(EntityType(t.strip()) for t in subject_types.split(",") if t.strip()) or None
        rules.append(Cue(RelationType(type_name), frame, re.compile(cue, re.I),
                         re.compile(marker, re.I) if marker else None, position or "after", types))
    return tuple(rules)


@lru_cache(maxsize=1)
def any_cue() -> re.Pattern:
    """Where any cue starts: one scan per sentence instead of one per rule (a zero-width
    lookahead, so cues that overlap are all found)."""
    return re.compile("(?=" + "|".join(f"(?:{c.cue.pattern})" for c in cues()) + ")", re.I)


def _cue_matches(text: str) -> list[tuple[Cue, re.Match]]:
    """Every (rule, match) in ``text``, in text order."""
    found = []
    for position in sorted({m.start() for m in any_cue().finditer(text)}):
        for rule in cues():
            match = rule.cue.match(text, position)
            if match is not None:
                found.append((rule, match))
    return found


@lru_cache(maxsize=1)
def topic_words() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _data_lines("topic_words.txt"))


def _allowed(relation: RelationType, source: Mention, target: Mention) -> bool:
    return source.entity_id != target.entity_id and relation.allows(source.type, target.type)


def _words(text: str) -> list[str]:
    return [w.lower().strip(".") or "." for w in _WORD.findall(_TIME.sub(" ", text))]


class Sentence:
    """One segment with its mentions and the questions the frames ask of it."""

    def __init__(self, text: str, segment: Segment, mentions: list[Mention]) -> None:
        self.text = text  # the whole document
        self.segment = segment
        self.mentions = mentions
        self.actors = [m for m in mentions if m.type.is_actor]
        self.implicit_subject = False  # a list item: its subject is its lead's

    def between(self, start: int, end: int) -> str:
        return self.text[start:end]

    def opens_with_topic_word(self) -> bool:
        """A pronoun or back-referring word among the first words, before any mention (or a
        list item, which leaves its subject to the sentence above it)."""
        if self.implicit_subject:
            return True
        first_mention = self.mentions[0].start if self.mentions else self.segment.end
        words = _words(self.text[self.segment.start:min(first_mention, self.segment.end)])[:5]
        return any(w in topic_words() for w in words)

    def in_subject_position(self, mention: Mention) -> bool:
        """Not inside a prepositional phrase, not a genitive attribute of a noun before it; a
        member of an enumeration stands where the enumeration's first member stands."""
        before = re.sub(r"\([^()]*\)", "", self.text[self.segment.start:mention.start])
        words = [w for w in _WORD.findall(before) if w not in "„“\"»«"]
        if words and words[-1].lower() in {",", "und", "oder", "sowie"}:
            earlier = [m for m in self.mentions if m.end <= mention.start and m is not mention]
            if earlier and _words(self.text[earlier[-1].end:mention.start]) in (
                    [","], ["und"], ["oder"], ["sowie"], [",", "der"], ["und", "der"], ["und", "die"], ["und", "das"],
                    ["und", "den"], ["und", "dem"], [",", "die"], [",", "das"], [",", "den"], [",", "dem"], ["oder", "der"]):
                return self.in_subject_position(earlier[-1])
        # [verb] [article] [adjectives] mention: drop the adjectives, then one article
        while words and (_is_adjective(words[-1]) or words[-1].isdigit()):
            words.pop()
        if words and words[-1].lower() in _ARTICLES:
            words.pop()
        if not words:
            return True
        previous = words[-1]
        if previous.lower() in _PREPOSITIONS or previous in {"(", "•", "-", "–"}:
            return previous in {"•", "-", "–"}
        if previous[:1].isupper() and previous.lower() not in topic_words() and len(words) > 1:
            # "Leiter der Abteilung": a genitive attribute (a sentence's first word is no noun to hang on)
            return False
        return True

    def chain(self, start: int, candidates: list[Mention], opening_preposition: bool = False,
              exclude: str | None = None) -> list[Mention]:
        """The mention right after ``start`` and those coordinated with it ("X, Y und Z").

        Between ``start`` and the first mention there may be articles, adjectives and one noun
        per comma-separated part ("mit irakischen Partnern, der Anti-IS-Koalition"), but no
        preposition or verb: those open another phrase."""
        following = [m for m in candidates if m.start >= start and not m.compound_owner]
        while following and following[0].entity_id == exclude:
            following = following[1:]  # "das Technische Hilfswerk (THW) die Ukraine": the subject's acronym
        if not following:
            return []
        first = following[0]
        raw = [w for w in _WORD.findall(_TIME.sub(" ", self.between(start, first.start))) if w not in "„“\"»«"]
        if opening_preposition and raw and raw[0].lower() in _PREPOSITIONS:
            raw = raw[1:]
        if len(raw) > 9:
            return []
        for part in " ".join(raw).split(","):
            words = part.split()
            nouns = [w for i, w in enumerate(words) if w[:1].isupper() and w.lower().strip(".") not in _GAP_WORDS
                     and not (w.endswith("er") and i + 1 < len(words) and words[i + 1][:1].isupper())]
            blocking = [w for w in words if w[:1].islower() and w.lower().strip(".") not in _GAP_WORDS
                        and w.lower() not in _ARTICLES and not _is_adjective_word(w.lower())]
            if len(nouns) > 1 or blocking or any(w.lower() in _PREPOSITIONS and w.lower() not in _GAP_WORDS for w in words):
                return []
        result = [first]
        for mention in following[1:]:
            if mention.entity_id == result[-1].entity_id:
                continue  # a name and its acronym in parentheses
            gap_raw = [w for w in _WORD.findall(self.between(result[-1].end, mention.start)) if w not in "„“\"»«"]
            gap_words = [w.lower().strip(".") or "." for w in gap_raw]
            nouns = [w for w in gap_raw if w[:1].isupper() and w.lower() not in _GAP_WORDS]
            if gap_words and len(nouns) <= 1 and all(
                    w in _COORDINATION or w in _ARTICLES or _is_adjective_word(w) or raw_w in nouns
                    for w, raw_w in zip(gap_words, gap_raw)) \
                    and any(w in {"und", "oder", "sowie", "bzw", ",", "("} for w in gap_words):
                result.append(mention)
            else:
                break
        return result

    def coordinated_left(self, mention: Mention) -> list[Mention]:
        """``mention`` and the mentions joined to it from the left ("Brüssel und Berlin")."""
        group = [mention]
        earlier = [m for m in self.actors if m.end <= mention.start]
        for other in reversed(earlier):
            gap = _words(self.between(other.end, group[0].start))
            if gap and all(w in {"und", "oder", "sowie", ","} or w in _ARTICLES for w in gap) \
                    and any(w in {"und", "oder", "sowie", ","} for w in gap):
                group.insert(0, other)
            else:
                break
        return group


def _is_adjective(word: str) -> bool:
    return word[:1].islower() and _is_adjective_word(word.lower())


def _is_adjective_word(word: str) -> bool:
    """Inflected adjectives and participles ("stabilen", "zusammengesetzten", "ressortübergreifend")."""
    return len(word) > 3 and word.endswith(("e", "en", "er", "es", "em", "end")) and word not in _PREPOSITIONS \
        and word not in _FUNCTION_WORDS


class RelationFinder:
    """Walks a document's segments in order, keeping the topic (who the text is about)."""

    def __init__(self, doc_id: str, text: str, extractor: str,
                 owner_of: Callable[[str], list[Mention]] | None = None, pair_model: PairModel | None = None) -> None:
        self.doc_id = doc_id
        self.text = text
        self.extractor = extractor
        self.owner_of = owner_of  # names an organisation inside a word ("EU-Programm" → EU)
        self.pair_model = pair_model  # the learned component (relation_classifier.py); None: cue frames only
        self.publisher: Mention | None = None  # who "wir" is on this page (set by find)
        self.role_nouns: frozenset[str] = frozenset()  # "ministerium": "das Ministerium" is the publisher

    def find(self, segments: list[Segment], mentions: list[Mention]) -> list[Found]:
        found: list[Found] = []
        self.publisher = publisher_of(self.text, segments, mentions)
        self.role_nouns = _role_nouns(self.publisher, mentions)
        topic: Mention | None = None
        lead: tuple[Sentence, Mention | None] | None = None
        lead_covers_headings = False
        paragraphs = _paragraph_texts(self.text, segments)
        crisis_paragraphs = {p for p, text in paragraphs.items() if is_crisis_context(text)}
        heading_crisis = False
        cursor = 0
        items_follow = {i for i in range(len(segments) - 1) if segments[i + 1].is_list_item}
        for index, segment in enumerate(segments):
            while cursor < len(mentions) and mentions[cursor].start < segment.start:
                cursor += 1
            probe, inside = cursor, []
            while probe < len(mentions) and mentions[probe].end <= segment.end:
                inside.append(mentions[probe])
                probe += 1
            if segment.is_heading and lead is not None and not lead_covers_headings and index in items_follow:
                continue  # "Bereich Chemie" over items that still hang under the lead above
            if self.publisher is not None:
                anaphors = self._anaphors(segment, inside)
                spans = {(a.start, a.end) for a in anaphors}
                inside = sorted([m for m in inside if (m.start, m.end) not in spans] + anaphors, key=lambda m: m.start)
            sentence = Sentence(self.text, segment, inside)
            is_item = segment.is_list_item or (segment.is_heading and lead_covers_headings)
            crisis = (heading_crisis or segment.paragraph in crisis_paragraphs
                      or (lead is not None and is_crisis_context(lead[0].segment.text)))
            evidence = self._evidence(segment, crisis, lead[0].segment if lead else None) if inside else None
            if segment.is_heading and not is_item:
                heading_crisis = is_crisis_context(segment.text)
                lead = None
                if sentence.actors:
                    topic = _prefer_bodies(sentence.actors)
                continue
            if not is_item and not lead_covers_headings:
                lead = None
            subject_topic = lead[1] if (is_item and lead) else topic
            sentence.implicit_subject = is_item
            # a relation has two ends: one mention alone needs the topic for the other
            related = len(inside) > 1 or (inside and (sentence.opens_with_topic_word() or _CHAIR.search(segment.text)))
            if related:
                stated = self._cue_frames(sentence, subject_topic, evidence)
                if is_item and lead:
                    stated += self._cue_frames(sentence, subject_topic, evidence, lead_sentence=lead[0])
                stated += self._adjacency(sentence, evidence)
                stated += self._titles(sentence, subject_topic, evidence)
                found += stated + self._learned(sentence, evidence, lead if is_item else None, subject_topic, stated)
            if segment.is_heading and is_item:
                if sentence.actors:
                    topic = _prefer_bodies(sentence.actors)
                continue
            opening = [m for m in sentence.actors if sentence.in_subject_position(m)]
            if segment.text.rstrip().endswith(":") and not segment.is_list_item:
                lead_subject = self._subject_of(sentence) or (topic if sentence.opens_with_topic_word() else None) \
                    or (_prefer_bodies(sentence.actors) if sentence.actors else None)
                lead = (sentence, lead_subject or topic)
                lead_covers_headings = bool(re.search(r"\bfolgende\w*\b|\bnachstehende\w*\b|\bfollowing\b",
                                                      segment.text, re.I))
            if opening and not segment.is_list_item:
                topic = _prefer_bodies(opening[:1])
        found += self._named_owners(segments, mentions, paragraphs)
        return [grounded for item in _dedupe(found)
                if (grounded := ground(item, mentions, self.text, segments)) is not None]

    def _learned(self, sentence: Sentence, evidence: Evidence, lead: tuple[Sentence, Mention | None] | None,
                 topic: Mention | None, stated: list[Found]) -> list[Found]:
        """The pairs the learned component relates, besides those the cue frames stated: the
        sentence's mentions among themselves and with the list lead's subject, the paragraph's
        topic and the page's publisher."""
        if self.pair_model is None:
            return []
        covered = {frozenset((item.source, item.target)) for item in stated}
        lead_subject = lead[1] if lead else None
        segment = sentence.segment
        outside = [("lead", lead_subject, lead[0].segment.text if lead else ""), ("topic", topic, ""),
                   ("publisher", self.publisher, "")]
        result = []
        for candidate in candidates(self.text, segment.start, segment.end, sentence.mentions,
                                    sentence.in_subject_position, outside):
            pair = frozenset((candidate.first.entity_id, candidate.second.entity_id))
            label = self.pair_model.decide(candidate, pair in covered)
            if label is None:
                continue
            relation, forward = relation_of(label)
            source, target = (candidate.first, candidate.second) if forward else (candidate.second, candidate.first)
            if _allowed(relation, source, target):
                lead_span = (lead[0].segment.start, lead[0].segment.end) if lead and candidate.first is lead_subject else None
                result.append(Found(relation, source.entity_id, target.entity_id, evidence,
                                    ((source.start, source.end), (target.start, target.end)), lead_span))
        return result

    def _evidence(self, segment: Segment, crisis: bool, lead: Segment | None) -> Evidence:
        """The segment as evidence, with the time it states and whether it (its paragraph, its
        heading or the sentence its list hangs under) speaks of a crisis."""
        times = stated_times(segment.text) or (stated_times(lead.text) if lead else {})
        return Evidence(self.doc_id, segment.text, segment.start, segment.end,
                        CRISIS_CONTEXT if crisis or is_crisis_context(segment.text) else None,
                        times.get("since"), times.get("date"), self.extractor)

    @staticmethod
    def _subject_of(sentence: Sentence) -> Mention | None:
        candidates = [m for m in sentence.actors if sentence.in_subject_position(m)]
        return _prefer_bodies(candidates[:1]) if candidates else None

    # -- 1. cue frames --------------------------------------------------------------------

    def _cue_frames(self, sentence: Sentence, topic: Mention | None, evidence: Evidence,
                    lead_sentence: Sentence | None = None) -> list[Found]:
        source = lead_sentence or sentence
        text = source.segment.text
        offset = source.segment.start
        results: list[Found] = []
        for rule, match in _cue_matches(text):
            cue_start, cue_end = offset + match.start(), offset + match.end()
            holder = next((m for m in source.mentions if m.start <= cue_start < m.end), None)
            if holder is not None and not holder.compound_owner:
                continue  # "Abkommen über Freundschaft und Zusammenarbeit": a cue inside a name
            marker = self._marker(rule, text, match, offset)
            if rule.marker is not None and marker is None:
                continue
            if lead_sentence is not None:
                # the lead's cue and subject, this item's mentions as objects (a backward or
                # members frame makes each item the source: "Ihr gehören an: • X" → X MEMBER_OF …)
                objects = sentence.chain(sentence.segment.start, sentence.mentions)
                subjects = [topic] if topic else []
                results += self._emit(rule, subjects, objects, sentence, evidence,
                                      lead=(source.segment.start, source.segment.end),
                                      reverse=rule.frame == "backward")
                continue
            results += self._apply_frame(rule, sentence, topic, cue_start, cue_end, marker, evidence)
        return results

    @staticmethod
    def _marker(rule: Cue, text: str, match: re.Match, offset: int) -> tuple[int, int] | None:
        if rule.marker is None:
            return None
        if rule.marker_position in ("after", "either", "next"):
            after = rule.marker.search(text, match.end())
            limit = 25 if rule.marker_position == "next" else 80
            if after is not None and after.start() - match.end() <= limit:
                return offset + after.start(), offset + after.end()
        if rule.marker_position in ("before", "either"):
            before = list(rule.marker.finditer(text, 0, match.start()))
            if before:
                return offset + before[-1].start(), offset + before[-1].end()
        return None

    def _apply_frame(self, rule: Cue, sentence: Sentence, topic: Mention | None, cue_start: int, cue_end: int,
                     marker: tuple[int, int] | None, evidence: Evidence) -> list[Found]:
        mentions = sentence.mentions
        if marker is not None and marker[1] <= cue_start:
            objects = [m for m in sentence.chain(marker[1], mentions) if m.end <= cue_start]
        else:
            noun_cue = self.text[cue_start:cue_start + 1].isupper()
            objects = sentence.chain(marker[1] if marker else cue_end, mentions,
                                     opening_preposition=marker is None and noun_cue)
        if rule.frame == "members":
            return self._members(rule, sentence, topic, cue_start, cue_end, evidence)
        owner = next((m for m in mentions if m.compound_owner and m.start <= cue_start < m.end), None)
        if owner is not None:  # "der NATO-Beitrag zu …": the organisation in front does it
            return self._emit(rule, [owner], objects, sentence, evidence)
        if rule.frame == "nearest":
            before = [m for m in mentions if m.end <= cue_start and (not rule.subject_types or m.type in rule.subject_types)]
            return self._emit(rule, before[-1:], objects, sentence, evidence)
        if rule.frame == "reciprocal":
            before = [m for m in sentence.actors if m.end <= cue_start]
            group = sentence.coordinated_left(before[-1]) if before else []
            return [Found(rule.type, a.entity_id, b.entity_id, evidence)
                    for i, a in enumerate(group) for b in group[i + 1:] if _allowed(rule.type, a, b)]
        if rule.frame == "pairs":
            return [Found(rule.type, a.entity_id, b.entity_id, evidence)
                    for i, a in enumerate(objects) for b in objects[i + 1:] if _allowed(rule.type, a, b)]
        if rule.frame == "party":
            agreements = [m for m in mentions if m.type is EntityType.AGREEMENT]
            parties = [m for m in sentence.actors if (m.end <= cue_start and sentence.in_subject_position(m))
                       or re.search(r"\bzwischen\b[^.]*$", self.text[sentence.segment.start:m.start])]
            if not parties and topic and sentence.opens_with_topic_word():
                parties = [topic]
            return self._emit(rule, parties, agreements, sentence, evidence)
        if rule.frame == "all_before":
            sources = [m for m in sentence.actors if m.end <= cue_start]
            return self._emit(rule, sources, objects, sentence, evidence)
        if rule.frame == "backward":
            nominal = self.text[cue_start:cue_start + 1].isupper()  # "nach dem Beschluss der X": X decided what came first
            pool = sentence.actors if nominal else sentence.mentions
            target = next((m for m in pool if m.end <= cue_start and (nominal or sentence.in_subject_position(m))), None)
            if target is None and topic and sentence.opens_with_topic_word():
                target = topic
            if target is None:
                return []
            sources = objects if (rule.marker is not None or objects) else \
                [m for m in sentence.mentions if target.end <= m.start and m.end <= cue_start]
            return [Found(rule.type, s.entity_id, target.entity_id, evidence)
                    for s in sources if _allowed(rule.type, s, target)]
        subjects, objects = self._subjects(sentence, topic, cue_start, cue_end, marker, objects)
        if not objects and rule.type is RelationType.HEADS and topic is not None:
            objects = [topic]  # "hatte das Saarland den Vorsitz": of what the paragraph is about
        return self._emit(rule, subjects, objects, sentence, evidence)

    def _members(self, rule: Cue, sentence: Sentence, topic: Mention | None, cue_start: int, cue_end: int,
                 evidence: Evidence) -> list[Found]:
        """A lead noun inside one sentence ("Partner des X sind: A, B und C", "Zu den Partnern
        der X gehören A und B"): the owner after the noun, or the one a possessive names, and
        the enumeration after the colon or the linking verb; the text up to there is the lead."""
        segment_end = sentence.segment.end
        verb_cue = _LIST_LINK.search(self.text, cue_start, cue_end) is not None  # "Dazu gehören", "besteht aus"
        owner = next((m for m in sentence.mentions if m.compound_owner and m.start <= cue_start < m.end), None)
        if owner is None and not verb_cue:  # the owner in the genitive: "Partner des X", "Partnerstädte Kölns"
            owner = next((m for m in sentence.actors if cue_end <= m.start and (
                _GENITIVE.fullmatch(self.text[cue_end:m.start])
                or (self.text[cue_end:m.start] == " " and m.text.endswith("s")))), None)
        before = [m for m in sentence.actors if m.end <= cue_start]
        if owner is None and verb_cue and before and (
                _APPOSITION.fullmatch(self.text[before[-1].end:cue_start]) or sentence.in_subject_position(before[-1])):
            owner = before[-1]  # "die ARGE, bestehend aus A, B und C", "Die ARGE besteht aus A und B"
        possessive = _POSSESSIVE.search(self.text, sentence.segment.start, cue_start)
        word = possessive.group(1).lower() if possessive else ""
        if owner is None and word in _OWN_POSSESSIVES:
            owner = self._publisher_at(possessive.start(1), possessive.end(1))
        elif owner is None and (word in _THIRD_POSSESSIVES or (sentence.opens_with_topic_word()
                                                               and not sentence.implicit_subject)):
            owner = topic  # "ihre Partner sind …", "Dazu gehören …"
        if owner is None:
            return []
        after = owner.end if owner.start >= cue_end else cue_end
        if verb_cue:
            link = _OPTIONAL_COLON.match(self.text, after)
        else:
            link = _LIST_LINK.search(self.text, after, segment_end)
        if link is None or link.start() - after > 40:
            return []
        objects = sentence.chain(link.end(), sentence.mentions, exclude=owner.entity_id)
        return self._emit(rule, [owner], objects, sentence, evidence, lead=(sentence.segment.start, link.end()))

    def _anaphors(self, segment: Segment, inside: list[Mention]) -> list[Mention]:
        """"wir", "uns", "unser Amt" and a role word only the publisher's name has ("das
        Ministerium"), outside quotations, as mentions of the publisher."""
        found = []
        roles = [m for m in _ROLE_WORD.finditer(segment.text) if _noun_stem(m.group("noun")) in self.role_nouns]
        for match in sorted([*_FIRST_PERSON.finditer(segment.text), *roles], key=lambda m: m.start()):
            quoted = segment.text[:match.start()].count("„") > segment.text[:match.start()].count("“") \
                or segment.text[:match.start()].count('"') % 2 == 1
            start, end = segment.start + match.start(), segment.start + match.end()
            if quoted or any(m.start < end and start < m.end and (m.start, m.end) != (start, end) for m in inside):
                continue
            mention = self._publisher_at(start, end)
            if mention is not None:
                found.append(mention)
        return found

    def _publisher_at(self, start: int, end: int) -> Mention | None:
        """The page's publisher as a mention at an anaphor's span, when the page has one."""
        publisher = self.publisher
        if publisher is None or start < 0:
            return None
        return Mention(start, end, self.text[start:end], publisher.entity_id, publisher.type, publisher.name)

    def _subjects(self, sentence: Sentence, topic: Mention | None, cue_start: int, cue_end: int,
                  marker: tuple[int, int] | None, objects: list[Mention]) -> tuple[list[Mention], list[Mention]]:
        """Who does it, and the objects left once a subject after the cue is taken out."""
        actors = sentence.actors
        before = [m for m in actors if m.end <= cue_start and sentence.in_subject_position(m)]
        if before and not (_is_anaphor(before[-1], self.publisher)
                           and _CLAUSE_BREAK.search(self.text, before[-1].end, cue_start)):
            return sentence.coordinated_left(before[-1]), objects
        if marker is not None and marker[0] > cue_end:
            # "arbeitet das NCCN mit …": the subject between verb and marker
            between = [m for m in actors if cue_end <= m.start and m.end <= marker[0] and sentence.in_subject_position(m)]
            if between:
                return [between[0]], [o for o in objects if o is not between[0]]
        verb_cue = self.text[cue_start:cue_start + 1].islower()
        right_after = [m for m in actors if 0 <= m.start - cue_end <= 6]
        if right_after and verb_cue and not sentence.implicit_subject:
            # verb-second order: "Daneben führte die Europäische Union die Mission … durch"
            subject = right_after[0]
            return [subject], sentence.chain(subject.end, sentence.mentions, exclude=subject.entity_id)
        if topic is not None and sentence.opens_with_topic_word():
            return [topic], objects
        return [], objects

    @staticmethod
    def _emit(rule: Cue, subjects: list[Mention], objects: list[Mention], sentence: Sentence,
              evidence: Evidence, lead: tuple[int, int] | None = None, reverse: bool = False) -> list[Found]:
        """Subject → object for each pair the ontology allows; a ``members`` frame on a directed
        type (or ``reverse``) reads the other way ("Mitglieder des X sind A, B": A, B MEMBER_OF X)."""
        results = []
        reverse = (reverse or rule.frame == "members") and not rule.type.symmetric
        for subject in subjects:
            if rule.subject_types and subject.type not in rule.subject_types:
                continue
            for obj in objects:
                source, target = (obj, subject) if reverse else (subject, obj)
                if obj is not subject and _allowed(rule.type, source, target):
                    results.append(Found(rule.type, source.entity_id, target.entity_id, evidence,
                                         ((source.start, source.end), (target.start, target.end)), lead))
        return results

    # -- 2. adjacency ---------------------------------------------------------------------

    def _adjacency(self, sentence: Sentence, evidence: Evidence) -> list[Found]:
        results = []
        mentions = sentence.mentions
        for index, (left, right) in enumerate(zip(mentions, mentions[1:])):
            if self._place_apposition(left, right, mentions[index + 2] if index + 2 < len(mentions) else None):
                results.append(Found(RelationType.LOCATED_IN, left.entity_id, right.entity_id, evidence,
                                     ((left.start, left.end), (right.start, right.end))))
                continue
            gap = re.sub(r"\([^()]*\)|[()„“\"]", " ", self.text[left.end:right.start]).strip().lower()
            gap = re.sub(r"\s+", " ", gap)
            if gap in ("des", "der"):
                if left.type in (EntityType.AGENCY, EntityType.COMMITTEE) and right.type in _BODIES:
                    results.append(Found(RelationType.PART_OF, left.entity_id, right.entity_id, evidence))
                elif left.type in _BODIES and right.type.is_place:
                    results.append(Found(RelationType.LOCATED_IN, left.entity_id, right.entity_id, evidence))
                elif left.type is EntityType.MISSION and right.type in _ACTOR_OWNERS:
                    results.append(Found(RelationType.CONDUCTS, right.entity_id, left.entity_id, evidence))
            elif gap in ("im", "beim", "in der", "bei der") and left.type in (EntityType.AGENCY, EntityType.COMMITTEE) \
                    and right.type in _BODIES and not right.type.is_place:
                results.append(Found(RelationType.PART_OF, left.entity_id, right.entity_id, evidence))
            elif gap in ("in", "im", "mit sitz in", "mit sitz im") and right.type.is_place:
                if left.type is EntityType.MISSION:
                    results.append(Found(RelationType.OPERATES_IN, left.entity_id, right.entity_id, evidence))
                elif left.type in _BODIES or (left.type is EntityType.CITY and right.type is not EntityType.CITY):
                    results.append(Found(RelationType.LOCATED_IN, left.entity_id, right.entity_id, evidence))
        return [r for r in results if r.source != r.target]

    def _place_apposition(self, left: Mention, right: Mention, following: Mention | None) -> bool:
        """A place followed by the larger place it lies in, in brackets or as an apposition
        closed by a comma or the sentence's end: "Lille (Frankreich)", "St. Petersburg,
        Russland, und …", "Shandong (China)"; not an enumeration ("Wien, Frankreich und
        Polen", "Wien, Frankreich, Polen")."""
        if right.type is not EntityType.COUNTRY and not (left.type is EntityType.CITY and right.type is EntityType.REGION):
            return False
        if left.type not in (EntityType.CITY, EntityType.REGION):
            return False
        gap, after = self.text[left.end:right.start], self.text[right.end:right.end + 5]
        if gap.strip() == "(":
            return after.startswith(")")
        enumerated = following is not None and following.type is right.type \
            and self.text[right.end:following.start].strip() in (",", "und", "oder", "sowie")
        return gap.strip() == "," and bool(_APPOSITION_END.match(after)) and not enumerated

    # -- 3. names and titles --------------------------------------------------------------

    def _titles(self, sentence: Sentence, topic: Mention | None, evidence: Evidence) -> list[Found]:
        """"Der Ministerpräsident der Region X, Herr Y" and "Oberbürgermeisterin Y": Y HEADS X."""
        results = []
        for person in (m for m in sentence.mentions if m.type is EntityType.PERSON and m.heads_role):
            before = [m for m in sentence.mentions if m.end <= person.start and m.type is not EntityType.PERSON
                      and m.type.is_actor and person.start - m.end <= 40]
            target = before[-1] if before else topic
            if target is not None:
                results.append(Found(RelationType.HEADS, person.entity_id, target.entity_id, evidence))
        return results

    def _named_owners(self, segments: list[Segment], mentions: list[Mention],
                      paragraphs: dict[int, str]) -> list[Found]:
        """An organisation named inside a mission's or programme's name ("EU Advisory Mission
        Iraq", "Rechtsstaatlichkeitsmission der EU") or designator ("EU-Programm X") CONDUCTS it."""
        if self.owner_of is None:
            return []
        results = []
        seen = set()
        for mention in mentions:
            if mention.type not in (EntityType.MISSION, EntityType.PROJECT, EntityType.EVENT) or mention.entity_id in seen:
                continue
            words = set(mention.name.replace("-", " ").split()) | set(mention.text.replace("-", " ").split())
            previous = re.search(r"(\S+)\s*$", self.text[max(0, mention.start - 40):mention.start])
            if previous and "-" in previous.group(1):
                words.add(previous.group(1).split("-")[0])
            owners = [(w, o) for w in sorted(words) if w[:1].isupper() for o in self.owner_of(w)]
            segment = next((s for s in segments if s.start <= mention.start < s.end), None)
            if segment is None:
                continue
            evidence = self._evidence(segment, is_crisis_context(paragraphs.get(segment.paragraph, "")), None)
            for word, owner in owners:
                if owner.type is EntityType.INTERNATIONAL_ORGANIZATION and owner.entity_id != mention.entity_id:
                    seen.add(mention.entity_id)
                    # the owner's span is its word inside (or hyphenated just before) the name
                    window = max(0, mention.start - 40)
                    written = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", self.text[window:mention.end])
                    spans = (((window + written.start(), window + written.end()), (mention.start, mention.end))
                             if written else ())
                    results.append(Found(RelationType.CONDUCTS, owner.entity_id, mention.entity_id, evidence, spans))
        return results


def _noun_stem(noun: str) -> str:
    """"Ministeriums" → "ministerium": the head noun without its genitive ending."""
    noun = noun.lower()
    for ending in ("es", "s"):
        if noun.endswith(ending) and noun[:-len(ending)] in _ROLE_STEMS:
            return noun[:-len(ending)]
    return noun


_ROLE_STEMS = {"ministerium", "amt", "bundesamt", "landesamt", "behörde", "institut", "zentrum", "direktion",
               "agentur", "kommission"}


def _role_nouns(publisher: Mention | None, mentions: list[Mention]) -> frozenset[str]:
    """The role words that can only mean the publisher: its name ends a word in them
    ("Bundesministerium für …" → "ministerium") and no other body of the page does."""
    if publisher is None:
        return frozenset()

    def nouns(name: str) -> set[str]:
        words = [w.lower() for w in re.findall(r"\w+", name)]
        return {stem for stem in _ROLE_STEMS for w in words if w.endswith(stem)}

    others = set()
    for mention in mentions:
        if mention.entity_id != publisher.entity_id and mention.type in _BODIES \
                and not _FIRST_PERSON.fullmatch(mention.text):  # "Unser Amt" read as a name
            others |= nouns(mention.name)
    return frozenset(nouns(publisher.name) - others)


def _is_anaphor(mention: Mention, publisher: Mention | None) -> bool:
    """Whether a mention is a first-person stand-in for the publisher ("wir", "unser Amt")."""
    return publisher is not None and mention.entity_id == publisher.entity_id and mention.text != publisher.text \
        and (_FIRST_PERSON.fullmatch(mention.text) is not None or _ROLE_WORD.fullmatch(mention.text) is not None)


def publisher_of(text: str, segments: list[Segment], mentions: list[Mention]) -> Mention | None:
    """Who publishes the page, for "wir" to stand for: the one body its title (first heading)
    names; else the body that opens one of its first sentences as their subject (a
    self-description) and is mentioned no less than any other; else the body mentioned most,
    at least three times and twice as often as the next. None when the page gives no clear one."""
    candidates = [m for m in mentions if m.type in _PUBLISHERS and not m.compound_owner
                  and not _FIRST_PERSON.fullmatch(m.text) and not _ROLE_WORD.fullmatch(m.text)]
    if not candidates or not segments:
        return None
    if segments[0].is_heading:
        named = {m.entity_id: m for m in candidates if segments[0].start <= m.start and m.end <= segments[0].end}
        if len(named) == 1:
            return next(iter(named.values()))
    counts: dict[str, int] = {}
    for mention in candidates:
        counts[mention.entity_id] = counts.get(mention.entity_id, 0) + 1
    ranked = sorted(counts.values(), reverse=True)
    top, runner_up = ranked[0], (ranked[1] if len(ranked) > 1 else 0)
    for segment in [s for s in segments if not s.is_heading][:3]:
        opening = next((m for m in candidates if segment.start <= m.start < segment.end), None)
        if opening is not None and _OPENING.fullmatch(text[segment.start:opening.start]) \
                and counts[opening.entity_id] == top >= 2 and not _COORDINATED.match(text, opening.end):
            return opening
    if top >= 3 and top >= 2 * runner_up:
        return next(m for m in candidates if counts[m.entity_id] == top)
    return None


def _prefer_bodies(mentions: list[Mention]) -> Mention:
    """Of several candidates for a topic, a body (agency, committee …) before a place."""
    bodies = [m for m in mentions if not m.type.is_place]
    return (bodies or mentions)[0]


def _paragraph_texts(text: str, segments: list[Segment]) -> dict[int, str]:
    spans: dict[int, tuple[int, int]] = {}
    for segment in segments:
        start, end = spans.get(segment.paragraph, (segment.start, segment.end))
        spans[segment.paragraph] = (min(start, segment.start), max(end, segment.end))
    return {p: text[s:e] for p, (s, e) in spans.items()}


def _dedupe(found: list[Found]) -> list[Found]:
    seen = set()
    unique = []
    for item in found:
        key = (item.type, item.source, item.target, item.evidence.start)
        if key not in seen and item.source != item.target:
            seen.add(key)
            unique.append(item)
    return unique


def ground(item: Found, mentions: list[Mention], text: str, segments: list[Segment]) -> Found | None:
    """The relation with its evidence naming the spans of both ends (the source's first) in the
    sentence or in the lead or heading it belongs to: the spans the finder recorded where they
    lie there (a recorded span in a lead or heading makes that its lead), else a mention of the
    end inside the sentence or lead, else one of the end's names written there (an organisation
    named inside a mission's name). None when an end is nowhere there: the text does not state it."""
    evidence = item.evidence
    lead = item.lead
    spans: list[tuple[int, int]] = []
    for index, end in enumerate((item.source, item.target)):
        recorded = item.mentions[index] if len(item.mentions) == 2 else None
        windows = [(evidence.start, evidence.end)] + ([lead] if lead else [])
        if recorded is not None and not _within(recorded, windows) and lead is None:
            holder = _lead_holding(recorded, evidence, segments)
            if holder is not None:
                lead = (holder.start, holder.end)
                windows.append(lead)
        span = recorded if recorded is not None and _within(recorded, windows) else \
            _span_of(end, mentions, windows, text, taken=spans)
        heading = _heading_before(evidence, segments) if span is None and lead is None else None
        if heading is not None:
            span = _span_of(end, mentions, [(heading.start, heading.end)], text, taken=spans)
            if span is not None:
                lead = (heading.start, heading.end)
        if span is None and recorded is not None:
            # the end named earlier and taken up by a pronoun ("Sie koordiniert …", "Ihr gehören
            # folgende Staaten an:") in the sentence or its lead: the pronoun's span
            pronouns = (_PRONOUN.search(text, start, stop) for start, stop in windows)
            span = next(((p.start(), p.end()) for p in pronouns if p is not None and (p.start(), p.end()) not in spans),
                        None)
        if span is None:
            return None
        spans.append(span)
    return Found(item.type, item.source, item.target, evidence.with_spans((spans[0], spans[1]), lead),
                 (spans[0], spans[1]), lead)


# pronouns and pronominal adverbs ("Dazu gehören …") that take up what was named before
_PRONOUN = re.compile(r"\b(?:[Ee]r|[Ss]ie|[Ee]s|[Ii]hm|[Ii]hr|[Ii]hnen|[Dd]iese[rs]?|[Dd]a(?:zu|rin|ran|bei|mit|von|runter))\b")


def _heading_before(evidence: Evidence, segments: list[Segment]) -> Segment | None:
    """The heading the evidence's sentence stands under, if any."""
    return next((s for s in reversed(segments) if s.end <= evidence.start and s.is_heading), None)


def _lead_holding(span: tuple[int, int], evidence: Evidence, segments: list[Segment]) -> Segment | None:
    """The segment holding ``span`` when it is the lead or heading the evidence belongs to: a
    heading or a sentence ending in ":" before it, or the sentence a list item hangs under (only
    list items and the headings of their groups between them)."""
    position = next((i for i, s in enumerate(segments) if s.start <= span[0] and span[1] <= s.end), None)
    here = next((i for i, s in enumerate(segments) if s.start <= evidence.start < s.end), None)
    if position is None or here is None or position >= here:
        return None
    holder = segments[position]
    if holder.is_heading or holder.text.rstrip().endswith(":"):
        return holder
    between = segments[position + 1:here + 1]
    return holder if between and all(s.is_list_item or s.is_heading for s in between) else None


def _within(span: tuple[int, int], windows: list[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in windows)


def _span_of(entity_id: str, mentions: list[Mention], windows: list[tuple[int, int]], text: str,
             taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    inside = [m for m in mentions if m.entity_id == entity_id and (m.start, m.end) not in taken
              and _within((m.start, m.end), windows)]
    if inside:
        return inside[0].start, inside[0].end
    names = {n for m in mentions if m.entity_id == entity_id for n in (m.name, m.text, *m.aliases) if len(n) > 1}
    for start, end in windows:
        for name in sorted(names, key=len, reverse=True):
            found = re.search(rf"(?<!\w){re.escape(name)}", text[start:end])
            if found:
                return start + found.start(), start + found.end()
    return None
