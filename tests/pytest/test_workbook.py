"""Excel workbooks as the transaction source: segmentation.workbook and its dbt-duckdb plugin."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pytest
from dbt.adapters.duckdb.utils import SourceConfig

from segmentation.workbook import WorkbookError, parse_columns, parse_sheet_names, read_workbook
from segmentation.workbook_plugin import Plugin

RETAIL_COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
RETAIL_II_COLUMNS = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price"]
RETAIL_II_COLUMNS += ["Customer ID", "Country"]
UK = "United Kingdom"
D = dt.datetime
RETAIL_II_REQUIRED = ["Invoice", "InvoiceDate", "Quantity", "Price", "Customer ID", "Country"]


def write_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An .xlsx file with these sheets (name -> rows, the first row being the header, if any)."""
    book = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def retail_book(tmp_path) -> Path:
    """One sheet in the Online Retail layout: mixed number/text InvoiceNo and StockCode, empty cells."""
    return write_book(
        tmp_path / "online_retail.xlsx",
        {
            "Online Retail": [
                RETAIL_COLUMNS,
                [
                    536365,
                    "85123A",
                    "WHITE HANGING HEART T-LIGHT HOLDER",
                    6,
                    D(2010, 12, 1, 8, 26),
                    2.55,
                    17850,
                    UK,
                ],
                [536365, 71053, "WHITE METAL LANTERN", 6, D(2010, 12, 1, 8, 26), 3.39, 17850, UK],
                ["C536379", "D", "Discount", -1, D(2010, 12, 1, 9, 41, 7), 27.5, 14527, UK],
                [536414, 22139, None, 56, D(2010, 12, 1, 11, 52), 0, None, UK],
                [536544, 21773, "DECORATIVE ROSE BATHROOM BOTTLE", 1, D(2010, 12, 1, 14, 32), 2.51, None, UK],
            ]
        },
    )


@pytest.fixture
def retail_ii_book(tmp_path) -> Path:
    """Online Retail II: two year sheets whose dates overlap (December 2010), a notes sheet, no header."""
    return write_book(
        tmp_path / "online_retail_ii.xlsx",
        {
            "Read me": [["Online Retail II, exported 2011-12-10"], ["Lines of two years, one sheet a year"]],
            "Year 2009-2010": [
                RETAIL_II_COLUMNS,
                [
                    489434,
                    85048,
                    "15CM CHRISTMAS GLASS BALL 20 LIGHTS",
                    12,
                    D(2009, 12, 1, 7, 45),
                    6.95,
                    13085,
                    UK,
                ],
                [489434, "79323P", "PINK CHERRY LIGHTS", 12, D(2009, 12, 1, 7, 45), 6.75, 13085, UK],
                [
                    "C489449",
                    22087,
                    "PAPER BUNTING WHITE LACE",
                    -12,
                    D(2009, 12, 1, 10, 33),
                    2.95,
                    16321,
                    "Australia",
                ],
                [
                    536365,
                    "85123A",
                    "WHITE HANGING HEART T-LIGHT HOLDER",
                    6,
                    D(2010, 12, 1, 8, 26),
                    2.55,
                    17850,
                    UK,
                ],
            ],
            "Year 2010-2011": [
                RETAIL_II_COLUMNS,
                [
                    536365,
                    "85123A",
                    "WHITE HANGING HEART T-LIGHT HOLDER",
                    6,
                    D(2010, 12, 1, 8, 26),
                    2.55,
                    17850,
                    UK,
                ],
                [536366, 22633, "HAND WARMER UNION JACK", 6, D(2010, 12, 1, 8, 28), 1.85, None, UK],
                [
                    "C581569",
                    20979,
                    "36 PENCILS TUBE RED RETROSPOT",
                    -5,
                    D(2011, 12, 9, 11, 58),
                    1.25,
                    17315,
                    UK,
                ],
            ],
        },
    )


