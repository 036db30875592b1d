"""When is a task done?  Exit code 0 is not enough: every output it owes must exist."""
from __future__ import annotations

from pathlib import Path

from evalkit.outputs import RunDir
from evalkit.tasks.fingerprint import prediction_fingerprint
from evalkit.tasks.prediction_store import PredictionStore
from evalkit.tasks.spec import TaskSpec


def missing_outputs(spec: TaskSpec) -> list[str]:
    """Dataset abbrs whose outputs this task still owes (empty when it is complete)."""
    run_dir = RunDir(Path(spec.work_dir))
    missing = []
    for ds in spec.datasets:
        if spec.kind == 'infer':
            store = PredictionStore(run_dir.predictions(spec.model_abbr, ds['abbr']),
                                    prediction_fingerprint(spec.model, ds))
            done = store.is_complete()
        else:
            done = run_dir.results(spec.model_abbr, ds['abbr']).is_file()
        if not done:
            missing.append(ds['abbr'])
    return missing
