"""Running model-written code: each program in its own locked-down process (see ``layers.py``)."""
from evalkit.sandbox.available import available_layers
from evalkit.sandbox.layers import Layers
from evalkit.sandbox.limits import SandboxLimits
from evalkit.sandbox.pool import run_all
from evalkit.sandbox.process import Outcome, SandboxUnavailable, run_in_sandbox

__all__ = ['Layers', 'Outcome', 'SandboxLimits', 'SandboxUnavailable', 'available_layers', 'run_all',
           'run_in_sandbox']
