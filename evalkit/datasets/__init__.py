"""Dataset loaders; each registers itself in ``evalkit.registry.LOAD_DATASETS``."""
from evalkit.datasets.arc import ARCDataset, ARCFourChoiceDataset
from evalkit.datasets.base import BaseDataset
from evalkit.datasets.bbh import BBHDataset
from evalkit.datasets.ceval import CEvalDataset
from evalkit.datasets.cmmlu import CMMLUDataset
from evalkit.datasets.commonsenseqa import CommonsenseQADataset
from evalkit.datasets.custom import CustomDataset
from evalkit.datasets.gsm8k import GSM8KDataset
from evalkit.datasets.hellaswag import HellaSwagDataset
from evalkit.datasets.huggingface import HFDataset
from evalkit.datasets.humaneval import HumanEvalDataset
from evalkit.datasets.math_problems import MATH500Dataset, MATHDataset
from evalkit.datasets.mbpp import MBPPDataset
from evalkit.datasets.mmlu import MMLUDataset
from evalkit.datasets.mtbench import MTBenchDataset
from evalkit.datasets.needlebench import NeedleBenchDataset
from evalkit.datasets.open_qa import NQOpenDataset, TriviaQADataset
from evalkit.datasets.openbookqa import OBQADataset
from evalkit.datasets.piqa import PIQADataset
from evalkit.datasets.subjective import SubjectiveQuestionsDataset
from evalkit.datasets.winogrande import WinoGrandeDataset

__all__ = ['ARCDataset', 'ARCFourChoiceDataset', 'BBHDataset', 'BaseDataset', 'CEvalDataset', 'CMMLUDataset',
           'CommonsenseQADataset', 'CustomDataset', 'GSM8KDataset', 'HFDataset', 'HellaSwagDataset',
           'HumanEvalDataset', 'MATH500Dataset', 'MATHDataset', 'MBPPDataset', 'MMLUDataset', 'MTBenchDataset', 'NeedleBenchDataset',
           'NQOpenDataset', 'OBQADataset', 'PIQADataset', 'SubjectiveQuestionsDataset', 'TriviaQADataset', 'WinoGrandeDataset']
