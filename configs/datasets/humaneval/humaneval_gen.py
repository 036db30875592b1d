# HumanEval, generation, zero-shot: the model completes each function; pass@1 by running the
# row's tests on it in the code sandbox (needs --allow-code-execution or allow_code_execution=True).
# A reply's first ```python block is the code; a reply without one continues the prompt.
# The instruction is OpenCompass's (humaneval_gen -> humaneval_openai_sample_evals_gen_dcae0e), so scores compare.
from evalkit.datasets import HumanEvalDataset
from evalkit.openicl import GenInferencer, PromptTemplate, ZeroRetriever
from evalkit.openicl.evaluators import HumanEvalEvaluator

humaneval_datasets = [dict(
    abbr='openai_humaneval',
    type=HumanEvalDataset,
    path='humaneval',
    reader_cfg=dict(input_columns=['prompt'], output_column='task_id', train_split='test', test_split='test'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt='Read the following function signature and docstring, and fully implement '
                                      'the function described. Your response should only contain the code for '
                                      'this function.\n{prompt}')])),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=GenInferencer, max_out_len=512)),
    eval_cfg=dict(evaluator=dict(type=HumanEvalEvaluator)),
)]
