"""Actor lookup (graph/lookup.py) on a synthetic graph: what the explorer's type-ahead
(``/actors?q=TEXT&limit=10``) and every actor parameter cost.

    python benchmarks/lookup.py                   # 100,000 entities
    python benchmarks/lookup.py --entities 1000000 --runs 5

Prints the time to build the index, then the median time of a search (by text length: one to
three letters match many, a whole name few), of resolving an exact name, and of the
suggestions for a name that is not there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from queries import synthetic_graph  # noqa: E402  (the graph the store benchmark uses)

from actorgraph.graph.lookup import ActorIndex, ActorLookupError  # noqa: E402


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    graph = synthetic_graph(args.entities, args.entities)
    start = time.perf_counter()
    index = ActorIndex(graph)
    print(f"index of {len(graph.entities):,} entities: {time.perf_counter() - start:.2f} s")
    name = sorted(graph.entities.values(), key=lambda e: e.id)[len(graph.entities) // 2].name

    def unknown() -> None:
        try:
            index.resolve(name + " qx")
        except ActorLookupError:
            pass

    for label, text in (("1 letter", name[:1]), ("3 letters", name[:3]), ("a whole name", name),
                        ("a name's middle", name[len(name) // 3:len(name) // 3 + 5])):
        found = len(index.search(text))
        print(f"search {label:16} {text!r:32} {median_ms(lambda: index.search(text), args.runs):8.1f} ms"
              f"  ({found:,} found)")
    print(f"resolve an exact name {median_ms(lambda: index.resolve(name), args.runs):14.3f} ms")
    print(f"suggestions for an unknown name {median_ms(unknown, args.runs):5.1f} ms")


if __name__ == "__main__":
    main()
