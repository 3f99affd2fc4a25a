"""The learned relation component: a classifier over pairs of mentions in one sentence.

The cue frames (``relations.py``) state what a sentence says where its words match a cue; this
component proposes the relations they miss. For each pair of mentions in a sentence (and, in a
list item, the list lead's subject with each mention of the item) it reads features of the
stretch between them — its words and their stems, prepositions, distance, the mentions in
between, whether they are coordinated or bracketed — and of the two ends (types, subject
position, the publisher's "wir"), and a multinomial logistic regression names the relation and
its direction, or none. The weights are data (``models/relations.json``, trained by
``train_relations.py`` on annotated real pages and the corpus); prediction is a sparse dot
product over the pair's features (numpy), so no learning library runs at build time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Protocol

import numpy

from ..graph.ontology import RelationType
from .german import stem
from .mentions import Mention

NONE = "NONE"
MODEL_FILE = "models/relations.json"
_WORD = re.compile(r"\w[\w.\-]*|[^\w\s]")
_MAX_BETWEEN = 14  # words: a pair farther apart is rarely one statement
_MAX_MENTIONS = 14  # per sentence: enumerations beyond this are lists of names, not statements
_COORDINATION = {",", "und", "oder", "sowie", "bzw", "der", "die", "das", "den", "dem", "des", "(", ")"}
_PREPOSITIONS = {"in", "im", "an", "am", "auf", "aus", "bei", "beim", "mit", "nach", "seit", "von", "vom", "zu",
                 "zum", "zur", "für", "über", "unter", "durch", "gegen", "um", "vor", "zwischen", "innerhalb",
                 "gemeinsam", "seitens", "gemäß", "namens"}
_FIRST_PERSON = {"wir", "uns", "unser", "unsere", "unseren", "unserem", "unserer", "unseres"}


def _words(text: str) -> list[str]:
    """Lower-case words and punctuation marks; a sentence's closing period is no part of its last word."""
    return [w.lower().rstrip(".") if len(w) > 1 else w for w in _WORD.findall(text) if w not in "„“\"»«‚‘’'"]


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


def label_of(relation: RelationType, forward: bool) -> str:
    """The class name of a relation between the first and the second mention of a pair."""
    return f"{relation.value}>" if forward or relation.symmetric else f"{relation.value}<"


def relation_of(label: str) -> tuple[RelationType, bool]:
    """The relation and whether the pair's first mention is its source."""
    return RelationType(label[:-1]), label.endswith(">")


def pair_features(text: str, segment_start: int, segment_end: int, first: Mention, second: Mention,
                  between_mentions: int, first_in_subject_position: bool, lead_words: Iterable[str] = ()) -> list[str]:
    """Binary features of a pair (``first`` before ``second`` in the text, or the lead's subject
    as ``first`` when ``lead_words`` are given)."""
    features = [f"ta={first.type.value}", f"tb={second.type.value}", f"tab={first.type.value}|{second.type.value}"]
    lead = list(lead_words)
    if lead:
        features.append("from_lead")
        features += [f"ls={stem(w)}" for w in lead if w.isalpha() and len(w) > 2]
        between = _words(text[segment_start:second.start])
    else:
        between = _words(text[first.end:second.start])
    features.append(f"nb={_bucket(len(between), (0, 1, 2, 4, 7, 10, 14))}")
    features.append(f"mb={_bucket(between_mentions, (0, 1, 2, 4))}")
    if between and all(w in _COORDINATION for w in between):
        features.append("coordinated")
    if between in (["("], ["(", "in"]):
        features.append("bracketed")
    # stems, not words: with a few thousand pairs, inflected forms and neighbouring words are
    # remembered rather than learned (held-out F1 is higher without them)
    for w in between[:_MAX_BETWEEN]:
        if w.isalpha() and len(w) > 3:
            features.append(f"bs={stem(w)}")
    prepositions = [w for w in between if w in _PREPOSITIONS]
    if prepositions:
        features.append(f"lastprep={prepositions[-1]}")
        features.append(f"lastprep|tb={prepositions[-1]}|{second.type.value}")
    after_second = _words(text[second.end:segment_end])
    if after_second:
        features.append(f"last={after_second[-2] if after_second[-1] in '.:;!?' and len(after_second) > 1 else after_second[-1]}")
    if first_in_subject_position:
        features.append("a_subject")
    if first.text.lower().split()[0] in _FIRST_PERSON:
        features.append("a_publisher")
    if second.text.lower().split()[0] in _FIRST_PERSON:
        features.append("b_publisher")
    if first.compound_owner or second.compound_owner:
        features.append("compound_owner")
    return features


