"""The benchmark (benchmarks/): a smoke test at 10^6 lines, where every contender runs and the floor
agrees with the warehouse customer for customer, and quick checks of its parts.

Timings are printed, never asserted.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict

import duckdb
import pytest

from benchmarks import report
from benchmarks.contenders import floor, notebook
from benchmarks.measure import BenchResult
from benchmarks.run import run_benchmark
from segmentation import kmeans
from segmentation.project import PROJECT_DIR

SMOKE_LINES = 1_000_000
SAMPLE = PROJECT_DIR / "data" / "sample" / "transactions.parquet"


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    """The three contenders at 10^6 lines, with the project copy kept for inspection."""
    workdir = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as patch:
        # libgomp spins while it waits; on a shared, busy machine that makes scikit-learn's K-means
        # several times slower. Passive waiting keeps the smoke test short; figures are not checked.
        patch.setenv("OMP_WAIT_POLICY", "PASSIVE")
        results = run_benchmark(SMOKE_LINES, workdir, keep=True, history_cost=True)
    return workdir, {result.contender: result for result in results}


@pytest.mark.slow
def test_all_three_contenders_run_and_report_time_and_memory(smoke_run):
    _, results = smoke_run
    assert list(results) == ["project", "floor", "notebook"]
    for result in results.values():
        assert result.status == "ok", result.note
        assert result.lines == SMOKE_LINES
        assert result.wall_seconds > 0
        assert result.peak_rss_mb > 0


@pytest.mark.slow
def test_floor_and_notebook_find_the_customers_of_the_built_warehouse(smoke_run):
    workdir, results = smoke_run
    database = workdir / "project" / "warehouse" / "segments.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        built = connection.sql("select count(*) from customer_rfm_scores").fetchall()[0][0]
    assert built > 10_000
    assert results["project"].customers == built
    assert results["floor"].customers == built
    assert results["notebook"].customers == built


@pytest.mark.slow
def test_the_floor_computes_the_values_scores_and_tiers_of_the_built_warehouse(smoke_run):
    workdir, _ = smoke_run
    floor_table = floor.rfm_table(next((workdir / "data").glob("*.parquet")))
    with duckdb.connect(
        str(workdir / "project" / "warehouse" / "segments.duckdb"), read_only=True
    ) as connection:
        built = connection.sql(
            "select customer_id, recency_days, frequency, round(monetary, 6), r_score, f_score, m_score, "
            "rfm_tier_rank from customer_rfm_scores"
        ).fetchall()
    floor_rows = {
        (row["customer_id"], row["recency_days"], row["frequency"], round(row["monetary"], 6))
        + (row["r_score"], row["f_score"], row["m_score"], row["tier_rank"])
        for row in floor_table.to_pylist()
    }
    assert floor_rows == set(built)


@pytest.mark.slow
def test_the_floor_computes_the_kmeans_input_of_the_built_warehouse(smoke_run):
    """Sample keys equal, log features equal up to the last bits of the monetary sums (the project
    sums exact decimals, the floor floats rounded to 1/10000)."""
    workdir, _ = smoke_run
    floor_features = floor.rfm_table(next((workdir / "data").glob("*.parquet")))
    with duckdb.connect(
        str(workdir / "project" / "warehouse" / "segments.duckdb"), read_only=True
    ) as connection:
        connection.register("floor_features", floor_features)
        differing = connection.sql(
            """
            select count(*)
            from floor_features as floor
            full join int_customer_kmeans_features as built using (customer_id)
            where not coalesce(
                floor.sample_key = built.sample_key
                and abs(floor.log_recency - built.log_recency) < 1e-9
                and abs(floor.log_frequency - built.log_frequency) < 1e-9
                and abs(floor.log_monetary - built.log_monetary) < 1e-9,
                false
            )
            """
        ).fetchall()[0][0]
    assert differing == 0


@pytest.mark.slow
def test_ratios_are_reported_and_saved(smoke_run):
    workdir, results = smoke_run
    project, floor, notebook = results["project"], results["floor"], results["notebook"]
    assert project.vs_floor == round(project.wall_seconds / floor.wall_seconds, 3)
    assert notebook.vs_project == round(notebook.wall_seconds / project.wall_seconds, 3)
    saved = json.loads((workdir / "bench.json").read_text())
    assert set(saved["ratios"]) == {"project_over_floor", "notebook_over_project"}
    assert saved["ratios"]["project_over_floor"] == results["project"].vs_floor
    assert saved["machine"]["cpus"] >= 1
    assert [row["contender"] for row in saved["results"]] == ["project", "floor", "notebook"]
    without_history = saved["history_cost"]["build_without_history"]
    assert without_history["contender"] == "project_without_history" and without_history["status"] == "ok"
    assert saved["history_cost"]["seconds"] == round(
        project.wall_seconds - without_history["wall_seconds"], 3
    )


def test_the_floor_takes_its_features_and_sample_keys_from_the_project_macros(tmp_path):
    macros = tmp_path / "macros"
    shutil.copytree(PROJECT_DIR / "macros", macros)
    (macros / "log_feature.sql").write_text("{% macro log_feature(expression) %}42.0{% endmacro %}")
    (macros / "sample_key.sql").write_text("{% macro duckdb__sample_key(expression) %}7{% endmacro %}")
    changed = floor.rfm_table(SAMPLE, tmp_path)
    assert set(changed.column("log_recency").to_pylist()) == {42.0}
    assert set(changed.column("sample_key").to_pylist()) == {7}


def test_the_floor_clusters_with_the_package(tmp_path):
    table = floor.rfm_table(SAMPLE)
    assert len(set(table.column("sample_key").to_pylist())) == table.num_rows
    assert kmeans.DEFAULT_K_MIN <= floor.cluster(table, seed=42) <= kmeans.DEFAULT_K_MAX


def test_the_notebook_way_stops_above_its_size_limit():
    assert notebook.skip_reason(SMOKE_LINES, max_lines=10 * SMOKE_LINES) is None
    reason = notebook.skip_reason(2 * SMOKE_LINES, max_lines=SMOKE_LINES)
    assert reason.startswith("skipped") and "notebook_max_lines" in reason
    too_big = notebook.skip_reason(10**11, max_lines=10**12)
    assert too_big.startswith("skipped") and "memory" in too_big


def test_report_says_where_the_notebook_stopped():
    skipped = BenchResult("notebook", 10**9, "skipped", note="skipped: too big")
    figures = {
        "lines": 10**9,
        "seed": 42,
        "data_mb": 7000.0,
        "generation_seconds": 350.0,
        "generation_cached": True,
        "machine": report.machine_info(),
        "results": [asdict(skipped)],
        "ratios": {"project_over_floor": None, "notebook_over_project": None},
        "dbt_slowest_nodes": [],
        "history_cost": None,
    }
    text = report.format_report(figures)
    assert "skipped: too big" in text
    assert "notebook/project = -" in text
