"""The world-regions table of the gazetteer: first-level subdivisions of other countries are
found under their German and native names, names that belong to a country, a city, another
entry or the German language do not become regions, and the shipped table is what its build
script makes."""

from __future__ import annotations

import doctest
from collections import Counter

import pytest

from actorgraph.graph.ontology import EntityType
from actorgraph.ingest.gazetteer import load_gazetteer, parse_gazetteer
from actorgraph.ingest.mentions import MentionFinder

from helpers import ROOT, load_script

DATA = ROOT / "ingest" / "data"
TABLE = DATA / "world_regions.tsv"


@pytest.fixture(scope="module")
def finder() -> MentionFinder:
    return MentionFinder(load_gazetteer())


@pytest.fixture(scope="module")
def build_regions():
    """The build script (it ships as a tool, not as a module of the package)."""
    return load_script(DATA / "build_regions.py")


@pytest.fixture(scope="module")
def shipped() -> dict[str, object]:
    """The shipped table's subdivisions by ISO 3166-2 code (the world regions have an M49 code)."""
    return {e.attribute("iso_code"): e for e in parse_gazetteer(TABLE.read_text("utf-8"), TABLE.name)
            if e.attribute("iso_code")}


def test_the_world_regions_are_named_in_german_and_found_in_a_sentence(finder):
    areas = {e.attribute("m49"): e.name for e in parse_gazetteer(TABLE.read_text("utf-8"), TABLE.name)
             if e.attribute("m49")}
    assert {"011": "Westafrika", "419": "Lateinamerika", "035": "Südostasien"}.items() <= areas.items()
    assert "001" not in areas  # the world is no region
    found = _regions(finder, "Die Hilfe erreicht Westafrika, Südostasien und Lateinamerika.")
    assert set(found) == {"Westafrika", "Südostasien", "Lateinamerika"}


def _regions(finder: MentionFinder, text: str) -> dict[str, str]:
    """Text → entity id of each Region mention in ``text``."""
    mentions = finder.find(finder.tokenize(text), text)
    return {m.text: m.entity_id for m in mentions if m.type is EntityType.REGION}


def _no_evidence(build_regions):
    """Word evidence that blocks nothing, so one guard is tested at a time."""
    evidence = build_regions._build_places().WordEvidence(Counter(), Counter(), Counter(), Counter(), Counter(),
                                                           frozenset())
    return build_regions.Guards(frozenset(), frozenset(), frozenset(), Counter(), evidence)


def _sub(build_regions, code: str, native: str, german: str | None = None, kind: str = "Province"):
    return build_regions.Subdivision(code, code.split("-")[0], kind, native, german or native)


def _rows(build_regions, subdivisions, guards) -> dict[str, list[str]]:
    """Name → columns of each row the builder makes."""
    rows, _ = build_regions.build_rows(subdivisions, guards)
    return {row.split("\t")[2]: row.split("\t") for row in rows}


def test_regions_of_other_countries_are_found_in_a_sentence(finder):
    text = ("Die Landesregierung pflegt Partnerschaften mit der Provinz Shandong, der Provinz Westkap, "
            "der Region Île-de-France, der Wojewodschaft Kleinpolen und der Provinz Drenthe.")
    found = _regions(finder, text)
    expected = {"Shandong": "CN-SD", "Westkap": "ZA-WC", "Île-de-France": "FR-IDF", "Kleinpolen": "PL-12",
                "Drenthe": "NL-DR"}
    for name, code in expected.items():
        entry = finder.gazetteer.get(found[name])
        assert entry.attribute("iso_code") == code, name
        assert entry.attribute("jurisdiction") == f"country/{code[:2].lower()}"


def test_native_names_and_names_without_kind_word_are_the_same_node(finder):
    ids = {_regions(finder, f"Ein Treffen in {name} fand statt.").get(name)
           for name in ("Shandong", "Shandong Sheng")}
    assert len(ids) == 1 and None not in ids
    assert _regions(finder, "Die Delegation aus Małopolskie kam an.")["Małopolskie"] \
        == _regions(finder, "Die Delegation aus Kleinpolen kam an.")["Kleinpolen"]


def test_the_table_is_first_level_only_of_countries_with_few_subdivisions(shipped):
    import pycountry

    for code in shipped:
        assert pycountry.subdivisions.get(code=code).parent_code is None, code
    # Russia has more than 40 first-level subdivisions, Polish powiats have a parent
    assert not [c for c in shipped if c.startswith("RU-")]
    assert {"PL-12", "PL-08", "CN-SD", "ZA-WC", "NL-DR"} <= set(shipped)


