"""Loading, validating and serialising run configs."""
from evalkit.config.errors import ConfigError
from evalkit.config.loading import load_config
from evalkit.config.plain import to_plain

__all__ = ['ConfigError', 'load_config', 'to_plain']
