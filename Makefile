# The README's commands. `make app` sets everything up and opens the Streamlit app on the shipped
# models; `make test` sets everything up and runs the whole test suite (what .ci/run calls).

PYTHON ?= python3
# constraints.txt pins every transitive package to the set the suite was last run with.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := web_demo/node_modules/.installed
SITE ?= site

.PHONY: setup app test test-quick soak lint constraints site serve-site book-web models judge quality benchmarks clean

setup: $(STAMP) $(NODE_STAMP) chromium

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): web_demo/package.json web_demo/package-lock.json
	npm ci --prefix web_demo --no-audit --no-fund
	touch $(NODE_STAMP)

# Browser tests and the export parity check use Debian's Chromium (Playwright cannot download
# its own browser here).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: run 'sudo apt-get install -y chromium'"; exit 1; fi; }

# The app listens on this machine only (streamlit_app/config.toml); APP_ADDRESS=0.0.0.0 shares it.
app: setup
	$(VENV)/bin/streamlit run streamlit_app/app.py $(if $(APP_ADDRESS),--server.address $(APP_ADDRESS))

# The web demo's Node tests (npm test) run inside pytest: tests/test_web_vectors.py.
test: setup
	$(PY) -m pytest -q

# The kill soak (issue 32): 20 SIGKILLs of a run with every stateful option on, each resumed, must
# end bit-identical to an uninterrupted run (a few minutes; not part of make test).
soak: setup
	LATENTWALK_SOAK_KILLS=20 $(PY) -m pytest -q tests/test_train_faults.py -k soak

test-quick: setup
	$(PY) -m pytest -q -m "not slow and not browser"

# Python (ruff: the rules in pyproject.toml) and the web demo's JavaScript (ESLint:
# web_demo/eslint.config.js). .ci/run runs this before the tests.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	npm run --silent lint --prefix web_demo

# Regenerate constraints.txt, the exact versions of every package (transitive ones too) the suite
# was last run with, from the installed environment.
constraints: setup
	$(PY) -m pip freeze --exclude-editable > constraints.txt

# Every data set of core/datasets.py whose GAN and VAE exports are in models/ (gan-<id>,
# vae-<id>) joins the site, with its measured verdict (models/figures/tears-<id>.json) when
# there is one; the page opens on core/datasets.py's DEFAULT_DATASET when the site has it.
# The book GAN joins the frogs (offered on request) once its TF.js export exists: make book-web.
DATASET_IDS = $(shell $(PY) -c 'from latentwalk.core.datasets import DATASETS; print(*(d.id for d in DATASETS))')
exported = $(and $(wildcard models/gan-$(1)/generator/model.json),$(wildcard models/vae-$(1)/decoder/model.json))
SITE_DATASETS = $(foreach id,$(DATASET_IDS),$(if $(call exported,$(id)),--dataset $(id) models/gan-$(id) models/vae-$(id)))
BOOK_WEB := models/gan-book-frog-web
site: setup
	$(PY) -m export site $(SITE_DATASETS) \
	  $(if $(wildcard $(BOOK_WEB)/generator/model.json),--book $(BOOK_WEB)) --out $(SITE) --force

# Served with the cross-origin isolation headers, so tfjs-wasm may use threads.
serve-site: site
	$(PY) -m export serve $(SITE) --port 8000

book-web: setup
	bash models/recipes/reexport.sh models/gan-book-frog:$(BOOK_WEB)

# Rebuild the shipped models from scratch, every data set of core/datasets.py (how long:
# docs/benchmarks.md; one data set: bash models/recipes/rebuild.sh DATA frog-automobile).
DATA ?= ../shared/data/cifar10-train-jpeg.zip
models: setup
	bash models/recipes/rebuild.sh $(DATA)

# The judge that grades every model (how long: docs/evaluation.md).
judge: setup
	$(PY) -m train judge --data $(DATA) --out models/judge --force

# Grade the shipped models with the judge: models/*/quality.json, the table in docs/evaluation.md.
quality: setup
	$(PY) -m train evaluate $(filter-out %-web,$(wildcard models/gan-* models/vae-*)) --data $(DATA)

# Every cheap benchmark (no training run, no GPU), each into its results file with the date, the
# hardware, the library versions and the commit. Run it on an otherwise idle machine: most are
# timings. The expensive ones (training runs, GPU jobs) are listed in docs/benchmarks.md.
RESULTS := benchmarks/results
benchmarks: setup
	$(PY) benchmarks/training_records.py --out $(RESULTS)/training-records.json
	$(PY) benchmarks/model_costs.py --out $(RESULTS)/model-costs.json
	$(PY) benchmarks/train_throughput.py --preset small --data $(DATA) --out $(RESULTS)/train-throughput-small.json
	$(PY) benchmarks/train_throughput.py --preset quality-cpu --data $(DATA) --out $(RESULTS)/train-throughput-quality-cpu.json
	$(PY) benchmarks/ablation_speed.py --data $(DATA) --out $(RESULTS)/ablation-speed.json
	$(PY) benchmarks/export_sizes.py --parity models/*/*/*.keras --out $(RESULTS)/export-sizes.json
	$(PY) benchmarks/evaluate_speed.py --data $(DATA) --out $(RESULTS)/evaluate-speed.json
	$(PY) benchmarks/app_latency.py --out $(RESULTS)/app-latency.json
	$(PY) benchmarks/app_browser_latency.py --out $(RESULTS)/app-browser-latency.json
	$(PY) benchmarks/app_first_image.py --out $(RESULTS)/app-first-image.json
	$(PY) benchmarks/atlas_speed.py --out $(RESULTS)/atlas-speed.json
	$(PY) benchmarks/browser_latency.py --compare-graphs --out $(RESULTS)/browser-latency.json
	$(PY) benchmarks/first_picture.py --out $(RESULTS)/first-picture.json
	$(PY) benchmarks/tears_speed.py --out $(RESULTS)/tears-speed.json

clean:
	rm -rf $(SITE) .pytest_cache tests/artifacts
