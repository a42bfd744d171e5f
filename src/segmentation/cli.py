"""Command line: `segmentation build|generate|report ...`, what the Makefile targets call.

`build` takes its data file, preset and extra vars from --data/--preset/--vars, else from the
environment variables SEGMENTS_DATA, SEGMENTS_PRESET and SEGMENTS_VARS: the Makefile exports DATA,
PRESET and VARS there, so no value ever passes through a shell command line.
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml

from segmentation.project import PROJECT_DIR
from segmentation.spark_runner import SPARK_TARGET, run_spark_build


def preset_vars(preset: str | None, project_dir: Path) -> dict:
    """The vars of a preset: a name under presets/ (without .yml) or a path to a YAML file."""
    if not preset:
        return {}
    path = Path(preset)
    if not path.suffix:
        path = project_dir / "presets" / f"{preset}.yml"
    if not path.is_file():
        known = sorted(p.stem for p in (project_dir / "presets").glob("*.yml"))
        raise SystemExit(f"No preset {preset!r} (looked for {path}); known presets: {known}")
    return read_yaml(path.read_text(), f"preset {path}")


def read_yaml(text: str, where: str) -> dict:
    """A YAML mapping of vars; an unreadable one (e.g. the date 2023-02-30) stops with one sentence."""
    try:
        loaded = yaml.safe_load(text) or {}
    except (yaml.YAMLError, ValueError) as error:
        reason = " ".join(str(error).split())
        raise SystemExit(f"segmentation build: the vars of {where} are not valid YAML ({reason}).") from None
    if not isinstance(loaded, dict):
        raise SystemExit(f"segmentation build: {where} must be a YAML mapping of vars, got {text!r}.")
    return loaded


def build_vars(data: str | None, preset: str | None, extra: str | None, project_dir: Path) -> dict:
    """Preset vars, then the data path, then --vars: later ones win."""
    merged = preset_vars(preset, project_dir)
    if data:
        merged["source_path"] = str(Path(data).resolve())
    if extra:
        merged.update(read_yaml(extra, "VARS / --vars"))
    return merged


def _json_value(value: object) -> str:
    """YAML dates and timestamps (`as_of_date: 2023-01-01` unquoted) as ISO text."""
    if isinstance(value, datetime.date):  # datetime.datetime included
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dbt_executable() -> str:
    """dbt beside this Python, or $SEGMENTS_DBT."""
    return os.environ.get("SEGMENTS_DBT") or str(Path(sys.executable).with_name("dbt"))


def dbt_command(command: str, dbt_vars: dict, extra_args: list[str]) -> list[str]:
    """The dbt command line."""
    args = [dbt_executable(), command]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars, default=_json_value)]
    return args + extra_args


class WarehouseBusy(Exception):
    """Another process holds the warehouse file; the message says which."""


def warehouse_path(project_dir: Path) -> tuple[Path, str]:
    """The warehouse file the build writes (as profiles.yml resolves it) and how to name it."""
    shown = os.environ.get("SEGMENTS_DB") or "warehouse/segments.duckdb"
    return project_dir / shown, shown


def spark_warehouse_path(project_dir: Path) -> tuple[Path, str]:
    """The folder of the local Spark target's tables and metastore (as profiles.yml resolves it)."""
    shown = os.environ.get("SEGMENTS_SPARK_DIR") or "warehouse/spark"
    return project_dir / shown, shown


def hold_build_lock(database: Path, shown: str):
    """An exclusive lock beside the warehouse file for as long as the returned file stays open."""
    lock = open(f"{database}.build-lock", "a+")  # noqa: SIM115 (held until the build ends)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "unknown"
        lock.close()
        raise WarehouseBusy(f"another build holds {shown} (PID {holder})") from None
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def check_warehouse_free(database: Path, shown: str) -> None:
    """Raise WarehouseBusy when another process (a build, an analyst's connection) holds the file."""
    if not database.exists():
        return
    try:
        duckdb.connect(str(database)).close()
    except duckdb.IOException as error:
        message = str(error)
        if "lock" not in message.lower():
            raise
        pid = re.search(r"PID (\d+)", message)
        raise WarehouseBusy(
            f"another build holds {shown} (PID {pid.group(1) if pid else 'unknown'})"
        ) from None


