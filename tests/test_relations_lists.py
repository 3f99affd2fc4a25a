"""Relations from list leads and from the publisher in the first person (issue #12, point 4),
on sentences written for these tests: a lead distributes its relation over every item, and
"wir" stands for the page's publisher only when the page names one clearly."""

from __future__ import annotations

import pytest

from actorgraph.graph.model import Document
from actorgraph.graph.ontology import RelationType
from actorgraph.ingest.pipeline import RuleExtractor
from actorgraph.ingest.relations import Found, RelationFinder
from actorgraph.ingest.text import split_sentences


@pytest.fixture(scope="module")
def extractor() -> RuleExtractor:
    return RuleExtractor(use_model=False)


def _found(extractor: RuleExtractor, text: str) -> list[Found]:
    document = Document("test.txt", text, "", "text/plain", "0" * 64, "")
    mentions = extractor.mentions(document)
    return RelationFinder(document.id, text, "test", owner_of=extractor.mention_finder.mention_of).find(
        split_sentences(text), mentions)


def _relations(found: list[Found], relation: RelationType) -> dict[tuple[str, str], Found]:
    return {(f.source, f.target): f for f in found if f.type is relation}


def _between(found: list[Found], relation: RelationType, a: str, b: str) -> Found | None:
    """The relation joining two ids either way (symmetric types are stored either way)."""
    pairs = _relations(found, relation)
    return pairs.get((a, b)) or pairs.get((b, a))


LEAD = "Partner des Nationalen Krisenzentrums sind:"
BULLETS = f"Zusammenarbeit\n\n{LEAD}\n• NATO\n• Europäische Union\n• OECD\n\nDas war alles.\n"


def test_a_lead_over_a_bulleted_list_relates_every_item_and_points_at_the_lead(extractor):
    found = _found(extractor, BULLETS)
    lead_start = BULLETS.index(LEAD)
    for item in ("io/nato", "io/eu", "io/oecd"):
        relation = _between(found, RelationType.COOPERATES_WITH, "agency/nccn", item)
        assert relation is not None, f"no relation to {item}"
        assert relation.lead == (lead_start, lead_start + len(LEAD))
        assert relation.evidence.sentence.startswith("• ")
        assert BULLETS[relation.evidence.start:relation.evidence.end] == relation.evidence.sentence
        ends = {BULLETS[s:e] for s, e in relation.mentions}
        assert "Nationalen Krisenzentrums" in ends


def test_a_lead_with_a_comma_list_relates_every_item(extractor):
    text = "Partner des Nationalen Krisenzentrums sind: die NATO, die OECD und die Europäische Union.\n"
    found = _found(extractor, text)
    for item in ("io/nato", "io/eu", "io/oecd"):
        relation = _between(found, RelationType.COOPERATES_WITH, "agency/nccn", item)
        assert relation is not None, f"no relation to {item}"
        assert relation.lead == (0, text.index(":") + 1)


def test_members_of_a_lead_are_members_of_its_subject(extractor):
    text = ("Die Benelux-Union\n\nDie Benelux-Union ist eine Zusammenarbeit dreier Staaten. "
            "Ihr gehören folgende Staaten an:\n• Belgien\n• Niederlande\n• Luxemburg\n")
    found = _found(extractor, text)
    members = _relations(found, RelationType.MEMBER_OF)
    assert {source for source, target in members if target == "io/benelux-union"} >= {
        "country/be", "country/nl", "country/lu"}
    assert not any(source == "io/benelux-union" for source, _ in members)


PUBLISHER_PAGE = ("Bundesamt für Bevölkerungsschutz und Katastrophenhilfe\n\n"
                  "Internationale Zusammenarbeit ist uns wichtig. Wir arbeiten mit der NATO zusammen.\n")


def test_wir_on_a_page_whose_title_names_its_publisher_is_the_publisher(extractor):
    found = _found(extractor, PUBLISHER_PAGE)
    relation = _between(found, RelationType.COOPERATES_WITH, "agency/bbk", "io/nato")
    assert relation is not None
    wir = PUBLISHER_PAGE.index("Wir arbeiten")
    assert (wir, wir + 3) in relation.mentions  # the anaphor's own span, not the title's
    assert relation.evidence.sentence == "Wir arbeiten mit der NATO zusammen."


def test_wir_without_a_clear_publisher_relates_nothing(extractor):
    # two bodies, each named once, neither in the title: no one "wir" could stand for
    text = ("Internationale Zusammenarbeit\n\nDie OECD und die Europäische Union tagten in Paris. "
            "Wir arbeiten mit der NATO zusammen.\n")
    assert not [f for f in _found(extractor, text) if "io/nato" in (f.source, f.target)]


def test_wir_inside_a_quotation_is_not_the_publisher(extractor):
    text = ("Bundesamt für Bevölkerungsschutz und Katastrophenhilfe\n\n"
            "Der Minister sagte: „Wir arbeiten mit der NATO zusammen.“\n")
    assert not [f for f in _found(extractor, text) if "io/nato" in (f.source, f.target)]


