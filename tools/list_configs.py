"""List model and dataset configs whose names match any of the given patterns.

    python tools/list_configs.py                 # everything
    python tools/list_configs.py smollm ceval    # names containing 'smollm' or 'ceval'
    python tools/list_configs.py 'mmlu_*'        # shell wildcards work too

The same as ``evalkit list-configs``; the logic lives in ``evalkit/cli/list_configs.py``.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.cli.list_configs import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(prog='list_configs.py'))
