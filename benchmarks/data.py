"""The generated transaction file, made once per (lines, seed) and reused from the work folder."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "segmentation-bench"
DEFAULT_SEED = 42


@dataclass(frozen=True)
class Generation:
    """The generated transaction file, its size in lines and how long it took to make."""

    path: Path
    lines: int
    seconds: float
    cached: bool


def ensure_transactions(workdir: Path, n_lines: int, seed: int) -> Generation:
    """The generated file for (n_lines, seed) in ``workdir/data``, made once and reused."""
    path = workdir / "data" / f"transactions_{n_lines}_seed{seed}.parquet"
    timing = path.with_suffix(".generation.json")
    if path.exists():
        seconds = json.loads(timing.read_text())["seconds"] if timing.exists() else 0.0
        return Generation(path=path, lines=n_lines, seconds=seconds, cached=True)
    from segmentation.generator import write_transactions

    started = time.perf_counter()
    write_transactions(path, n_lines, seed=seed, fmt="parquet")
    seconds = time.perf_counter() - started
    timing.write_text(json.dumps({"seconds": seconds}))
    return Generation(path=path, lines=n_lines, seconds=seconds, cached=False)
