"""Shared fixtures: a temporary copy of the dbt project, dbt runs in it, and queries of its warehouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from segmentation.project import PROJECT_DIR, copy_project

SHARED_DATA = PROJECT_DIR.parent / "shared" / "data" / "online_retail"
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


BUILDING_FIXTURES = {"project", "sample_project", "spark_project", "spark_session"}


def pytest_collection_modifyitems(items):
    """A test that builds the warehouse takes seconds to minutes: `pytest -m "not slow"` leaves it out."""
    for item in items:
        if BUILDING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def project(tmp_path) -> DbtProject:
    """A fresh, unbuilt copy of the project."""
    return DbtProject(copy_project(tmp_path / "project"))


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory) -> DbtProject:
    """The project built once on the bundled sample with default vars (read-only for tests)."""
    built = DbtProject(copy_project(tmp_path_factory.mktemp("sample") / "project"))
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
