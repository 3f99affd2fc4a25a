"""A fast tokenizer for the blank German spaCy pipeline.

spaCy's rule-based tokenizer handles many languages' special cases we do not need (names are
matched on stems, sentences split by :mod:`~actorgraph.ingest.text`); measured here it ran at
about a fifth of the speed of this one. Tokens are words (with inner hyphens and apostrophes:
"NATO-Verbündeten", "Anti-IS-Koalition", and a trailing hyphen: "Melde-"), numbers and single
punctuation marks. White space other than one space after a token becomes a space token, as
spaCy does, so ``doc.text`` is the input and character offsets are exact.

>>> import spacy
>>> nlp = spacy.blank("de"); nlp.tokenizer = GermanTokenizer(nlp.vocab)
>>> [t.text for t in nlp("Das NCCN (Belgien):\\n\\n• Melde- und Lagezentrum")]
['Das', 'NCCN', '(', 'Belgien', ')', ':', '\\n\\n', '•', 'Melde-', 'und', 'Lagezentrum']
"""

from __future__ import annotations

import re

from spacy.tokens import Doc
from spacy.vocab import Vocab

TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*-?|\S")


class GermanTokenizer:
    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words, spaces = self.split(text)
        return Doc(self.vocab, words=words, spaces=spaces)

    @classmethod
    def split(cls, text: str) -> tuple[list[str], list[bool]]:
        """The words of the Doc this tokenizer makes of ``text``, and whether a space follows
        each: for tokens as strings without the cost of a Doc (and of its vocabulary entries)."""
        words: list[str] = []
        spaces: list[bool] = []
        position = 0
        for match in TOKEN.finditer(text):
            start = match.start()
            if start > position:
                cls._gap(text[position:start], words, spaces)
            words.append(match.group())
            spaces.append(False)
            position = match.end()
        if position < len(text):
            cls._gap(text[position:], words, spaces)
        return words, spaces

    @staticmethod
    def _gap(gap: str, words: list[str], spaces: list[bool]) -> None:
        if gap.startswith(" ") and words and not words[-1].isspace():
            spaces[-1] = True
            gap = gap[1:]
        if gap:
            words.append(gap)
            spaces.append(False)

    # spaCy calls these when a pipeline is saved or loaded; there is nothing to keep.
    def to_bytes(self, **_kwargs) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **_kwargs) -> "GermanTokenizer":
        return self

    def to_disk(self, _path, **_kwargs) -> None:
        return None

    def from_disk(self, _path, **_kwargs) -> "GermanTokenizer":
        return self
