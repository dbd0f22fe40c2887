# Two entry points (see README): `make lab` opens the course, `make test` runs every test.
# Both create and reuse a virtual environment in $(VENV). Override the torch requirement with TORCH_SPEC,
# e.g. `TORCH_SPEC=torch==2.13.0 make test` where pip finds a CPU wheel of that version, and the index torch
# comes from with TORCH_INDEX, e.g. `TORCH_INDEX=https://download.pytorch.org/whl/cpu make test` for the CPU
# build on any machine with internet (PyPI's Linux torch is the CUDA build).

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch
TORCH_INDEX ?=
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stylegan-edu-installed
PYTEST_ARGS ?=
LAB_ARGS ?=
# JupyterLab refuses to start as root (containers, cloud notebooks) unless told --allow-root.
LAB_ROOT_ARG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

.PHONY: venv lab test clean-venv

# Reinstall when pyproject.toml changes or a different TORCH_SPEC is asked for. pytorch-fid is a test-only
# cross-check installed without its dependencies: its torchvision would replace the CPU torch (tests mock it).
venv:
	@$(PYTHON) -c 'import sys; sys.exit("stylegan-edu needs Python 3.10 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if [ ! -f $(STAMP) ] || [ pyproject.toml -nt $(STAMP) ] || [ "$$(cat $(STAMP))" != "$(TORCH_SPEC)$(TORCH_INDEX)" ]; then \
		echo "installing into $(VENV) (torch requirement: $(TORCH_SPEC)$(if $(TORCH_INDEX), from $(TORCH_INDEX)))"; \
		$(PY) -m pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH_SPEC)" && \
		$(PY) -m pip install --quiet -e ".[dev]" && \
		$(PY) -m pip install --quiet --no-deps "pytorch-fid>=0.3" && \
		printf '%s' "$(TORCH_SPEC)$(TORCH_INDEX)" > $(STAMP); \
	fi

# Opens lesson 00 (the file browser shows the rest). LAB_ARGS passes options to JupyterLab, e.g. --no-browser.
# The environment's bin/ goes first on PATH, so `stylegan-edu` works in JupyterLab's terminals.
lab: venv
	$(if $(LAB_ROOT_ARG),@echo "running as root: passing --allow-root to JupyterLab")
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/jupyter lab $(LAB_ROOT_ARG) $(LAB_ARGS) notebooks/00_welcome.ipynb

# nbval compares every text output of the committed notebooks (the lessons and the instructor versions of the
# assignments); notebooks/sanitize.cfg masks the few that legitimately change between runs (addresses, progress
# bars, timings).
test: venv
	$(VENV)/bin/python -m pytest tests notebooks assignments/source --nbval --nbval-sanitize-with notebooks/sanitize.cfg $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
