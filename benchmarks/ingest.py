"""Ingest throughput: words per second for one process and for worker pools, measured side by
side in one run on a generated corpus of at least one million words.

    python benchmarks/ingest.py                    # 1,000,000 words, workers 1 and 2
    python benchmarks/ingest.py --words 200000 --workers 1 2 4 --repeat 3
    python benchmarks/ingest.py --workers 1 --without-model   # the recogniser's cost

The corpus is made from the sentences of data/corpus/ and the development set
(tests/gold/dev/), with every actor, place and competence they name replaced by another
gazetteer entry of the same type, shuffled into documents of 200–900 words: the same kind of
text, with names the bundled documents never use. Figures are medians over --repeat runs.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from actorgraph.ingest.gazetteer import load_gazetteer
from actorgraph.ingest.pipeline import RuleExtractor, Settings, build_graph
from actorgraph.ingest.loaders import load_document
from actorgraph.ingest.text import split_sentences

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "data" / "corpus", ROOT / "tests" / "gold" / "dev"]


def sentence_templates() -> list[list[tuple[str, str | None]]]:
    """Each sentence of the sources as pieces: literal text, or a slot with the type it needs."""
    extractor = RuleExtractor()
    templates = []
    for folder in SOURCES:
        for path in sorted(folder.glob("*.txt")):
            document = load_document(path)
            mentions = extractor.mentions(document)
            for segment in split_sentences(document.text):
                pieces: list[tuple[str, str | None]] = []
                cursor = segment.start
                for mention in (m for m in mentions if segment.start <= m.start and m.end <= segment.end):
                    if mention.start < cursor:
                        continue
                    pieces.append((document.text[cursor:mention.start], None))
                    pieces.append((mention.text, mention.type.value))
                    cursor = mention.end
                pieces.append((document.text[cursor:segment.end], None))
                templates.append(pieces)
    return templates


def generate(folder: Path, words: int, seed: int = 7) -> int:
    """Write documents of generated text into ``folder`` until ``words`` words; returns the count."""
    rng = random.Random(seed)
    names: dict[str, list[str]] = defaultdict(list)
    for entry in load_gazetteer().entries.values():
        names[entry.type.value].append(entry.name)
    templates = sentence_templates()
    written, number = 0, 0
    while written < words:
        target = rng.randint(200, 900)
        lines, count = [], 0
        while count < target:
            sentence = "".join(rng.choice(names[kind]) if kind and names.get(kind) else text
                               for text, kind in rng.choice(templates))
            lines.append(sentence)
            count += len(sentence.split())
            if rng.random() < 0.2:
                lines.append("")  # paragraph breaks
        (folder / f"generated_{number:05d}.txt").write_text("\n".join(lines), encoding="utf-8")
        written += count
        number += 1
    return written


def measure(folder: Path, workers: int, use_model: bool = True) -> tuple[float, int, int]:
    start = time.perf_counter()
    result = build_graph([folder], workers=workers, settings=Settings(use_model=use_model))
    return time.perf_counter() - start, len(result.graph.entities), len(result.graph.relations)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count; the median is printed")
    parser.add_argument("--without-model", action="store_true",
                        help="also one process with the entity recogniser off, for its cost side by side")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="actorgraph-ingest-"))
    try:
        words = generate(folder, args.words)
        files = len(list(folder.iterdir()))
        print(f"corpus: {words:,} words in {files:,} documents ({folder})")
        print(f"{'workers':>7} {'model':>5} {'median s':>9} {'words/s':>10} {'vs 1':>6} {'entities':>9} {'relations':>10}")
        baseline = None
        rows = [(workers, True) for workers in args.workers] + [(1, False)] * args.without_model
        for workers, use_model in rows:
            runs = [measure(folder, workers, use_model) for _ in range(args.repeat)]
            seconds = statistics.median(r[0] for r in runs)
            rate = words / seconds
            baseline = baseline or rate
            print(f"{workers:>7} {'on' if use_model else 'off':>5} {seconds:>9.2f} {rate:>10,.0f} {rate / baseline:>6.2f} "
                  f"{runs[0][1]:>9,} {runs[0][2]:>10,}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of the main process: {peak:,.0f} MiB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
