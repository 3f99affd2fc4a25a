"""The API over HTTP: in-process through the ASGI client, and a real `actorgraph serve` process."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx
from fastapi.testclient import TestClient

from actorgraph.api.app import create_app

from helpers import actorgraph_command


def test_health_reports_the_graph_size(built, graph_data):
    client = TestClient(create_app(built))
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["entities"] == len(graph_data["nodes"]) and body["relations"] == len(graph_data["edges"])
    assert client.get("/graph.json").json() == graph_data
    assert "/health" in client.get("/openapi.json").json()["paths"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_actorgraph_serve_answers_over_real_http(built, graph_data):
    port = _free_port()
    process = subprocess.Popen(actorgraph_command() + ["serve", "--out", str(built), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.2)
        assert response.json()["entities"] == len(graph_data["nodes"])
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_without_a_build_says_what_to_do(tmp_path):
    result = subprocess.run(actorgraph_command() + ["serve", "--out", str(tmp_path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "actorgraph build" in result.stderr and "Traceback" not in result.stderr
