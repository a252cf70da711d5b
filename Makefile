# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PKG_STAMP := $(VENV)/.package-installed

.PHONY: run test lint format screenshots bench package install-desktop uninstall-desktop icons smoke clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

# The app alone: its own dependencies (not the test extras) and Qt's runtime libraries.
APP_STAMP := $(VENV)/.app-installed
$(APP_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@touch $@

run: $(APP_STAMP)
	@bash scripts/system-deps.sh app
	$(VENV)/bin/payload-inspector gui

test: $(STAMP)
	@bash scripts/system-deps.sh
	$(PY) -m pytest -q -p no:cacheprovider

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshots.py

# Servers vs the seed, the one-core floor, the GUI and decode on a 100 MB history (offscreen);
# rewrites the results table in bench/README.md.
bench: $(STAMP)
	@bash scripts/system-deps.sh
	QT_QPA_PLATFORM=offscreen $(PY) -m bench.run

$(PKG_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[package]'
	@touch $@

# The desktop build: dist/payload-inspector/ (PyInstaller, one folder); prints size and time.
package: $(PKG_STAMP)
	PY=$(PY) bash packaging/build.sh

# Desktop entry, icons and metainfo for this user; starts the build above (copied to
# ~/.local/lib/payload-inspector) or else the payload-inspector on PATH (pipx install .).
install-desktop:
	bash packaging/linux/install-desktop.sh

uninstall-desktop:
	bash packaging/linux/install-desktop.sh --uninstall

# Re-render the icon's PNG sizes from inspector/resources/icon*.svg.
icons: $(PKG_STAMP)
	$(PY) packaging/render_icons.py

# Build the package and check the frozen app against the source install (CI runs it).
smoke:
	bash packaging/smoke.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
