"""Command line: `segmentation build|generate|report|bench ...`, what the Makefile targets call."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

import yaml

from segmentation.project import PROJECT_DIR

# Unit tests that feed hand-made rows in the Online Retail layout to the raw source: they only
# apply when the source has that layout, so a build on another layout leaves them out.
ONLINE_RETAIL_LAYOUT_TAG = "online_retail_layout"


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
    return yaml.safe_load(path.read_text()) or {}


def build_vars(data: str | None, preset: str | None, extra: str | None, project_dir: Path) -> dict:
    """Preset vars, then the data path, then --vars: later ones win."""
    merged = preset_vars(preset, project_dir)
    if data:
        merged["source_path"] = str(Path(data).resolve())
    if extra:
        merged.update(yaml.safe_load(extra) or {})
    return merged


def dbt_command(command: str, dbt_vars: dict, extra_args: list[str]) -> list[str]:
    """The dbt command line; unit tests on the Online Retail layout are left out for other layouts."""
    args = [str(Path(sys.executable).with_name("dbt")), command]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    if command == "build" and "source_columns" in dbt_vars:
        args += ["--exclude", f"tag:{ONLINE_RETAIL_LAYOUT_TAG}"]
    return args + extra_args


def run_build(args: argparse.Namespace) -> int:
    project_dir = Path(args.project_dir).resolve()
    dbt_vars = build_vars(args.data, args.preset, args.vars, project_dir)
    (project_dir / "warehouse").mkdir(exist_ok=True)
    command = dbt_command("build", dbt_vars, args.dbt_args)
    print("+", " ".join(command), flush=True)
    return subprocess.call(command, cwd=project_dir)


def run_generate(args: argparse.Namespace) -> int:
    from segmentation.generator import write_transactions

    written = write_transactions(args.out, args.lines, seed=args.seed, fmt=args.format)
    print(f"wrote {written:,} lines to {args.out}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="segmentation", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="dbt build with a data file and/or a preset of vars")
    build.add_argument("--data", help="Parquet or CSV file or glob of the transaction log")
    build.add_argument("--preset", help="a preset name under presets/ or a YAML file of vars")
    build.add_argument("--vars", help="more vars as YAML, applied last")
    build.add_argument("--project-dir", default=str(PROJECT_DIR))
    build.add_argument("dbt_args", nargs=argparse.REMAINDER, help="passed on to dbt build")
    build.set_defaults(run=run_build)

    generate = commands.add_parser("generate", help="write a synthetic transaction log")
    generate.add_argument("--lines", type=int, required=True)
    generate.add_argument("--out", required=True, help="output .parquet or .csv path")
    generate.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    generate.add_argument("--seed", type=int, default=42)
    generate.set_defaults(run=run_generate)

    commands.add_parser("report", help="render the HTML report with charts (see: segmentation report -h)")
    commands.add_parser("bench", help="benchmark against the floor and the notebook (segmentation bench -h)")
    return top


# Commands with their own argument parsers, in their own modules.
DELEGATED = {"report": "segmentation.report", "bench": "segmentation.bench"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in DELEGATED:
        return importlib.import_module(DELEGATED[argv[0]]).main(argv[1:]) or 0
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
