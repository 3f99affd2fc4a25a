"""What an operator can set for the HTTP API: options of ``actorgraph serve``, or environment
variables (``ACTORGRAPH_API_KEY`` and the others below) when the app is created elsewhere."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .query_workers import Limits


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in os.environ.get(name, "").split(",") if v.strip())


@dataclass(frozen=True)
class ApiSettings:
    """Limits and keys of one server.

    ``api_key``: the key ``POST /documents`` requires (header ``X-API-Key`` or
    ``Authorization: Bearer``); without one configured, uploads are refused for everyone.
    ``upload_dir``: where uploaded documents are kept (default ``data/corpus/uploads`` under the
    working folder, so the next ``actorgraph build`` reads them too).
    ``query_*``, ``max_rows``, ``max_answer_bytes``: what one Cypher or SPARQL query may take
    (seconds, MiB of its worker process, rows, bytes); ``query_workers``: how many run at once.
    ``sparql_services``: endpoints a SPARQL ``SERVICE`` clause may call (none by default).
    ``upload_timeout_s``: how long extracting one uploaded document may take.
    ``max_export_nodes``: the most nodes a GEXF or GraphML export (``/export``) holds.
    """

    api_key: str | None = None
    upload_dir: Path = Path("data/corpus/uploads")
    max_upload_bytes: int = 10_000_000
    cors_origins: tuple[str, ...] = ()
    query_timeout_s: float = 10.0
    max_rows: int = 10_000
    max_limit: int = 1_000
    max_query_chars: int = 100_000
    query_workers: int = 2
    query_memory_mb: int = 768
    max_answer_bytes: int = 50_000_000
    sparql_services: tuple[str, ...] = ()
    upload_timeout_s: float = 120.0
    max_export_nodes: int = 200_000

    def query_limits(self) -> "Limits":
        """The limits every Cypher and SPARQL query from outside runs under."""
        from .query_workers import Limits

        return Limits(timeout_s=self.query_timeout_s, memory_bytes=self.query_memory_mb * 2**20,
                      max_rows=self.max_rows, max_bytes=self.max_answer_bytes,
                      sparql_services=self.sparql_services)

    @classmethod
    def from_env(cls, **overrides: object) -> "ApiSettings":
        """Settings from ``ACTORGRAPH_*`` environment variables; ``overrides`` that are not
        None win."""
        env = os.environ
        values: dict[str, object] = {
            "api_key": env.get("ACTORGRAPH_API_KEY") or None,
            "upload_dir": Path(env.get("ACTORGRAPH_UPLOAD_DIR", "data/corpus/uploads")),
            "max_upload_bytes": int(env.get("ACTORGRAPH_MAX_UPLOAD_BYTES", 10_000_000)),
            "cors_origins": _env_list("ACTORGRAPH_CORS_ORIGINS"),
            "query_timeout_s": float(env.get("ACTORGRAPH_QUERY_TIMEOUT", 10.0)),
            "max_rows": int(env.get("ACTORGRAPH_MAX_ROWS", 10_000)),
            "query_workers": int(env.get("ACTORGRAPH_QUERY_WORKERS", 2)),
            "query_memory_mb": int(env.get("ACTORGRAPH_QUERY_MEMORY_MB", 768)),
            "max_answer_bytes": int(env.get("ACTORGRAPH_MAX_ANSWER_BYTES", 50_000_000)),
            "sparql_services": _env_list("ACTORGRAPH_SPARQL_SERVICES"),
            "upload_timeout_s": float(env.get("ACTORGRAPH_UPLOAD_TIMEOUT", 120.0)),
            "max_export_nodes": int(env.get("ACTORGRAPH_MAX_EXPORT_NODES", 200_000)),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
