"""tools/prompt_viewer.py shows the exact text a prediction records as its ``prompt`` (generation and
PPL, on a real circular MMLU slice with the real model), and fails clearly on bad names and indices."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest

from evalkit.api.model import BaseModel
from evalkit.config.loading import load_config
from evalkit.tasks.infer import prepare
from tests.conftest import PROJECT_ROOT, cli_env, requires_shared_mmlu

CONFIG = 'tests/configs/circular_mmlu.py'
VIEWER = PROJECT_ROOT / 'tools' / 'prompt_viewer.py'
ITEM = 5  # the second question, in its second rotation (options shown B, C, D, A)


def _viewer_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location('prompt_viewer', VIEWER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _view(*args: str) -> str:
    result = subprocess.run([sys.executable, str(VIEWER), *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=300, env=cli_env())
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _recorded(model: BaseModel, abbr: str) -> dict[str, Any]:
    """The prediction record inference writes for ITEM (the same call the inference task makes)."""
    dataset_cfg = next(d for d in load_config(PROJECT_ROOT / CONFIG)['datasets'] if d['abbr'] == abbr)
    builder, inferencer = prepare(dataset_cfg)
    return inferencer.infer_chunk(model, builder, [ITEM])[0]


@requires_shared_mmlu
def test_generation_prompt_is_the_recorded_one(base_lm: BaseModel) -> None:
    abbr = 'mmlu-marketing-circular-gen'
    record = _recorded(base_lm, abbr)
    shown = _view(CONFIG, '--dataset', abbr, '--index', str(ITEM))
    header = f"=== item {ITEM} of 20: gold {record['gold']!r}, circular_id=1, circular_pattern='BCDA' ==="
    assert f"{header}\n--- prompt (" in shown
    assert f"generated tokens) ---\n{record['prompt']}\n" in shown


@requires_shared_mmlu
def test_ppl_shows_every_label_with_its_scored_span_and_the_recorded_prompt_among_them(base_lm: BaseModel) -> None:
    abbr = 'mmlu-marketing-circular-ppl'
    record = _recorded(base_lm, abbr)
    shown = _view(CONFIG, '--dataset', abbr, '--index', str(ITEM))
    assert shown.count('--- label ') == 4
    # SmolLM2 adds no BOS: every token after the first one is scored
    first_word, rest = record['prompt'].split(' ', 1)
    assert f"{first_word}⟦ {rest}⟧\n" in shown
    unmarked = shown.replace('⟦', '').replace('⟧', '')
    assert all(f"{record['prompt'][:-1]}{label}\n" in unmarked for label in 'ABCD')  # each label's full text


def test_unknown_names_and_out_of_range_items_are_clear_errors(capsys: pytest.CaptureFixture[str]) -> None:
    viewer = _viewer_module()
    assert viewer.main(['mmlu_pp']) == 2
    assert "Unknown dataset config 'mmlu_pp'. Did you mean 'mmlu_ppl'" in capsys.readouterr().err
    assert viewer.main(['mmlu_ppl', '--model', 'hf_smollm2_13m']) == 2
    assert "Did you mean 'hf_smollm2_135m'" in capsys.readouterr().err
    assert viewer.main([CONFIG, '--dataset', 'mmlu-marketing-circular-pl']) == 2
    assert "Did you mean 'mmlu-marketing-circular-ppl'" in capsys.readouterr().err


@requires_shared_mmlu
def test_an_index_past_the_circular_copies_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    viewer = _viewer_module()
    assert viewer.main([CONFIG, '--dataset', 'mmlu-marketing-circular-ppl', '--index', '20']) == 2
    assert 'has 20 test rows (after limit and circular copies), so use 0 to 19' in capsys.readouterr().err
