"""Bad input gets one clear paragraph naming the file and key, and a non-zero exit, before any work."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, run_cli

TINY = (PROJECT_ROOT / 'tests' / 'configs' / 'tiny_ceval_ppl.py').read_text(encoding='utf-8')


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / 'cfg.py'
    path.write_text(text, encoding='utf-8')
    return str(path)


def _fails_with(result, *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    assert 'Traceback' not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_missing_config_file() -> None:
    _fails_with(run_cli('configs/no_such_config.py', '--dry-run'), "'configs/no_such_config.py' does not exist")


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = _config(tmp_path, 'models = [dict(\n')
    _fails_with(run_cli(path, '--dry-run'), path, 'not valid Python')


def test_unknown_dataset_name_suggests_the_closest() -> None:
    _fails_with(run_cli('--datasets', 'cevl_gen', '--models', 'hf_smollm2_135m', '--dry-run'),
                "Unknown dataset config 'cevl_gen'", "Did you mean 'ceval_gen'")


def test_unknown_model_name() -> None:
    _fails_with(run_cli('--datasets', 'ceval_gen', '--models', 'hf_smollm_135m', '--dry-run'),
                "Unknown model config 'hf_smollm_135m'", "hf_smollm2_135m")


def test_unknown_type_suggests_registered_names(tmp_path: Path) -> None:
    path = _config(tmp_path, TINY.replace("type='PPLInferencer'", "type='PPLInferencr'"))
    _fails_with(run_cli(path, '--dry-run'), path, 'datasets[0]', 'infer_cfg.inferencer.type',
                "'PPLInferencr'", "Did you mean 'PPLInferencer'")


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    path = _config(tmp_path, TINY.replace('chunk_size=1', 'chunk_sise=1'))
    _fails_with(run_cli(path, '--dry-run'), path, 'infer_cfg.inferencer', "unknown key 'chunk_sise'",
                "Did you mean 'chunk_size'")


def test_wrong_value_type(tmp_path: Path) -> None:
    path = _config(tmp_path, TINY.replace('batch_size=8', "batch_size='eight'"))
    _fails_with(run_cli(path, '--dry-run'), path, 'models[0].batch_size', 'expected int')


def test_missing_required_key(tmp_path: Path) -> None:
    path = _config(tmp_path, TINY.replace("eval_cfg=dict(evaluator=dict(type='AccEvaluator'))", 'path2=None')
                   .replace("path='ceval', ", ''))
    _fails_with(run_cli(path, '--dry-run'), path, 'datasets[0]', "'path2'")


def test_misspelt_top_level_key_is_named(tmp_path: Path) -> None:
    path = _config(tmp_path, TINY.replace('datasets = [', 'dataset = [', 1))
    _fails_with(run_cli(path, '--dry-run'), path, "unknown top-level key 'dataset'", "Did you mean 'datasets'")


def test_literal_api_key_is_refused(tmp_path: Path) -> None:
    path = _config(tmp_path, TINY.replace("batch_size=8", "batch_size=8, api_key='sk-12345'"))
    result = run_cli(path, '--dry-run')
    _fails_with(result, 'models[0].api_key', "ENV:")
    assert 'sk-12345' not in result.stderr + result.stdout


@pytest.mark.parametrize('args, fragment', [
    (('--datasets', 'ceval_gen'), 'Nothing to evaluate'),
    (('configs/eval_demo.py', '-m', 'eval'), 'add -r'),
    (('configs/eval_demo.py', '--limit', '0'), '--limit must be a positive'),
    (('--datasets', 'ceval_gen', '--hf-path', 'x', '--model-kwargs', 'device_map', '--dry-run'), 'key=value'),
])
def test_bad_command_lines(args: tuple[str, ...], fragment: str) -> None:
    _fails_with(run_cli(*args), fragment)
