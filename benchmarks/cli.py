"""Command line of the benchmark (what `make bench N=...` calls):

    python -m benchmarks --lines N [--workdir DIR] [--seed S] [--skip-notebook] [--threads T] ...

prints a table and writes ``bench.json`` in the work folder; it exits 1 only when a contender failed,
never on a timing. ``python -m benchmarks floor|notebook FILE --result JSON`` runs one contender in
this process (what the benchmark's child processes do).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.contenders.notebook import DEFAULT_MAX_LINES
from benchmarks.data import DEFAULT_SEED, DEFAULT_WORKDIR
from segmentation.project import PROJECT_DIR

CONTENDERS = ("floor", "notebook")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CONTENDERS:
        return run_contender(_contender_parser().parse_args(argv))
    from benchmarks.run import run_benchmark  # not in the children: they import only their own contender

    args = _bench_parser().parse_args(argv)
    results = run_benchmark(
        args.lines,
        args.workdir,
        seed=args.seed,
        notebook_max_lines=args.notebook_max_lines,
        project_dir=args.project_dir,
        keep=args.keep,
        skip_notebook=args.skip_notebook,
        threads=args.threads,
        dbt_vars=args.vars,
        history_cost=args.history_cost,
    )
    return 0 if all(result.status != "failed" for result in results) else 1


def run_contender(args: argparse.Namespace) -> int:
    if args.contender == "floor":
        from benchmarks.contenders import floor

        floor.run(args.data_path, args.result, args.seed, args.project_dir)
    else:
        from benchmarks.contenders import notebook

        notebook.run(args.data_path, args.result, args.seed)
    return 0


def _bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark the dbt build against the floor and the notebook's way.",
    )
    parser.add_argument("--lines", type=_positive_int, default=1_000_000, help="transaction lines")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="cache and scratch folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--skip-notebook", action="store_true", help="do not run the notebook's way")
    parser.add_argument(
        "--notebook-max-lines", type=_positive_int, default=DEFAULT_MAX_LINES,
        help="run the notebook's way only up to this many lines",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=_positive_int, default=None,
        help="CPUs each contender may use (default: all)",
    )  # fmt: skip
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument("--keep", action="store_true", help="keep the project copy and its database")
    parser.add_argument(
        "--vars", help="more vars for the project's build, as YAML (e.g. '{history_grain: none}')"
    )
    parser.add_argument(
        "--history-cost", action="store_true",
        help="also build the project with history_grain: none and print what history adds",
    )  # fmt: skip
    return parser


def _contender_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Run one contender here.")
    contenders = parser.add_subparsers(dest="contender", required=True)
    for name in CONTENDERS:
        contender = contenders.add_parser(name)
        contender.add_argument("data_path", type=Path)
        contender.add_argument("--result", type=Path, required=True, help="where to write the JSON report")
        contender.add_argument("--seed", type=int, default=DEFAULT_SEED)
    contenders.choices["floor"].add_argument(
        "--project-dir", type=Path, default=PROJECT_DIR, help="whose macros give the log features"
    )
    return parser


def _positive_int(text: str) -> int:
    value = int(float(text))  # accepts 1e7
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text}")
    return value
