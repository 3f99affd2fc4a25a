"""Train the entity recogniser's CRF (``models/ner.crfsuite``) on GermEval 2014.

    python ingest/train_ner.py                      # ../shared/data relative to the project root
    python ingest/train_ner.py --data DIR --out FILE --limit 200

Reads the dev and test splits of GermEval 2014 (the train split is not available), keeps the
outer tags PER, ORG, LOC, OTH (the ‑deriv and ‑part subtypes — "deutsche", "NATO-Beitrag" —
become O: they are no names), re-tokenises every sentence with our own tokenizer (so the
model sees at training the tokens it sees at run time), holds out 10 % of the sentences
(fixed seed) and reports the tagger's precision, recall and F1 per type on them. The model
is trained on the other 90 % and written to ``--out``. Deterministic: fixed seed, fixed
parameters, sentences in file order. LER is not used (its licence would make the model
CC BY-NC-SA). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("NER-de-dev.tsv", "NER-de-test.tsv")
SEED = 20140
HELD_OUT = 0.10
PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True,
          "feature.minfreq": 1}


def read_germeval(path: Path) -> list[tuple[list[str], list[str]]]:
    """Sentences of one GermEval file as (tokens, outer BIO tags with subtypes dropped)."""
    sentences: list[tuple[list[str], list[str]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    for line in path.read_text("utf-8").splitlines() + [""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if tokens:
                sentences.append((tokens, tags))
            tokens, tags = [], []
            continue
        columns = line.split("\t")
        tokens.append(columns[1])
        tag = columns[2]
        tags.append("O" if tag == "O" or tag.endswith(("deriv", "part")) else tag)
    return sentences


def retokenise(tokens: list[str], tags: list[str], tokenizer) -> tuple[list[str], list[str]]:
    """The sentence as our tokenizer splits it, each token tagged by the GermEval token it
    starts in (B- only on the first of a name's tokens)."""
    text = " ".join(tokens)
    owner: list[int] = []
    for index, token in enumerate(tokens):
        owner += [index] * (len(token) + 1)
    doc = tokenizer(text)
    words, labels = [], []
    previous_label, previous_owner = "O", -1
    for token in doc:
        if token.is_space:
            continue
        source = owner[token.idx]
        tag = tags[source]
        if tag != "O" and source == previous_owner:
            tag = "I-" + tag[2:]  # a GermEval token our tokenizer splits ("U.S.A.", "Meier's")
        elif tag.startswith("I-") and previous_label == "O":
            tag = "B-" + tag[2:]
        words.append(token.text)
        labels.append(tag)
        previous_label, previous_owner = tag, source
    return words, labels


def split(sentences: list, seed: int = SEED) -> tuple[list, list]:
    """(train, held-out): a fixed random 10 % of the sentences held out."""
    order = list(range(len(sentences)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * HELD_OUT)
    held = set(order[:cut])
    return ([s for i, s in enumerate(sentences) if i not in held], [s for i, s in enumerate(sentences) if i in held])


def evaluate(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, dict[str, float]]:
    """Exact-span precision, recall and F1 per type and over all (micro)."""
    from actorgraph.ingest.recogniser import LABELS, spans_of

    counts = {label: [0, 0, 0] for label in (*LABELS, "all")}  # tp, predicted, gold
    for gold_tags, predicted_tags in zip(gold, predicted):
        gold_spans = set(spans_of(gold_tags))
        predicted_spans = set(spans_of(predicted_tags))
        for label in LABELS:
            g = {s for s in gold_spans if s[2] == label}
            p = {s for s in predicted_spans if s[2] == label}
            for key in (label, "all"):
                counts[key][0] += len(g & p)
                counts[key][1] += len(p)
                counts[key][2] += len(g)
    scores = {}
    for label, (tp, npred, ngold) in counts.items():
        p = tp / npred if npred else 0.0
        r = tp / ngold if ngold else 0.0
        scores[label] = {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
                         "gold": ngold}
    return scores


def train(data: Path, out: Path, limit: int | None = None, max_iterations: int | None = None) -> dict:
    """Train on GermEval under ``data``, write the model to ``out``, return the held-out scores."""
    import pycrfsuite
    import spacy

    from actorgraph.ingest.recogniser import Recogniser, sequence_features
    from actorgraph.ingest.tokenizer import GermanTokenizer

    folder = data / "germeval2014"
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise SystemExit(f"GermEval 2014 not found: expected {', '.join(missing)} in {folder.name}/ of --data")
    tokenizer = GermanTokenizer(spacy.blank("de").vocab)
    raw = [sentence for name in FILES for sentence in read_germeval(folder / name)]
    sentences = [retokenise(tokens, tags, tokenizer) for tokens, tags in raw[:limit or None]]
    training, held_out = split(sentences)
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    params = dict(PARAMS)
    if max_iterations:
        params["max_iterations"] = max_iterations
    trainer.set_params(params)
    for words, labels in training:
        trainer.append(sequence_features(words), labels)
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    seconds = time.perf_counter() - started
    recogniser = Recogniser(out.read_bytes())
    predicted = [recogniser.tag(words) for words, _labels in held_out]
    scores = evaluate([labels for _words, labels in held_out], predicted)
    return {"sentences": {"train": len(training), "held_out": len(held_out)},
            "tokens": {"train": sum(len(w) for w, _l in training), "held_out": sum(len(w) for w, _l in held_out)},
            "params": params, "seed": SEED, "training_seconds": round(seconds, 1),
            "model_bytes": out.stat().st_size, "held_out_scores": scores}


def main(argv: list[str] | None = None) -> int:
    """Command line: train and print the held-out scores as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding germeval2014/ (default: ../shared/data from the project root)")
    parser.add_argument("--out", type=Path, default=ROOT / "ingest" / "models" / "ner.crfsuite")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N sentences (smoke tests)")
    parser.add_argument("--max-iterations", type=int, default=None)
    args = parser.parse_args(argv)
    report = train(args.data, args.out, args.limit, args.max_iterations)
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
