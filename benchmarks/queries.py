"""Store loading and question latency on a synthetic graph of the ontology's shape.

    python benchmarks/queries.py                         # 100,000 entities, 1,000,000 relations
    python benchmarks/queries.py --entities 10000 --relations 100000 --runs 5

Prints, for each store, the load time and the process's peak memory after it; then the median
latency of each catalog question on each engine; then, for the SPARQL forms, Oxigraph against
rdflib's in-memory evaluator on a subgraph (--rdflib-relations, default 2,000: rdflib would
take hours on the full graph), measured side by side in this run. The networkx analytics run on
that subgraph too and say so.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from actorgraph.graph import cypher_store, sparql_store
from actorgraph.graph.model import Document, Entity, Evidence, Graph, Relation
from actorgraph.graph.ontology import EntityType, RelationType
from actorgraph.graph.rdf import link_nquads, ntriples
from rdflib import Dataset as RDFDataset
from actorgraph.queries.catalog import Engines, ask, get_question, load_catalog

# how often each type occurs among the synthetic entities
TYPE_WEIGHTS = {EntityType.AGENCY: 30, EntityType.GOVERNMENT: 3, EntityType.COMMITTEE: 8,
                EntityType.INTERNATIONAL_ORGANIZATION: 5, EntityType.MISSION: 5, EntityType.AGREEMENT: 5,
                EntityType.PROJECT: 6, EntityType.EVENT: 4, EntityType.COUNTRY: 2, EntityType.REGION: 6,
                EntityType.CITY: 10, EntityType.COMPETENCE: 6, EntityType.ORGANIZATION: 8, EntityType.PERSON: 2}


def synthetic_graph(entities: int, relations: int, seed: int = 11) -> Graph:
    rng = random.Random(seed)
    graph = Graph()
    types = list(TYPE_WEIGHTS)
    chosen = rng.choices(types, weights=[TYPE_WEIGHTS[t] for t in types], k=entities)
    by_type: dict[EntityType, list[str]] = {t: [] for t in types}
    for number, entity_type in enumerate(chosen):
        name = f"{entity_type.value} {number}"
        entity = Entity(f"{entity_type.id_prefix}/e{number}", entity_type, name,
                        {f"E{number}"} if number % 3 == 0 else set(), {})
        graph.entities[entity.id] = entity
        by_type[entity_type].append(entity.id)
    pairs = {r: [(s, t) for s in types for t in types if r.allows(s, t) and by_type[s] and by_type[t]]
             for r in RelationType}
    made = 0
    while made < relations:
        relation_type = rng.choice(list(RelationType))
        source_type, target_type = rng.choice(pairs[relation_type])
        source, target = rng.choice(by_type[source_type]), rng.choice(by_type[target_type])
        if source == target:
            continue
        start = rng.randint(0, 5000)
        evidence = Evidence(f"doc{made % 5000}.txt", f"Satz {made}: {source} und {target}.", start, start + 40,
                            context="crisis" if rng.random() < 0.3 else None,
                            since=str(rng.randint(1990, 2024)) if rng.random() < 0.2 else None)
        relation = Relation.create(relation_type, source, target, [evidence])
        if relation.key not in graph.relations:
            graph.relations[relation.key] = relation
            made += 1
    for number in range(5000):
        graph.documents[f"doc{number}.txt"] = Document(f"doc{number}.txt", title=f"Dokument {number}")
    return graph


def subgraph(graph: Graph, relations: int) -> Graph:
    part = Graph(documents=dict(graph.documents))
    for relation in graph.sorted_relations()[:relations]:
        for end in (relation.source, relation.target):
            part.entities[end] = graph.entities[end]
        part.relations[relation.key] = relation
    return part


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def parameters(graph: Graph) -> dict[str, dict[str, str]]:
    """Parameters an analyst would give: well-connected actors, a busy mission and so on."""
    degree: dict[str, int] = {}
    for relation in graph.relations.values():
        for end in (relation.source, relation.target):
            degree[end] = degree.get(end, 0) + 1

    def busiest(*types: EntityType, relation: RelationType | None = None, side: str = "target") -> str:
        counts: dict[str, int] = {}
        for r in graph.relations.values():
            node = r.target if side == "target" else r.source
            if (relation is None or r.type is relation) and graph.entities[node].type in types:
                counts[node] = counts.get(node, 0) + 1
        best = max(sorted(counts), key=lambda n: counts[n])
        return graph.entities[best].name

    actor = busiest(EntityType.AGENCY, relation=RelationType.COOPERATES_WITH)
    ranked = sorted(degree, key=lambda n: (-degree[n], n))
    return {
        "crisis-coordination": {"actor": actor},
        "actor-profile": {"actor": actor},
        "path": {"from": graph.entities[ranked[0]].name, "to": graph.entities[ranked[len(ranked) // 2]].name},
        "mission-participants": {"mission": busiest(EntityType.MISSION, relation=RelationType.PARTICIPATES_IN)},
        "partnerships": {"actor": busiest(EntityType.CITY, relation=RelationType.PARTNER_OF)},
        "competence-holders": {"competence": busiest(EntityType.COMPETENCE)},
        "members": {"organization": busiest(EntityType.INTERNATIONAL_ORGANIZATION, EntityType.COMMITTEE,
                                            relation=RelationType.MEMBER_OF)},
    }


def median_latency(engines: Engines, name: str, params: dict, engine: str, runs: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        _, result = ask(engines, name, params, engine)
        times.append(time.perf_counter() - start)
        rows = len(result)
    return statistics.median(times), rows


def rdflib_answer(rdf, name: str, params: dict) -> int:
    """The SPARQL form of a question on rdflib's evaluator: the same forms and bindings as on
    Oxigraph (less Oxigraph's ``LATERAL`` keyword), so the two are measured on the same query."""
    question = get_question(name)
    bound = {f"param_{p.name}": params.get(p.name, "") for p in question.parameters}
    prefixes = "".join(f"PREFIX {k}: <{v}>\n" for k, v in sparql_store.PREFIXES.items())
    rows = 0
    for form in question.sparql_forms(params):
        text = sparql_store.standard_sparql(sparql_store.bind(form, bound))
        rows = len(list(rdf.query(prefixes + text)))
        if rows:
            break
    return rows


def median_within(seconds: float, runs: int, function, *args) -> float | None:
    """The median of ``runs`` timings of ``function(*args)``, measured in a forked child so a
    run can be stopped: None when they take longer than ``seconds`` together."""
    reader, writer = multiprocessing.Pipe(duplex=False)

    def child() -> None:
        try:
            writer.send(statistics.median(timed(function, *args) for _ in range(runs)))
        except Exception as exc:  # reported by the parent, in one line
            writer.send(f"{type(exc).__name__}: {exc}")

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    result = reader.recv() if reader.poll(seconds) else None
    process.kill()
    process.join()
    if isinstance(result, str):
        raise RuntimeError(result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--relations", type=int, default=1_000_000)
    parser.add_argument("--rdflib-relations", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5, help="runs per question and engine; the median is printed")
    parser.add_argument("--rdflib-timeout", type=float, default=60.0,
                        help="seconds rdflib may take per question (all its runs); past it the ratio is a lower bound")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="actorgraph-queries-"))
    try:
        started = time.perf_counter()
        graph = synthetic_graph(args.entities, args.relations)
        print(f"graph: {len(graph.entities):,} entities, {len(graph.relations):,} relations "
              f"(generated in {time.perf_counter() - started:.1f} s, peak {peak_mib():,.0f} MiB)")
        (folder / "graph.json").write_text("{}")  # the analytics read the graph given to them below
        print(f"{'store':<22} {'load s':>8} {'peak MiB':>9}")
        for label, writer in (("oxigraph (SPARQL)", sparql_store.write_store),
                              ("ladybug (Cypher)", cypher_store.write_store)):
            seconds = timed(writer, graph, folder)
            print(f"{label:<22} {seconds:>8.1f} {peak_mib():>9,.0f}")

        engines = Engines(folder)
        params = parameters(graph)
        print(f"\nmedian latency over {args.runs} runs, {len(graph.relations):,} relations")
        print(f"{'question':<22} {'cypher ms':>10} {'sparql ms':>10} {'rows':>7}  parameters")
        slowest = 0.0
        for question in load_catalog():
            if "cypher" not in question.engines:
                continue
            given = params.get(question.name, {})
            cypher_s, rows = median_latency(engines, question.name, given, "cypher", args.runs)
            sparql_s, sparql_rows = median_latency(engines, question.name, given, "sparql", args.runs)
            slowest = max(slowest, cypher_s, sparql_s)
            same = "" if rows == sparql_rows else f"  (sparql rows {sparql_rows})"
            print(f"{question.name:<22} {cypher_s * 1000:>10.1f} {sparql_s * 1000:>10.1f} {rows:>7}  {given}{same}")
        print(f"slowest median: {slowest * 1000:.0f} ms")
        engines.close()

        part = subgraph(graph, args.rdflib_relations)
        part_folder = folder / "part"
        part_folder.mkdir()
        sparql_store.write_store(part, part_folder)
        part_engines = Engines(part_folder)
        part_engines._graph = part
        # the same quads as the Oxigraph store: the graph and the traversal index
        rdf = RDFDataset()
        rdf.parse(data="".join(ntriples(part)) + "".join(link_nquads(part)), format="nquads")
        part_params = parameters(part)
        print(f"\nOxigraph against rdflib on a subgraph of {len(part.relations):,} relations "
              f"({len(rdf):,} triples), median of {args.runs}")
        print(f"{'question':<22} {'oxigraph ms':>12} {'rdflib ms':>10} {'ratio':>7}")
        for question in load_catalog():
            if "sparql" not in question.engines:
                continue
            given = part_params.get(question.name, {})
            ox_s, _ = median_latency(part_engines, question.name, given, "sparql", args.runs)
            rdflib_runs = max(1, min(args.runs, 3))
            rdflib_s = median_within(args.rdflib_timeout, rdflib_runs, rdflib_answer, rdf, question.name, given)
            if rdflib_s is None:  # stopped: the runs took longer than the budget, so one took at least budget/runs
                floor = args.rdflib_timeout / rdflib_runs
                print(f"{question.name:<22} {ox_s * 1000:>12.1f} {'>' + format(floor * 1000, '.0f'):>10} "
                      f"{'>' + format(floor / ox_s, '.0f'):>6}x")
            else:
                print(f"{question.name:<22} {ox_s * 1000:>12.1f} {rdflib_s * 1000:>10.1f} {rdflib_s / ox_s:>6.0f}x")
        for name in ("brokers", "communities"):
            seconds = timed(lambda: ask(part_engines, name, {}))
            print(f"{name:<22} networkx on the subgraph: {seconds * 1000:.0f} ms")
        part_engines.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
