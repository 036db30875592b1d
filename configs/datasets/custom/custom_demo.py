# Question files evaluated without a loader (data/custom): each short entry expands, before validation,
# into a full dataset config chosen from the file's columns and its optional <file>.meta.json.
from evalkit.datasets import CustomDataset

custom_datasets = [
    dict(type=CustomDataset, path='custom/demo_mcq.jsonl'),                       # options A-D: MCQ, generation
    dict(type=CustomDataset, path='custom/demo_mcq.jsonl', infer_method='ppl', abbr='demo_mcq-ppl'),
    dict(type=CustomDataset, path='custom/demo_qa.jsonl'),                        # question + answer: QA, EM
    dict(type=CustomDataset, path='custom/capitals.csv'),                         # columns and prompt from meta
]
