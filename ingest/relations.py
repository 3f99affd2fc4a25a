"""Relations from sentences: cue words and verb frames (``data/relation_cues.tsv``) applied to
the mentions of each sentence, with the paragraph's topic standing in for pronouns and for
subjects a list item leaves out.

A cue says which relation a sentence states; its frame says which mentions are subject and
objects (see the cue file's header). The ontology then keeps only the pairs of types the
relation allows, so "KFOR arbeitet ... zusammen" never makes a place cooperate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..graph.model import Evidence
from ..graph.ontology import CRISIS_CONTEXT, EntityType, RelationType
from .mentions import Mention, sentence_starts_with_pronoun
from .qualifiers import is_crisis_context, stated_times
from .text import Segment

_FRAMES = {"forward", "backward", "pairs", "party"}
_SUBJECT_NEAR_START = 14  # characters: "Die NATO …", "Das TMIK …" open with their subject


@dataclass(frozen=True)
class Cue:
    type: RelationType
    frame: str
    cue: re.Pattern
    marker: re.Pattern | None


@dataclass(frozen=True)
class Found:
    """One relation stated by one segment, before it becomes a graph relation."""

    type: RelationType
    source: str
    target: str
    evidence: Evidence


@lru_cache(maxsize=1)
def cues() -> tuple[Cue, ...]:
    data = resources.files("actorgraph.ingest").joinpath("data/relation_cues.tsv").read_text("utf-8")
    rules = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t") + [""]
        type_name, frame, cue, marker = (c.strip() for c in columns[:4])
        if frame not in _FRAMES:
            raise ValueError(f"relation_cues.tsv:{number}: unknown frame {frame!r}")
        rules.append(Cue(RelationType(type_name), frame, re.compile(cue, re.I),
                         re.compile(marker, re.I) if marker else None))
    return tuple(rules)


@lru_cache(maxsize=1)
def any_cue() -> re.Pattern:
    """All cues in one pattern: most sentences have none, and one search tells."""
    return re.compile("|".join(f"(?:{c.cue.pattern})" for c in cues()), re.I)


def _allowed(relation: RelationType, source: Mention, target: Mention) -> bool:
    return source.entity_id != target.entity_id and relation.allows(source.type, target.type)


class RelationFinder:
    """Walks a document's segments in order, keeping the topic (who the text is about)."""

    def __init__(self, doc_id: str, text: str, extractor: str) -> None:
        self.doc_id = doc_id
        self.text = text
        self.extractor = extractor

    def find(self, segments: list[Segment], mentions: list[Mention]) -> list[Found]:
        found: list[Found] = []
        topic: Mention | None = None
        lead: Segment | None = None
        lead_topic: Mention | None = None
        paragraphs = _paragraph_texts(self.text, segments)
        heading_text = ""
        cursor = 0
        for segment in segments:
            inside = []
            while cursor < len(mentions) and mentions[cursor].start < segment.start:
                cursor += 1
            probe = cursor
            while probe < len(mentions) and mentions[probe].end <= segment.end:
                inside.append(mentions[probe])
                probe += 1
            actors = [m for m in inside if m.type.is_actor]
            if segment.is_heading:
                heading_text = segment.text
                lead = None
                if actors:
                    topic = _prefer_bodies(actors)
                continue
            if not segment.is_list_item:
                lead = None
            subject_topic = lead_topic if (segment.is_list_item and lead is not None) else topic
            context_texts = (segment.text, lead.text if lead else "", paragraphs.get(segment.paragraph, ""),
                             heading_text)
            results = self._apply(segment, inside, subject_topic, context_texts, lead) if inside else []
            if inside and segment.is_list_item and lead is not None and not results:
                results = self._apply(segment, inside, subject_topic, context_texts, lead, cue_text=lead.text)
            found.extend(results)
            opening = [m for m in actors if m.start - segment.start <= _SUBJECT_NEAR_START]
            if segment.text.rstrip().endswith(":") and not segment.is_list_item:
                lead = segment
                lead_topic = _prefer_bodies(opening) if opening else topic
            if opening and not segment.is_list_item:
                topic = _prefer_bodies(opening)
        return _dedupe(found)

    def _apply(self, segment: Segment, inside: list[Mention], topic: Mention | None,
               context_texts: tuple[str, ...], lead: Segment | None, cue_text: str | None = None) -> list[Found]:
        """Every relation the cues find in one segment (or, for a list item, in its lead)."""
        text = cue_text if cue_text is not None else segment.text
        if not any_cue().search(text):
            return []
        offset = 0 if cue_text is not None else segment.start
        pronoun = sentence_starts_with_pronoun(segment.text) and not (inside and inside[0].start <= segment.start + 1)
        times = stated_times(segment.text) or (stated_times(lead.text) if lead else {})
        evidence = Evidence(self.doc_id, segment.text, segment.start, segment.end,
                            CRISIS_CONTEXT if is_crisis_context(*context_texts) else None,
                            times.get("since"), times.get("date"), self.extractor)
        results: list[Found] = []
        for rule in cues():
            for match in rule.cue.finditer(text):
                if cue_text is not None:
                    # the lead's cue, this item's mentions: all of them are objects
                    cue_start = cue_end = segment.start
                    marker_start = marker_end = segment.start
                else:
                    cue_start, cue_end = offset + match.start(), offset + match.end()
                    marker_start = marker_end = cue_end
                    if rule.marker is not None:
                        after = rule.marker.search(text, match.end())
                        before = None
                        if after is None:
                            before = [m for m in rule.marker.finditer(text, 0, match.start())]
                            if not before:
                                continue
                            marker_start, marker_end = offset + before[-1].start(), offset + before[-1].end()
                        else:
                            marker_start, marker_end = offset + after.start(), offset + after.end()
                results += self._frame(rule, inside, topic, pronoun, cue_start, cue_end,
                                       marker_start, marker_end, evidence)
        return results

    def _frame(self, rule: Cue, inside: list[Mention], topic: Mention | None, pronoun: bool,
               cue_start: int, cue_end: int, marker_start: int, marker_end: int,
               evidence: Evidence) -> list[Found]:
        relation = rule.type
        marker_before_cue = marker_end <= cue_start and marker_start != cue_end
        if marker_before_cue:
            objects = [m for m in inside if marker_end <= m.start and m.end <= cue_start]
        else:
            objects = [m for m in inside if m.start >= marker_end]
        if rule.frame == "pairs":
            pairs = [(a, b) for i, a in enumerate(objects) for b in objects[i + 1:]]
            return [Found(relation, a.entity_id, b.entity_id, evidence) for a, b in pairs if _allowed(relation, a, b)]
        if rule.frame == "party":
            agreements = [m for m in inside if m.type is EntityType.AGREEMENT]
            parties = [m for m in inside if m.type.is_actor]
            return [Found(relation, p.entity_id, a.entity_id, evidence)
                    for p in parties for a in agreements if _allowed(relation, p, a)]
        if rule.frame == "backward":
            target = next((m for m in inside if m.type.is_actor), None) if not pronoun else topic
            target = target or topic
            if target is None:
                return []
            if rule.marker is None:
                sources = [m for m in inside if target.end <= m.start and m.end <= cue_start]
            else:
                sources = objects
            return [Found(relation, s.entity_id, target.entity_id, evidence)
                    for s in sources if _allowed(relation, s, target)]
        subject = self._subject(inside, topic, pronoun, evidence.start, cue_start, cue_end, marker_start, objects)
        if subject is None:
            return []
        return [Found(relation, subject.entity_id, o.entity_id, evidence)
                for o in objects if o is not subject and _allowed(relation, subject, o)]

    @staticmethod
    def _subject(inside: list[Mention], topic: Mention | None, pronoun: bool, segment_start: int,
                 cue_start: int, cue_end: int, marker_start: int, objects: list[Mention]) -> Mention | None:
        """Who does it: in German verb-second order the subject stands before the verb, or
        right after it when something else opens the sentence; a pronoun means the topic.
        A subject taken from after the cue is removed from ``objects``."""
        actors = [m for m in inside if m.type.is_actor]
        between = [m for m in actors if cue_end <= m.start and m.end <= marker_start]
        right_after = [m for m in actors if 0 <= m.start - cue_end <= 6 and m in objects and len(objects) > 1]
        for candidates in (between, [] if pronoun else right_after):
            if candidates:
                if candidates[0] in objects:
                    objects.remove(candidates[0])
                return candidates[0]
        before = [m for m in actors if m.end <= cue_start]
        if pronoun or not before:
            return topic
        opening = inside[0]
        if opening is before[0] and opening.start - segment_start <= _SUBJECT_NEAR_START:
            return opening
        return before[-1]


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
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
