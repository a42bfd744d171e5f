"""Reading an Excel workbook against reading the same lines from CSV with DuckDB.

The workbook has the Online Retail II layout (Invoice, StockCode, Description, Quantity, InvoiceDate,
Price, Customer ID, Country) on two sheets, "Year 2009-2010" and "Year 2010-2011", with the lines split
between them; the CSV file holds the same lines under one header. Both are generated once (seeded)
and cached in the work folder by (lines, seed).

Each read runs in its own child process, started after the files exist. Its wall time is measured from
start to exit (Python start-up and imports included) and its peak RSS is the kernel's high-water mark of
that child (``os.wait4``). The cases:

* baseline:     start Python and import duckdb, pyarrow and fastexcel, read nothing;
* csv-arrow:    DuckDB ``read_csv`` into an Arrow table;
* csv-duckdb:   DuckDB ``read_csv`` into a table of an in-memory DuckDB database;
* xlsx-arrow:   ``segmentation.workbook.read_workbook`` into an Arrow table;
* xlsx-duckdb:  the same, then into a table of an in-memory DuckDB database (what the dbt plugin does).

It prints figures and never fails on a timing:

    python benchmarks/excel_vs_csv.py --lines 1000000 [--repeat 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "segmentation-bench-excel"
COLUMNS = [
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
]
SHEETS = [
    ("Year 2009-2010", dt.datetime(2009, 12, 1, 7, 45)),
    ("Year 2010-2011", dt.datetime(2010, 12, 1, 8, 26)),
]
CASES = ["baseline", "csv-arrow", "csv-duckdb", "xlsx-arrow", "xlsx-duckdb"]
COUNTRIES = ["United Kingdom"] * 12 + ["France", "Germany", "EIRE", "Spain", "Netherlands", "Belgium"]
WORDS = [
    "WHITE",
    "HANGING",
    "HEART",
    "T-LIGHT",
    "HOLDER",
    "CREAM",
    "CUPID",
    "HEARTS",
    "COAT",
    "HANGER",
    "KNITTED",
    "UNION",
    "FLAG",
    "HOT",
    "WATER",
    "BOTTLE",
    "RED",
    "WOOLLY",
    "HOTTIE",
    "LANTERN",
]


def _lines(count: int, start: dt.datetime, rng: random.Random):
    """Yield `count` transaction lines (tuples in COLUMNS order) of invoices starting at `start`."""
    invoice = 489434 if start.year == 2009 else 536365
    when = start
    written = 0
    while written < count:
        size = min(rng.randint(1, 40), count - written)
        cancelled = rng.random() < 0.02
        invoice_id: int | str = f"C{invoice}" if cancelled else invoice
        customer = None if rng.random() < 0.2 else rng.randint(12346, 18287)
        country = rng.choice(COUNTRIES)
        for _ in range(size):
            code = rng.randint(10002, 90214)
            stock_code: int | str = f"{code}{rng.choice('ABCDEFG')}" if rng.random() < 0.1 else code
            description = " ".join(rng.choices(WORDS, k=rng.randint(2, 5)))
            quantity = rng.choice([1, 2, 3, 4, 6, 12, 24, 48]) * (-1 if cancelled else 1)
            price = round(rng.uniform(0.1, 20.0), 2)
            yield (invoice_id, stock_code, description, quantity, when, price, customer, country)
        written += size
        invoice += 1
        when += dt.timedelta(minutes=rng.randint(1, 30))


def generate(lines: int, seed: int, workdir: Path) -> tuple[Path, Path, float]:
    """Write (or reuse) the workbook and the CSV file with the same lines; return their paths and seconds."""
    import openpyxl

    workdir.mkdir(parents=True, exist_ok=True)
    xlsx = workdir / f"online_retail_ii_{lines}_{seed}.xlsx"
    csv_path = xlsx.with_suffix(".csv")
    if xlsx.exists() and csv_path.exists():
        return xlsx, csv_path, 0.0
    started = time.perf_counter()
    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    xlsx_tmp, csv_tmp = xlsx.with_suffix(".xlsx.tmp"), csv_path.with_suffix(".csv.tmp")
    with csv_tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        remaining = lines
        for position, (name, start) in enumerate(SHEETS):
            count = remaining if position == len(SHEETS) - 1 else lines // len(SHEETS)
            remaining -= count
            sheet = book.create_sheet(name)
            sheet.append(COLUMNS)
            for line in _lines(count, start, rng):
                sheet.append(line)
                writer.writerow(
                    ["" if v is None else v.isoformat(" ") if isinstance(v, dt.datetime) else v for v in line]
                )
    book.save(xlsx_tmp)
    xlsx_tmp.replace(xlsx)
    csv_tmp.replace(csv_path)
    return xlsx, csv_path, time.perf_counter() - started


def run_case(case: str, path: str) -> dict:
    """Run one case in this process (what the children do); return what was read."""
    import duckdb
    import fastexcel  # noqa: F401  (imported in every case, so the baseline counts it)
    import pyarrow  # noqa: F401

    if case == "baseline":
        return {"rows": 0}
    if case == "csv-arrow":
        table = duckdb.connect().sql(f"select * from read_csv('{path}', header = true)").to_arrow_table()
        return {"rows": table.num_rows, "schema": [str(f.type) for f in table.schema]}
    if case == "csv-duckdb":
        con = duckdb.connect()
        con.execute(f"create table t as select * from read_csv('{path}', header = true)")
        return {"rows": con.execute("select count(*) from t").fetchone()[0]}
    from segmentation.workbook import read_workbook

    table = read_workbook(path)
    if case == "xlsx-arrow":
        return {"rows": table.num_rows, "schema": [str(f.type) for f in table.schema]}
    if case == "xlsx-duckdb":
        con = duckdb.connect()
        con.register("workbook_df", table)
        con.execute("create table t as select * from workbook_df")
        con.unregister("workbook_df")
        del table
        return {"rows": con.execute("select count(*) from t").fetchone()[0]}
    raise ValueError(f"unknown case {case!r}")


def measure(case: str, path: Path) -> dict:
    """Run one case in a child process: wall seconds, peak RSS (MiB) and its answer."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR / "src"), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", case, str(path)], stdout=subprocess.PIPE, env=env, text=True
    )
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"case {case} failed with exit code {child.returncode}")
    return {"seconds": seconds, "peak_mib": usage.ru_maxrss / 1024, **json.loads(output)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the fastest run is shown")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--cases", nargs="+", default=CASES, choices=CASES)
    parser.add_argument("--child", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_case(*args.child)))
        return

    xlsx, csv_path, generation_seconds = generate(args.lines, args.seed, args.workdir)
    made = f"generated in {generation_seconds:.1f} s" if generation_seconds else "cached"
    print(
        f"{args.lines:,} lines; workbook {xlsx} ({xlsx.stat().st_size / 2**20:.1f} MiB), "
        f"CSV {csv_path.stat().st_size / 2**20:.1f} MiB ({made})"
    )
    results = {}
    for case in args.cases:
        runs = [measure(case, xlsx if case.startswith("xlsx") else csv_path) for _ in range(args.repeat)]
        results[case] = min(runs, key=lambda run: run["seconds"])
        results[case]["peak_mib"] = max(run["peak_mib"] for run in runs)
    print(f"{'case':<12} {'rows':>10} {'wall s':>8} {'peak RSS MiB':>13}")
    for case, result in results.items():
        print(f"{case:<12} {result['rows']:>10,} {result['seconds']:>8.2f} {result['peak_mib']:>13.0f}")
    for kind in ("arrow", "duckdb"):
        xlsx_result, csv_result = results.get(f"xlsx-{kind}"), results.get(f"csv-{kind}")
        if xlsx_result and csv_result:
            time_ratio = xlsx_result["seconds"] / csv_result["seconds"]
            memory_ratio = xlsx_result["peak_mib"] / csv_result["peak_mib"]
            print(f"xlsx/csv into {kind}: time x{time_ratio:.2f}, peak memory x{memory_ratio:.2f}")
    (args.workdir / f"excel_vs_csv_{args.lines}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
