"""Bad and odd inputs, each kept as a small file the test writes: either one clear error that names
the problem, with the previous tables and the published copy untouched, or the right result."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import DbtProject

from segmentation.project import copy_project

pytestmark = pytest.mark.slow

HEADER = ["InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice", "CustomerID", "Country"]
MARTS = ("customer_rfm_scores", "dim_customer_segments", "segment_summary", "cluster_profiles")


def good_lines(customers: int = 30) -> list[list[str]]:
    """A few purchases per customer: customer n buys n % 4 + 1 times, the last on day n % 25 + 1."""
    lines = []
    for customer in range(customers):
        for purchase in range(customer % 4 + 1):
            day = max(1, customer % 25 + 1 - 3 * purchase)
            lines.append(
                [
                    f"{5000 + customer * 10 + purchase}",
                    f"2024-03-{day:02d} 10:00:00",
                    str(purchase + 1),
                    f"{2.5 + customer}",
                    str(10000 + customer),
                    "United Kingdom",
                ]
            )
    return lines


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, **options) -> Path:
    with path.open("w", newline="", encoding=options.pop("encoding", "utf-8")) as handle:
        writer = csv.writer(handle, **options)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def snapshot(project: DbtProject) -> dict:
    """What must not change when a build fails: the marts and the published version."""
    state = {name: project.query(f"select * from {name} order by all") for name in MARTS}
    state["published"] = os.readlink(project.root / "warehouse" / "published" / "current")
    return state


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> DbtProject:
    """A project built once on a good CSV file; each bad input is then built over it."""
    folder = tmp_path_factory.mktemp("hostile")
    project = DbtProject(copy_project(folder / "project"))
    project.build({"source_path": str(write_csv(folder / "good.csv", good_lines()))})
    return project


def rows_with(**changes) -> list[list[str]]:
    """The good lines with one column replaced on every line."""
    rows = good_lines()
    for name, value in changes.items():
        for row in rows:
            row[HEADER.index(name)] = value
    return rows


BAD_INPUTS = {
    "header only": ([], {}, "The source has no lines"),
    "decimal comma": (
        rows_with(UnitPrice="12,50"),
        {},
        "lines were rejected, so there is no customer to segment and nothing was replaced: "
        "missing or non-numeric amount (",
    ),
    "no customer ids": (rows_with(CustomerID=""), {}, "no customer ("),
    "country filter matching nothing": (
        good_lines(),
        {"country_filter": ["Atlantis"]},
        "country not in country_filter (",
    ),
    "as-of date before all data": (
        good_lines(),
        {"as_of_date": "2020-01-01"},
        "on or after the as-of date (",
    ),
    "kmeans_k above the customers": (
        good_lines(customers=10),
        {"kmeans_k": 20, "kmeans_k_max": 20},
        "kmeans_k is 20 but there are only 10 distinct customers",
    ),
    "fractional customer key": (
        None,
        {},
        "is numeric but 1 value(s) are not whole numbers, for example 10000.5",
    ),
    "source_table with SQL in it": (
        good_lines(),
        {"source_table": "(select 1); copy (select 42) to 'pwned.csv'"},
        "source_table must be a table name",
    ),
    "impossible as-of date": (good_lines(), {"as_of_date": "2023-02-30"}, "as_of_date must be"),
    "unknown time zone": (good_lines(), {"timezone": "Mars/Olympus"}, "timezone must be a time zone name"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_one_clear_error_and_nothing_is_replaced(built, tmp_path, case):
    rows, extra_vars, message = BAD_INPUTS[case]
    if rows is None:  # a numeric key column with a fraction: only Parquet keeps the type
        path = tmp_path / "fraction.parquet"
        duckdb.sql(
            "copy (select 'A1' as InvoiceNo, timestamp '2024-03-01 10:00' as InvoiceDate, 1 as Quantity, "
            "2.0 as UnitPrice, 10000.5 as CustomerID, 'UK' as Country) "
            f"to '{path}' (format parquet)"
        )
    else:
        path = write_csv(tmp_path / "bad.csv", rows)
    before = snapshot(built)

    result = built.dbt("build", {"source_path": str(path), **extra_vars})

    assert result.returncode != 0
    assert message in result.stdout, result.stdout[-4000:]
    assert snapshot(built) == before
    assert not (built.root / "pwned.csv").exists()


def test_the_error_for_a_decimal_comma_shows_the_value_and_the_var_to_set(built, tmp_path):
    path = write_csv(tmp_path / "comma.csv", rows_with(UnitPrice="12,50"))

    result = built.dbt("build", {"source_path": str(path)})

    assert f"missing or non-numeric amount ({len(good_lines())}), e.g. '" in result.stdout
    assert " x 12,50'" in result.stdout
    assert "decimal_separator: ','" in result.stdout


def test_a_decimal_comma_with_its_var_builds(project, tmp_path):
    path = write_csv(tmp_path / "comma.csv", rows_with(UnitPrice="1.234,50"), delimiter=";")

    project.build({"source_path": str(path), "csv_delimiter": ";", "decimal_separator": ","})

    assert project.scalar("select count(*) from customer_rfm_scores") == 30
    assert project.scalar("select monetary from customer_rfm_scores where customer_id = '10000'") == 1234.5


def test_labels_and_countries_with_quotes_are_data(project, tmp_path):
    rows = rows_with(Country="Cote d'Ivoire")
    path = write_csv(tmp_path / "quotes.csv", rows)
    labels = ["Top'); copy (select 42) to 'pwned.csv'; --", "O'Brien", "Rest"]

    project.build({"source_path": str(path), "tier_labels": labels, "country_filter": ["Cote d'Ivoire"]})

    assert project.scalar("select count(*) from dim_customer_segments") == 30
    tiers = {tier for (tier,) in project.query("select distinct rfm_tier from dim_customer_segments")}
    assert tiers <= set(labels) and "O'Brien" in tiers
    assert not (project.root / "pwned.csv").exists()


def test_one_key_written_two_ways_is_one_customer(project, tmp_path):
    rows = good_lines()
    for row in rows[::2]:
        row[HEADER.index("CustomerID")] += ".0"
    path = write_csv(tmp_path / "forms.csv", rows)

    project.build({"source_path": str(path)})

    assert project.scalar("select count(*) from customer_rfm_scores") == 30
    assert project.scalar("select count(*) from customer_rfm_scores where customer_id like '%.%'") == 0


def test_a_float_key_column_is_written_as_integers(project, tmp_path):
    path = tmp_path / "float_keys.parquet"
    csv_path = write_csv(tmp_path / "good.csv", good_lines())
    duckdb.sql(
        f"copy (select * replace (cast(CustomerID as double) as CustomerID) from read_csv('{csv_path}')) "
        f"to '{path}' (format parquet)"
    )

    project.build({"source_path": str(path)})

    ids = [customer for (customer,) in project.query("select customer_id from dim_customer_segments")]
    assert len(ids) == 30 and "10000" in ids and not any("." in customer for customer in ids)


def test_utc_offsets_are_converted_not_dropped(project, tmp_path):
    rows = [
        ["1", "2024-03-09T23:30:00-05:00", "1", "10", "7", "UK"],  # 2024-03-10 04:30 UTC
        ["2", "2024-03-01T10:00:00+00:00", "1", "10", "8", "UK"],
        # Earlier purchases: the CLV fit needs customers who bought on two days.
        ["3", "2024-02-01 10:00:00", "1", "10", "7", "UK"],
        ["4", "2024-02-02 10:00:00", "1", "10", "8", "UK"],
    ]
    path = write_csv(tmp_path / "offsets.csv", rows)

    project.build({"source_path": str(path), "as_of_date": "2024-03-11"})

    assert project.query("select customer_id, recency_days from customer_rfm_scores order by 1") == [
        ("7", 0),
        ("8", 9),
    ]


def test_non_finite_and_huge_amounts_are_rejected_with_their_reasons(project, tmp_path):
    path = tmp_path / "amounts.parquet"
    duckdb.sql(
        "copy (select * from (values "
        "('1', timestamp '2024-03-01 10:00', 1.0, 2.0, 7, 'UK'), "
        "('6', timestamp '2024-02-01 10:00', 1.0, 3.0, 7, 'UK'), "
        "('7', timestamp '2024-02-01 10:00', 1.0, 3.0, 9, 'UK'), "
        "('8', timestamp '2024-03-01 10:00', 1.0, 4.0, 9, 'UK'), "
        "('2', timestamp '2024-03-01 10:00', 'nan'::double, 2.0, 7, 'UK'), "
        "('3', timestamp '2024-03-01 10:00', 'inf'::double, 2.0, 7, 'UK'), "
        "('4', timestamp '2024-03-01 10:00', 1e15, 2.0, 7, 'UK'), "
        "('5', timestamp '2024-03-01 10:00', 1e300, 2.0, 8, 'UK')"
        ") as t (InvoiceNo, InvoiceDate, Quantity, UnitPrice, CustomerID, Country)) "
        f"to '{path}' (format parquet)"
    )

    project.build({"source_path": str(path)})

    assert project.query(
        "select rejection_reason, rejected_lines from transactions_rejected_summary order by 1"
    ) == [
        ("amount too large (1e13 or more)", 2),
        ("infinite or NaN amount", 2),
    ]
    assert project.query("select customer_id, monetary from customer_rfm_scores order by 1") == [
        ("7", 5.0),
        ("9", 7.0),
    ]


def test_duplicate_lines_are_kept_or_rejected(project, tmp_path):
    rows = good_lines()
    path = write_csv(tmp_path / "repeats.csv", rows + rows[:5])

    project.build({"source_path": str(path)})
    kept = project.scalar("select sum(frequency) from customer_rfm_scores")
    project.build({"source_path": str(path), "duplicate_lines": "reject", "frequency_basis": "lines"})

    assert project.query("select rejection_reason, rejected_lines from transactions_rejected_summary") == [
        ("duplicate line", 5)
    ]
    assert project.scalar("select sum(frequency) from customer_rfm_scores") == len(rows)
    assert kept == len(rows)  # distinct invoices: a repeated line adds no invoice


def test_files_of_a_glob_may_differ_in_unmapped_columns(project, tmp_path):
    rows = good_lines()
    folder = tmp_path / "days"
    folder.mkdir()
    write_csv(folder / "a.csv", rows[:40])
    write_csv(folder / "b.csv", [row + ["a note"] for row in rows[40:]], header=HEADER + ["Note"])

    project.build({"source_path": str(folder / "*.csv")})

    assert project.scalar("select count(*) from customer_rfm_scores") == 30


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_mapped_column_missing_from_one_file_is_named(project, tmp_path, suffix):
    rows = good_lines()
    folder = tmp_path / "days"
    folder.mkdir()
    files = [
        write_csv(tmp_path / "a.csv", rows[:40]),
        write_csv(tmp_path / "b.csv", [row[:-1] for row in rows[40:]], header=HEADER[:-1]),
    ]
    for file in files:
        target = folder / (file.stem + suffix)
        duckdb.sql(f"copy (select * from read_csv('{file}', all_varchar = true)) to '{target}'")

    result = project.dbt("build", {"source_path": str(folder / f"*{suffix}")})

    assert result.returncode != 0
    assert (
        "Column 'Country' (mapped to country in the var source_columns) is missing from 1 file(s)"
        in result.stdout
    )
    assert f"e.g. {folder / ('b' + suffix)}" in result.stdout


def test_a_latin1_file_is_read_with_its_encoding(project, tmp_path):
    path = write_csv(tmp_path / "latin1.csv", rows_with(Country="España"), encoding="latin-1")

    project.build({"source_path": str(path), "csv_encoding": "latin-1", "country_filter": ["España"]})

    assert project.scalar("select count(*) from customer_rfm_scores") == 30


def write_workbook(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    """The lines as Excel stores them: numbers as numbers, timestamps as datetimes."""
    book = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(HEADER)
        for invoice, invoiced_at, quantity, price, customer, country in rows:
            stamp = dt.datetime.fromisoformat(invoiced_at)
            sheet.append([int(invoice), stamp, int(quantity), float(price), float(customer), country])
    book.save(path)
    return path


def test_a_workbook_with_overlapping_sheets_counts_each_line_once(project, tmp_path):
    rows = good_lines()
    book = write_workbook(tmp_path / "book.xlsx", {"Year 1": rows[:50], "Year 2": rows[40:]})
    project.build({"source_path": str(write_csv(tmp_path / "all.csv", rows))})
    from_csv = project.query("select * exclude (as_of_date) from customer_rfm_scores order by customer_id")

    command = [sys.executable, "-m", "segmentation.cli", "build", "--project-dir", str(project.root)]
    command += ["--data", str(book), "--vars", "{duplicate_lines: reject}"]
    result = subprocess.run(
        command, env={**os.environ, "SEGMENTS_DB": str(project.database)}, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout[-4000:]
    assert project.query("select rejection_reason, rejected_lines from transactions_rejected_summary") == [
        ("duplicate line", 10)
    ]
    assert (
        project.query("select * exclude (as_of_date) from customer_rfm_scores order by customer_id")
        == from_csv
    )


def test_only_the_sheets_named_are_read(project, tmp_path):
    rows = good_lines()
    book = write_workbook(tmp_path / "book.xlsx", {"Old": rows[:40], "New": rows[40:]})

    project.build({"source_path": str(book), "source_sheets": ["New"]})

    assert project.scalar("select count(*) from stg_transaction_lines") == len(rows) - 40
    result = project.dbt("build", {"source_path": str(book), "source_sheets": ["Newest"]})
    assert result.returncode != 0
    assert "No sheet named 'Newest'" in result.stdout
