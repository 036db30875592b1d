"""One-liner flags that become model settings without running anything."""
from __future__ import annotations

import pytest

from evalkit.cli.args import build_parser
from evalkit.cli.run_config import hf_model_from_args


def model_from(*flags: str) -> dict:
    return hf_model_from_args(build_parser().parse_args(['--datasets', 'ceval_gen', '--hf-path', 'some/model', *flags]))


@pytest.mark.parametrize('flag,expected', [('auto', 'auto'), ('16', 16)])
def test_batch_size_is_a_number_or_auto(flag, expected) -> None:
    assert model_from('--batch-size', flag)['batch_size'] == expected


@pytest.mark.parametrize('flag', ['0', '-2', 'big'])
def test_a_bad_batch_size_is_refused_with_the_flag_named(flag, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        model_from('--batch-size', flag)
    assert exit_info.value.code == 2
    assert "--batch-size: expected a positive integer or 'auto'" in capsys.readouterr().err
