"""Evaluate language models: `python run.py configs/eval_demo.py` or `python run.py --help`."""
import sys

from evalkit.cli.main import main

if __name__ == '__main__':
    sys.exit(main())