def build_flags(args: argparse.Namespace) -> list[str]:
    """dbt build's arguments: --full-refresh (asked by --full-refresh or SEGMENTS_FULL_REFRESH), the rest."""
    wanted = args.full_refresh or os.environ.get("SEGMENTS_FULL_REFRESH", "").strip() not in ("", "0")
    return (["--full-refresh"] if wanted else []) + args.dbt_args


def run_build(args: argparse.Namespace) -> int:
    project_dir = Path(args.project_dir).resolve()
    data = args.data or os.environ.get("SEGMENTS_DATA") or None
    preset = args.preset or os.environ.get("SEGMENTS_PRESET") or None
    extra = args.vars or os.environ.get("SEGMENTS_VARS") or None
    dbt_vars = build_vars(data, preset, extra, project_dir)
    (project_dir / "warehouse").mkdir(exist_ok=True)
    target = args.target or os.environ.get("SEGMENTS_TARGET") or "dev"
    if target == SPARK_TARGET:
        return run_spark(project_dir, dbt_vars, args.dbt_args)
    database, shown = warehouse_path(project_dir)
    try:
        lock = hold_build_lock(database, shown)
    except WarehouseBusy as busy:
        print(f"segmentation build: {busy}; nothing was built.", file=sys.stderr)
        return 1
    with lock:
        try:
            check_warehouse_free(database, shown)
        except WarehouseBusy as busy:
            print(f"segmentation build: {busy}; nothing was built.", file=sys.stderr)
            return 1
        command = dbt_command("build", dbt_vars, build_flags(args))
        print("+", " ".join(command), flush=True)
        return subprocess.call(command, cwd=project_dir)


def run_spark(project_dir: Path, dbt_vars: dict, dbt_args: list[str]) -> int:
    """The build on the local Spark target, one at a time per Spark warehouse folder."""
    folder, shown = spark_warehouse_path(project_dir)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        lock = hold_build_lock(folder, shown)
    except WarehouseBusy as busy:
        print(f"segmentation build: {busy}; nothing was built.", file=sys.stderr)
        return 1
    with lock:
        command = dbt_command("build", dbt_vars, dbt_args[1:] if dbt_args[:1] == ["--"] else dbt_args)
        return run_spark_build(project_dir, dbt_vars, command[1:])


def run_generate(args: argparse.Namespace) -> int:
    from segmentation.generator import write_transactions

    written = write_transactions(args.out, args.lines, seed=args.seed, fmt=args.format)
    print(f"wrote {written:,} lines to {args.out}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="segmentation", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="dbt build with a data file and/or a preset of vars")
    build.add_argument("--data", help="Parquet or CSV file or glob of the transaction log ($SEGMENTS_DATA)")
    build.add_argument(
        "--preset", help="a preset name under presets/ or a YAML file of vars ($SEGMENTS_PRESET)"
    )
    build.add_argument("--vars", help="more vars as YAML, applied last ($SEGMENTS_VARS)")
    build.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild from every file of a glob source, not only the new ones ($SEGMENTS_FULL_REFRESH=1)",
    )
    build.add_argument("--project-dir", default=str(PROJECT_DIR))
    build.add_argument(
        "--target",
        choices=["dev", SPARK_TARGET],
        help="dev (DuckDB, the default) or spark (a local Spark session) ($SEGMENTS_TARGET)",
    )
    build.add_argument("dbt_args", nargs=argparse.REMAINDER, help="passed on to dbt build")
    build.set_defaults(run=run_build)

    generate = commands.add_parser("generate", help="write a synthetic transaction log")
    generate.add_argument("--lines", type=int, required=True)
    generate.add_argument("--out", required=True, help="output .parquet or .csv path")
    generate.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    generate.add_argument("--seed", type=int, default=42)
    generate.set_defaults(run=run_generate)

    commands.add_parser("report", help="render the HTML report with charts (see: segmentation report -h)")
    return top


# Commands with their own argument parsers, in their own modules.
DELEGATED = {"report": "segmentation.report"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in DELEGATED:
        return importlib.import_module(DELEGATED[argv[0]]).main(argv[1:]) or 0
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
