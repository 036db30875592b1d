"""Which protection layers this machine gives, found once per process by running a probe."""
from __future__ import annotations

import functools

from evalkit.sandbox.layers import Layers, candidate_layers
from evalkit.sandbox.limits import SandboxLimits
from evalkit.sandbox.process import SandboxUnavailable, run_in_sandbox

# Imports a module from disk after the switch of user and the limits, as a real program would.
_PROBE_PROGRAM = 'import collections\n\ndef answer():\n    return collections.Counter("aab")["a"]\n'
_PROBE_CHECKER = 'assert answer() == 2\n'


@functools.lru_cache(maxsize=1)
def available_layers() -> Layers:
    """The strongest combination of layers under which a trivial correct program passes.

    A layer the machine refuses (no ``unshare``, no user namespaces, no readable interpreter for
    ``nobody``) is dropped rather than failing every program; ``Layers.describe`` says what is left."""
    for layers in candidate_layers():
        try:
            if run_in_sandbox(_PROBE_PROGRAM, _PROBE_CHECKER, SandboxLimits(timeout=30), layers).passed:
                return layers
        except OSError:  # e.g. the interpreter or unshare cannot be started at all
            continue
    raise SandboxUnavailable('no combination of sandbox layers can run even a trivial Python program on this machine '
                             '(is the interpreter runnable with an empty environment?), so model-written code cannot '
                             'be executed safely here.')
