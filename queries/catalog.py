"""The named questions: one ``.cypher`` and one ``.rq`` file each, described in ``catalog.json``.

Both engines answer with the same rows: the catalog lists each question's columns; Cypher lists
and SPARQL ``CONCAT`` strings meet as ``" > "``-joined text, missing values are ``None`` in both,
and rows come back sorted. Parameters are bound by the engines (``$name`` in Cypher,
``?param_<name>`` in SPARQL), never spliced into query text. Questions that neither language
answers well (``brokers``, ``communities``) run on the networkx view and say so.

>>> [q.name for q in load_catalog()][:3]
['crisis-coordination', 'actor-profile', 'path']
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ..graph.model import Graph

ENGINES = ("cypher", "sparql", "networkx")


class QuestionError(ValueError):
    """An unknown question, engine or parameter; the message says which and what is allowed."""


@dataclass(frozen=True)
class Parameter:
    name: str
    required: bool
    description: str
    kind: str = "text"  # "actor": an id, name or alias, resolved by graph/lookup.py before a query sees it


@dataclass(frozen=True)
class Question:
    name: str
    description: str
    parameters: tuple[Parameter, ...]
    columns: tuple[str, ...]
    engines: tuple[str, ...]

    def text(self, engine: str) -> str:
        """The query text for ``engine`` (``cypher`` or ``sparql``)."""
        suffix = {"cypher": "cypher", "sparql": "rq"}[engine]
        return resources.files("actorgraph.queries").joinpath(f"{self.name}.{suffix}").read_text("utf-8")

    def sparql_forms(self, params: dict[str, Any]) -> list[str]:
        """The SPARQL queries to run, in order, until one has rows (see :func:`sparql_forms`)."""
        return sparql_forms(self.text("sparql"), params)

    def check(self, params: dict[str, Any], engine: str) -> dict[str, Any]:
        """The parameters, checked: unknown ones and missing required ones are refused."""
        if engine not in self.engines:
            raise QuestionError(f"question {self.name!r} runs on {', '.join(self.engines)}, not {engine!r}")
        known = {p.name for p in self.parameters}
        unknown = sorted(set(params) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise QuestionError(f"unknown parameter {unknown[0]!r} for question {self.name!r} (parameters: {allowed})")
        missing = [p.name for p in self.parameters if p.required and not params.get(p.name)]
        if missing:
            raise QuestionError(f"question {self.name!r} needs parameter {missing[0]!r} (-p {missing[0]}=VALUE)")
        return {k: v for k, v in params.items() if v not in (None, "")}


def sparql_forms(text: str, params: dict[str, Any]) -> list[str]:
    r"""The SPARQL queries of a ``.rq`` text to run, in order, until one has rows.

    A ``.rq`` file may hold several forms, each after a ``#-- `` line: ``#-- if NAME`` /
    ``#-- else`` (with and without an optional parameter, so a given actor is looked up
    through the store's indexes first), or ``#-- step`` forms tried in order (``path``: one
    per number of hops, as SPARQL has no shortest-path operator).

    >>> sparql_forms("#-- if actor\nSELECT 1\n#-- else\nSELECT 2\n", {"actor": ""})
    ['\nSELECT 2\n']
    """
    pieces = re.split(r"^#-- (.*)$", text, flags=re.M)
    if len(pieces) == 1:
        return [text]
    forms = list(zip(pieces[1::2], pieces[2::2]))
    steps = [body for head, body in forms if head.strip() == "step"]
    if steps:
        return steps
    for head, body in forms:
        words = head.split()
        if words[0] == "if" and params.get(words[1]):
            return [body]
    return [body for head, body in forms if head.strip() == "else"][:1]


def protocol_form(text: str, params: dict[str, Any] | None = None) -> str:
    r"""One query of a ``.rq`` text that runs where no bindings can be passed along (the SPARQL
    protocol, the explorer's console): the form its parameters (by default its example values)
    choose, its ``?param_NAME`` variables bound by a VALUES clause; ``#-- step`` forms become
    one query, each step a subquery with its own VALUES (by ``?hops`` where they count them).

    >>> text = '# param actor = "NATO"\n#-- if actor\nSELECT ?param_actor WHERE {}\n#-- else\nSELECT 2\n'
    >>> print(protocol_form(text).strip())
    SELECT ?param_actor WHERE {}
    VALUES (?param_actor) { ("NATO") }
    """
    params = example_parameters(text) if params is None else params
    forms = sparql_forms(text, params)

    def bound(form: str) -> str:
        names = [name for name in params if f"?param_{name}" in form]
        if not names:
            return form
        values = " ".join(json.dumps(str(params[name]), ensure_ascii=False) for name in names)
        return f"{form.rstrip()}\nVALUES ({' '.join('?param_' + n for n in names)}) {{ ({values}) }}\n"

    if len(forms) == 1:
        return bound(forms[0])
    steps = "\n  UNION\n".join("  { " + bound(form).strip().replace("\n", "\n    ") + "\n  }" for form in forms)
    order = "ORDER BY ?hops\n" if all("?hops" in form for form in forms) else ""
    return f"SELECT * WHERE {{\n{steps}\n}}\n{order}"


_EXAMPLE = re.compile(r"^\s*(?://|#)\s*param\s+(\w+)\s*=\s*(.+?)\s*$", re.M)


def example_parameters(text: str) -> dict[str, Any]:
    r"""The parameter values a query file runs with when none are given: its lines
    ``// param NAME = VALUE`` (Cypher) or ``# param NAME = VALUE`` (SPARQL), VALUE in JSON.
    So every file in queries/ runs as it is (``actorgraph cypher FILE``, the consoles).

    >>> example_parameters('// param from = "NCCN"\n// param actor = ""\nMATCH (n) RETURN n')
    {'from': 'NCCN', 'actor': ''}
    """
    found = {}
    for name, value in _EXAMPLE.findall(text):
        try:
            found[name] = json.loads(value)
        except ValueError:
            found[name] = value
    return found


@lru_cache(maxsize=1)
def load_catalog() -> tuple[Question, ...]:
    data = json.loads(resources.files("actorgraph.queries").joinpath("catalog.json").read_text("utf-8"))
    return tuple(Question(q["name"], q["description"],
                          tuple(Parameter(p["name"], p["required"], p["description"], p.get("kind", "text"))
                                for p in q["parameters"]),
                          tuple(q["columns"]), tuple(q["engines"])) for q in data)


def get_question(name: str) -> Question:
    for question in load_catalog():
        if question.name == name:
            return question
    names = ", ".join(q.name for q in load_catalog())
    raise QuestionError(f"unknown question {name!r} (questions: {names})")


def normalise(value: Any) -> Any:
    """One representation for both engines' values."""
    if isinstance(value, list):
        return " > ".join(str(v) for v in value)
    if value == "":
        return None
    return value


def rows_for(question: Question, columns: list[str], rows: list[dict[str, Any]],
             keep_order: bool = False) -> list[dict[str, Any]]:
    """The question's columns, normalised values, distinct rows in a stable order (the engine's
    own order for rankings)."""
    missing = [c for c in question.columns if c not in columns]
    if missing:
        raise QuestionError(f"the {question.name} query does not return column {missing[0]!r}")
    shaped = list(dict.fromkeys(tuple(normalise(row.get(c)) for c in question.columns) for row in rows))
    if not keep_order:
        shaped.sort(key=lambda r: tuple((v is None, str(v)) for v in r))
    return [dict(zip(question.columns, r)) for r in shaped]


class Engines:
    """The stores of one build folder, opened read-only on first use."""

    def __init__(self, out: Path, timeout_s: float | None = None,
                 graph: Graph | Callable[[], Graph] | None = None, adjacency: dict[str, list] | None = None,
                 actors: Any = None) -> None:
        """``graph`` (and its ``adjacency``), or how to get it, when the caller has read graph.json
        already; ``actors`` likewise for its lookup index (a callable: asked each time)."""
        self.out = Path(out)
        self.timeout_s = timeout_s  # per query; None: no limit
        self._cypher = None
        self._sparql = None
        self._graph = graph  # the build's graph, or how the caller gets it, when the caller has it
        self._adjacency = adjacency
        self._actors = actors

    @property
    def cypher(self):
        if self._cypher is None:
            from ..graph.cypher_store import CypherStore

            self._cypher = CypherStore(self.out, self.timeout_s)
        return self._cypher

    @property
    def sparql(self):
        if self._sparql is None:
            from ..graph.sparql_store import open_store

            self._sparql = open_store(self.out)
        return self._sparql

    @property
    def graph(self):
        if callable(self._graph):
            return self._graph()
        if self._graph is None:
            from ..graph.jsonio import read_json

            self._graph = read_json(self.out / "graph.json", check=False)  # checked when built
        return self._graph

    @property
    def actors(self):
        """The graph's :class:`~actorgraph.graph.lookup.ActorIndex`, made on first use."""
        if callable(self._actors):
            return self._actors()
        if self._actors is None:
            from ..graph.lookup import ActorIndex

            self._actors = ActorIndex(self.graph, self._adjacency)
        return self._actors

    def close(self) -> None:
        if self._cypher is not None:
            self._cypher.close()
            self._cypher = None
        self._sparql = None


def ask(engines: Engines, name: str, params: dict[str, Any] | None = None,
        engine: str | None = None) -> tuple[Question, list[dict[str, Any]]]:
    """Answer a named question; ``engine`` defaults to the question's first. Actor parameters
    are resolved to one id first (graph/lookup.py: UnknownActor or AmbiguousActor otherwise), so
    both engines and every way of naming an actor give the same rows."""
    question = get_question(name)
    engine = engine or question.engines[0]
    params = question.check(dict(params or {}), engine)
    for parameter in question.parameters:
        if parameter.kind == "actor" and params.get(parameter.name):
            params[parameter.name] = engines.actors.resolve(str(params[parameter.name]))
    if engine == "networkx":
        from . import analytics

        # the build folder, where a build keeps what it computed in advance (brokers.json)
        rows = getattr(analytics, name.replace("-", "_"))(engines.graph, **params, folder=engines.out)
        return question, rows_for(question, list(question.columns), rows, keep_order=True)
    if engine == "cypher":
        # every declared parameter is passed; an absent optional one as '' (the queries test for it)
        bound = {p.name: params.get(p.name, "") for p in question.parameters}
        columns, rows = engines.cypher.query(question.text("cypher"), bound)
    else:
        from ..graph.sparql_store import query

        # absent optional parameters are "" here too: Oxigraph's substitutions do not answer BOUND()
        bound = {f"param_{p.name}": params.get(p.name, "") for p in question.parameters}
        columns, rows = [], []
        for form in question.sparql_forms(params):
            columns, rows = query(engines.sparql, form, bound)
            if rows:
                break
    return question, rows_for(question, columns, rows)