def test_dazu_gehoeren_makes_the_items_members_of_the_paragraph_topic(extractor):
    text = ("Die Benelux-Union\n\nDie Benelux-Union ist eine Zusammenarbeit dreier Staaten. "
            "Dazu gehören Belgien, die Niederlande und Luxemburg.\n")
    members = _relations(_found(extractor, text), RelationType.MEMBER_OF)
    assert {("country/be", "io/benelux-union"), ("country/nl", "io/benelux-union"),
            ("country/lu", "io/benelux-union")} <= set(members)


def test_wir_in_a_lead_makes_the_publisher_the_subject_of_every_item(extractor):
    text = ("Internationale Arbeit\n\nDas Bundesamt für Bevölkerungsschutz und Katastrophenhilfe hilft weltweit. "
            "Das Bundesamt für Bevölkerungsschutz und Katastrophenhilfe berät Staaten.\n\n"
            "Wir arbeiten mit folgenden Organisationen zusammen:\n• NATO\n• OECD\n")
    found = _found(extractor, text)
    wir = text.index("Wir arbeiten")
    for item in ("io/nato", "io/oecd"):
        relation = _between(found, RelationType.COOPERATES_WITH, "agency/bbk", item)
        assert relation is not None, f"no relation to {item}"
        assert (wir, wir + 3) in relation.mentions
        assert relation.lead is not None and relation.lead[0] == wir


def test_unser_amt_and_das_amt_stand_for_the_publisher_named_in_the_title(extractor):
    text = ("Bundesamt für Bevölkerungsschutz und Katastrophenhilfe\n\n"
            "Unser Amt unterstützt die OECD. Das Amt arbeitet mit der NATO zusammen.\n")
    found = _found(extractor, text)
    supports = _relations(found, RelationType.SUPPORTS).get(("agency/bbk", "io/oecd"))
    assert supports is not None and (0 + text.index("Unser Amt"), text.index("Unser Amt") + 9) in supports.mentions
    cooperates = _between(found, RelationType.COOPERATES_WITH, "agency/bbk", "io/nato")
    assert cooperates is not None and (text.index("Das Amt"), text.index("Das Amt") + 7) in cooperates.mentions


def test_a_role_word_that_two_bodies_of_the_page_share_is_nobody(extractor):
    text = ("Bundesamt für Bevölkerungsschutz und Katastrophenhilfe\n\n"
            "Das Bundesamt für Bevölkerungsschutz und Katastrophenhilfe und das Auswärtige Amt beraten sich. "
            "Das Amt arbeitet mit der NATO zusammen.\n")
    assert not [f for f in _found(extractor, text) if "io/nato" in (f.source, f.target)]


def test_a_body_consisting_of_a_list_has_every_item_as_member(extractor):
    text = "Die Hilfe leistet die Benelux-Union, bestehend aus Belgien, Luxemburg und den Niederlanden.\n"
    members = _relations(_found(extractor, text), RelationType.MEMBER_OF)
    # ("den Niederlanden", a dative, is no mention for the recogniser yet)
    assert {("country/be", "io/benelux-union"), ("country/lu", "io/benelux-union")} <= set(members)
    assert members[("country/be", "io/benelux-union")].lead == (0, text.index(" aus ") + 4)


def test_partner_cities_are_formal_partners(extractor):
    for text in ("Köln\n\nUnsere Partnerstädte sind: Lille, Turin und Liverpool.\n",
                 "Städte\n\nZu den Partnerstädten Kölns gehören Lille, Turin und Liverpool.\n"):
        found = _found(extractor, text)
        for city in ("city/lille", "city/turin", "city/liverpool"):
            assert _between(found, RelationType.PARTNER_OF, "city/koeln", city) is not None, (text, city)


def test_group_headings_inside_a_list_keep_it_under_its_lead(extractor):
    text = ("Partner\n\nPartner des Nationalen Krisenzentrums sind:\n\nBereich Sicherheit\n- NATO\n\n"
            "Bereich Wirtschaft\n- OECD\n\nDas war alles.\n")
    found = _found(extractor, text)
    for item in ("io/nato", "io/oecd"):
        assert _between(found, RelationType.COOPERATES_WITH, "agency/nccn", item) is not None, item


def test_a_place_in_apposition_lies_in_the_country_that_follows_it(extractor):
    """"Lille (Frankreich)" and "St. Petersburg, Russland, und …": the city lies in the country;
    a plain list of places says nothing of the kind."""
    text = ("Die Partnerstädte sind Lille (Frankreich), Turin (Italien) und St. Petersburg, Russland, "
            "seit vielen Jahren.\nDelegationen kamen aus Wien, Frankreich und Polen.\n")
    found = _found(extractor, text)
    located = {(f.source, f.target) for f in found if f.type is RelationType.LOCATED_IN}
    assert {("city/lille", "country/fr"), ("city/turin", "country/it"),
            ("city/sankt-peterburg", "country/ru")} <= located
    assert ("city/wien", "country/fr") not in located
    for f in found:
        if f.type is RelationType.LOCATED_IN:
            assert all(f.evidence.start <= s and e <= f.evidence.end for s, e in f.mentions)
