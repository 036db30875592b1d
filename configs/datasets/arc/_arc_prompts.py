# ARC prompt settings shared by the Challenge and Easy configs (zero-shot, as OpenCompass runs ARC).
from evalkit.openicl import AccEvaluator, GenInferencer, PPLInferencer, PromptTemplate, ZeroRetriever
from evalkit.openicl.postprocessors import OptionLetter

# Generation: the question with its own lettered options (3, 4 or 5 of them); the reply's option letter counts.
arc_gen_reader_cfg = dict(input_columns=['question', 'options'], output_column='answer', train_split='train',
                          test_split='test')
arc_gen_infer_cfg = dict(
    prompt_template=dict(type=PromptTemplate, template=dict(round=[
        dict(role='HUMAN', prompt='Question: {question}\n{options}\nAnswer:'),
        dict(role='BOT', prompt='{answer}'),
    ])),
    retriever=dict(type=ZeroRetriever),
    inferencer=dict(type=GenInferencer, max_out_len=32))
arc_gen_eval_cfg = dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=OptionLetter, options='ABCDE'))

# Perplexity: the answer text after the question, one candidate per option (4-choice questions only).
arc_ppl_reader_cfg = dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                          train_split='train', test_split='test')
arc_ppl_infer_cfg = dict(
    prompt_template=dict(type=PromptTemplate, template={
        _opt: dict(round=[dict(role='HUMAN', prompt='Question: {question}\nAnswer: '),
                          dict(role='BOT', prompt=f'{{{_opt}}}')])
        for _opt in 'ABCD'}),
    retriever=dict(type=ZeroRetriever),
    inferencer=dict(type=PPLInferencer))
arc_ppl_eval_cfg = dict(evaluator=dict(type=AccEvaluator))