def column(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()


def test_one_sheet_online_retail_layout(retail_book):
    table = read_workbook(retail_book, required_columns=["InvoiceNo", "InvoiceDate", "CustomerID"])

    assert table.num_rows == 5
    assert table.column_names == RETAIL_COLUMNS
    # Mixed number/text columns are text; whole numbers are written without ".0".
    assert column(table, "InvoiceNo") == ["536365", "536365", "C536379", "536414", "536544"]
    assert column(table, "StockCode") == ["85123A", "71053", "D", "22139", "21773"]
    # Consistently typed columns keep their types (Excel stores numbers as doubles).
    assert table.schema.field("Quantity").type == pa.float64()
    assert column(table, "Quantity") == [6, 6, -1, 56, 1]
    assert column(table, "UnitPrice") == [2.55, 3.39, 27.5, 0, 2.51]
    assert pa.types.is_timestamp(table.schema.field("InvoiceDate").type)
    assert column(table, "InvoiceDate")[2] == dt.datetime(2010, 12, 1, 9, 41, 7)
    # Empty cells are nulls.
    assert table.column("CustomerID").null_count == 2
    assert table.column("Description").null_count == 1
    assert column(table, "CustomerID")[:3] == [17850, 17850, 14527]


def test_two_sheets_are_concatenated_and_a_sheet_without_the_header_is_skipped(retail_ii_book):
    table = read_workbook(retail_ii_book, required_columns=RETAIL_II_REQUIRED)

    assert table.num_rows == 7  # 4 + 3; the overlapping December 2010 line is kept twice, as stored
    assert table.column_names == RETAIL_II_COLUMNS
    assert column(table, "Invoice") == [
        "489434",
        "489434",
        "C489449",
        "536365",
        "536365",
        "536366",
        "C581569",
    ]
    assert column(table, "StockCode") == ["85048", "79323P", "22087", "85123A", "85123A", "22633", "20979"]
    assert column(table, "InvoiceDate") == [
        dt.datetime(2009, 12, 1, 7, 45),
        dt.datetime(2009, 12, 1, 7, 45),
        dt.datetime(2009, 12, 1, 10, 33),
        dt.datetime(2010, 12, 1, 8, 26),
        dt.datetime(2010, 12, 1, 8, 26),
        dt.datetime(2010, 12, 1, 8, 28),
        dt.datetime(2011, 12, 9, 11, 58),
    ]
    assert table.column("Customer ID").null_count == 1
    assert column(table, "Customer ID")[-1] == 17315


def test_without_required_columns_every_sheet_with_a_header_is_read(tmp_path):
    path = write_book(tmp_path / "b.xlsx", {"Empty": [], "A": [["x"], [1]], "B": [["x", "y"], [2, "t"]]})
    table = read_workbook(path)
    assert column(table, "x") == [1, 2]
    assert column(table, "y") == [None, "t"]


def test_source_sheets_selects_one_sheet(retail_ii_book):
    table = read_workbook(retail_ii_book, sheets=["Year 2010-2011"], required_columns=RETAIL_II_REQUIRED)
    assert table.num_rows == 3
    assert column(table, "Invoice") == ["536365", "536366", "C581569"]
    # A single name is taken as a one-sheet list.
    assert read_workbook(retail_ii_book, sheets="Year 2009-2010").num_rows == 4


def test_a_named_sheet_that_does_not_exist_is_a_clear_error(retail_ii_book):
    with pytest.raises(WorkbookError) as error:
        read_workbook(retail_ii_book, sheets=["Year 2011-2012"], required_columns=RETAIL_II_REQUIRED)
    message = str(error.value)
    assert isinstance(error.value, ValueError)
    assert "'Year 2011-2012'" in message and str(retail_ii_book) in message
    assert "'Read me', 'Year 2009-2010', 'Year 2010-2011'" in message


def test_a_named_sheet_without_the_header_is_a_clear_error(retail_ii_book):
    with pytest.raises(
        WorkbookError, match=r"Sheet 'Read me' .* has no header row with the columns 'Invoice'"
    ):
        read_workbook(retail_ii_book, sheets=["Read me"], required_columns=RETAIL_II_REQUIRED)


def test_no_sheet_with_the_header_is_a_clear_error(retail_book):
    with pytest.raises(WorkbookError) as error:
        read_workbook(retail_book, required_columns=RETAIL_II_REQUIRED)
    message = str(error.value)
    assert message.startswith(f"No sheet of {retail_book} (sheets: 'Online Retail') has a header row")
    assert "'Customer ID'" in message


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(WorkbookError, match="No workbook at"):
        read_workbook(tmp_path / "nope.xlsx")


def test_text_far_down_a_numeric_column_is_kept(tmp_path):
    rows = [["Invoice", "Quantity"]] + [[536365 + i, 1] for i in range(2500)] + [["C581569", 2]]
    table = read_workbook(write_book(tmp_path / "long.xlsx", {"S": rows}))
    assert table.schema.field("Invoice").type == pa.string()
    assert table.column("Invoice").null_count == 0
    assert column(table, "Invoice")[0] == "536365"
    assert column(table, "Invoice")[-2:] == ["538864", "C581569"]


def test_sheets_that_disagree_on_a_type_are_unified(tmp_path):
    path = write_book(
        tmp_path / "disagree.xlsx",
        {
            # Invoice all numbers here, text in the other sheet; Quantity whole here, fractional there.
            "A": [
                ["Invoice", "Quantity", "When", "Code"],
                [536365, 6, D(2010, 12, 1, 8, 26), 12345678901234],
                [536366, 2, D(2010, 12, 1, 8, 28), 2.5],
            ],
            # Code is text here; When holds a text cell; an extra column the first sheet lacks.
            "B": [
                ["Invoice", "Quantity", "When", "Code", "Extra"],
                ["C536379", 1.5, "unknown", "85123A", "x"],
                [536380, 3, D(2010, 12, 1, 9, 45, 30), "71053", None],
            ],
        },
    )
    table = read_workbook(path, required_columns=["Invoice", "Quantity"])
    assert table.column_names == ["Invoice", "Quantity", "When", "Code", "Extra"]
    assert column(table, "Invoice") == ["536365", "536366", "C536379", "536380"]
    assert table.schema.field("Quantity").type == pa.float64()
    assert column(table, "Quantity") == [6, 2, 1.5, 3]
    assert table.schema.field("When").type == pa.string()
    assert column(table, "When") == [
        "2010-12-01 08:26:00",
        "2010-12-01 08:28:00",
        "unknown",
        "2010-12-01 09:45:30",
    ]
    assert column(table, "Code") == ["12345678901234", "2.5", "85123A", "71053"]
    assert column(table, "Extra") == [None, None, "x", None]


def test_the_table_goes_into_duckdb_with_its_types(retail_ii_book):
    table = read_workbook(retail_ii_book, required_columns=RETAIL_II_REQUIRED)
    connection = duckdb.connect()
    connection.register("book", table)
    connection.execute("create table t as select * from book")
    types = dict(connection.sql("select column_name, data_type from information_schema.columns").fetchall())
    assert types["Invoice"] == "VARCHAR" and types["Quantity"] == "DOUBLE"
    assert types["InvoiceDate"].startswith("TIMESTAMP")
    assert connection.execute('select count(*), count("Customer ID") from t').fetchone() == (7, 6)
    assert connection.execute('select max("InvoiceDate") from t').fetchone()[0] == dt.datetime(
        2011, 12, 9, 11, 58
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("None", None),
        ("null", None),
        ("", None),
        ([], None),
        (["Year 2010-2011"], ["Year 2010-2011"]),
        ("Year 2010-2011", ["Year 2010-2011"]),
        ("['Year 2009-2010', 'Year 2010-2011']", ["Year 2009-2010", "Year 2010-2011"]),
        ('["Year 2010-2011"]', ["Year 2010-2011"]),
    ],
)
def test_parse_sheet_names(value, expected):
    assert parse_sheet_names(value) == expected


