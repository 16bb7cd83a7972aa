# interdict.bans — the two commands a user types are `make demo` and `make test`.
# Everything else here is what those two are made of.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/.collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/interdict/bans
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS):$(CURDIR)/$(VENV)/lib/python3.11/site-packages
export ANSIBLE_NOCOLOR ?= 1
export PATH := $(CURDIR)/$(BIN):$(PATH)
REPORT_DIR ?= $(CURDIR)/report

.PHONY: help venv collection demo test lint sanity units units-core216 integration molecule bench bench-smoke build importer changelog clean

help:
	@echo "make demo   audit this machine (read-only), the lab and a simulated MDM tenant; print the report"
	@echo "make test   lint, sanity, unit, integration and Molecule tests"
	@echo "make bench  benchmarks (ratios against a naive baseline measured in the same run)"

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade 'pip>=25.1'
	$(BIN)/pip install --quiet --group dev
	touch $@

venv: $(BIN)/.installed

# Ansible finds the collection through a link named like its FQCN.
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../.. $@

collection: venv $(COLLECTION_LINK)

demo: collection
	$(BIN)/python demo/run.py --report-dir $(REPORT_DIR)

test: lint sanity units units-core216 integration molecule importer bench-smoke

lint: collection
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ansible-lint
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs .

sanity: collection
	tests/sanity/run.sh

units: collection
	$(BIN)/pytest -q -n 2 tests/unit

# The bad-input corpus again on the lowest supported ansible-core (2.16), from PyPI only.
CORE216 := .venv-core216
$(CORE216)/.installed:
	$(PYTHON) -m venv $(CORE216)
	$(CORE216)/bin/pip install --quiet 'ansible-core>=2.16,<2.17' -r requirements.txt pyyaml pytest hypothesis
	touch $@

units-core216: collection $(CORE216)/.installed
	$(CORE216)/bin/python -m pytest -q -p no:cacheprovider tests/unit/bad_input

integration: collection
	$(BIN)/pytest -q tests/integration

molecule: collection
	tests/lab/run_molecule.sh

bench: collection
	@for b in tests/bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

# Every benchmark at its small size (INTERDICT_BENCH_SIZE=small), so one that no longer runs fails the tests.
# The figures are printed, never asserted on.
bench-smoke: collection
	@for b in tests/bench/bench_*.py; do echo "== $$b (small)"; INTERDICT_BENCH_SIZE=small $(BIN)/python $$b; done

VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := .build/interdict-bans-$(VERSION).tar.gz

build: collection
	$(BIN)/ansible-galaxy collection build --force --output-path .build

# Galaxy's own import checks on the built tarball. galaxy-importer pins its own ansible-core and
# ansible-lint, so it gets its own venv (from PyPI only), and runs with no collections path of ours:
# what Galaxy sees. The one warning allowed is awx.awx being unknown there: only the optional
# interdict.bans.awx_configure playbook uses it, and it is not a dependency of the collection.
IMPORTER := .venv-importer
$(IMPORTER)/.installed:
	$(PYTHON) -m venv $(IMPORTER)
	$(IMPORTER)/bin/pip install --quiet 'galaxy-importer==0.4.44'
	touch $@

importer: build $(IMPORTER)/.installed
	cd .build && env -u ANSIBLE_COLLECTIONS_PATH PATH=$(CURDIR)/$(IMPORTER)/bin:/usr/local/bin:/usr/bin:/bin \
	  $(CURDIR)/$(IMPORTER)/bin/python -m galaxy_importer.main $(notdir $(TARBALL)) 2>&1 | tee importer.log
	grep -q '^Importer processing completed successfully' .build/importer.log
	! grep -E '^(ERROR|WARNING)' .build/importer.log | grep -v "couldn't resolve module/action 'awx\.awx\."

changelog: venv
	$(BIN)/antsibull-changelog lint

clean:
	rm -rf .build .collections report
