# Test config: two C-Eval sample subjects, zero-shot PPL, the embedded model in base mode.
# Self-contained (types as dotted names) so tests can copy it and edit a prompt.
models = [dict(type='HuggingFaceCausalLM', abbr='smollm2', path='embedded:smollm2-135m-instruct',
               mode='base', batch_size=8)]

datasets = [
    dict(abbr=f'ceval-{name}', type='CEvalDataset', path='ceval', name=name,
         reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                         train_split='dev', test_split='val'),
         infer_cfg=dict(
             prompt_template=dict(type='PromptTemplate', template={
                 opt: f'PROMPT_PREFIX{{question}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\n答案：{opt}'
                 for opt in 'ABCD'}),
             retriever=dict(type='ZeroRetriever'),
             inferencer=dict(type='PPLInferencer', chunk_size=1)),
         eval_cfg=dict(evaluator=dict(type='AccEvaluator')))
    for name in ('law', 'logic')
]
