"""actorgraph: a knowledge graph of international actors from public authorities' documents.

The code lives in four subpackages, one concern each:
``graph`` (the canonical model and its stores), ``ingest`` (documents → fragments),
``queries`` (the named questions) and ``api`` (HTTP app and command line).
"""

__version__ = "0.1.0"
