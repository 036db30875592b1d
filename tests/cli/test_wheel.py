"""The wheel built from the repository gives a working ``evalkit`` command outside the checkout.

The sources the build reads (``pyproject.toml``, ``setup.py``, ``README.md``, ``evalkit/``,
``configs/``, ``data/``) are copied to a temporary folder and built there, so the build leaves no
``build/`` folder in the checkout.  The wheel is installed without dependencies into a fresh venv
(``--without-pip``; pip drives it from outside with ``--python``); that venv sees the project's
installed dependencies (torch, transformers, the embedded model...) through a ``.pth`` file naming
``.venv``'s site-packages, so nothing is downloaded.  A ``.pth`` line only adds a folder to
``sys.path``: the editable install's own ``.pth`` hook in that folder is not run, so ``evalkit`` can
only come from the wheel, which the test checks.  Then ``evalkit list-configs mmlu`` and a real
``--limit 2`` evaluation run from a folder outside the checkout, on the bundled configs and data.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, cli_env, only_run_dir

BUILD_INPUTS = ('pyproject.toml', 'setup.py', 'README.md', 'evalkit', 'configs', 'data')


def _run(argv: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = cli_env()
    env.pop('PYTHONPATH', None)
    env.pop('EVALKIT_DATA_ROOT', None)
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f'{argv} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}'
    return result


def _install_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the sources; install it into a fresh venv; return that venv."""
    source = tmp_path / 'source'
    source.mkdir()
    for name in BUILD_INPUTS:
        src = PROJECT_ROOT / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copy2(src, source / name)
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '-q',
          '-w', str(tmp_path / 'dist'), str(source)], cwd=tmp_path)
    (wheel,) = (tmp_path / 'dist').glob('evalkit-*.whl')
    venv = tmp_path / 'venv'
    _run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], cwd=tmp_path)
    python = venv / 'bin' / 'python'
    site = Path(_run([str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                     cwd=tmp_path).stdout.strip())
    (site / 'project_dependencies.pth').write_text(sysconfig.get_paths()['purelib'] + '\n', encoding='utf-8')
    _run([sys.executable, '-m', 'pip', '--python', str(python), 'install', '--no-deps', '--no-index', '-q',
          str(wheel)], cwd=tmp_path)
    return venv


@pytest.mark.slow
def test_the_installed_command_finds_bundled_configs_and_runs_anywhere(tmp_path: Path) -> None:
    venv = _install_wheel(tmp_path)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    package = Path(_run([str(venv / 'bin' / 'python'), '-c', 'import evalkit; print(evalkit.__file__)'],
                        cwd=elsewhere).stdout.strip()).parent
    assert package.is_relative_to(venv), f'evalkit was imported from {package}, not from the wheel'
    evalkit = str(venv / 'bin' / 'evalkit')

    listed = _run([evalkit, 'list-configs', 'mmlu'], cwd=elsewhere).stdout
    assert ' mmlu_ppl ' in listed and ' mmlu_gen ' in listed
    assert str(package / '_bundled' / 'configs' / 'datasets' / 'mmlu' / 'mmlu_ppl.py') in listed

    _run([evalkit, 'run', '--models', 'hf_smollm2_135m_instruct', '--datasets', 'hellaswag_ppl', '--limit', '2'],
         cwd=elsewhere)
    run_dir = only_run_dir(elsewhere / 'outputs' / 'default')  # outputs/ of the working directory
    result = json.loads((run_dir / 'results' / 'smollm2-135m-instruct' / 'hellaswag.json').read_text(encoding='utf-8'))
    assert result['num_examples'] == 2 and 0 <= result['accuracy'] <= 100
    (data_file,) = result['provenance']['data_files']
    assert Path(data_file).is_relative_to(package / '_bundled' / 'data')  # the sample shipped in the wheel
