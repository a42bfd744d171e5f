"""Where the dbt project lives, and a fresh copy of it (for tests and benchmarks)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PROJECT_NAME = "customer_segments"


def find_project_dir() -> Path:
    """The dbt project: $SEGMENTS_PROJECT_DIR, else the nearest folder at or above the working
    directory whose dbt_project.yml is this project's, else the checkout this package is installed from."""
    configured = os.environ.get("SEGMENTS_PROJECT_DIR")
    if configured:
        return Path(configured).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents, Path(__file__).resolve().parents[2]):
        if _is_this_project(folder):
            return folder
    raise FileNotFoundError(
        f"No {PROJECT_NAME} dbt project at or above {here}: "
        "run from the project folder or set SEGMENTS_PROJECT_DIR"
    )


def _is_this_project(folder: Path) -> bool:
    manifest = folder / "dbt_project.yml"
    return manifest.is_file() and f"name: {PROJECT_NAME}" in manifest.read_text()


PROJECT_DIR = find_project_dir()

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
