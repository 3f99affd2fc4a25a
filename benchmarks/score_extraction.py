"""Score extraction against the hand-annotated gold files and print P/R/F1.

    python benchmarks/score_extraction.py                   # every set
    python benchmarks/score_extraction.py --set check       # the held-out real pages
    python benchmarks/score_extraction.py --set tune --details
    python benchmarks/score_extraction.py --set check --json
    python benchmarks/score_extraction.py --set dev --relation-model   # with the learned relations

The quality figures are ``tune`` and ``check``: real pages quoted as published
(tests/gold/real/, sources in SOURCES.md), annotated by reading. ``check`` has publishers
that ``tune`` has not and is never studied while improving the extractor. ``corpus`` (the
five bundled documents) and ``dev`` (paragraphs written in this repository) are regression
sets, not quality figures. ``--details`` lists misses and false positives; ``--json``
prints the figures as one JSON object per set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from actorgraph.ingest.evaluation import Report, parse_gold, score
from actorgraph.ingest.pipeline import Settings, build_graph

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold"
# set → (documents, gold files)
SETS = {
    "tune": (GOLD / "real" / "tune", sorted((GOLD / "real").glob("tune-*.gold"))),
    "check": (GOLD / "real" / "check", [GOLD / "real" / "check.gold"]),
    "corpus": (ROOT / "data" / "corpus", [GOLD / "corpus.gold"]),
    "dev": (GOLD / "dev", [GOLD / "dev.gold"]),
}


def score_set(name: str, relation_model: bool = False) -> tuple[Report, int]:
    """The report for one set (with the learned relation component if asked), and how many
    documents were read."""
    folder, gold_files = SETS[name]
    gold = parse_gold("\n".join(path.read_text(encoding="utf-8") for path in gold_files), name)
    result = build_graph([folder], settings=Settings(use_relation_model=relation_model))
    return score(result.graph, gold), result.documents


def as_json(name: str, report: Report, documents: int) -> dict:
    """The figures in the shape issue #11 fixed: entities p/r/f1/typed_recall, relations p/r/f1."""
    entities, typed, relations = report.entities, report.typed_entities, report.relations
    return {"set": name, "documents": documents,
            "entities": {"p": round(entities.precision, 4), "r": round(entities.recall, 4),
                         "f1": round(entities.f1, 4), "typed_recall": round(typed.recall, 4)},
            "relations": {"p": round(relations.precision, 4), "r": round(relations.recall, 4),
                          "f1": round(relations.f1, 4)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--details", action="store_true", help="list misses and false positives")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON, one object per set")
    parser.add_argument("--relation-model", action="store_true",
                        help="with the learned relation component (as `actorgraph build --relation-model`)")
    args = parser.parse_args(argv)
    for name in (SETS if args.set == "all" else [args.set]):
        report, documents = score_set(name, args.relation_model)
        if args.json:
            print(json.dumps(as_json(name, report, documents)))
            continue
        folder, gold_files = SETS[name]
        role = "quality figure" if name in ("tune", "check") else "regression set"
        print(f"== {name} ({role}): {folder.relative_to(ROOT)} ({documents} documents) vs "
              f"{', '.join(str(p.relative_to(ROOT)) for p in gold_files)}")
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
