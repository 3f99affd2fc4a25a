"""Run every hostile query and upload of tests/hostile_catalogue.py against a real server, as an
outsider would, and print one line per attack with its status and seconds, and the server's peak
memory (the server and its workers, sampled every 50 ms).

    python benchmarks/attack_server.py                      # serves a copy of ./build itself
    python benchmarks/attack_server.py --build other/build --timeout 5
    python benchmarks/attack_server.py --url http://127.0.0.1:8000 --api-key KEY --pid 1234

With ``--url`` the server is yours (``--pid`` lets the script sample its memory); without it the
script starts ``actorgraph serve`` on a temporary copy of the build with a key, an upload folder
and the given query time limit, so the build you point at is never changed. Requests go to
127.0.0.1 only. Exit status 1 when an attack did not fail safely.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers import LiveServer  # noqa: E402
from hostile_catalogue import Target, run_all_sampling_memory, table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=ROOT / "build", help="the build to serve a copy of")
    parser.add_argument("--url", help="attack a server that is already running (on 127.0.0.1)")
    parser.add_argument("--api-key", help="the running server's key (upload attacks need it)")
    parser.add_argument("--pid", type=int, help="the running server's process id, to sample its memory")
    parser.add_argument("--timeout", type=float, default=3.0, help="query time limit in seconds (default 3)")
    args = parser.parse_args(argv)
    if args.url:
        if not args.url.startswith(("http://127.0.0.1", "http://localhost")):
            parser.error("--url: only a server on 127.0.0.1 is attacked")
        return _attack(Target(args.url, args.timeout, args.api_key, Path(tempfile.mkdtemp())), args.pid)
    if not (args.build / "graph.json").exists():
        parser.error(f"{args.build}: no build there; run `actorgraph build` first or give --build")
    with tempfile.TemporaryDirectory(prefix="actorgraph-attack-") as scratch:
        folder = Path(scratch)
        shutil.copytree(args.build, folder / "build", symlinks=True)
        canaries = folder / "canaries"
        canaries.mkdir()
        key = "attack-" + folder.name
        server = LiveServer(folder / "build", "--api-key", key, "--upload-dir", str(folder / "uploads"),
                            "--query-timeout", str(args.timeout))
        with server as base:
            return _attack(Target(base, args.timeout, key, canaries), server.pid)


def _attack(target: Target, pid: int | None) -> int:
    outcomes, peak = run_all_sampling_memory(target, pid, uploads=bool(target.api_key))
    print(table(outcomes))
    if pid:
        print(f"peak memory of the server and its workers: {peak / 2**20:.0f} MiB (limit 2048 MiB)")
    return 0 if all(o.ok for o in outcomes) and peak < 2 * 2**30 else 1


if __name__ == "__main__":
    sys.exit(main())
