"""Prepare the embedded default model (SmolLM2-135M-Instruct) and print its local folder.

Use the printed path with --hf-path, or pass --hf-path embedded:smollm2-135m-instruct directly.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.config.errors import ConfigError  # noqa: E402
from evalkit.models.embedded import prepare_embedded_model  # noqa: E402

if __name__ == '__main__':
    try:
        print(prepare_embedded_model())
    except ConfigError as exc:
        print(f'error: {exc}', file=sys.stderr)
        sys.exit(2)
