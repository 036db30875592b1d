# WinoGrande, generation, zero-shot: which of two options fills the blank; the option letter is scored.
from evalkit.datasets import WinoGrandeDataset
from evalkit.openicl import AccEvaluator, GenInferencer, PromptTemplate, ZeroRetriever
from evalkit.openicl.postprocessors import OptionLetter

winogrande_datasets = [dict(
    abbr='winogrande',
    type=WinoGrandeDataset,
    path='winogrande',
    reader_cfg=dict(input_columns=['question', 'options'], output_column='answer', train_split='train_xs',
                    test_split='dev'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt='Question: {question}\nWhich option fills the blank _ ?\n{options}\nAnswer:'),
            dict(role='BOT', prompt='{answer}'),
        ])),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=GenInferencer, max_out_len=32)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=OptionLetter, options='AB')),
)]
