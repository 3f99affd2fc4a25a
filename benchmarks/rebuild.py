"""What the fragment cache saves: extraction and merge of a generated collection built cold,
rebuilt with nothing changed, and rebuilt with 1% of its documents changed, into the same
build folder (ingest/cache.py). Stores are not written: they cost the same either way.

    python benchmarks/rebuild.py                          # 1,000 documents, 3 runs each
    python benchmarks/rebuild.py --documents 10000 --repeat 1 --workers 2

The collection is that of benchmarks/build_scale.py. Figures are medians over --repeat runs;
each run starts from a fresh copy of the collection and an empty cache.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_scale import generate  # noqa: E402

from actorgraph.ingest.pipeline import build_graph  # noqa: E402


def change(folder: Path, share: float) -> int:
    """Append a sentence to every 1/share-th document; returns how many changed."""
    files = sorted(folder.iterdir())
    step = max(1, round(1 / share))
    for path in files[::step]:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("Die Zusammenarbeit wird im kommenden Jahr fortgesetzt.\n")
    return len(files[::step])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000, help="documents to generate (default 1000)")
    parser.add_argument("--workers", type=int, default=1, help="extraction processes (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step (default 3)")
    parser.add_argument("--changed", type=float, default=0.01, help="share of documents changed (default 0.01)")
    args = parser.parse_args(argv)

    seconds: dict[str, list[float]] = {"cold": [], "unchanged": [], "changed": []}
    extracted: dict[str, int] = {}
    folder = Path(tempfile.mkdtemp(prefix="actorgraph-rebuild-"))
    try:
        collection = generate(folder / "collection", args.documents)
        for run in range(args.repeat):
            documents = folder / f"run-{run}"
            shutil.copytree(collection.documents, documents)
            out = folder / f"out-{run}"
            for step in seconds:
                if step == "changed":
                    change(documents, args.changed)
                start = time.perf_counter()
                result = build_graph([documents], workers=args.workers, settings=collection.settings, cache_in=out)
                seconds[step].append(time.perf_counter() - start)
                extracted[step] = result.extracted
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cold = statistics.median(seconds["cold"])
    print(f"{args.documents:,} documents, {args.workers} worker(s), median of {args.repeat}")
    for step, values in seconds.items():
        median = statistics.median(values)
        print(f"{step:<10} {median:>8.2f} s  {median / cold:>6.1%} of cold  ({extracted[step]:,} extracted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
