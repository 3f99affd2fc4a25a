"""``actorgraph build --dask ADDRESS``: extraction on a dask.distributed cluster of two worker
processes gives the graph of a local build byte for byte."""

from __future__ import annotations

import pytest

from helpers import run_cli
from test_fragment_cache import build, make_corpus

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as local:
        yield local


def test_a_dask_build_equals_the_local_build_byte_for_byte(cluster, tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    local = tmp_path / "local"
    build(corpus, local, "--no-cache")
    on_dask = tmp_path / "dask"
    cached, extracted, stderr = build(corpus, on_dask, "--dask", cluster.scheduler_address)
    assert (cached, extracted) == (0, 7)
    assert f"on the Dask cluster at {cluster.scheduler_address}" in stderr
    with distributed.Client(cluster.scheduler_address) as client:  # the workers did the extracting
        tasks_run = client.run(_tasks_run_here)
    assert sum(tasks_run.values()) >= 1
    for name in ("graph.json", "graph.ttl", "fragments.jsonl"):
        assert (on_dask / name).read_bytes() == (local / name).read_bytes(), name

    cached, extracted, _ = build(corpus, on_dask, "--dask", cluster.scheduler_address)
    assert (cached, extracted) == (7, 0)  # the client consults the cache before the cluster


def test_an_unreachable_scheduler_is_one_line_without_traceback(tmp_path):
    from helpers import free_port

    result = run_cli("build", "--out", str(tmp_path / "out"), "--dask", f"tcp://127.0.0.1:{free_port()}")
    assert result.returncode != 0
    assert "no Dask scheduler answers at" in result.stderr
    assert "Traceback" not in result.stderr


def _tasks_run_here() -> int:
    """On a worker: how many times it set up the settings a task of a build brings."""
    from actorgraph.ingest.distributed import _settings_here

    return _settings_here.cache_info().misses
