"""Score extraction against the hand-annotated gold files and print P/R/F1.

    python benchmarks/score_extraction.py              # corpus and development set
    python benchmarks/score_extraction.py --set dev --details

The corpus is data/corpus/ against tests/gold/corpus.gold; the development set is
tests/gold/dev/ against tests/gold/dev.gold. ``--details`` lists misses and false positives.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from actorgraph.ingest.evaluation import load_gold, score
from actorgraph.ingest.pipeline import build_graph

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "corpus": (ROOT / "data" / "corpus", ROOT / "tests" / "gold" / "corpus.gold"),
    "dev": (ROOT / "tests" / "gold" / "dev", ROOT / "tests" / "gold" / "dev.gold"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--details", action="store_true", help="list misses and false positives")
    args = parser.parse_args(argv)
    for name in (SETS if args.set == "all" else [args.set]):
        folder, gold_path = SETS[name]
        result = build_graph([folder])
        report = score(result.graph, load_gold(gold_path))
        print(f"== {name}: {folder.relative_to(ROOT)} ({result.documents} documents) vs {gold_path.relative_to(ROOT)}")
        print(report.table())
        if args.details:
            for title, items in (("missed entities", report.missed_entities), ("wrong type", report.wrong_type),
                                 ("extra entities", report.extra_entities),
                                 ("missed relations", report.missed_relations),
                                 ("extra relations", report.extra_relations)):
                print(f"-- {title} ({len(items)})")
                for item in items:
                    print(f"   {item}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
