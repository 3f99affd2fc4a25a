"""An extra extractor of the kind a user plugs in with ``--extractor module:Class`` — here a
tiny dictionary-based one, standing where a trained model or an LLM client would."""

from __future__ import annotations

import re

from actorgraph.graph.model import Document, Entity, Evidence, Fragment, Relation


class LighthouseExtractor:
    """Finds "Leuchtturmprojekt X" and says the document's first agency conducts it."""

    name = "lighthouse-example"
    version = "1.0"

    def extract(self, document: Document) -> Fragment:
        entities, relations = [], []
        for match in re.finditer(r"Leuchtturmprojekt (\w+)", document.text):
            project = Entity.create("Project", match.group(1))
            entities.append(project)
            start = document.text.rfind("\n", 0, match.start()) + 1
            end = document.text.find("\n", match.end())
            end = len(document.text) if end == -1 else end
            sentence = document.text[start:end]
            evidence = Evidence(document.id, sentence, start, end, extractor=f"{self.name}/{self.version}")
            relations.append(Relation.create("CONDUCTS", "agency/thw", project.id, [evidence]))
        return Fragment(Document(document.id, document.text, extractor=f"{self.name}/{self.version}"),
                        entities, relations)
