"""The whole benchmark: generate (or reuse) the file, run the three contenders on it, report."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import yaml

from benchmarks import report
from benchmarks.contenders import notebook
from benchmarks.contenders.project import run_project
from benchmarks.data import DEFAULT_SEED, DEFAULT_WORKDIR, Generation, ensure_transactions
from benchmarks.measure import BenchResult, child_env, cpu_set, measure_child, result_from_run
from segmentation.project import PROJECT_DIR

# The folder that holds the benchmarks package: children run there, so `python -m benchmarks` finds it.
PACKAGE_PARENT = Path(__file__).resolve().parents[1]


def run_benchmark(
    n_lines: int,
    workdir: Path | str = DEFAULT_WORKDIR,
    *,
    seed: int = DEFAULT_SEED,
    notebook_max_lines: int = notebook.DEFAULT_MAX_LINES,
    project_dir: Path | str = PROJECT_DIR,
    keep: bool = False,
    skip_notebook: bool = False,
    threads: int | None = None,
    dbt_vars: str | None = None,
    history_cost: bool = False,
) -> list[BenchResult]:
    """Run the three contenders on one generated file, print the figures and save them in bench.json.

    Results come in the order project, floor, notebook. ``keep`` leaves the project copy and its
    database in ``workdir/project``; the generated file is always kept (it is the cache).
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    project_dir = Path(project_dir).resolve()
    generation = ensure_transactions(workdir, n_lines, seed)
    project, dbt_nodes = run_project(generation, workdir, project_dir, threads, dbt_vars)
    without_history = None
    if history_cost:
        no_history_vars = json.dumps({**yaml.safe_load(dbt_vars or "{}"), "history_grain": "none"})
        without_history, _ = run_project(
            generation, workdir, project_dir, threads, no_history_vars, name="project_without_history"
        )
    floor_args = ["--project-dir", str(project_dir)]
    floor = run_child_contender("floor", generation, workdir, seed, threads, floor_args)
    reason = (
        "skipped: --skip-notebook" if skip_notebook else notebook.skip_reason(n_lines, notebook_max_lines)
    )
    if reason:
        notebook_result = BenchResult(contender="notebook", lines=n_lines, status="skipped", note=reason)
    else:
        notebook_result = run_child_contender("notebook", generation, workdir, seed, threads)
    results = [project, floor, notebook_result]
    report.fill_ratios(results)
    figures = report.summary(seed, generation, results, dbt_nodes, without_history)
    report.write_bench_json(workdir, figures)
    print(report.format_report(figures), flush=True)
    if not keep:
        shutil.rmtree(workdir / "project", ignore_errors=True)
        shutil.rmtree(workdir / "project_without_history", ignore_errors=True)
        shutil.rmtree(workdir / "tmp", ignore_errors=True)
    return results


def run_child_contender(
    contender: str,
    generation: Generation,
    workdir: Path,
    seed: int,
    threads: int | None,
    extra_args: list[str] | None = None,
) -> BenchResult:
    """Run the floor or the notebook's way in a child process and read what it reported."""
    result_path = workdir / f"{contender}_result.json"
    result_path.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "benchmarks", contender, str(generation.path)]
    argv += ["--result", str(result_path), "--seed", str(seed), *(extra_args or [])]
    log_path = workdir / "logs" / f"{contender}.log"
    temp_dir = workdir / "tmp" / contender
    temp_dir.mkdir(parents=True, exist_ok=True)  # DuckDB makes its spill folder, not the folders above it
    env = child_env(threads, {"SEGMENTS_BENCH_TEMP_DIR": str(temp_dir)})
    run = measure_child(argv, cwd=PACKAGE_PARENT, env=env, log_path=log_path, cpus=cpu_set(threads))
    result = result_from_run(contender, generation.lines, run, log_path)
    if result.ok:
        reported = json.loads(result_path.read_text())
        result.customers = reported["customers"]
        result.steps = reported["steps"]
        result.note = f"k={reported['k']}"
    shutil.rmtree(temp_dir, ignore_errors=True)
    return result
