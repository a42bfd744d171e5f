"""Shared fixtures: a temporary copy of the dbt project, dbt runs in it, and queries of its warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data" / "online_retail"
PROJECT_PARTS = [
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "python_models",
    "macros",
    "seeds",
    "presets",
    "tests/dbt",
    "data/sample",
]
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtProject:
    """A throwaway copy of the project with its own DuckDB file."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "warehouse" / "segments.duckdb"

    def dbt(self, command: str, dbt_vars: dict | None = None, *args: str) -> subprocess.CompletedProcess:
        argv = [DBT, command, *args]
        if dbt_vars:
            argv += ["--vars", json.dumps(dbt_vars)]
        env = {
            **os.environ,
            "SEGMENTS_DB": str(self.database),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        return subprocess.run(argv, cwd=self.root, env=env, capture_output=True, text=True)

    def build(self, dbt_vars: dict | None = None, *args: str) -> subprocess.CompletedProcess:
        result = self.dbt("build", dbt_vars, *args)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
        return result

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


def copy_project(destination: Path) -> DbtProject:
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        target = destination / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target)
    (destination / "warehouse").mkdir(exist_ok=True)
    return DbtProject(destination)


@pytest.fixture
def project(tmp_path) -> DbtProject:
    """A fresh, unbuilt copy of the project."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory) -> DbtProject:
    """The project built once on the bundled sample with default vars (read-only for tests)."""
    built = copy_project(tmp_path_factory.mktemp("sample") / "project")
    built.build()
    return built


@pytest.fixture(scope="session")
def online_retail_parquet() -> Path:
    path = SHARED_DATA / "online_retail.parquet"
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the real data at {path}")
        pytest.skip(f"the real Online Retail data is not at {path} (only CI and developers have it)")
    return path
