"""A plug-in extractor that takes organisation names in guillemets verbatim («...»), whatever
they contain — as a careless model or an LLM client might. The view tests use it to bring
markup from a document into names and evidence."""

from __future__ import annotations

import re

from actorgraph.graph.model import Document, Entity, Evidence, Fragment, Relation


class GuillemetOrganisations:
    name = "guillemet-example"
    version = "1.0"

    def extract(self, document: Document) -> Fragment:
        entities, relations = [Entity.create("InternationalOrganization", "NATO", id="io/nato")], []
        for match in re.finditer(r"«([^»]+)»[^.]*\.", document.text):
            organisation = Entity.create("Organization", match.group(1))
            entities.append(organisation)
            evidence = Evidence(document.id, match.group(0), match.start(), match.end(), context="crisis",
                                extractor=f"{self.name}/{self.version}")
            relations.append(Relation.create("COOPERATES_WITH", organisation.id, "io/nato", [evidence]))
        return Fragment(Document(document.id, document.text, extractor=f"{self.name}/{self.version}"),
                        entities, relations)
