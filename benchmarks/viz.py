"""The full-graph view at scale: time until headless Chromium has drawn the synthetic graph.

    python benchmarks/viz.py                       # 100,000 entities, 1,000,000 relations
    python benchmarks/viz.py --entities 10000 --relations 100000 --runs 3

Writes the full view (sigma.js, WebGL) of the synthetic graph of benchmarks/queries.py, opens
it in Debian's chromium through Playwright, and prints the page size, the time to write it,
and the median time from opening the page until sigma has rendered it (the page sets
``data-drawn`` after its first render).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from queries import synthetic_graph  # noqa: E402

from actorgraph.api import views  # noqa: E402

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--relations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="page opens; the median is printed")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for a drawing")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("error: no chromium on this machine (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="actorgraph-viz-"))
    try:
        graph = synthetic_graph(args.entities, args.relations)
        started = time.perf_counter()
        page_path = views.write_page(views.full_page(graph), folder / "full.html")
        written = time.perf_counter() - started
        print(f"graph: {len(graph.entities):,} entities, {len(graph.relations):,} relations")
        print(f"page: {page_path.stat().st_size / 2**20:,.1f} MiB, written in {written:.1f} s")
        times = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
            try:
                for run in range(args.runs):
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    errors: list[str] = []
                    page.on("pageerror", lambda e: errors.append(str(e)))
                    started = time.perf_counter()
                    page.goto(page_path.as_uri(), timeout=args.timeout * 1000)
                    page.wait_for_selector("body[data-drawn=true]", timeout=args.timeout * 1000)
                    seconds = time.perf_counter() - started
                    times.append(seconds)
                    if run == 0:
                        page.screenshot(path=str(folder / "full.png"))
                        shutil.copy(folder / "full.png", Path(tempfile.gettempdir()) / "actorgraph-viz-full.png")
                    print(f"run {run + 1}: drawn after {seconds:.1f} s" + (f"; page errors: {errors}" if errors else ""))
                    page.close()
            finally:
                browser.close()
        print(f"median time to draw: {statistics.median(times):.1f} s over {len(times)} runs "
              f"(screenshot: {Path(tempfile.gettempdir()) / 'actorgraph-viz-full.png'})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
