"""Users' own transaction files: other column names, a minimal layout, CSV options, globs, bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from conftest import PROJECT_DIR

SAMPLE = PROJECT_DIR / "data" / "sample" / "transactions.parquet"
MINIMAL_CSV = """client;day;spend
A;01/03/2024;10.50
A;15/03/2024;20
B;10/03/2024;5
B;12/03/2024;-7
C;;3
;14/03/2024;4
"""
MINIMAL_PRESET = """source_columns: {customer_id: client, invoiced_at: day, line_amount: spend}
timestamp_format: "%d/%m/%Y"
csv_delimiter: ";"
"""
RFM_COLUMNS = "customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_tier"


def build_with_cli(project, *args: str) -> subprocess.CompletedProcess:
    """`segmentation build` (what `make build DATA=... PRESET=...` runs) against a project copy."""
    command = [sys.executable, "-m", "segmentation.cli", "build", "--project-dir", str(project.root), *args]
    env = {**os.environ, "SEGMENTS_DB": str(project.database)}
    return subprocess.run(command, env=env, capture_output=True, text=True)


@pytest.fixture
def minimal_files(tmp_path):
    data = tmp_path / "minimal.csv"
    data.write_text(MINIMAL_CSV)
    preset = tmp_path / "minimal.yml"
    preset.write_text(MINIMAL_PRESET)
    return data, preset


def test_minimal_layout_csv_with_cli_and_preset(project, minimal_files):
    data, preset = minimal_files
    result = build_with_cli(project, "--data", str(data), "--preset", str(preset))
    # Two customers, one of them a repeat buyer: too few for the CLV model, so the build stops before
    # any mart, and the layout is checked on the views it read.
    assert result.returncode != 0
    assert "The CLV model (BG/NBD) needs at least 2 customers who bought on two or more days" in result.stdout
    rows = project.query(
        "select customer_id, recency_days, frequency, monetary, as_of_date from int_customer_rfm "
        "order by customer_id"
    )
    assert [row[:4] for row in rows] == [("A", 1, 2, 30.5), ("B", 6, 1, -2.0)]
    assert str(rows[0][4]) == "2024-03-16"
    reasons = project.query(
        "select rejection_reason, count(*) from transactions_rejected group by 1 order by 1"
    )
    assert reasons == [("missing timestamp", 1), ("no customer", 1)]


def test_glob_of_parquet_files_equals_the_single_file(project, tmp_path):
    table = pq.read_table(SAMPLE)
    parts = tmp_path / "parts"
    parts.mkdir()
    for index, start in enumerate(range(0, table.num_rows, 10_000)):
        pq.write_table(table.slice(start, 10_000), parts / f"part-{index}.parquet")
    project.build({"source_path": str(SAMPLE)})
    single = project.query(f"select {RFM_COLUMNS} from customer_rfm_scores order by customer_id")
    changed_source = project.dbt("build", {"source_path": str(parts / "*.parquet")})
    assert "source_path (" in changed_source.stdout and "FULL_REFRESH=1" in changed_source.stdout
    project.build({"source_path": str(parts / "*.parquet")}, "--full-refresh")
    assert project.query(f"select {RFM_COLUMNS} from customer_rfm_scores order by customer_id") == single
    assert project.scalar("select count(*) from stg_transaction_lines") == 30_000


def test_csv_with_renamed_columns_equals_parquet(project, tmp_path):
    renamed = {
        "InvoiceNo": "order_ref",
        "InvoiceDate": "ordered",
        "Quantity": "qty",
        "UnitPrice": "price",
        "CustomerID": "client_id",
        "Country": "market",
    }
    table = pq.read_table(SAMPLE)
    table = table.rename_columns([renamed.get(name, name) for name in table.column_names])
    csv_path = tmp_path / "orders.csv"
    with open(csv_path, "w") as handle:
        handle.write("|".join(table.column_names) + "\n")
        for row in table.to_pylist():
            handle.write("|".join("" if row[c] is None else str(row[c]) for c in table.column_names) + "\n")

    project.build({"source_path": str(SAMPLE)})
    from_parquet = project.query(f"select {RFM_COLUMNS} from customer_rfm_scores order by customer_id")
    mapping = {
        "invoice_id": "order_ref",
        "invoiced_at": "ordered",
        "quantity": "qty",
        "unit_price": "price",
        "customer_id": "client_id",
        "country": "market",
    }
    project.build({"source_path": str(csv_path), "source_columns": mapping, "csv_delimiter": "|"})
    assert (
        project.query(f"select {RFM_COLUMNS} from customer_rfm_scores order by customer_id") == from_parquet
    )


def test_missing_mapped_column_names_file_and_column(project, minimal_files):
    data, _ = minimal_files
    result = project.dbt(
        "build",
        {
            "source_path": str(data),
            "csv_delimiter": ";",
            "timestamp_format": "%d/%m/%Y",
            "source_columns": {"customer_id": "client", "invoiced_at": "day", "line_amount": "amount"},
        },
    )
    assert result.returncode != 0
    assert (
        f"Column 'amount' (mapped to line_amount in the var source_columns) is not in source_path '{data}'. "
        "Its columns are: client, day, spend." in result.stdout
    )


def test_unparseable_date_is_one_clear_error_and_tables_stay(project, minimal_files):
    data, _ = minimal_files
    good_vars = {
        "source_path": str(data),
        "csv_delimiter": ";",
        "timestamp_format": "%d/%m/%Y",
        "source_columns": {"customer_id": "client", "invoiced_at": "day", "line_amount": "spend"},
    }
    # The scores only: two customers are too few for the CLV model (its check is left out here).
    project.build(
        good_vars,
        "--select",
        "+customer_rfm_scores",
        "--indirect-selection",
        "cautious",
        "--exclude",
        "assert_there_are_repeat_customers_for_clv",
    )
    before = project.query(f"select {RFM_COLUMNS} from customer_rfm_scores order by customer_id")

    result = project.dbt("build", {**good_vars, "timestamp_format": None})
    assert result.returncode != 0
    assert (
        f"Column 'day' in source_path '{data}' has 5 value(s) that are not an ISO 8601 date" in result.stdout
    )
    assert "for example '01/03/2024'" in result.stdout
    assert project.query(f"select {RFM_COLUMNS} from customer_rfm_scores order by customer_id") == before
