"""`segmentation build --target spark`: the dbt build on a local Spark session, Python models included.

dbt-spark runs SQL models on a local SparkSession (its `session` method) but sends Python models only to
Databricks (a job on a job cluster or an all-purpose cluster, by its APIs). Locally this module stands in
for that submission: dbt runs in this process, and a submission method `session` runs each Python model's
compiled code -- the code Databricks would run, which ends by writing the model's table -- against the
SparkSession dbt-spark already holds. Everything downstream then builds as usual. It is used for the local
Spark target only; on Databricks, dbt-databricks submits the same compiled code itself.
"""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path

SPARK_TARGET = "spark"
SUBMISSION_METHOD = "session"


class SessionPythonJobHelper:
    """dbt's PythonJobHelper interface: runs the compiled code of one Python model in this process."""

    def __init__(self, parsed_model: dict, credentials) -> None:
        self.model_name = parsed_model["name"]
        self.schema = parsed_model["schema"]

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        # As a Databricks job starts in the model's schema: unqualified names are the project's tables.
        spark.catalog.setCurrentDatabase(self.schema)
        # The compiled code reads `spark` as a Databricks notebook does, and writes the table itself.
        exec(compile(compiled_code, f"<dbt python model {self.model_name}>", "exec"), {"spark": spark})


def install_session_submission() -> None:
    """Make `session` dbt-spark's submission method for Python models (and its default), in this process."""
    from dbt.adapters.spark.impl import SparkAdapter

    if getattr(SparkAdapter, "_segments_session_submission", False):
        return
    databricks_helpers = SparkAdapter.python_submission_helpers.fget

    def python_submission_helpers(adapter):
        return {**databricks_helpers(adapter), SUBMISSION_METHOD: SessionPythonJobHelper}

    SparkAdapter.python_submission_helpers = property(python_submission_helpers)
    SparkAdapter.default_python_submission_method = property(lambda adapter: SUBMISSION_METHOD)
    SparkAdapter._segments_session_submission = True


def missing_source_message(dbt_vars: dict, project_dir: Path) -> str | None:
    """Spark cannot say that a path matches no file (it fails to infer a schema): say it first."""
    if dbt_vars.get("source_table"):
        return None
    path = str(dbt_vars.get("source_path") or "data/sample/transactions.parquet")
    pattern = path if Path(path).is_absolute() else str(project_dir / path)
    if "://" in path or glob.glob(pattern):
        return None
    return (
        f"No file matches source_path '{path}' (relative paths start at the project folder). "
        "Set the var source_path to a Parquet or CSV file or glob."
    )


def run_spark_build(project_dir: Path, dbt_vars: dict, dbt_args: list[str]) -> int:
    """``dbt <dbt_args> --target spark`` in this process, from the project folder (where relative paths
    start, for dbt and for Spark); 0 when every node passed."""
    from dbt.cli.main import dbtRunner

    problem = missing_source_message(dbt_vars, project_dir)
    if problem:
        print(f"segmentation build: {problem}; nothing was built.", flush=True)
        return 1
    install_session_submission()
    # The unit tests' fixtures are DuckDB SQL (quoted names, VALUES lists, DuckDB types): they test the
    # logic, which is the same SQL on both engines, and run in the DuckDB build.
    args = [*dbt_args, "--target", SPARK_TARGET, "--exclude-resource-type", "unit_test"]
    print("+ dbt", " ".join(args), flush=True)
    os.chdir(project_dir)
    os.environ["SEGMENTS_PROJECT_DIR"] = str(project_dir)
    # Spark's Python workers (mapInArrow) run this interpreter, which has the package installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    result = dbtRunner().invoke(args)
    if result.exception is not None:
        print(f"segmentation build: dbt stopped: {result.exception}", flush=True)
    return 0 if result.success else 1
