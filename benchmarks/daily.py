"""The daily build, as a user runs it: a glob of day files already loaded, then one new file.

    python -m benchmarks.daily --lines N [--files F] [--vars YAML] [--workdir DIR] [--seed S]

generates N + N / F lines, cuts the newest N / F of them (by invoice time) into the new day's file and
the other N into F files of equal time spans, builds the project over the F files (`segmentation build
--data 'GLOB'`, what `make build DATA=...` runs: the first build loads every file), adds the new file
and builds again (the daily build). Prints each
build's wall time and peak RSS of the whole process tree, dbt's own run time (the rest is start-up and
parsing), the slowest nodes, and the daily / full ratio. Never fails on a timing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from benchmarks.data import DEFAULT_SEED, DEFAULT_WORKDIR, ensure_transactions
from benchmarks.measure import child_env, measure_child
from segmentation.project import copy_project

SLOWEST_NODES = 8
# What the CLV feature costs a build: its models, and the per-file and per-customer tables only they read.
CLV_MODELS = (
    "customer_clv_features",
    "clv_model_parameters",
    "customer_lifetime_value",
    "int_clv_holdout_purchases",
    "clv_holdout_comparison",
)
CLV_INPUTS = ("int_customer_purchase_days", "int_holdout_purchase_days")


def split_by_time(source: Path, folder: Path, files: int) -> tuple[list[Path], Path]:
    """The file cut by invoice time (made once): its newest lines, 1 / (files + 1) of them, are the new
    day's file; the rest falls into `files` files of equal time spans, day_000.parquet the oldest."""
    loaded = [folder / f"day_{part:03d}.parquet" for part in range(files)]
    new = folder / "new_day.parquet"
    if new.exists() and all(file.exists() for file in loaded):
        return loaded, new
    shutil.rmtree(folder, ignore_errors=True)
    scratch = folder.with_name(folder.name + ".partitions")
    shutil.rmtree(scratch, ignore_errors=True)
    folder.mkdir(parents=True)
    with duckdb.connect() as connection:
        lines = f"read_parquet('{source}')"
        first, cut = connection.sql(
            f"select epoch(min(InvoiceDate)), epoch(quantile_disc(InvoiceDate, {files / (files + 1)}))"
            f" from {lines}"
        ).fetchall()[0]
        connection.execute(f"copy (select * from {lines} where epoch(InvoiceDate) > {cut}) to '{new}'")
        span = (cut - first) / files + 1e-6
        connection.execute(
            f"""copy (
                select *, cast(floor((epoch(InvoiceDate) - {first}) / {span}) as integer) as part
                from {lines} where epoch(InvoiceDate) <= {cut}
            ) to '{scratch}' (format parquet, partition_by (part))"""
        )
    for part, file in enumerate(loaded):
        [written] = (scratch / f"part={part}").glob("*.parquet")
        written.rename(file)
    shutil.rmtree(scratch)
    return loaded, new


def line_count(files: list[Path]) -> int:
    with duckdb.connect() as connection:
        listed = ", ".join(f"'{file}'" for file in files)
        return connection.sql(f"select count(*) from read_parquet([{listed}])").fetchall()[0][0]


def timed_build(project: Path, glob: str, log: Path, dbt_vars: str | None = None) -> dict:
    """`segmentation build --data GLOB [--vars VARS]` in the project copy: wall, peak RSS, dbt's run
    time, top nodes."""
    argv = [str(Path(sys.executable).with_name("segmentation")), "build", "--project-dir", str(project)]
    argv += ["--data", glob] + (["--vars", dbt_vars] if dbt_vars else [])
    run = measure_child(argv, cwd=project, env=child_env(None), log_path=log, cpus=None)
    if run.returncode != 0:
        raise SystemExit(f"the build failed; see {log}")
    results = json.loads((project / "target" / "run_results.json").read_text())
    nodes = sorted(
        ((r["unique_id"].split(".")[-1], r["execution_time"]) for r in results["results"]),
        key=lambda node: -node[1],
    )
    seconds = dict(nodes)
    return {
        "wall_seconds": round(run.wall_seconds, 1),
        "peak_rss_gb": round(run.peak_rss_bytes / 1024**3, 2),
        "dbt_run_seconds": round(results["elapsed_time"], 1),
        "slowest_nodes": [(name, round(seconds, 1)) for name, seconds in nodes[:SLOWEST_NODES]],
        "clv_models_seconds": round(sum(seconds.get(name, 0.0) for name in CLV_MODELS), 1),
        "clv_inputs_seconds": round(sum(seconds.get(name, 0.0) for name in CLV_INPUTS), 1),
    }


