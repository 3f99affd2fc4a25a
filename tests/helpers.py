"""Helpers the tests share: where the repository and corpus are, and how to run the real
``actorgraph`` command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"


def load_script(path: Path):
    """A script that is no module of the package (benchmarks/, ingest/data/build_*.py) as a
    module, loaded once and registered under its name (dataclasses look their module up)."""
    import importlib.util

    name = path.stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def benchmark(name: str):
    """``benchmarks/<name>.py`` as a module."""
    return load_script(ROOT / "benchmarks" / f"{name}.py")


def actorgraph_command() -> list[str]:
    """The installed entry point beside this interpreter (what a user runs after pip install)."""
    script = Path(sys.executable).parent / "actorgraph"
    assert script.exists(), f"the actorgraph entry point is not installed next to {sys.executable}"
    return [str(script)]


def run_cli(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    result = subprocess.run(actorgraph_command() + list(args), cwd=cwd or ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"actorgraph {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """`actorgraph serve` in its own process on a free port. Its log goes to a file, not a pipe:
    a pipe nobody reads fills up after a few thousand access lines and stops the server."""

    def __init__(self, out: Path, *extra: str) -> None:
        self.out, self.extra = out, extra

    def __enter__(self) -> str:
        port = free_port()
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(actorgraph_command() + ["serve", "--out", str(self.out), "--port", str(port),
                                                                *self.extra],
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True)
        self.pid = self.process.pid  # the server itself; query and extraction workers are its children
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/health", timeout=2)
                return base
            except httpx.TransportError:
                assert self.process.poll() is None, self.output()
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.2)

    def output(self) -> str:
        """What the server has logged so far."""
        self.log.seek(0)
        return self.log.read()

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()



def tree_resident_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (a server and its workers), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
        todo += children.get(current, [])
    return total
