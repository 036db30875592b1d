"""Serving backends that evalkit starts and stops itself (today: vLLM's CPU build in its own venv)."""
from evalkit.serving.vllm_server import VLLMServer, VLLMServerError
from evalkit.serving.vllm_venv import VLLMVenvError, default_venv_dir, ensure_vllm_venv, venv_python

__all__ = ['VLLMServer', 'VLLMServerError', 'VLLMVenvError', 'default_venv_dir', 'ensure_vllm_venv', 'venv_python']
