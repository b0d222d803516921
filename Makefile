# The course's two commands (see README.md):
#   make book   set up .venv (pinned requirements + vaecourse) and build the book, executing every notebook
#   make test   set up .venv, then unit tests, every notebook under nbval, a strict book build and
#               the browser test of the built pages (tests_browser/)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NBVAL_DIR := _build/nbval
JB_FLAGS  := -n -W --keep-going
# Two processes share the two cores in the test runs: one BLAS/OpenMP thread each avoids
# oversubscription. It is only a default: the checked numbers do not depend on the thread count
# (tests/test_golden_portability.py), so `OMP_NUM_THREADS=2 make test` must pass too.
OMP_NUM_THREADS ?= 1
export OMP_NUM_THREADS

.PHONY: setup book book-strict test unit notebooks golden browser clean pdf lab

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed

# tools/execute_book.py first executes the notebooks the cache lacks two at a time (the build runs one
# at a time); the build then renders them from its cache, and runs any that failed there again.
book: setup
	$(BIN)/python tools/execute_book.py
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "The book is built: open _build/html/index.html in a browser."

# The strict build: any warning, dead reference or cell error fails it.
book-strict: setup
	$(BIN)/python tools/execute_book.py
	$(BIN)/jupyter-book build . $(JB_FLAGS)

unit: setup
	$(BIN)/python -m pytest tests -n 2 -q

# nbval collects .ipynb only: pair each MyST notebook of the book into _build/nbval, with the golden
# outputs of its `# NBVAL_CHECK_OUTPUT` cells (tests/golden/) filled in so nbval compares the numbers.
# A kernel starts in a few seconds on an idle machine; on a loaded two-core laptop it can take over
# nbval's default 60 s, so both the start and each cell get 300 s.
notebooks: setup
	rm -rf $(NBVAL_DIR) && mkdir -p $(NBVAL_DIR)
	$(BIN)/python tests/notebook_golden.py prepare $(NBVAL_DIR)
	VAECOURSE_DATA_DIR=$(CURDIR)/_build/vaecourse-data $(BIN)/python -m pytest --nbval-lax --nbval-cell-timeout=300 --nbval-kernel-startup-timeout=300 -n 2 --dist loadfile -q \
	  $(NBVAL_DIR) $$(find exercises -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' 2>/dev/null)

# After changing a page's checked cells (or the numbers they print): store their outputs again.
golden: setup
	VAECOURSE_DATA_DIR=$(CURDIR)/_build/vaecourse-data $(BIN)/python tests/notebook_golden.py update $(PAGES)

# Every built page in headless Chromium (Debian's `chromium`, driven by playwright): console errors,
# math rendered offline, players, internal links, search. Skips without chromium unless CI=true.
# Two workers, each with its own server and browser (tests_browser/conftest.py): the pages load in parallel.
browser: book-strict
	$(BIN)/python -m pytest tests_browser -n 2 -q -rs

test: unit notebooks book-strict browser

# The whole book as one PDF (_build/vae-course.pdf), printed offline from the built pages by Debian's
# headless chromium; MathJax typesets the formulas first. Prints the page count and the time taken.
pdf: book
	$(BIN)/python tools/book_pdf.py --html _build/html --out _build/vae-course.pdf

# JupyterLab (an optional extra, requirements-lab.txt) on the course: the exercises open as notebooks,
# and so do the book's MyST pages (jupytext's notebook viewer is made their default, in .venv only).
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
$(VENV)/.lab-installed: requirements-lab.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-lab.txt
	mkdir -p $(LAB_SETTINGS)
	cp tools/jupyterlab-overrides.json $(LAB_SETTINGS)/overrides.json
	touch $@

# LAB_ARGS passes options on, e.g. make lab LAB_ARGS="--no-browser --port=8890".
LAB_ARGS ?=
lab: $(VENV)/.lab-installed
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/exercises $(LAB_ARGS)

clean:
	rm -rf _build
