# PIQA, perplexity, zero-shot: the goal followed by each solution; the more likely one wins.
from evalkit.datasets import PIQADataset
from evalkit.openicl import AccEvaluator, PPLInferencer, PromptTemplate, ZeroRetriever

piqa_datasets = [dict(
    abbr='piqa',
    type=PIQADataset,
    path='piqa',
    reader_cfg=dict(input_columns=['question', 'A', 'B'], output_column='answer', train_split='valid',
                    test_split='valid'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template={
            _opt: f'This makes sense:\nQ: {{question}}\nA: {{{_opt}}}\n' for _opt in 'AB'}),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=PPLInferencer)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
)]
