"""Official names from maintained sources: the Foreign Office's long names of states name their
countries, a federal ministry is one node under its names of both legislative periods (one
node per budget chapter: "Bundesministerium für Wirtschaft und Energie" (BMWi, 2017–2021) and
BMWK (2021–2025) share chapter 09), Länder names extend the hand-written Regions, and the
shipped tables are what their build script makes."""

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
def build():
    """The build script (it ships as a tool, not as a module of the package)."""
    return load_script(DATA / "build_official_names.py")


def _ids(finder: MentionFinder, text: str) -> list[tuple[str, str | None]]:
    """(text, entity id) of each mention in ``text``."""
    return [(m.text, m.entity_id) for m in finder.find(finder.tokenize(text), text)]


@pytest.mark.parametrize("text, country", [
    ("Die Bundesrepublik Deutschland unterstützt die Mission.", "country/de"),
    ("Das Königreich Belgien entsendet Fachleute.", "country/be"),
    ("Die Französische Republik hat um Hilfe gebeten.", "country/fr"),
])
def test_a_states_official_long_name_is_its_country(finder, text, country):
    assert country in {entity_id for _, entity_id in _ids(finder, text)}


@pytest.mark.parametrize("text, country, name", [
    # long names only the Foreign Office's list gives (pycountry has no German form of them)
    ("Gespräche mit der Republik der Union Myanmar wurden geführt.", "country/mm", "Republik der Union Myanmar"),
    ("Gespräche mit dem Staat Libyen wurden geführt.", "country/ly", "Staat Libyen"),
    ("Gespräche mit der Republik Korea wurden geführt.", "country/kr", "Republik Korea"),
])
def test_a_long_name_only_the_foreign_office_list_gives_is_found_whole(finder, text, country, name):
    assert (name, country) in _ids(finder, text)


def test_the_long_names_are_aliases_of_the_pycountry_entries_not_new_nodes():
    gazetteer = load_gazetteer()
    assert "Königreich Belgien" in gazetteer.get("country/be").aliases
    assert "Volksrepublik Bangladesch" in gazetteer.get("country/bd").aliases
    owners = [e.id for e in gazetteer.entries.values() if {"Königreich Belgien", "Staat Libyen"} & set(e.names)]
    assert sorted(owners) == ["country/be", "country/ly"]


def test_a_ministrys_name_of_the_earlier_period_is_its_successor(finder):
    found = _ids(finder, "Das Bundesministerium für Wirtschaft und Energie (BMWi) fördert das Projekt.")
    assert ("Bundesministerium für Wirtschaft und Energie", "agency/bmwk") in found
    assert {entity_id for _, entity_id in _ids(finder, "Das BMWK fördert das Projekt.")} == {"agency/bmwk"}


def test_a_ministry_keeps_its_hand_written_entry_and_gains_names():
    gazetteer = load_gazetteer()
    economy = gazetteer.get("agency/bmwk")
    assert economy.name == "Bundesministerium für Wirtschaft und Klimaschutz"
    assert {"Bundeswirtschaftsministerium", "BMWi", "Bundesministerium für Wirtschaft und Energie"} <= set(economy.aliases)
    assert economy.name not in economy.aliases
    assert "Bundesministerium des Innern, für Bau und Heimat" in gazetteer.get("agency/bmi").aliases
    # no second node for a ministry the hand-written table has
    for name in ("Auswärtiges Amt", "BMI", "BMWi", "BMJV"):
        german = [e.id for e in gazetteer.entries.values()
                  if name in e.names and e.attribute("jurisdiction") == "country/de"]
        assert len(german) == 1, (name, german)


def test_ministries_the_hand_written_table_lacks_are_federal_agencies(finder):
    entry = load_gazetteer().get("agency/bmdv")
    assert entry.type is EntityType.AGENCY and entry.attribute("jurisdiction") == "country/de"
    assert {"BMVI", "Bundesministerium für Verkehr und digitale Infrastruktur"} <= set(entry.aliases)
    assert ("BMAS", "agency/bmas") in _ids(finder, "Das BMAS und das BMDV stimmten zu.")


def test_laender_names_extend_the_regions_but_never_take_a_citys_name():
    gazetteer = load_gazetteer()
    assert gazetteer.get("region/bayern").name == "Bayern"
    assert "Bavaria" in gazetteer.get("region/bayern").names
    hamburg = gazetteer.get("region/hamburg")
    assert "Hamburg" not in hamburg.names  # the city has that name
    # a two-letter code is also a country's code, a word or another abbreviation: no alias
    assert "BY" not in gazetteer.get("region/bayern").names
    assert "NW" not in gazetteer.get("region/nordrhein-westfalen").names
    assert "HH" not in hamburg.names
    assert "NRW" in gazetteer.get("region/nordrhein-westfalen").names  # the hand-written alias stays


def test_a_land_code_of_three_letters_is_an_alias_unless_it_is_taken(build):
    entries = build.hand_written_entries()
    land = {"BL_Kuerzel": "HE", "BL_Name_DE": "Hessen", "BL_Name_EN": "Hesse"}
    (row,), missing = build.land_rows([land], entries, set())
    assert row.split("\t")[3] == "Hesse" and missing == []
    # the same rule with a longer code, as a source might give it
    build.MIN_CODE = 2
    try:
        (row,), _ = build.land_rows([land], entries, set())
        assert row.split("\t")[3].split("|")[-1] == "HE"
        (row,), _ = build.land_rows([land], entries, {"HE"})
        assert "HE" not in row.split("\t")[3].split("|")
    finally:
        build.MIN_CODE = 3


def test_the_build_scripts_rules(build):
    assert doctest.testmod(build).failed == 0


def test_the_shipped_tables_are_what_the_build_script_makes(build):
    if not (build.DEFAULT_DATA / "government-tables").is_dir():
        pytest.skip("the shared data folder (../shared/data) is not beside the repository")
    assert build.build_state_names() == build.STATES_TABLE.read_text("utf-8"), "state_names.tsv is stale: make gazetteer"
    assert build.build_federal_bodies() == build.BODIES_TABLE.read_text("utf-8"), "federal_bodies.tsv is stale: make gazetteer"


def test_the_federal_table_parses_as_a_gazetteer():
    entries = parse_gazetteer(build_text := (DATA / "federal_bodies.tsv").read_text("utf-8"), "federal_bodies.tsv")
    assert build_text.startswith("# id\t")
    assert {e.type for e in entries} == {EntityType.AGENCY, EntityType.REGION}


def test_a_country_is_named_as_a_text_names_it_not_in_catalogue_form(finder):
    gazetteer = load_gazetteer()
    assert gazetteer.get("country/sy").name == "Syrien"  # catalogue: "Syrien, Arabische Republik"
    assert "Arabische Republik Syrien" in gazetteer.get("country/sy").aliases
    # a head two states share is no name: "Korea, Republik" is named by its everyday name (CLDR),
    # its official long name an alias
    assert gazetteer.get("country/kr").name == "Südkorea"
    assert "Republik Korea" in gazetteer.get("country/kr").aliases
    assert "Russland" in gazetteer.get("country/ru").names  # the Foreign Office: "Russische Föderation"
    assert not [e.id for e in gazetteer.entries.values() if "Korea" in e.names]
    assert ("Syrien", "country/sy") in _ids(finder, "Die Krise in Syrien dauert an.")
