# WinoGrande, perplexity, zero-shot: the sentence with the blank filled by each option; the more likely one wins.
from evalkit.datasets import WinoGrandeDataset
from evalkit.openicl import AccEvaluator, PPLInferencer, PromptTemplate, ZeroRetriever

winogrande_datasets = [dict(
    abbr='winogrande',
    type=WinoGrandeDataset,
    path='winogrande',
    reader_cfg=dict(input_columns=['filled_A', 'filled_B'], output_column='answer', train_split='train_xs',
                    test_split='dev'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template={_opt: f'Good sentence: {{filled_{_opt}}}' for _opt in 'AB'}),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=PPLInferencer)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
)]
