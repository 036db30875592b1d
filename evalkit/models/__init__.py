"""Model wrappers; each registers itself in ``evalkit.registry.MODELS``."""
from evalkit.models.huggingface import HuggingFaceCausalLM

__all__ = ['HuggingFaceCausalLM']
