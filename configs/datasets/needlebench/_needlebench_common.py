# What the needle-in-a-haystack configs share: the prompt (the document, then the question) and
# keyword scoring that keeps each row's length and depth for the heatmap. Imported by needlebench_*.
from evalkit.openicl import PromptTemplate
from evalkit.openicl.evaluators import KeywordEvaluator

needlebench_reader_cfg = dict(input_columns=['context', 'question'], output_column='answer',
                              train_split='test', test_split='test')

needlebench_prompt_template = dict(type=PromptTemplate, template=dict(round=[
    dict(role='HUMAN', prompt='Read the document below, then answer the question after it using only the '
                              'document.\n\n{context}\n\nQuestion: {question}\nAnswer briefly.'),
    dict(role='BOT', prompt='{answer}'),
]))

needlebench_eval_cfg = dict(evaluator=dict(type=KeywordEvaluator, keep_columns=['length', 'depth']))
