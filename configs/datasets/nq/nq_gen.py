# NQ-Open, generation, zero-shot: a short answer to a search-engine question; exact match (after SQuAD
# normalisation) against any of the accepted answers.
from evalkit.datasets import NQOpenDataset
from evalkit.openicl import EMEvaluator, GenInferencer, PromptTemplate, ZeroRetriever

nq_datasets = [dict(
    abbr='nq',
    type=NQOpenDataset,
    path='nq_open',
    reader_cfg=dict(input_columns=['question'], output_column='answers', train_split='dev', test_split='dev'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt='Answer with a short phrase only.\nQuestion: {question}?\nAnswer:'),
            dict(role='BOT', prompt='{answers}'),
        ])),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=GenInferencer, max_out_len=50, stop_words=['\n'])),
    eval_cfg=dict(evaluator=dict(type=EMEvaluator)),
)]