def prepared_files(lines: int, files: int, workdir: Path, seed: int) -> tuple[list[Path], Path]:
    """The day files, made in a child process: a build started from this process after it held the
    generated lines would inherit its memory, and ru_maxrss would count it as the build's."""
    prepare = [sys.executable, "-m", "benchmarks.daily", "--prepare-only", "--lines", str(lines)]
    prepare += ["--files", str(files), "--workdir", str(workdir), "--seed", str(seed)]
    subprocess.run(prepare, check=True)
    return split_files(lines, files, workdir, seed)


def split_files(lines: int, files: int, workdir: Path, seed: int) -> tuple[list[Path], Path]:
    generated = ensure_transactions(workdir, lines + lines // files, seed)
    return split_by_time(generated.path, workdir / "daily" / f"files_{lines}_{files}", files)


def run(lines: int, files: int, workdir: Path, seed: int, dbt_vars: str | None = None) -> dict:
    loaded, new = prepared_files(lines, files, workdir, seed)
    project = copy_project(workdir / "daily" / "project")
    orders = project / "data" / "orders"
    orders.mkdir(parents=True)
    for day in loaded:
        (orders / day.name).symlink_to(day)
    glob = str(orders / "*.parquet")
    full = timed_build(project, glob, workdir / "daily" / "full_build.log", dbt_vars)
    (orders / new.name).symlink_to(new)
    daily = timed_build(project, glob, workdir / "daily" / "daily_build.log", dbt_vars)
    return {
        "loaded_files": len(loaded),
        "loaded_lines": line_count(loaded),
        "new_file_lines": line_count([new]),
        "full_build": full,
        "daily_build": daily,
        "daily_vs_full": round(daily["wall_seconds"] / full["wall_seconds"], 3),
    }


def print_report(figures: dict) -> None:
    print(
        f"{figures['loaded_files']} files, {figures['loaded_lines']:,} lines loaded;"
        f" new file {figures['new_file_lines']:,} lines"
    )
    for name in ("full_build", "daily_build"):
        build = figures[name]
        outside = build["wall_seconds"] - build["dbt_run_seconds"]
        print(
            f"{name:12s} wall {build['wall_seconds']:7.1f} s  peak RSS {build['peak_rss_gb']:5.2f} GB"
            f"  dbt run {build['dbt_run_seconds']:6.1f} s  start-up and parsing {outside:4.1f} s"
        )
        print("             slowest: " + ", ".join(f"{n} {s} s" for n, s in build["slowest_nodes"]))
        print(
            f"             CLV models {build['clv_models_seconds']:.1f} s (target at 10^8 lines: <= 5 s),"
            f" their input tables {build['clv_inputs_seconds']:.1f} s"
        )
    print(f"daily / full: {figures['daily_vs_full']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.daily", description=__doc__)
    parser.add_argument("--lines", type=lambda text: int(float(text)), default=1_000_000)
    parser.add_argument("--files", type=int, default=100, help="files already loaded before the new one")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--vars", help="more vars for both builds, as YAML (e.g. '{history_grain: none}')")
    parser.add_argument("--prepare-only", action="store_true", help="only make the day files")
    args = parser.parse_args(argv)
    if args.prepare_only:
        split_files(args.lines, args.files, args.workdir, args.seed)
        return 0
    figures = run(args.lines, args.files, args.workdir, args.seed, args.vars)
    print_report(figures)
    (args.workdir / "daily" / "daily.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
