"""The contracts between pipeline stages: what a model must answer and what a prompt is."""
from evalkit.api.model import BaseModel
from evalkit.api.prompt import Message, Prompt, prompt_to_text

__all__ = ['BaseModel', 'Message', 'Prompt', 'prompt_to_text']
