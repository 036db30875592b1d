"""Models behind OpenAI-compatible HTTP endpoints: the client, its retries, rate limit and response cache."""
from evalkit.models.openai_api.model import OpenAIChat, OpenAICompletions, OpenAIModel

__all__ = ['OpenAIChat', 'OpenAICompletions', 'OpenAIModel']
