"""Prompts cut by left truncation are counted per dataset, recorded and shown in the main output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from evalkit.models.embedded import prepare_embedded_model
from tests.conftest import PROJECT_ROOT, only_run_dir, run_cli

TINY = (PROJECT_ROOT / 'tests' / 'configs' / 'tiny_ceval_ppl.py').read_text(encoding='utf-8')


@pytest.mark.slow
def test_truncated_prompts_are_counted_and_warned(tmp_path: Path) -> None:
    # The first three law prompts have 121, 104 and 73 tokens: max_seq_len=100 cuts the first two only.
    config = tmp_path / 'short.py'
    config.write_text(TINY.replace("for name in ('law', 'logic')", "for name in ('law',)")
                      .replace('batch_size=8', 'batch_size=8, max_seq_len=100, max_out_len=8'), encoding='utf-8')
    work = tmp_path / 'out'
    result = run_cli(str(config), '-w', str(work), '--limit', '3', timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    run = only_run_dir(work)
    records = [json.loads(line) for line in (run / 'predictions' / 'smollm2' / 'ceval-law.jsonl').open()]
    cut = [r['index'] for r in records if r.get('truncated_tokens')]
    tokenizer = AutoTokenizer.from_pretrained(str(prepare_embedded_model()))
    too_long = {r['index']: len(tokenizer(r['prompt'])['input_ids']) - 100 for r in records}
    assert {r['index']: r.get('truncated_tokens', 0) for r in records} == {i: max(n, 0) for i, n in too_long.items()}
    assert cut == [0, 1]  # counted per prompt: the short third one is whole
    results = json.loads((run / 'results' / 'smollm2' / 'ceval-law.json').read_text(encoding='utf-8'))
    assert results['truncated_prompts'] == 2
    assert ('WARNING: smollm2 / ceval-law: 2 of 3 prompts were longer than max_seq_len and lost their '
            'beginning') in result.stdout
