# Two commands for a newcomer: `make demo` (set up and run the main job) and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: venv test bench demo clean browser

$(STAMP): pyproject.toml
	@test -x $(PY) || { P=$$(tools/find-python) && echo "creating $(VENV) with $$P" && "$$P" -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

# Debian's Chromium and its driver for the browser pass; installed when missing and root.
browser:
	@tools/install-browser

# The browser tests need Chromium: installed first when missing (as root), else they are skipped.
test: $(STAMP)
	@tools/install-browser || echo "Chromium missing: the browser tests will be skipped"
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

# A generated repository on 127.0.0.1, swept, `oerlint status`, an HTML report in oerlint-data/demo/.
demo: $(STAMP)
	$(PY) -m demo

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
