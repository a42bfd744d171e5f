"""The three contenders. The floor and the notebook's way run in a child process
(``python -m benchmarks floor|notebook FILE --result JSON``) and report their customers, k and the
seconds of their steps in that JSON file; the project is a ``dbt build`` whose figures come from dbt.
"""

from __future__ import annotations

import json
import time
from pathlib import Path


class Stopwatch:
    """Seconds of named steps, in order."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.steps[name] = round(now - self._last, 3)
        self._last = now


def write_result(result_path: Path, customers: int, k: int, watch: Stopwatch) -> None:
    """What a child contender reports to the benchmark."""
    result_path.write_text(json.dumps({"customers": customers, "k": k, "steps": watch.steps}))
