"""HTML loading time against nesting depth: linear means about 10x the time for 10x the depth.

    python benchmarks/loaders.py                  # depths 1,000 / 10,000 / 100,000, 3 runs each
    python benchmarks/loaders.py --repeat 5 --shapes div table

Each shape is a page of N nested (or unclosed) elements with a word in each, written to a
temporary file and read through ``load_document``, as an upload is; every depth of every
shape is measured side by side in this one run, and the median of --repeat runs printed,
with the ratio to the depth ten times smaller. For comparison, the parser alone (Lexbor,
without ``bounded_markup`` in front) is timed on the nested divs up to --raw-max-depth:
it is quadratic, which is why the bounding pass exists.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from actorgraph.ingest.loaders import load_document

DEPTHS = (1_000, 10_000, 100_000)
SHAPES: dict[str, Callable[[int], str]] = {
    "div": lambda n: "<html><body>" + "<div>Wort " * n + "Ende" + "</div>" * n + "</body></html>",
    "unclosed-p-b": lambda n: "<p><b>Wort " * n + "Ende",
    "table": lambda n: "<table><tr><td>Wort " * n + "Ende",
    "list": lambda n: "<ul><li>Wort " * n + "Ende",
    "formatting": lambda n: "<p>" + "".join(f"<b id={i}>" for i in range(100)) + "<p>Wort " * n + "Ende",
}


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load_seconds(folder: Path, page: str, repeat: int) -> float:
    """Median seconds to load ``page`` from a file, as the build and uploads do."""
    path = folder / "page.html"
    path.write_text(page, encoding="utf-8")
    return median_seconds(lambda: load_document(path), repeat)


def raw_parse_seconds(page: str, repeat: int) -> float:
    """Median seconds for Lexbor alone to parse ``page`` (no bounding pass)."""
    from selectolax.lexbor import LexborHTMLParser

    return median_seconds(lambda: LexborHTMLParser(page), repeat)


def report(label: str, seconds: dict[int, float]) -> None:
    """One line: seconds per depth, and the ratio per tenfold step."""
    cells, previous = [], None
    for depth, value in seconds.items():
        ratio = f" (x{value / previous:.1f})" if previous else ""
        cells.append(f"{depth:>7,}: {value:8.4f} s{ratio}")
        previous = value
    print(f"{label:<30} " + "   ".join(cells), flush=True)


def main() -> None:
    """Measure every shape at every depth and print medians and tenfold ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--raw-max-depth", type=int, default=10_000,
                        help="largest depth at which to time Lexbor without the bounding pass (0: none)")
    args = parser.parse_args()
    print(f"median of {args.repeat} runs; (xN) = time / time at a tenth of the depth, linear ≈ 10")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes:
            report(f"load_document {shape}",
                   {n: load_seconds(Path(tmp), SHAPES[shape](n), args.repeat) for n in args.depths})
    raw_depths = [n for n in args.depths if n <= args.raw_max_depth]
    if raw_depths:
        report("Lexbor alone, div", {n: raw_parse_seconds(SHAPES["div"](n), args.repeat) for n in raw_depths})


if __name__ == "__main__":
    main()
