"""Two runs of one config at once on one work dir: new runs each claim their own folder; two resumes of
one folder never interleave a file, the second is refused with the holder named."""
from __future__ import annotations

import json
from pathlib import Path

from evalkit.outputs import claim_new_run_dir, earlier_runs
from tests.fake_model import fake_config
from tests.reliability.conftest import start_run, wait_until


def test_runs_claiming_folders_in_the_same_second_get_their_own(tmp_path: Path) -> None:
    claimed = [claim_new_run_dir(tmp_path).root for _ in range(12)]
    assert len(set(claimed)) == 12
    assert earlier_runs(tmp_path) == claimed  # '-r latest' is the last one claimed, suffix 10 after suffix 9
    assert any(p.name.count('_') == 2 for p in claimed)  # some shared a second: '<timestamp>_<n>'


def test_a_second_resume_of_a_folder_being_written_is_refused(tmp_path: Path) -> None:
    config = tmp_path / 'slow.py'
    # One row per batch, 10 s each: the first run holds the store for 30 s.
    config.write_text(fake_config(subjects=('law',), sleep=10.0).replace("max_out_len=4)", "max_out_len=4, chunk_size=1)"),
                      encoding='utf-8')
    work = tmp_path / 'out'
    first = start_run(work, '-m', 'infer', config=config, log=tmp_path / 'first.log')
    lock = None

    def first_holds_the_store() -> bool:
        nonlocal lock
        lock = next(work.glob('*/predictions/fake/ceval-law.lock'), None)
        return lock is not None and 'pid' in lock.read_text()

    try:
        assert wait_until(first_holds_the_store, first, timeout=120), (tmp_path / 'first.log').read_text()
        holder = lock.read_text()
        second = start_run(work, '-r', 'latest', '-m', 'infer', config=config, log=tmp_path / 'second.log')
        assert second.wait(timeout=120) == 1
        refused = (tmp_path / 'second.log').read_text()
        assert f'{lock.with_suffix(".jsonl")} is being written by another evalkit process ({holder};' in refused
        assert first.wait(timeout=120) == 0, (tmp_path / 'first.log').read_text()[-3000:]
    finally:
        first.kill()
    rows = [json.loads(line) for line in lock.with_suffix('.jsonl').read_text().splitlines()]
    assert [r['index'] for r in rows] == [0, 1, 2]  # one writer: every row once, whole lines
    assert 'chunk_size=1' in config.read_text()
