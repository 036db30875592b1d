"""Dataset loaders; each registers itself in ``evalkit.registry.LOAD_DATASETS``."""
from evalkit.datasets.base import BaseDataset
from evalkit.datasets.ceval import CEvalDataset
from evalkit.datasets.gsm8k import GSM8KDataset
from evalkit.datasets.mmlu import MMLUDataset

__all__ = ['BaseDataset', 'CEvalDataset', 'GSM8KDataset', 'MMLUDataset']
