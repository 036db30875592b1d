"""What one sandboxed program may use; checked once, so a bad setting fails at config time."""
from __future__ import annotations

from dataclasses import dataclass

from evalkit.config.errors import ConfigError


@dataclass(frozen=True)
class SandboxLimits:
    """Per-program limits.  ``timeout`` is wall-clock seconds (the whole process tree is killed
    after it); CPU time is capped at the same number of seconds, so a busy loop ends even when
    the machine is so loaded that the wall clock would let it run on."""

    timeout: float = 10.0
    memory_mb: int = 1024
    processes: int = 32
    file_mb: int = 16
    open_files: int = 64

    def __post_init__(self) -> None:
        checks = (('timeout', self.timeout, 0.1, 600), ('memory_mb', self.memory_mb, 64, 65536),
                  ('processes', self.processes, 1, 4096), ('file_mb', self.file_mb, 1, 4096),
                  ('open_files', self.open_files, 16, 65536))
        for name, value, low, high in checks:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise ConfigError(f'sandbox limit {name}: expected a number from {low} to {high}, got {value!r}. '
                                  f'It caps what one model-written program may use; the defaults suit HumanEval '
                                  f'and MBPP.')

    def as_job(self) -> dict[str, str]:
        """The limits as the in-sandbox runner's job fields (whole seconds and megabytes)."""
        return {'cpu_seconds': str(max(1, round(self.timeout))), 'memory_mb': str(self.memory_mb),
                'processes': str(self.processes), 'file_mb': str(self.file_mb), 'open_files': str(self.open_files)}
