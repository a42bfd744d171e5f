"""The same project on Spark: the bundled sample built once on a local Spark session (the way
`make build TARGET=spark` builds it) and compared with the DuckDB build of the same sample."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from segmentation import kmeans, spark_runner
from segmentation.project import copy_project

SEGMENTATION = str(Path(sys.executable).with_name("segmentation"))
SPARK_TABLES = Path("warehouse/spark/spark-warehouse/segments.db")

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (.ci/run installs it)")


@dataclass
class SparkProject:
    """A copy of the project built on the local Spark target; its tables are Parquet folders."""

    root: Path
    output: str

    def table(self, name: str) -> str:
        return f"read_parquet('{self.root / SPARK_TABLES / name}/*.parquet')"


@pytest.fixture(scope="session")
def spark_project(tmp_path_factory) -> SparkProject:
    root = copy_project(tmp_path_factory.mktemp("spark") / "project")
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [SEGMENTATION, "build", "--project-dir", str(root), "--target", "spark"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
    return SparkProject(root, result.stdout)


def test_every_data_test_passes_on_spark(spark_project):
    results = json.loads((spark_project.root / "target" / "run_results.json").read_text())["results"]
    manifest = json.loads((spark_project.root / "target" / "manifest.json").read_text())
    data_tests = {node for node, body in manifest["nodes"].items() if body["resource_type"] == "test"}
    statuses = {result["unique_id"]: result["status"] for result in results}
    assert data_tests <= statuses.keys()
    assert {node: statuses[node] for node in data_tests if statuses[node] != "pass"} == {}
    # Exposures are no-ops on every engine.
    failed = {node: status for node, status in statuses.items() if status not in ("pass", "success", "no-op")}
    assert failed == {}


def compare(sample_project, spark_project, table: str, columns: str, order_by: str) -> None:
    duck = sample_project.query(f"select {columns} from {table} order by {order_by}")
    with duckdb.connect() as connection:
        spark = connection.sql(
            f"select {columns} from {spark_project.table(table)} order by {order_by}"
        ).fetchall()
    assert len(duck) > 0
    assert spark == duck


def test_rfm_scores_are_identical(sample_project, spark_project):
    columns = ", ".join(row[0] for row in sample_project.query("describe customer_rfm_scores"))
    compare(sample_project, spark_project, "customer_rfm_scores", columns, "customer_id")


def test_segments_and_tiers_are_identical(sample_project, spark_project):
    columns = "customer_id, rfm_tier, rfm_tier_rank, rfm_segment, rfm_cell"
    compare(sample_project, spark_project, "dim_customer_segments", columns, "customer_id")


def test_segment_history_is_identical_but_for_clusters(sample_project, spark_project):
    columns = "as_of_date, customer_id, recency_days, frequency, rfm_tier, rfm_segment, previous_rfm_tier"
    compare(sample_project, spark_project, "customer_segment_history", columns, "as_of_date, customer_id")


def test_same_k_and_agreeing_clusters(sample_project, spark_project):
    compare(sample_project, spark_project, "kmeans_model_selection", "k, is_chosen", "k")
    with duckdb.connect(str(sample_project.database), read_only=True) as connection:
        pairs = connection.sql(
            f"select duck.cluster_id, spark.cluster_id from customer_clusters as duck "
            f"inner join {spark_project.table('customer_clusters')} as spark using (customer_id)"
        ).fetchall()
        customers = connection.sql("select count(*) from customer_clusters").fetchall()[0][0]
    assert len(pairs) == customers
    duck_ids, spark_ids = zip(*pairs, strict=True)
    # Measured on the sample: 0.93 (pyspark.ml's k-means|| against scikit-learn's k-means++).
    assert adjusted_rand_score(duck_ids, spark_ids) >= 0.9


def test_clv_fit_and_values_agree(sample_project, spark_project):
    columns = "r, alpha, a, b, p, q, v, customers_fitted, repeat_customers"
    duck = sample_project.query(f"select {columns} from clv_model_parameters")
    with duckdb.connect() as connection:
        spark = connection.sql(
            f"select {columns} from {spark_project.table('clv_model_parameters')}"
        ).fetchall()
    # The same sample (every customer here) and the same fit; the sums may differ in the last bits.
    np.testing.assert_allclose(np.array(spark, dtype=float), np.array(duck, dtype=float), rtol=1e-6)
    with duckdb.connect(str(sample_project.database), read_only=True) as connection:
        largest_gap = connection.sql(
            f"select max(abs(duck.p_alive - spark.p_alive)), count(*) from customer_lifetime_value as duck "
            f"inner join {spark_project.table('customer_lifetime_value')} as spark using (customer_id)"
        ).fetchall()[0]
    assert largest_gap[0] < 1e-6
    assert largest_gap[1] == sample_project.scalar("select count(*) from customer_lifetime_value")


def test_bi_copy_is_published_from_spark(sample_project, spark_project):
    current = spark_project.root / "warehouse" / "spark" / "published" / "current"
    with duckdb.connect(str(current / "segments.duckdb"), read_only=True) as published:
        customers = published.sql(
            "select count(*), count(distinct rfm_segment) from dim_customer_segments"
        ).fetchall()[0]
    assert (
        customers
        == sample_project.query("select count(*), count(distinct rfm_segment) from dim_customer_segments")[0]
    )


# --- The runner, without Spark ----------------------------------------------------------------


def test_a_path_without_files_is_named_before_spark_starts(tmp_path):
    message = spark_runner.missing_source_message({"source_path": "nowhere/*.parquet"}, tmp_path)
    assert "nowhere/*.parquet" in message
    assert spark_runner.missing_source_message({"source_table": "raw.lines"}, tmp_path) is None
    (tmp_path / "lines.parquet").write_bytes(b"")
    assert spark_runner.missing_source_message({"source_path": "lines.parquet"}, tmp_path) is None


def test_session_submission_runs_the_compiled_code_in_the_models_schema(monkeypatch):
    from dbt.adapters.spark.impl import SparkAdapter
    from pyspark.sql import SparkSession

    spark_runner.install_session_submission()
    helpers = SparkAdapter.python_submission_helpers.fget(None)
    assert helpers["session"] is spark_runner.SessionPythonJobHelper
    assert {"job_cluster", "all_purpose_cluster"} <= helpers.keys()

    class FakeSession:
        schema = None

        class catalog:  # noqa: N801 (SparkSession's attribute name)
            @staticmethod
            def setCurrentDatabase(schema):  # noqa: N802
                FakeSession.schema = schema

    class FakeBuilder:
        @staticmethod
        def getOrCreate():  # noqa: N802
            return FakeSession

    monkeypatch.setattr(SparkSession, "builder", FakeBuilder)
    ran = {}
    monkeypatch.setitem(sys.modules, "ran_by_test", ran)
    helper = spark_runner.SessionPythonJobHelper({"name": "m", "schema": "segments"}, None)
    helper.submit("import sys\nsys.modules['ran_by_test']['spark'] = spark")
    assert ran["spark"] is FakeSession
    assert FakeSession.schema == "segments"


# --- The Spark K-means sample, against the DuckDB path's ----------------------------------------


@pytest.fixture(scope="module")
def spark_session():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_draws_the_sample_the_duckdb_path_draws(spark_session):
    from segmentation import spark_kmeans

    rng = np.random.default_rng(7)
    keys = rng.integers(-(2**63), 2**63 - 1, size=500, dtype=np.int64)
    frame = spark_session.createDataFrame([(int(key),) for key in keys], "sample_key bigint").repartition(3)
    drawn = {row.sample_key for row in spark_kmeans.seeded_sample(frame, 40, seed=42).collect()}
    expected = kmeans._sample_row_indices(40, 42, keys.view(np.uint64))
    assert drawn == {int(key) for key in keys[expected]}
