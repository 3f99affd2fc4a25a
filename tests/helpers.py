"""Helpers the tests share: where the repository and corpus are, and how to run the real
``actorgraph`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"


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
