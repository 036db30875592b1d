"""The error type for everything a user can fix in their config or command line.

The CLI prints these as one paragraph without a traceback; anything else is a bug.
"""


class ConfigError(Exception):
    """A problem in a config file, a CLI argument or the data it points to."""
