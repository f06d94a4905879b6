# The README's commands. `make app` sets everything up and opens the Streamlit app on the shipped
# models; `make test` sets everything up and runs the whole test suite (what .ci/run calls).

PYTHON ?= python3
# constraints.txt pins every transitive package to the set the suite was last run with.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := web_demo/node_modules/.installed
SITE ?= site

.PHONY: setup app test test-quick lint constraints site serve-site book-web models judge quality benchmarks clean

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

app: setup
	$(VENV)/bin/streamlit run streamlit_app/app.py

test: setup
	$(PY) -m pytest -q
	npm test --prefix web_demo

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

# The book GAN joins the site (offered on request) once its TF.js export exists: make book-web.
BOOK_WEB := models/gan-book-frog-web
site: setup
	$(PY) -m export site --gan models/gan-frog --vae models/vae-frog \
	  $(if $(wildcard $(BOOK_WEB)/generator/model.json),--book $(BOOK_WEB)) --out $(SITE) --force

# Served with the cross-origin isolation headers, so tfjs-wasm may use threads.
serve-site: site
	$(PY) -m export serve $(SITE) --port 8000

book-web: setup
	bash models/reexport.sh models/gan-book-frog:$(BOOK_WEB)

# Rebuild the shipped models from scratch on the CIFAR-10 frogs (see README for the time).
DATA ?= ../shared/data/cifar10-train-jpeg.zip
models: setup
	bash models/rebuild.sh $(DATA)

# The judge that grades every model (about 18 minutes on 2 cores with AMX; see README).
judge: setup
	$(PY) -m train judge --data $(DATA) --out models/judge --force

# Grade the shipped models with the judge: the README's quality table and models/*/quality.json.
quality: setup
	$(PY) -m train evaluate models/gan-frog models/gan-book-frog models/vae-frog --data $(DATA)

benchmarks: setup
	$(PY) benchmarks/train_throughput.py
	$(PY) benchmarks/export_sizes.py
	$(PY) benchmarks/app_latency.py
	$(PY) benchmarks/app_browser_latency.py
	$(PY) benchmarks/browser_latency.py
	$(PY) benchmarks/evaluate_speed.py
	$(PY) benchmarks/atlas_speed.py

clean:
	rm -rf $(SITE) .pytest_cache tests/artifacts
