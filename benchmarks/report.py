"""The figures: wall-time ratios, the summary saved as bench.json, and the table printed."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import psutil

from benchmarks.data import Generation
from benchmarks.measure import BenchResult

BUSY_MACHINE_NOTE = (
    "others CPU s = CPU time that other processes used meanwhile; well above 0, the figures are disturbed"
)

# The targets of the issue, printed beside the figures (never asserted).
TARGET_PROJECT_VS_FLOOR = 1.6  # the build as a user runs it, start-up and parsing included
TARGET_HISTORY_ADDS = 0.5  # at 10^8 lines, over the build with history_grain: none
TARGET_NOTEBOOK_VS_PROJECT = 5.0
TARGET_PEAK_RSS_MB = 4096


def fill_ratios(results: list[BenchResult]) -> None:
    """Each result's wall time over the floor's and over the project's."""
    by_name = {result.contender: result for result in results}
    for result in results:
        result.vs_floor = _wall_ratio(result, by_name["floor"])
        result.vs_project = _wall_ratio(result, by_name["project"])


def _wall_ratio(result: BenchResult, reference: BenchResult) -> float | None:
    if not (result.ok and reference.ok and reference.wall_seconds):
        return None
    return round(result.wall_seconds / reference.wall_seconds, 3)


def summary(
    seed: int,
    generation: Generation,
    results: list[BenchResult],
    dbt_nodes: list[dict],
    without_history: BenchResult | None = None,
) -> dict:
    """Everything bench.json holds: the file, the machine, each contender's figures and the ratios,
    and what history adds to the project's build when it was measured."""
    by_name = {result.contender: result for result in results}
    return {
        "lines": generation.lines,
        "seed": seed,
        "data_path": str(generation.path),
        "data_mb": round(generation.path.stat().st_size / 1024**2, 1),
        "generation_seconds": round(generation.seconds, 3),
        "generation_cached": generation.cached,
        "machine": machine_info(),
        "results": [asdict(result) for result in results],
        "ratios": {
            "project_over_floor": by_name["project"].vs_floor,
            "notebook_over_project": by_name["notebook"].vs_project,
        },
        "dbt_slowest_nodes": dbt_nodes,
        "history_cost": _history_cost(by_name["project"], without_history),
    }


def _history_cost(project: BenchResult, without_history: BenchResult | None) -> dict | None:
    if without_history is None:
        return None
    cost = {"build_without_history": asdict(without_history), "seconds": None, "fraction": None}
    if project.ok and without_history.ok:
        cost["seconds"] = round(project.wall_seconds - without_history.wall_seconds, 3)
        cost["fraction"] = round(cost["seconds"] / without_history.wall_seconds, 3)
    return cost


def write_bench_json(workdir: Path, figures: dict) -> None:
    (workdir / "bench.json").write_text(json.dumps(figures, indent=2))


def machine_info() -> dict:
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **{name: _package_version(name) for name in ("duckdb", "dbt-core", "dbt-duckdb", "pandas")},
        "scikit-learn": _package_version("scikit-learn"),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def format_report(figures: dict) -> str:
    """The figures as a plain-text table, with the machine and the issue's targets."""
    machine = figures["machine"]
    generated = "cached, made in" if figures["generation_cached"] else "made in"
    lines = [
        f"Benchmark: {figures['lines']:,} lines, seed {figures['seed']}, "
        f"{figures['data_mb']:,} MB Parquet ({generated} {figures['generation_seconds']:.1f} s, "
        "not part of any time below)",
        f"Machine: {machine['cpus_usable']}/{machine['cpus']} CPUs ({machine['cpu_model']}), "
        f"{machine['memory_gb']} GB; Python {machine['python']}, duckdb {machine['duckdb']}, "
        f"dbt-core {machine['dbt-core']}, dbt-duckdb {machine['dbt-duckdb']}, pandas {machine['pandas']}, "
        f"scikit-learn {machine['scikit-learn']}",
        "",
        f"{'contender':<10} {'wall s':>9} {'CPU s':>8} {'peak RSS MB':>12} {'customers':>11} "
        f"{'vs floor':>9} {'vs project':>11} {'others CPU s':>13}  status / steps",
    ]
    lines += [_result_row(result) for result in figures["results"]]
    lines += ["", _ratio_line(figures["ratios"]), BUSY_MACHINE_NOTE]
    if figures["history_cost"]:
        lines.append(_history_line(figures["history_cost"]))
    if figures["dbt_slowest_nodes"]:
        slowest = (
            f"{node['node'].split('.', 2)[-1]} {node['seconds']:.2f}" for node in figures["dbt_slowest_nodes"]
        )
        lines.append("Slowest dbt nodes (seconds): " + ", ".join(slowest))
    return "\n".join(lines)


def _result_row(result: dict) -> str:
    steps = " ".join(f"{name}={seconds:.2f}" for name, seconds in result["steps"].items())
    detail = result["status"]
    if result["note"]:
        detail += f" ({result['note'].splitlines()[0]})"
    if steps:
        detail += f"; {steps}"
    return (
        f"{result['contender']:<10} {_figure(result['wall_seconds'], '.2f'):>9} "
        f"{_figure(result['cpu_seconds'], '.1f'):>8} {_figure(result['peak_rss_mb'], ',.0f'):>12} "
        f"{_figure(result['customers'], ',d'):>11} {_ratio(result['vs_floor']):>9} "
        f"{_ratio(result['vs_project']):>11} {_figure(result['other_cpu_seconds'], '.1f'):>13}  {detail}"
    )


def _figure(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _ratio_line(ratios: dict) -> str:
    return (
        f"project/floor = {_ratio(ratios['project_over_floor'])} (target at 10^8 lines: <= "
        f"{TARGET_PROJECT_VS_FLOOR}x, peak RSS < {TARGET_PEAK_RSS_MB:,} MB); notebook/project = "
        f"{_ratio(ratios['notebook_over_project'])} (target at 10^7 lines: >= {TARGET_NOTEBOOK_VS_PROJECT}x)"
    )


def _history_line(cost: dict) -> str:
    without = cost["build_without_history"]
    if cost["seconds"] is None:
        return f"history: the build with history_grain none {without['status']} ({without['note']})"
    target = f"target at 10^8 lines: <= +{TARGET_HISTORY_ADDS:.0%}"
    return (
        f"history: the build with history_grain none took {without['wall_seconds']:.2f} s, so history adds "
        f"{cost['seconds']:+.2f} s ({cost['fraction']:+.0%}; {target})"
    )
