"""The ``evalkit`` command's dispatch, in this process (the installed command itself: test_wheel.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.cli.entry import SUBCOMMANDS, main


def test_subcommands_reach_their_tools(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['list-configs', 'mmlu_ppl']) == 0
    assert ' mmlu_ppl ' in capsys.readouterr().out
    assert main(['--help']) == 0
    usage = capsys.readouterr().out
    assert all(f'  {name} ' in usage for name in SUBCOMMANDS)


def test_an_unknown_command_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['list-config']) == 2
    assert "unknown command 'list-config'. Did you mean 'list-configs'?" in capsys.readouterr().err


def test_viz_is_run_in_viz_mode(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(['viz', '--models', 'hf_smollm2_135m_instruct', '--datasets', 'hellaswag_ppl', '-w', str(tmp_path)]) == 2
    assert '--mode viz works on an earlier run' in capsys.readouterr().err


def test_viz_of_a_run_folder_without_its_saved_config_says_what_to_give(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / '20260101_000000' / 'summary').mkdir(parents=True)
    assert main(['viz', '-r', '20260101_000000', '-w', str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "20260101_000000.py' is missing" in err and 'Give the config file or --models/--datasets' in err
