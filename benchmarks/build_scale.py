"""A build at scale with every store: a generated collection of German documents whose actor
names and aliases hold each character a CSV loader can trip over, built into the JSON, RDF,
Oxigraph, LadybugDB and Neo4j outputs, with the counts each store holds and the seconds each
step took.

    python benchmarks/build_scale.py                   # 2,000 documents
    python benchmarks/build_scale.py --documents 5000 --workers 2

Every document names three plain actors (two agencies and a foundation); every one of them
also names one troublesome actor: from a gazetteer (comma, semicolon, pipe, backslash, quotes),
from the text ("Stiftung "Zukunft X"", "O'X"), or verbatim between guillemets with a newline
inside (the plug-in extractor of tests/hostile_extractor.py). Their ids sort after the plain
ones, so the first troublesome row of each table comes after row 256: the rows LadybugDB's
CSV reader used to guess the dialect from. tests/test_store_scale.py builds the same collection.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from actorgraph.graph.model import Graph
from actorgraph.ingest.pipeline import Settings

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"  # where the guillemet extractor lives (see the module docstring)
EXTRACTOR = "hostile_extractor:GuillemetOrganisations"

TROUBLESOME = {"comma": ",", "double quote": '"', "single quote": "'", "semicolon": ";", "pipe": "|",
               "backslash": "\\", "newline": "\n"}
SAMPLED_ROWS = 256  # the rows LadybugDB's CSV reader samples when it guesses the dialect

_SYLLABLES = ["bar", "kel", "mon", "dor", "fin", "gal", "hum", "lin",
              "mer", "nor", "pel", "ros", "sal", "tor", "vin", "wal"]  # none starts with z: see _TROUBLE


def word(number: int) -> str:
    """A made-up capitalised word, different for every ``number`` (at least three syllables).

    >>> word(0), word(17)
    ('Barbarbar', 'Barkelkel')
    """
    digits = []
    while number or len(digits) < 3:
        number, digit = divmod(number, len(_SYLLABLES))
        digits.append(_SYLLABLES[digit])
    return "".join(reversed(digits)).capitalize()


def acronym(number: int) -> str:
    """A made-up acronym, different for every ``number``: Q and at least three capitals."""
    letters = []
    while number or len(letters) < 3:
        number, letter = divmod(number, 26)
        letters.append(chr(ord("A") + letter))
    return "Q" + "".join(reversed(letters))


# One troublesome actor per document, in turn: (gazetteer line or None, the sentence naming it).
# Their ids ("agency/zollamt-…", "agency/das-bundesamt-…", "org/stiftung-zukunft-…",
# "org/zentrum-…") sort after the plain "agency/agentur-…", "agency/amt-…" and "org/stiftung-<word>".
_TROUBLE: list[Callable[[str, int], tuple[str | None, str]]] = [
    lambda w, k: (f"agency/zollamt-komma-{k}\tAgency\tZollamt {w}, Steuern und Abgaben\tSteuer-, Zoll- und Abgabenamt {w}",
                  f"Das Zollamt {w}, Steuern und Abgaben prüft die Einfuhren."),
    lambda w, k: (f"agency/zollamt-semikolon-{k}\tAgency\tZollamt {w}; Häfen und Wege\tHafenamt {w}; Wege",
                  f"Das Zollamt {w}; Häfen und Wege prüft die Häfen."),
    lambda w, k: (f"agency/zollamt-pipe-{k}\tAgency\tZollamt {w}|Nord\tZollamt {w} Nord",
                  f"Das Zollamt {w}|Nord prüft die Grenze."),
    lambda w, k: (f"agency/zollamt-backslash-{k}\tAgency\tZollamt {w}\\Süd\tSüdzollamt {w}\\Grenze",
                  f"Das Zollamt {w}\\Süd prüft die Grenze."),
    lambda w, k: (f"agency/zollamt-zitat-{k}\tAgency\tZollamt \"{w}\"\tGrenzamt \"{w}\" am Fluss",
                  f"Das Zollamt \"{w}\" prüft die Grenze."),
    lambda w, k: (f"agency/zollamt-apostroph-{k}\tAgency\tZollamt O'{w}\tO'{w}s Zollamt",
                  f"Das Zollamt O'{w} prüft die Grenze."),
    lambda w, k: (None, f"Die Stiftung \"Zukunft {w}\" ({acronym(10**6 + k)}) fördert die Forschung."),
    lambda w, k: (None, f"Die «Zentrum {w}\nfür Wege, \"Zeit\"; O'Brien|Pipe\\Back» arbeitet mit der NATO zusammen."),
    lambda w, k: (None, f"Die «Zentrum {w}\r\nNord» arbeitet mit der NATO zusammen."),
    lambda w, k: (None, f"Das Bundesamt für O'{w}-Studien ({acronym(2 * 10**6 + k)}) berät die Regierung."),
]


@dataclass
class Collection:
    """A generated collection: the documents' folder and the settings to build it with."""

    documents: Path
    settings: Settings


