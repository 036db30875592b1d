# Your own questions graded by a judge with your rubric: point `path` at a JSONL file (question, and
# optionally reference and category; see evalkit/datasets/subjective.py) and edit the rubric below.
# Scores (1-10) come out per category.  Example file: data/subjective/example_questions.jsonl.
from evalkit.datasets import SubjectiveQuestionsDataset
from evalkit.openicl import ChatInferencer, ZeroRetriever

RUBRIC = (
    'You grade answers to questions. Judge correctness first, then clarity. If a reference answer is '
    'given, an answer that contradicts it is wrong. Explain briefly, then give a rating from 1 to 10 '
    'in exactly this format: "Rating: [[5]]".')

subjective_generic_datasets = [dict(
    abbr='subjective-generic', type=SubjectiveQuestionsDataset, path='subjective/example_questions.jsonl',
    reader_cfg=dict(input_columns=['question'], output_column='reference', train_split='test', test_split='test'),
    infer_cfg=dict(retriever=dict(type=ZeroRetriever),
                   inferencer=dict(type=ChatInferencer, infer_mode='every', turns_column='question',
                                   max_out_len=512)),
    judge_cfg=dict(
        mode='single', question_column='question', reference_column='reference', category_column='category',
        prompts=[
            dict(system=RUBRIC, user='[Question]\n{question}\n\n[Reference answer]\n{reference}\n\n'
                                     '[Answer]\n{answer}', categories=['arithmetic', 'facts']),
            dict(system=RUBRIC, user='[Question]\n{question}\n\n[Answer]\n{answer}'),
        ]),
)]
