"""lm-evaluation-harness 0.4.13's ``local-chat-completions`` on evalkit's GSM8K chat prompt.

Why this exists: ``benchmarks/serve_compare.py`` (part ``lmeval``) races evalkit's API model
against lm-eval's chat-completions client on one vLLM server.  A race is only fair when both
send the very same requests, so the generated task reproduces evalkit's
``configs/datasets/gsm8k/gsm8k_gen.py`` turn for turn: the user turn is evalkit's question
template, the assistant turn of a shot is the worked solution (calculator annotations removed,
ending "The answer is N") plus a newline, the first 4 train rows are the shots
(``first_n`` sampler), both delimiters are empty so no text is added between turns, and
``--apply_chat_template --fewshot_as_multiturn`` keeps every shot as its own user/assistant pair.
Decoding: greedy, at most 256 new tokens, stop at "Question:".  Whether the dialogues really
are identical is not assumed: :func:`collect` returns the messages lm-eval logged for every
question, and the benchmark compares them with the prompts evalkit recorded.

The rows are read in place from evalkit's own data files (``dataset_path: json``).
Standard library only: this module is imported by serve_compare.py and its task helper
runs inside the lm-eval venv (``/tmp/peer-lmeval``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TASK = "evalkit_gsm8k_chat"
SHOTS = 4

# The task's helpers, run by lm-eval.  The question template and the solution rewrite are
# evalkit's (gsm8k_gen.py's ``_question``, evalkit.datasets.gsm8k.with_solution).
UTILS_PY = r'''"""Prompt helpers of the generated GSM8K chat task (see benchmarks/peers/lmeval_chat_jobs.py)."""
import re


def question_turn(doc):
    return f"Question: {doc['question']}\nLet's think step by step\nAnswer:"


def solution_turn(doc):
    steps, _, final = doc["answer"].rpartition("####")
    steps = re.sub(r"<<[^>]*>>", "", steps).strip()
    return f"{steps}\nThe answer is {final.strip()}\n"
'''


def task_yaml(data_files: dict[str, str], max_tokens: int, stop: list[str]) -> str:
    """The task file; JSON is valid YAML and quotes paths and newlines safely, the ``!function``
    tags are the only non-JSON tokens."""
    lines = [
        f"task: {TASK}",
        "dataset_path: json",
        "dataset_kwargs:",
        f"  data_files: {json.dumps(data_files)}",
        "training_split: train",
        "test_split: test",
        "fewshot_split: train",
        "fewshot_config:",
        "  sampler: first_n",
        f"num_fewshot: {SHOTS}",
        "output_type: generate_until",
        "doc_to_text: !function utils.question_turn",
        "doc_to_target: !function utils.solution_turn",
        'target_delimiter: ""',
        'fewshot_delimiter: ""',
        "generation_kwargs:",
        f"  until: {json.dumps(stop)}",
        f"  max_gen_toks: {max_tokens}",
        "  do_sample: false",
        "metric_list:",
        "  - metric: exact_match",
        "    aggregation: mean",
        "    higher_is_better: true",
        "metadata:",
        "  version: 1.0",
    ]
    return "\n".join(lines) + "\n"


def write_task(task_dir: Path, data_files: dict[str, str], max_tokens: int, stop: list[str]) -> Path:
    """The folder to pass as ``--include_path``."""
    task_dir.mkdir(parents=True, exist_ok=True)
    (task_dir / "utils.py").write_text(UTILS_PY, encoding="utf-8")
    (task_dir / f"{TASK}.yaml").write_text(task_yaml(data_files, max_tokens, stop), encoding="utf-8")
    return task_dir


def lmeval_argv(lmeval_python: str, task_dir: Path, out_dir: Path, chat_url: str, model: str, concurrency: int,
                limit: int) -> list[str]:
    """The lm-eval command line: chat completions at ``chat_url`` with ``concurrency`` requests in flight."""
    model_args = f"model={model},base_url={chat_url},num_concurrent={concurrency},max_retries=3,timeout=600"
    return [lmeval_python, "-m", "lm_eval", "run", "--model", "local-chat-completions", "--model_args", model_args,
            "--tasks", TASK, "--include_path", str(task_dir), "--apply_chat_template", "--fewshot_as_multiturn",
            "--limit", str(limit), "--output_path", str(out_dir), "--log_samples"]


def collect(out_dir: Path) -> dict[int, dict[str, Any]]:
    """Question index -> the ``messages`` lm-eval sent and the reply ``text`` it recorded (before any
    filter), read from its ``--log_samples`` file; empty when the run left none."""
    files = sorted(out_dir.rglob(f"samples_{TASK}_*.jsonl"))
    if not files:
        return {}
    rows = {}
    for line in files[-1].read_text(encoding="utf-8").splitlines():
        sample = json.loads(line)
        chat = sample["arguments"]["gen_args_0"]["arg_0"]  # lm-eval's JsonChatStr, logged as [json text]
        rows[int(sample["doc_id"])] = {"messages": json.loads(chat[0]), "text": sample["resps"][0][0]}
    return rows


def agreement(evalkit_rows: dict[int, dict[str, Any]], lmeval_rows: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Per question, whether both clients sent the same dialogue and got the same reply text.

    ``evalkit_rows``: evalkit's prediction records (``prompt`` is the JSON of the messages sent,
    ``prediction`` the reply); ``lmeval_rows``: :func:`collect`'s.  A question only one side
    answered counts as differing on both, so a short run never looks like agreement."""
    questions = sorted(set(evalkit_rows) | set(lmeval_rows))
    both = set(evalkit_rows) & set(lmeval_rows)
    other_messages = [i for i in questions
                      if i not in both or json.loads(evalkit_rows[i]["prompt"]) != lmeval_rows[i]["messages"]]
    other_texts = [i for i in questions if i not in both or evalkit_rows[i]["prediction"] != lmeval_rows[i]["text"]]
    return {"questions_compared": len(questions), "identical_messages": len(questions) - len(other_messages),
            "identical_texts": len(questions) - len(other_texts), "differing_messages": other_messages,
            "differing_texts": other_texts}
