"""Tasks: the unit of work a runner executes (``python -m evalkit.tasks.infer|evaluate SPEC``)."""
from evalkit.tasks.spec import TaskSpec

TASK_MODULES = {'infer': 'evalkit.tasks.infer', 'eval': 'evalkit.tasks.evaluate', 'judge': 'evalkit.tasks.judge'}

__all__ = ['TASK_MODULES', 'TaskSpec']
