"""Tests of the synthetic transaction generator: layout, determinism, streaming and realism."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentation.generator import generate_table, iter_chunks, write_transactions

SAMPLE_LINES = 30_000
START, END = "2022-01-01", "2023-01-31"

EXPECTED_SCHEMA = pa.schema(
    [
        ("InvoiceNo", pa.string()),
        ("StockCode", pa.string()),
        ("Description", pa.string()),
        ("Quantity", pa.int64()),
        ("InvoiceDate", pa.timestamp("us")),
        ("UnitPrice", pa.float64()),
        ("CustomerID", pa.int64()),
        ("Country", pa.string()),
    ]
)


@pytest.fixture(scope="module")
def sample() -> pa.Table:
    return generate_table(SAMPLE_LINES, seed=7, start=START, end=END)


@pytest.fixture(scope="module")
def con(sample: pa.Table) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.register("lines", sample)
    yield connection
    connection.close()


def row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    """The single row a query returns (fetched in full, so the connection is free afterwards)."""
    (result,) = con.execute(sql).fetchall()
    return result


def one(con: duckdb.DuckDBPyConnection, sql: str):
    """The single value a query returns."""
    return row(con, sql)[0]


# ----------------------------------------------------------------------------- layout, streaming


def test_schema_is_the_uci_layout(sample: pa.Table) -> None:
    assert sample.schema.equals(EXPECTED_SCHEMA)
    assert sample.num_rows == SAMPLE_LINES


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    first = generate_table(5_000, seed=3)
    assert first.equals(generate_table(5_000, seed=3))
    assert not first.equals(generate_table(5_000, seed=4))


def test_parquet_file_is_byte_identical_across_runs(tmp_path) -> None:
    paths = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    for path in paths:
        write_transactions(path, 5_000, seed=11, chunk_lines=1_500)
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_awkward_count_across_chunks_is_exact(tmp_path) -> None:
    path = tmp_path / "lines.parquet"
    written = write_transactions(path, 12_345, seed=5, chunk_lines=1_000)
    assert written == 12_345
    metadata = pq.ParquetFile(path).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == ([1_000] * 12 + [345])
    table = pq.read_table(path)
    assert table.schema.equals(EXPECTED_SCHEMA)
    # The chunk size splits the same rows differently; it never changes them.
    assert table.equals(generate_table(12_345, seed=5))


@pytest.mark.parametrize("n_lines", [1, 2, 39, 1_001])
def test_tiny_counts_are_exact(n_lines: int) -> None:
    assert generate_table(n_lines, seed=n_lines).num_rows == n_lines


def test_chunks_have_the_requested_size() -> None:
    sizes = [chunk.num_rows for chunk in iter_chunks(2_500, seed=1, chunk_lines=700)]
    assert sizes == [700, 700, 700, 400]


def test_zero_lines_gives_an_empty_table_with_the_schema(tmp_path) -> None:
    assert generate_table(0).schema.equals(EXPECTED_SCHEMA)
    assert generate_table(0).num_rows == 0
    path = tmp_path / "empty.parquet"
    assert write_transactions(path, 0) == 0
    assert pq.read_table(path).num_rows == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fmt": "json"},
        {"chunk_lines": 0},
        {"start": "2023-02-01", "end": "2023-01-01"},
        {"start": "not a date"},
    ],
)
def test_bad_arguments_are_refused(tmp_path, kwargs) -> None:
    with pytest.raises(ValueError):
        write_transactions(tmp_path / "x.parquet", 10, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_arguments_are_checked_before_any_chunk_is_asked_for() -> None:
    with pytest.raises(ValueError):
        iter_chunks(10, chunk_lines=0)
    with pytest.raises(ValueError):
        iter_chunks(-1)
    with pytest.raises(ValueError):
        iter_chunks(10, end=None)


def test_dates_may_be_given_as_date_objects() -> None:
    as_dates = generate_table(500, seed=9, start=dt.date(2022, 3, 1), end=dt.date(2022, 5, 31))
    assert as_dates.equals(generate_table(500, seed=9, start="2022-03-01", end="2022-05-31"))


def test_parquet_and_csv_hold_the_same_lines(tmp_path) -> None:
    parquet, csv = tmp_path / "lines.parquet", tmp_path / "lines.csv"
    assert write_transactions(parquet, 8_000, seed=2, chunk_lines=3_000) == 8_000
    assert write_transactions(csv, 8_000, seed=2, fmt="csv", chunk_lines=3_000) == 8_000
    summary = "select count(*), sum(Quantity), count(CustomerID), max(InvoiceDate) from {}"
    with duckdb.connect() as con:
        from_parquet = row(con, summary.format(f"read_parquet('{parquet}')"))
        from_csv = row(con, summary.format(f"read_csv('{csv}')"))
    assert from_parquet == from_csv
    assert from_parquet[0] == 8_000


def test_csv_has_a_header_and_second_resolution_timestamps(tmp_path) -> None:
    path = tmp_path / "lines.csv"
    write_transactions(path, 50, seed=2, fmt="csv")
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == EXPECTED_SCHEMA.names
    assert len(rows) == 51
    for row in rows[1:]:
        dt.datetime.strptime(row[4], "%Y-%m-%d %H:%M:%S")  # raises on any other layout


# ----------------------------------------------------------------------------- invoices


def test_an_invoice_has_one_customer_timestamp_and_country(con) -> None:
    inconsistent = one(
        con,
        """
        select count(*) from (
            select InvoiceNo
            from lines
            group by InvoiceNo
            having count(distinct coalesce(CustomerID, -1)) > 1
                or count(distinct InvoiceDate) > 1
                or count(distinct Country) > 1
        )
        """,
    )
    assert inconsistent == 0


def test_invoice_numbers_are_unique_per_invoice(con) -> None:
    # A cancellation has its own number: no number appears both with and without the "C".
    distinct = one(con, "select count(distinct InvoiceNo) from lines")
    without_prefix = one(con, "select count(distinct ltrim(InvoiceNo, 'C')) from lines")
    assert distinct == without_prefix
    assert one(con, "select min(ltrim(InvoiceNo, 'C')::bigint) from lines") >= 500_000


def test_lines_per_invoice(con) -> None:
    longest, mean = row(
        con,
        """
        select max(n), avg(n) from (
            select count(*) as n from lines where InvoiceNo not like 'C%' group by InvoiceNo
        )
        """,
    )
    assert longest <= 40
    assert 3.5 <= mean <= 6.5


# ----------------------------------------------------------------------------- customers


def test_share_of_lines_without_customer(con) -> None:
    share = one(con, "select avg((CustomerID is null)::int) from lines")
    assert 0.18 <= share <= 0.27


def test_lines_per_customer_and_customer_ids(con) -> None:
    customers, lines_per_customer, first_id = row(
        con,
        """
        select count(distinct CustomerID), count(CustomerID) / count(distinct CustomerID),
               min(CustomerID)
        from lines
        """,
    )
    assert 12 <= lines_per_customer <= 30
    assert first_id == 10_000
    assert SAMPLE_LINES / 40 <= customers <= SAMPLE_LINES / 15


def test_invoices_per_customer_are_heavy_tailed(con) -> None:
    median, most = row(
        con,
        """
        select median(n), max(n) from (
            select count(distinct InvoiceNo) as n
            from lines
            where CustomerID is not null
            group by CustomerID
        )
        """,
    )
    assert most >= 10 * median


def test_a_customer_keeps_one_country(con) -> None:
    assert (
        one(
            con,
            """
            select count(*) from (
                select CustomerID from lines where CustomerID is not null
                group by CustomerID having count(distinct Country) > 1
            )
            """,
        )
        == 0
    )


def test_countries_with_one_dominant(con) -> None:
    countries = one(con, "select count(distinct Country) from lines")
    uk_share = one(con, "select avg((Country = 'United Kingdom')::int) from lines")
    assert countries >= 5
    assert 0.8 <= uk_share <= 0.95


# ----------------------------------------------------------------------------- cancellations


def test_cancellation_sign_rule(con) -> None:
    wrong_sign = one(
        con,
        """
        select count(*) from lines
        where (InvoiceNo like 'C%' and Quantity >= 0) or (InvoiceNo not like 'C%' and Quantity <= 0)
        """,
    )
    assert wrong_sign == 0


def test_cancellations_are_about_two_percent_and_always_have_a_customer(con) -> None:
    share, without_customer = row(
        con,
        """
        select avg((InvoiceNo like 'C%')::int),
               count(*) filter (where InvoiceNo like 'C%' and CustomerID is null)
        from lines
        """,
    )
    assert 0.01 <= share <= 0.03
    assert without_customer == 0


def test_every_cancelling_customer_bought_before(con) -> None:
    orphans = one(
        con,
        """
        with cancellations as (
            select CustomerID, min(InvoiceDate) as first_cancelled_at
            from lines where InvoiceNo like 'C%' group by CustomerID
        ),
        purchases as (
            select CustomerID, min(InvoiceDate) as first_bought_at
            from lines where InvoiceNo not like 'C%' group by CustomerID
        )
        select count(*)
        from cancellations left join purchases using (CustomerID)
        where first_bought_at is null or first_bought_at > first_cancelled_at
        """,
    )
    assert one(con, "select count(*) from lines where InvoiceNo like 'C%'") > 0
    assert orphans == 0


# ----------------------------------------------------------------------------- prices, products


def test_zero_prices_are_rare_and_present(con) -> None:
    share = one(con, "select avg((UnitPrice = 0)::int) from lines")
    assert 0 < share < 0.01
    assert one(con, "select count(*) from lines where UnitPrice < 0") == 0


def test_missing_descriptions_only_on_free_lines_without_customer(con) -> None:
    missing, misplaced = row(
        con,
        """
        select count(*),
               count(*) filter (where UnitPrice <> 0 or CustomerID is not null)
        from lines where Description is null
        """,
    )
    assert missing > 0
    assert misplaced == 0


def test_a_stock_code_has_one_description_and_one_price(con) -> None:
    ambiguous = one(
        con,
        """
        select count(*) from (
            select StockCode from lines where UnitPrice > 0 and Description is not null
            group by StockCode
            having count(distinct Description) > 1 or count(distinct UnitPrice) > 1
        )
        """,
    )
    assert ambiguous == 0
    assert one(con, "select count(distinct StockCode) from lines") >= 1_000


# ----------------------------------------------------------------------------- dates


def test_dates_cover_the_span_in_business_hours(con) -> None:
    first, last, hours_min, hours_max, fractional = row(
        con,
        """
        select min(InvoiceDate), max(InvoiceDate), min(hour(InvoiceDate)), max(hour(InvoiceDate)),
               count(*) filter (where date_trunc('second', InvoiceDate) <> InvoiceDate)
        from lines
        """,
    )
    assert first >= dt.datetime(2022, 1, 1)
    assert last < dt.datetime(2023, 2, 1)
    assert (last - first).days > 300
    assert hours_min >= 8 and hours_max < 18
    assert fractional == 0


def test_custom_span_is_respected() -> None:
    table = generate_table(2_000, seed=1, start="2021-06-01", end="2021-06-30")
    dates = table.column("InvoiceDate").to_pylist()
    assert min(dates) >= dt.datetime(2021, 6, 1)
    assert max(dates) < dt.datetime(2021, 7, 1)


def test_recency_varies_widely(con) -> None:
    # Some customers churn early: the last purchases spread over the span, not only its end.
    early, late = row(
        con,
        """
        with last_purchase as (
            select CustomerID, max(InvoiceDate) as last_at from lines
            where CustomerID is not null group by CustomerID
        )
        select quantile_cont(last_at, 0.1), quantile_cont(last_at, 0.9) from last_purchase
        """,
    )
    assert (late - early).days > 180