def generate(folder: Path, documents: int) -> Collection:
    """Write ``documents`` documents under ``folder`` and the gazetteer they need; the settings
    returned name that gazetteer and the guillemet extractor (``tests/`` is put on sys.path)."""
    if str(TESTS) not in sys.path:
        sys.path.append(str(TESTS))
    texts, gazetteer = Path(folder) / "documents", Path(folder) / "gazetteer.tsv"
    texts.mkdir(parents=True, exist_ok=True)
    lines = []
    for number in range(documents):
        first, second = f"Amt für {word(2 * number)}wesen", f"Agentur für {word(2 * number + 1)}fragen"
        entry, trouble = _TROUBLE[number % len(_TROUBLE)](word(number), number)
        if entry:
            lines.append(entry)
        sentences = [f"Das {first} arbeitet mit der {second} zusammen.",
                     f"Die Stiftung {word(number)} ({acronym(number)}) unterstützt das {first} seit {2000 + number % 25}.",
                     trouble,
                     f"Im Jahr {2001 + number % 24} berichtete die {second} über die gemeinsame Arbeit."]
        (texts / f"dokument_{number:05d}.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    gazetteer.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Collection(texts, Settings(gazetteer_files=(str(gazetteer),), extractors=(EXTRACTOR,)))


def troublesome(text: str | None) -> set[str]:
    """The names of the troublesome characters in ``text``."""
    return {name for name, character in TROUBLESOME.items() if character in (text or "")}


def first_troublesome_row(graph: Graph, entity_type: str | None = None) -> int | None:
    """The 0-based row of the first entity (of ``entity_type``, else of all: the links store's
    Actor table) whose name or aliases hold a troublesome character, in the order the CSV
    files are written (by id); None when there is none."""
    entities = [e for e in graph.sorted_entities() if entity_type in (None, e.type.value)]
    return next((row for row, e in enumerate(entities) if troublesome(e.name + "".join(e.aliases))), None)


def _timed(writer: Callable[[Graph, Path], None], seconds: dict[str, float]) -> Callable[[Graph, Path], None]:
    def run(graph: Graph, folder: Path) -> None:
        start = time.perf_counter()
        writer(graph, folder)
        seconds[writer.__name__.removeprefix("_write_")] = time.perf_counter() - start
    return run


def store_counts(build: Path) -> dict[str, int]:
    """What each query store holds: nodes and relations in LadybugDB, actors in its links
    database, actors (subjects with an ``ag:id``) in Oxigraph."""
    from actorgraph.graph.cypher_store import CypherStore
    from actorgraph.graph.sparql_store import open_store, query

    store = CypherStore(build)
    try:
        counts = {"cypher nodes": store.query("MATCH (n) RETURN count(n) AS n")[1][0]["n"],
                  "cypher relations": store.query("MATCH ()-[r]->() RETURN count(r) AS n")[1][0]["n"],
                  "links actors": store.query("MATCH (a:Actor) RETURN count(a) AS n", database="links")[1][0]["n"]}
    finally:
        store.close()
    oxigraph = open_store(build)
    counts["oxigraph actors"] = query(oxigraph, "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e ag:id ?id }")[1][0]["n"]
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=2000, help="documents to generate (default 2000)")
    parser.add_argument("--workers", type=int, default=1, help="extraction processes (default 1)")
    args = parser.parse_args(argv)

    from actorgraph.graph.outputs import STORE_WRITERS, write_outputs
    from actorgraph.ingest.pipeline import build_graph

    folder = Path(tempfile.mkdtemp(prefix="actorgraph-scale-"))
    try:
        collection = generate(folder, args.documents)
        start = time.perf_counter()
        result = build_graph([collection.documents], workers=args.workers, settings=collection.settings)
        extraction = time.perf_counter() - start
        graph = result.graph
        seconds: dict[str, float] = {}
        start = time.perf_counter()
        build = write_outputs(graph, folder / "build", result.skipped,
                              extra=[_timed(w, seconds) for w in STORE_WRITERS], fragments=result.fragments)
        outputs = time.perf_counter() - start
        present = set().union(*(troublesome(e.name + "".join(e.aliases)) for e in graph.entities.values()))
        print(f"documents: {result.documents:,} read, {len(result.skipped)} skipped")
        print(f"graph: {len(graph.entities):,} entities, {len(graph.relations):,} relations")
        print(f"troublesome characters in names/aliases: {', '.join(sorted(present)) or 'none'}; "
              f"first such row of the Actor table: {first_troublesome_row(graph)}")
        for name, count in store_counts(build).items():
            print(f"{name:<18} {count:>8,}")
        print(f"{'extraction s':<18} {extraction:>8.1f}")
        for name, value in seconds.items():
            print(f"{name + ' s':<18} {value:>8.1f}")
        print(f"{'files s':<18} {outputs - sum(seconds.values()):>8.1f}  (graph.json, RDF, GraphML, fragments)")
        print(f"{'all outputs s':<18} {outputs:>8.1f}")
        print(f"{'total s':<18} {extraction + outputs:>8.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
