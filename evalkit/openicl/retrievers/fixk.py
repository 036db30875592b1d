"""The same fixed examples for every question (e.g. the 5 dev questions of an MMLU subject).

Because every prompt then starts with the same block, models can compute it once.
"""
from __future__ import annotations

from evalkit.config.errors import ConfigError
from evalkit.openicl.retrievers.base import BaseRetriever, RetrievalTask
from evalkit.registry import RETRIEVERS


@RETRIEVERS.register_module()
class FixKRetriever(BaseRetriever):
    def __init__(self, fix_id_list: list, ice_separator: str = '\n', ice_eos_token: str = '\n') -> None:
        super().__init__(ice_separator, ice_eos_token)
        self.fix_id_list = list(fix_id_list)

    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        bad = [i for i in self.fix_id_list if not 0 <= i < len(task.train)]
        if bad:
            raise ConfigError(
                f'FixKRetriever.fix_id_list refers to rows {bad}, but the in-context split has only '
                f'{len(task.train)} rows. Use fewer shots or a larger train split.')
        return [list(self.fix_id_list) for _ in task.test]
