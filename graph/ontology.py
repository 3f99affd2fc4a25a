"""The vocabulary of ONTOLOGY.md as code: the one place entity and relation types are defined.

Every store and format reads its names from here, so a type that is not listed cannot be
created anywhere (``EntityType("Agencyy")`` raises ``ValueError``).

>>> EntityType("Agency").id_prefix
'agency'
>>> RelationType.COOPERATES_WITH.symmetric
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class EntityType(str, Enum):
    """Node labels / RDF classes. A node has exactly one."""

    AGENCY = "Agency"
    GOVERNMENT = "Government"
    COMMITTEE = "Committee"
    INTERNATIONAL_ORGANIZATION = "InternationalOrganization"
    MISSION = "Mission"
    AGREEMENT = "Agreement"
    PROJECT = "Project"
    EVENT = "Event"
    COUNTRY = "Country"
    REGION = "Region"
    CITY = "City"
    COMPETENCE = "Competence"
    ORGANIZATION = "Organization"
    PERSON = "Person"

    @property
    def id_prefix(self) -> str:
        """The first segment of an entity id of this type (``agency/nccn``)."""
        return _ID_PREFIXES[self]

    @property
    def is_place(self) -> bool:
        return self in PLACE_TYPES

    @property
    def is_actor(self) -> bool:
        """Bodies and people that act; places, competences and agreements do not."""
        return self in ACTOR_TYPES

    def __str__(self) -> str:  # so f-strings and typer print the value, not the member name
        return self.value


_ID_PREFIXES = {
    EntityType.AGENCY: "agency",
    EntityType.GOVERNMENT: "government",
    EntityType.COMMITTEE: "committee",
    EntityType.INTERNATIONAL_ORGANIZATION: "io",
    EntityType.MISSION: "mission",
    EntityType.AGREEMENT: "agreement",
    EntityType.PROJECT: "project",
    EntityType.EVENT: "event",
    EntityType.COUNTRY: "country",
    EntityType.REGION: "region",
    EntityType.CITY: "city",
    EntityType.COMPETENCE: "competence",
    EntityType.ORGANIZATION: "org",
    EntityType.PERSON: "person",
}

PLACE_TYPES = frozenset({EntityType.COUNTRY, EntityType.REGION, EntityType.CITY})

# Places act too in this field (Berlin signs agreements, Flanders keeps relations), so they
# count as actors; agreements, competences, projects and events are what actors act upon.
ACTOR_TYPES = frozenset(
    {
        EntityType.AGENCY,
        EntityType.GOVERNMENT,
        EntityType.COMMITTEE,
        EntityType.INTERNATIONAL_ORGANIZATION,
        EntityType.MISSION,
        EntityType.ORGANIZATION,
        EntityType.PERSON,
        *PLACE_TYPES,
    }
)

_ALL = frozenset(EntityType)
_ACTORS_AND_PLACES = ACTOR_TYPES
_TAKES_PART_IN = frozenset(
    {EntityType.MISSION, EntityType.PROJECT, EntityType.EVENT, EntityType.COMMITTEE,
     EntityType.INTERNATIONAL_ORGANIZATION}
)
_CONDUCTED = frozenset({EntityType.MISSION, EntityType.PROJECT, EntityType.EVENT})


@dataclass(frozen=True)
class RelationSpec:
    """What ONTOLOGY.md says of one relation type: direction and the endpoint types it joins."""

    symmetric: bool
    sources: frozenset[EntityType]
    targets: frozenset[EntityType]
    meaning: str


class RelationType(str, Enum):
    """Relationship types / RDF properties."""

    COOPERATES_WITH = "COOPERATES_WITH"
    COORDINATES = "COORDINATES"
    PART_OF = "PART_OF"
    MEMBER_OF = "MEMBER_OF"
    PARTICIPATES_IN = "PARTICIPATES_IN"
    CONDUCTS = "CONDUCTS"
    OPERATES_IN = "OPERATES_IN"
    LOCATED_IN = "LOCATED_IN"
    RESPONSIBLE_FOR = "RESPONSIBLE_FOR"
    PARTNER_OF = "PARTNER_OF"
    PARTY_TO = "PARTY_TO"
    SUPPORTS = "SUPPORTS"
    HEADS = "HEADS"
    ESTABLISHED = "ESTABLISHED"
    SUCCEEDS = "SUCCEEDS"

    @property
    def spec(self) -> RelationSpec:
        return RELATION_SPECS[self]

    @property
    def symmetric(self) -> bool:
        """A symmetric relation is stored once (source id <= target id); queries treat it as undirected."""
        return RELATION_SPECS[self].symmetric

    def allows(self, source: EntityType, target: EntityType) -> bool:
        spec = RELATION_SPECS[self]
        if source in spec.sources and target in spec.targets:
            return True
        return spec.symmetric and target in spec.sources and source in spec.targets

    def __str__(self) -> str:
        return self.value


RELATION_SPECS: dict[RelationType, RelationSpec] = {
    RelationType.COOPERATES_WITH: RelationSpec(
        True, _ACTORS_AND_PLACES, _ACTORS_AND_PLACES,
        "works together, coordinates with, exchanges with, maintains relations with"),
    RelationType.COORDINATES: RelationSpec(
        False, _ACTORS_AND_PLACES, _ALL,
        "A coordinates B or B's activities; A is a coordination or contact point for B"),
    RelationType.PART_OF: RelationSpec(
        False, _ACTORS_AND_PLACES, _ACTORS_AND_PLACES, "A is a unit or sub-body of organisation B"),
    RelationType.MEMBER_OF: RelationSpec(
        False, _ACTORS_AND_PLACES, _ACTORS_AND_PLACES, "A is a member of B"),
    RelationType.PARTICIPATES_IN: RelationSpec(
        False, _ACTORS_AND_PLACES, _TAKES_PART_IN, "takes part in, contributes to"),
    RelationType.CONDUCTS: RelationSpec(
        False, _ACTORS_AND_PLACES, _CONDUCTED, "leads, runs, manages, organises"),
    RelationType.OPERATES_IN: RelationSpec(
        False, _ACTORS_AND_PLACES, PLACE_TYPES, "area of operation or of focus"),
    RelationType.LOCATED_IN: RelationSpec(
        False, _ACTORS_AND_PLACES, PLACE_TYPES, "seat, jurisdiction, geographic containment"),
    RelationType.RESPONSIBLE_FOR: RelationSpec(
        False, _ACTORS_AND_PLACES, frozenset({EntityType.COMPETENCE}), "holds this competence"),
    RelationType.PARTNER_OF: RelationSpec(
        True, _ACTORS_AND_PLACES, _ACTORS_AND_PLACES, "formal partnership, e.g. twinned cities"),
    RelationType.PARTY_TO: RelationSpec(
        False, _ACTORS_AND_PLACES, frozenset({EntityType.AGREEMENT}), "signed or concluded"),
    RelationType.SUPPORTS: RelationSpec(
        False, _ACTORS_AND_PLACES, _ALL,
        "advises, trains, assists, serves as office or secretariat for"),
    RelationType.HEADS: RelationSpec(
        False, _ACTORS_AND_PLACES, _ALL, "chairs, leads, presides over"),
    RelationType.ESTABLISHED: RelationSpec(
        False, _ACTORS_AND_PLACES, _ALL, "created, decided or set up B"),
    RelationType.SUCCEEDS: RelationSpec(
        False, _ALL, _ALL, "B follows on from A"),
}

CRISIS_CONTEXT = "crisis"
