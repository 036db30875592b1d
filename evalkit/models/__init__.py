"""Model wrappers; each registers itself in ``evalkit.registry.MODELS``."""
from evalkit.models.huggingface import HuggingFaceCausalLM
from evalkit.models.openai_api import OpenAIChat, OpenAICompletions, OpenAIModel

__all__ = ['HuggingFaceCausalLM', 'OpenAIChat', 'OpenAICompletions', 'OpenAIModel']
