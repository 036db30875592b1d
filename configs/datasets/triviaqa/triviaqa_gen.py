# TriviaQA (rc.nocontext: the question without its evidence), generation, zero-shot: a short answer;
# exact match (after SQuAD normalisation) against any alias of the answer.
from evalkit.datasets import TriviaQADataset
from evalkit.openicl import EMEvaluator, GenInferencer, PromptTemplate, ZeroRetriever

triviaqa_datasets = [dict(
    abbr='triviaqa',
    type=TriviaQADataset,
    path='triviaqa',
    reader_cfg=dict(input_columns=['question'], output_column='answers', train_split='train',
                    test_split='validation'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt='Answer the trivia question as briefly as possible.\nQ: {question}\nA:'),
            dict(role='BOT', prompt='{answers}'),
        ])),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=GenInferencer, max_out_len=50, stop_words=['\n'])),
    eval_cfg=dict(evaluator=dict(type=EMEvaluator)),
)]
