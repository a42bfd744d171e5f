"""Where the dbt project lives, and a fresh copy of it (for tests and benchmarks)."""

from __future__ import annotations

import shutil
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

# What `dbt build` needs from the project, the bundled sample included.
PROJECT_PARTS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "python_models",
    "macros",
    "seeds",
    "presets",
    "tests/dbt",
    "data/sample",
)


def copy_project(destination: Path, project_dir: Path = PROJECT_DIR) -> Path:
    """A fresh copy of the dbt project's parts in ``destination`` (replacing an older one)."""
    if destination.exists():
        shutil.rmtree(destination)
    for part in PROJECT_PARTS:
        source = project_dir / part
        target = destination / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target)
    (destination / "warehouse").mkdir(parents=True, exist_ok=True)
    return destination
