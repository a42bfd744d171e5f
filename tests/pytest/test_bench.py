"""The benchmark as a smoke test at 10^6 lines: every contender runs and they agree on the customers.

Timings are printed, never asserted.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import duckdb
import pytest

from segmentation import bench

SMOKE_LINES = 1_000_000


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    """The three contenders at 10^6 lines, with the project copy kept for inspection."""
    workdir = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as patch:
        # libgomp spins while it waits; on a shared, busy machine that makes scikit-learn's K-means
        # several times slower. Passive waiting keeps the smoke test short; figures are not checked.
        patch.setenv("OMP_WAIT_POLICY", "PASSIVE")
        results = bench.run_benchmark(SMOKE_LINES, workdir, keep=True)
    return workdir, {result.contender: result for result in results}


def test_all_three_contenders_run_and_report_time_and_memory(smoke_run):
    _, results = smoke_run
    assert list(results) == ["project", "floor", "notebook"]
    for result in results.values():
        assert result.status == "ok", result.note
        assert result.lines == SMOKE_LINES
        assert result.wall_seconds > 0
        assert result.peak_rss_mb > 0


def test_floor_and_notebook_find_the_customers_of_the_built_warehouse(smoke_run):
    workdir, results = smoke_run
    database = workdir / "project" / "warehouse" / "segments.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        built = connection.sql("select count(*) from customer_rfm_scores").fetchall()[0][0]
    assert built > 10_000
    assert results["project"].customers == built
    assert results["floor"].customers == built
    assert results["notebook"].customers == built


def test_the_floor_computes_the_scores_and_tiers_of_the_built_warehouse(smoke_run):
    workdir, _ = smoke_run
    data = next((workdir / "data").glob("*.parquet"))
    floor = bench.floor_rfm_table(data).to_pylist()
    database = workdir / "project" / "warehouse" / "segments.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        built = connection.sql(
            "select customer_id, recency_days, frequency, round(monetary, 6), r_score, f_score, m_score, "
            "rfm_tier_rank from customer_rfm_scores"
        ).fetchall()
    floor_rows = {
        (row["customer_id"], row["recency_days"], row["frequency"], round(row["monetary"], 6))
        + (row["r_score"], row["f_score"], row["m_score"], row["tier_rank"])
        for row in floor
    }
    assert floor_rows == set(built)


def test_ratios_are_reported_and_saved(smoke_run):
    workdir, results = smoke_run
    assert results["floor"].vs_floor == 1.0
    assert results["project"].vs_project == 1.0
    assert results["project"].vs_floor > 0
    assert results["notebook"].vs_project > 0
    saved = json.loads((workdir / "bench.json").read_text())
    assert set(saved["ratios"]) == {"project_over_floor", "notebook_over_project"}
    assert saved["ratios"]["project_over_floor"] == results["project"].vs_floor
    assert saved["machine"]["cpus"] >= 1
    assert [row["contender"] for row in saved["results"]] == ["project", "floor", "notebook"]


def test_the_notebook_way_stops_above_its_size_limit():
    assert bench.notebook_skip_reason(SMOKE_LINES, max_lines=10 * SMOKE_LINES) is None
    reason = bench.notebook_skip_reason(2 * SMOKE_LINES, max_lines=SMOKE_LINES)
    assert reason.startswith("skipped") and "notebook_max_lines" in reason
    too_big = bench.notebook_skip_reason(10**11, max_lines=10**12)
    assert too_big.startswith("skipped") and "memory" in too_big


def test_report_says_where_the_notebook_stopped():
    skipped = bench.BenchResult("notebook", 10**9, "skipped", note="skipped: too big")
    summary = {
        "lines": 10**9,
        "seed": 42,
        "data_mb": 7000.0,
        "generation_seconds": 350.0,
        "generation_cached": True,
        "machine": bench.machine_info(),
        "results": [asdict(skipped)],
        "ratios": {"project_over_floor": None, "notebook_over_project": None},
        "dbt_slowest_nodes": [],
    }
    report = bench.format_report(summary)
    assert "skipped: too big" in report
    assert "notebook/project = -" in report
