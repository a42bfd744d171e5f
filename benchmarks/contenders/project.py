"""The project: a first build on a fresh copy of the project and a fresh DuckDB file, as a user runs it."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import duckdb

from benchmarks.data import Generation
from benchmarks.measure import BenchResult, child_env, cpu_set, measure_child, result_from_run
from segmentation.project import copy_project

SLOWEST_NODES_SHOWN = 8


def run_project(
    generation: Generation,
    workdir: Path,
    project_dir: Path,
    threads: int | None,
    dbt_vars: str | None = None,
    name: str = "project",
) -> tuple[BenchResult, list[dict]]:
    """A first build on a fresh copy of the project (in ``workdir/name``), as a user runs it:
    ``segmentation build --data FILE [--vars VARS]`` (what ``make build DATA=FILE`` runs), start-up
    and dbt's parse of the new vars included. The result and the slowest nodes."""
    copy = copy_project(workdir / name, project_dir)
    database = copy / "warehouse" / "segments.duckdb"
    argv = [str(Path(sys.executable).with_name("segmentation")), "build", "--project-dir", str(copy)]
    argv += ["--data", str(generation.path)] + (["--vars", dbt_vars] if dbt_vars else [])
    env = child_env(threads, {"SEGMENTS_DB": str(database)})
    log_path = workdir / "logs" / f"{name}.log"
    run = measure_child(argv, cwd=copy, env=env, log_path=log_path, cpus=cpu_set(threads))
    run_results = copy / "target" / "run_results.json"
    if run_results.exists():
        shutil.copy2(run_results, workdir / f"{name}_run_results.json")
    result = result_from_run(name, generation.lines, run, log_path)
    result.steps = dbt_step_seconds(run_results)
    if "dbt_elapsed" in result.steps:
        result.steps["start_up_and_parse"] = round(run.wall_seconds - result.steps["dbt_elapsed"], 3)
    if result.ok:
        result.customers = count_rows(database, "customer_rfm_scores")
    return result, slowest_nodes(run_results)


def count_rows(database: Path, table: str) -> int:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(f"select count(*) from {table}").fetchall()[0][0]


def slowest_nodes(run_results_path: Path, limit: int = SLOWEST_NODES_SHOWN) -> list[dict]:
    """The dbt nodes that took longest, from target/run_results.json."""
    if not run_results_path.exists():
        return []
    results = json.loads(run_results_path.read_text())["results"]
    nodes = [
        {
            "node": result["unique_id"],
            "seconds": round(result["execution_time"], 3),
            "status": result["status"],
        }
        for result in results
    ]
    return sorted(nodes, key=lambda node: -node["seconds"])[:limit]


def dbt_step_seconds(run_results_path: Path) -> dict[str, float]:
    """Seconds summed by kind of node (model, test, unit_test, ...) and dbt's own elapsed time."""
    if not run_results_path.exists():
        return {}
    run_results = json.loads(run_results_path.read_text())
    steps: dict[str, float] = {}
    for result in run_results["results"]:
        kind = f"{result['unique_id'].split('.')[0]}s"
        steps[kind] = round(steps.get(kind, 0.0) + result["execution_time"], 3)
    steps["dbt_elapsed"] = round(run_results.get("elapsed_time", 0.0), 3)
    return steps
