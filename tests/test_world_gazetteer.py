"""The world-cities table of the gazetteer: cities the hand-written tables lack are found under
their German name and their other names, names that are common words or part of a body's
name do not become cities, and the shipped table is what its build script makes."""

from __future__ import annotations

import doctest

import pytest

from actorgraph.graph.ontology import EntityType
from actorgraph.ingest.gazetteer import load_gazetteer, parse_gazetteer
from actorgraph.ingest.mentions import MentionFinder

from helpers import ROOT, load_script

DATA = ROOT / "ingest" / "data"


@pytest.fixture(scope="module")
def finder() -> MentionFinder:
    return MentionFinder(load_gazetteer())


@pytest.fixture(scope="module")
def build_places():
    """The build script (it ships as a tool, not as a module of the package)."""
    return load_script(DATA / "build_places.py")


def _cities(finder: MentionFinder, text: str) -> list[tuple[str, str, str]]:
    """(text, name, id) of each City mention in ``text``."""
    mentions = finder.find(finder.tokenize(text), text)
    return [(m.text, m.name, m.entity_id) for m in mentions if m.type is EntityType.CITY]


def _hand_written_city_names() -> set[str]:
    names = set()
    for path in DATA.glob("gazetteer_*.tsv"):
        for entry in parse_gazetteer(path.read_text("utf-8"), path.name):
            names |= {n.lower() for n in entry.names}
    return names


def test_a_city_the_hand_written_tables_lack_is_found_by_its_german_name(finder):
    assert "florenz" not in _hand_written_city_names()  # else this would test the hand-written table
    (found,) = _cities(finder, "Die Konferenz fand in Florenz statt.")
    assert found[:2] == ("Florenz", "Florenz")
    entry = finder.gazetteer.get(found[2])
    assert {"Firenze", "Florence"} <= set(entry.aliases)
    assert entry.attribute("jurisdiction") == "country/it"


def test_its_native_and_english_names_are_the_same_node(finder):
    ids = {_cities(finder, f"Die Delegation reiste nach {name}.")[0][2] for name in ("Florenz", "Firenze", "Florence")}
    assert len(ids) == 1
    assert _cities(finder, "Die Konferenz fand in Mailand statt.")[0][1] == "Mailand"
    assert _cities(finder, "Wir trafen uns in Milano.")[0][1] == "Mailand"


def test_spelling_variants_and_cities_with_one_name_everywhere(finder):
    found = _cities(finder, "Treffen in St. Petersburg, Osaka, Chicago und Dar es Salaam.")
    assert [text for text, _, _ in found] == ["St. Petersburg", "Osaka", "Chicago", "Dar es Salaam"]
    assert len({entity_id for _, _, entity_id in found}) == 4


def test_a_city_name_that_is_a_common_word_is_no_city(finder):
    # Leiden (NL) and Essen (DE) have over 100,000 inhabitants; in German text the words are
    # more often the noun and the verb
    assert _cities(finder, "Leiden und Not prägten die Region.") == []
    assert _cities(finder, "Das Essen wurde an die Familien verteilt.") == []
    names = {n.lower() for e in finder.gazetteer.entries.values() if e.type is EntityType.CITY for n in e.names}
    assert not {"leiden", "essen", "mitte"} & names


def test_a_city_inside_a_bodys_name_is_no_separate_city(finder):
    assert _cities(finder, "Das Regierungspräsidium Freiburg koordiniert die Hilfe.") == []
    assert _cities(finder, "Die Universität Lausanne forscht zum Katastrophenschutz.") == []
    # a word for a place before the name leaves it a city
    assert [t for t, _, _ in _cities(finder, "Die Stadt Lausanne und die Partnerstädte Lille und Turin.")] \
        == ["Lausanne", "Lille", "Turin"]
    assert [t for t, _, _ in _cities(finder, "Das Institut hat seinen Sitz in Lausanne.")] == ["Lausanne"]


def test_hand_written_cities_keep_precedence():
    gazetteer = load_gazetteer()
    for path in DATA.glob("gazetteer_*.tsv"):
        for entry in parse_gazetteer(path.read_text("utf-8"), path.name):
            if entry.type is EntityType.CITY:
                assert gazetteer.get(entry.id).name == entry.name, entry.id


def test_no_world_city_name_is_shared_with_another_entry():
    gazetteer = load_gazetteer()
    world = {e.id for e in parse_gazetteer((DATA / "world_cities.tsv").read_text("utf-8"))}
    owners: dict[str, set[str]] = {}
    for entry in gazetteer.entries.values():
        for name in entry.names:
            owners.setdefault(name.lower(), set()).add(entry.id)
    shared = {name: ids for name, ids in owners.items() if len(ids) > 1 and ids & world}
    assert shared == {}


def test_the_build_scripts_rules(build_places):
    assert doctest.testmod(build_places).failed == 0
    assert build_places.short_form("Klagenfurt am Wörthersee") == "Klagenfurt"
    assert build_places.short_form("Halle (Saale)") == "Halle"
    assert build_places.short_form("Lausanne") is None


def test_the_shipped_table_is_what_the_build_script_makes(build_places):
    if not (build_places.DEFAULT_DATA / "ud-german").is_dir():
        pytest.skip("the shared data folder (../shared/data) is not beside the repository")
    shipped = (DATA / "world_cities.tsv").read_text("utf-8")
    assert build_places.build_table() == shipped, "world_cities.tsv is stale: run make gazetteer"


def test_place_names_inflect_only_in_the_genitive(finder):
    """German names of places take only the genitive -s: "Wiens" is Wien, "Dilan" is not Dila."""
    assert [name for _, name, _ in _cities(finder, "Die Bürgermeisterin Wiens empfing die Gäste.")] == ["Wien"]
    assert _cities(finder, "Die Ministerin Dilan Yeşilgöz sprach mit dem Minister.") == []