def test_parse_columns():
    assert parse_columns({"invoice_id": "Invoice", "customer_id": "Customer ID", "country": None}) == [
        "Invoice",
        "Customer ID",
    ]
    assert parse_columns("['Invoice', 'Customer ID']") == ["Invoice", "Customer ID"]
    assert parse_columns("Invoice, Customer ID") == ["Invoice", "Customer ID"]
    assert parse_columns(None) == []


def source_config(meta: dict) -> SourceConfig:
    return SourceConfig(
        name="transactions", identifier="transactions", schema="raw", database=None, meta=meta, tags=[]
    )


def test_plugin_load_reads_the_sheets_of_the_meta_once(retail_ii_book):
    plugin = Plugin(name="workbook", plugin_config={})
    meta = {
        "plugin": "workbook",
        "workbook_path": str(retail_ii_book),
        "workbook_sheets": "['Year 2010-2011']",
        "required_columns": RETAIL_II_REQUIRED,
    }
    table = plugin.load(source_config(meta))
    assert isinstance(table, pa.Table)
    assert column(table, "Invoice") == ["536365", "536366", "C581569"]
    assert plugin.default_materialization() == "table"

    # Every node referencing the source loads it again: the same table comes back, the file is parsed once.
    assert plugin.load(source_config(meta)) is table
    assert plugin.reads == 1
    # Auto mode is another read, and so is a changed file.
    assert plugin.load(source_config({**meta, "workbook_sheets": None})).num_rows == 7
    assert plugin.reads == 2
    stat = retail_ii_book.stat()
    os.utime(retail_ii_book, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert plugin.load(source_config({**meta, "workbook_sheets": None})).num_rows == 7
    assert plugin.reads == 3


def test_plugin_load_without_cache_and_errors(retail_ii_book, tmp_path):
    plugin = Plugin(name="workbook", plugin_config={"cache": False})
    meta = {"workbook_path": str(retail_ii_book), "workbook_sheets": None, "required_columns": "Invoice"}
    assert plugin.load(source_config(meta)).num_rows == 7
    assert plugin.load(source_config(meta)).num_rows == 7
    assert plugin.reads == 2
    with pytest.raises(WorkbookError, match="meta has no workbook_path"):
        plugin.load(source_config({}))
    with pytest.raises(WorkbookError, match="No workbook at"):
        plugin.load(source_config({"workbook_path": str(tmp_path / "missing.xlsx")}))
