"""Which language a document is written in, so a build can say which documents are not German.

The detector is lingua's, restricted to the languages such collections hold (German, English,
French, Dutch, Italian), in its low-accuracy mode (trigram models only: about 40 MB and a tenth
of a second to build, once per process) and fed a fixed-size sample of the text, so its cost
per document does not grow with the document. Nothing is downloaded: the models ship in the
package.

>>> detect_language("Die Bundesregierung arbeitet eng mit den Vereinten Nationen zusammen.")
'de'
>>> detect_language("NATO")  # too short to tell
''
"""

from __future__ import annotations

from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES = (Language.GERMAN, Language.ENGLISH, Language.FRENCH, Language.DUTCH, Language.ITALIAN)
MIN_LETTERS = 20  # below this a text is too short to tell: its language is ""
SAMPLE_WINDOWS = 3  # stretches of text taken from the start, middle and end of a long document
WINDOW_CHARACTERS = 300


@cache
def detector() -> LanguageDetector:
    """The one detector of this process, built on first use (workers each build their own)."""
    return (LanguageDetectorBuilder.from_languages(*LANGUAGES)
            .with_low_accuracy_mode().with_preloaded_language_models().build())


def sample(text: str) -> str:
    """At most ``SAMPLE_WINDOWS`` windows of ``WINDOW_CHARACTERS`` spread over ``text``, cut at
    spaces: enough to tell the language, and the same cost for a page as for a book."""
    if len(text) <= SAMPLE_WINDOWS * WINDOW_CHARACTERS:
        return text
    step = (len(text) - WINDOW_CHARACTERS) // (SAMPLE_WINDOWS - 1)
    windows = []
    for start in range(0, step * SAMPLE_WINDOWS, step):
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < start + WINDOW_CHARACTERS // 2 else start
        window = text[start:start + WINDOW_CHARACTERS]
        space = window.rfind(" ")
        windows.append(window[:space] if space > WINDOW_CHARACTERS // 2 else window)
    return " … ".join(windows)


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is written in, or "" when it is too short or
    the detector cannot decide."""
    piece = sample(text)
    if sum(ch.isalpha() for ch in piece) < MIN_LETTERS:
        return ""
    language = detector().detect_language_of(piece)
    return language.iso_code_639_1.name.lower() if language is not None else ""


__all__ = ["LANGUAGES", "detect_language", "detector", "sample"]