def test_a_countrys_name_is_no_region(build_regions):
    guards = _no_evidence(build_regions)
    guards.countries = frozenset(build_regions.name_keys("Luxemburg") | build_regions.name_keys("Taiwan"))
    rows = _rows(build_regions, [_sub(build_regions, "LU-LU", "Luxembourg", "Luxemburg", "Canton"),
                                 _sub(build_regions, "LU-CA", "Capellen", kind="Canton"),
                                 _sub(build_regions, "CN-TW", "Taiwan Sheng"),
                                 _sub(build_regions, "CN-SD", "Shandong Sheng", "Shandong"),
                                 _sub(build_regions, "CN-AH", "Anhui Sheng", "Anhui")], guards)
    # "Taiwan Sheng" without its kind word ("Sheng", the last word of all three) names a country
    assert set(rows) == {"Capellen", "Shandong", "Anhui"}


def test_a_city_or_another_entrys_name_is_no_region_and_the_city_stays(build_regions, finder, shipped):

    guards = _no_evidence(build_regions)
    guards.taken = frozenset(build_regions.name_keys("Groningen"))
    rows = _rows(build_regions, [_sub(build_regions, "NL-GR", "Groningen"),
                                 _sub(build_regions, "NL-OV", "Overijssel")], guards)
    assert set(rows) == {"Overijssel"}
    # in the shipped table: Groningen and Wien stay cities, Tirol the hand-written region
    assert "NL-GR" not in shipped and "AT-9" not in shipped and "AT-7" not in shipped
    mentions = finder.find(finder.tokenize("Die Konferenz fand in Groningen statt."), "Die Konferenz fand in Groningen statt.")
    assert [m.type for m in mentions] == [EntityType.CITY]


def test_a_common_german_word_or_a_generic_word_is_no_region(build_regions, shipped):
    guards = _no_evidence(build_regions)
    guards.evidence.common.update({"zug": 50})
    subdivisions = [_sub(build_regions, "CH-ZG", "Zug", kind="Canton"), _sub(build_regions, "CH-UR", "Uri", kind="Canton"),
                    # "Norte" alone is a word that other names use, not a name
                    _sub(build_regions, "GW-N", "Norte"), _sub(build_regions, "BR-RN", "Rio Grande do Norte"),
                    _sub(build_regions, "PT-X", "Norte Litoral")]
    assert set(_rows(build_regions, subdivisions, guards)) == {"Uri", "Rio Grande do Norte", "Norte Litoral"}
    names = {n for e in shipped.values() for n in e.names}
    assert not {"Zug", "Freistaat", "Norte", "Free"} & names


def test_subdivisions_the_hand_written_tables_list_are_not_duplicated(build_regions, shipped):
    guards = _no_evidence(build_regions)
    guards.codes = frozenset({"DE-BY"})
    rows = _rows(build_regions, [_sub(build_regions, "DE-BY", "Bayern", kind="Land"),
                                 _sub(build_regions, "DE-XX", "Neuland", kind="Land")], guards)
    assert set(rows) == {"Neuland"}
    assert not [c for c in shipped if c.startswith("DE-")]


def test_aliases_are_the_native_name_and_the_name_without_its_kind_word(build_regions):
    guards = _no_evidence(build_regions)
    subdivisions = [_sub(build_regions, "PL-12", "Małopolskie", "Wojewodschaft Kleinpolen", "Voivodship"),
                    _sub(build_regions, "CZ-31", "Jihočeský kraj", kind="Region"),
                    _sub(build_regions, "CZ-32", "Plzeňský kraj", kind="Region"),
                    _sub(build_regions, "CZ-41", "Karlovarský kraj", kind="Region"),
                    _sub(build_regions, "IN-BR", "Bihār", kind="State")]
    rows = _rows(build_regions, subdivisions, guards)
    assert rows["Wojewodschaft Kleinpolen"][3].split("|") == ["Małopolskie", "Kleinpolen", "Malopolskie"]
    assert "Jihočeský" in rows["Jihočeský kraj"][3].split("|")  # "kraj": lower case in three names
    assert rows["Bihār"][3] == "Bihar"
    assert rows["Bihār"][4] == "iso_code=IN-BR;jurisdiction=country/in"


def test_the_output_is_sorted_and_deterministic(build_regions):
    guards = _no_evidence(build_regions)
    subdivisions = [_sub(build_regions, "NL-ZE", "Zeeland"), _sub(build_regions, "NL-DR", "Drenthe")]
    first, _ = build_regions.build_rows(subdivisions, guards)
    second, _ = build_regions.build_rows(list(reversed(subdivisions)), guards)
    assert first == second == sorted(first)
    ids = [line.split("\t")[0] for line in TABLE.read_text("utf-8").splitlines() if not line.startswith("#")]
    assert ids == sorted(ids) and len(ids) == len(set(ids))


def test_the_build_scripts_examples(build_regions):
    assert doctest.testmod(build_regions).failed == 0


def test_the_shipped_table_is_what_the_build_script_makes(build_regions):
    if not (build_regions.DEFAULT_DATA / "ud-german").is_dir():
        pytest.skip("the shared data folder (../shared/data) is not beside the repository")
    assert build_regions.build_table() == TABLE.read_text("utf-8"), "world_regions.tsv is stale: run make gazetteer"
