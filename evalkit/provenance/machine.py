"""The machine a result was computed on: CPU model, cores, GPUs.

GPU names come from torch when the process already imported it (the inference task);
elsewhere (evaluation, the summary, which never import torch) from the NVIDIA driver's
``/proc`` entries, so recording provenance never costs a torch import.
"""
from __future__ import annotations

import os
import platform
import socket
import sys
from pathlib import Path

_NVIDIA_GPUS = Path('/proc/driver/nvidia/gpus')


def cpu_model() -> str:
    try:
        for line in Path('/proc/cpuinfo').read_text(encoding='utf-8', errors='replace').splitlines():
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_names() -> list[str]:
    torch = sys.modules.get('torch')
    if torch is not None and torch.cuda.is_available():
        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    names = []
    for info in sorted(_NVIDIA_GPUS.glob('*/information')) if _NVIDIA_GPUS.is_dir() else []:
        for line in info.read_text(encoding='utf-8', errors='replace').splitlines():
            if line.startswith('Model:'):
                names.append(line.split(':', 1)[1].strip())
    return names


def machine() -> dict[str, object]:
    return {'hostname': socket.gethostname(), 'platform': platform.platform(), 'cpu': cpu_model(),
            'cores': os.cpu_count(), 'gpus': gpu_names()}