@dataclass(frozen=True)
class Candidate:
    """One pair of mentions in one sentence that the classifier is asked about."""

    first: Mention
    second: Mention
    features: list[str]


class PairModel(Protocol):
    """What :class:`~.relations.RelationFinder` asks of the learned component: the label of a
    pair, or None (also for a pair the cue frames already related, ``covered``)."""

    def decide(self, candidate: Candidate, covered: bool) -> str | None: ...


def candidates(text: str, segment_start: int, segment_end: int, mentions: list[Mention], in_subject_position,
               outside: Iterable[tuple[str, Mention, str]] = ()) -> list[Candidate]:
    """The pairs of a sentence's mentions worth asking about: different entities, at most
    ``_MAX_BETWEEN`` words apart; and each mention with each end named outside the sentence that
    it may speak of (``outside``: kind — "lead", "topic", "publisher" —, the mention, the text
    it stands in)."""
    mentions = [m for m in mentions if not m.compound_owner][:_MAX_MENTIONS]
    pairs: list[Candidate] = []
    for i, first in enumerate(mentions):
        subject = in_subject_position(first)
        for j in range(i + 1, len(mentions)):
            second = mentions[j]
            if second.entity_id == first.entity_id or second.start < first.end:
                continue
            if len(_words(text[first.end:second.start])) > _MAX_BETWEEN:
                break
            between = sum(1 for m in mentions[i + 1:j] if m.start >= first.end)
            pairs.append(Candidate(first, second, pair_features(text, segment_start, segment_end, first, second,
                                                                between, subject)))
    named_here = {m.entity_id for m in mentions}
    asked = set()
    for kind, end, context in outside:
        if end is None or end.entity_id in asked:
            continue
        asked.add(end.entity_id)
        context_words = _words(context) if kind == "lead" else []
        for index, second in enumerate(mentions):
            if second.entity_id != end.entity_id:
                features = pair_features(text, segment_start, segment_end, end, second, index, True,
                                         context_words or [kind])
                features += [f"outside={kind}", f"outside_named_here={end.entity_id in named_here}"]
                pairs.append(Candidate(end, second, features))
    return pairs


class RelationClassifier:
    """A trained multinomial logistic regression over :func:`pair_features`."""

    def __init__(self, model: dict) -> None:
        self.labels: list[str] = model["labels"]
        self.intercepts: list[float] = model["intercepts"]
        self.rows = {feature: row for row, feature in enumerate(sorted(model["weights"]))}
        self.weights = numpy.zeros((len(self.rows) + 1, len(self.labels)))  # the last row: unknown features
        for feature, entries in model["weights"].items():
            for label, weight in entries:
                self.weights[self.rows[feature], label] = weight
        self.threshold: float = model["threshold"]
        self.none = self.labels.index(NONE)

    def probabilities(self, features: Iterable[str]) -> list[float]:
        """The softmax over the labels for one pair."""
        unknown = len(self.rows)
        rows = sorted({self.rows.get(feature, unknown) for feature in features})
        scores = self.weights[rows].sum(axis=0) + self.intercepts
        exps = numpy.exp(scores - scores.max())
        return (exps / exps.sum()).tolist()

    def decide(self, candidate: Candidate, covered: bool) -> str | None:
        """The pair's relation label when the model is sure enough and the cue frames said nothing."""
        if covered:
            return None
        return choose(dict(zip(self.labels, self.probabilities(candidate.features))), candidate, self.threshold)


def choose(probabilities: dict[str, float], candidate: Candidate, threshold: float) -> str | None:
    """The most probable label the ontology allows between the pair's types, when the pair is
    related (one minus the probability of none) at least ``threshold``."""
    if 1.0 - probabilities.get(NONE, 0.0) < threshold:
        return None
    allowed = []
    for label, probability in probabilities.items():
        if label == NONE:
            continue
        relation, forward = relation_of(label)
        source, target = (candidate.first, candidate.second) if forward else (candidate.second, candidate.first)
        if source.entity_id != target.entity_id and relation.allows(source.type, target.type):
            allowed.append((probability, label))
    return max(allowed)[1] if allowed else None


@lru_cache(maxsize=1)
def shared_classifier() -> RelationClassifier | None:
    """The packaged model, loaded once per process; None when the package ships none."""
    path = resources.files("actorgraph.ingest").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    return RelationClassifier(json.loads(path.read_text("utf-8")))
