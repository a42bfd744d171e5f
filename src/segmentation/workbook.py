"""Read the transaction log from an Excel workbook (.xlsx) into one Arrow table, with fastexcel.

fastexcel (Rust, calamine) parses each sheet straight into an Arrow record batch: no Python loop over
rows and no pandas copy. What Excel stores is kept:

* a column holding numbers and text (Invoice 536365 and "C536379", StockCode "85123A" and 71053) is
  text, whole numbers written without ".0" ("536365");
* Excel datetimes are timestamps; empty cells are nulls;
* a column fastexcel types consistently (all numbers, all datetimes) keeps its type. Excel stores every
  number as a double, so numeric columns are doubles.

The type of each column is guessed from all its rows (not a sample), so a text cell far down a numeric
column makes the column text instead of turning that cell into a null.

Sheets are read when their first row (the header) holds every required column, or only the sheets
named. They are concatenated by column name: a column one sheet lacks is null there, and a column whose
type differs between sheets is widened (int to double, date to timestamp) or else made text.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import fastexcel
import pyarrow as pa
import pyarrow.compute as pc

# Doubles with a magnitude below this are whole numbers exactly representable as int64 text.
_WHOLE_NUMBER_LIMIT = 2.0**53
_TIMESTAMP_TEXT = "%Y-%m-%d %H:%M:%S"


class WorkbookError(ValueError):
    """The workbook cannot give the transactions asked for (no such sheet, no sheet with the header)."""


def parse_sheet_names(value: object) -> list[str] | None:
    """Normalise a `source_sheets` value: None/""/"null"/"none"/[] -> None (auto), else a list of names.

    dbt may hand a list var over as its text ("['Year 2009-2010', 'Year 2010-2011']" or JSON); a
    single name is a one-sheet list.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("", "null", "none", "~"):
            return None
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                try:
                    value = ast.literal_eval(text)
                except (ValueError, SyntaxError) as error:
                    raise WorkbookError(f"source_sheets {value!r} is not a list of sheet names") from error
        else:
            return [text]
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, dict)):
        names = [str(name) for name in value]
        return names or None
    raise WorkbookError(f"source_sheets must be a list of sheet names or null, not {value!r}")


def parse_columns(value: object) -> list[str]:
    """Normalise required columns: a list, its text, a mapping (its values) or one comma-separated string."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [str(name) for name in value.values() if name]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "{")):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = ast.literal_eval(text)
            return parse_columns(parsed)
        return [name.strip() for name in text.split(",") if name.strip()]
    return [str(name) for name in value if name]  # type: ignore[union-attr]


def sheet_names(path: str | Path) -> list[str]:
    """The names of the workbook's sheets, in workbook order."""
    return list(fastexcel.read_excel(str(path)).sheet_names)


def read_sheet(reader: fastexcel.ExcelReader, name: str) -> pa.Table:
    """One sheet as an Arrow table: header in the first row, every column's type guessed from all rows."""
    batch = reader.load_sheet(
        name, header_row=0, schema_sample_rows=None, dtype_coercion="coerce", eager=True
    )
    return pa.Table.from_batches([batch])


def _whole_or_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Doubles as text, whole numbers without a fraction ("536365", not "536365.0" or "5.36365e+05")."""
    whole = pc.and_(
        pc.equal(pc.floor(column), column), pc.less(pc.abs(column), pa.scalar(_WHOLE_NUMBER_LIMIT))
    )
    as_int = pc.cast(pc.if_else(whole, column, pa.scalar(0.0)), pa.int64()).cast(pa.string())
    return pc.if_else(whole, as_int, column.cast(pa.string()))


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Any column as text, the way fastexcel writes cells of a mixed column."""
    kind = column.type
    if pa.types.is_string(kind):
        return column
    if pa.types.is_floating(kind):
        return _whole_or_text(column.cast(pa.float64()))
    if pa.types.is_timestamp(kind):
        # "2010-12-01 08:26:00" as fastexcel writes it; milliseconds only when there are some.
        return pc.replace_substring_regex(pc.strftime(column, format=_TIMESTAMP_TEXT), r"\.0+$", "")
    return column.cast(pa.string())


def _common_type(types: Sequence[pa.DataType]) -> pa.DataType:
    """The type sheets with these column types are concatenated as (null columns do not count)."""
    known = list(dict.fromkeys(kind for kind in types if not pa.types.is_null(kind)))
    if not known:
        return pa.string()
    if len(known) == 1:
        return known[0]
    if all(pa.types.is_integer(kind) or pa.types.is_floating(kind) for kind in known):
        return pa.float64()
    if all(pa.types.is_timestamp(kind) or pa.types.is_date(kind) for kind in known):
        return pa.timestamp("ms")
    return pa.string()


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The sheet with the common schema's columns, in its order and types; a column it lacks is null."""
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table.column(field.name)
        if column.type == field.type:
            columns.append(column)
        elif pa.types.is_string(field.type):
            columns.append(_as_text(column))
        else:
            columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def concat_sheets(tables: Sequence[pa.Table]) -> pa.Table:
    """Concatenate sheets by column name (first appearance order), unifying types that differ."""
    names = list(dict.fromkeys(name for table in tables for name in table.column_names))
    schema = pa.schema(
        [
            pa.field(
                name, _common_type([t.schema.field(name).type for t in tables if name in t.column_names])
            )
            for name in names
        ]
    )
    return pa.concat_tables([_conform(table, schema) for table in tables])


def _describe(path: str | Path, names: Sequence[str]) -> str:
    return f"{path} (sheets: {', '.join(repr(name) for name in names) or 'none'})"


def read_workbook(
    path: str | Path, sheets: Sequence[str] | str | None = None, required_columns: Iterable[str] = ()
) -> pa.Table:
    """Read the transactions of an .xlsx workbook as one Arrow table.

    sheets: the sheets to read, by name; None reads every sheet whose first row holds all
        required_columns (every non-empty sheet when there are none).
    required_columns: the source column names the header must hold (e.g. the mapped source columns).
    Raises WorkbookError (a ValueError) naming the file and its sheets when a named sheet does not exist,
    a named sheet lacks a required column, or no sheet has the header.
    """
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"No workbook at {path}")
    required = parse_columns(
        list(required_columns) if not isinstance(required_columns, str) else required_columns
    )
    wanted = parse_sheet_names(sheets)
    reader = fastexcel.read_excel(str(path))
    available = list(reader.sheet_names)
    if wanted is not None:
        unknown = [name for name in wanted if name not in available]
        if unknown:
            raise WorkbookError(
                f"No sheet named {', '.join(repr(name) for name in unknown)} in {_describe(path, available)}"
            )

    tables, skipped = [], []
    for name in wanted if wanted is not None else available:
        table = read_sheet(reader, name)
        missing = [column for column in required if column not in table.column_names]
        if table.num_columns == 0 or missing:
            if wanted is not None:
                raise WorkbookError(
                    f"Sheet {name!r} of {path} has no header row with the columns "
                    f"{', '.join(repr(column) for column in missing or required) or '(any)'}; "
                    f"its first row is {table.column_names}"
                )
            skipped.append(name)
            continue
        tables.append(table)
    if not tables:
        header = ", ".join(repr(column) for column in required) or "any column"
        raise WorkbookError(
            f"No sheet of {_describe(path, available)} has a header row (first row) with {header}"
        )
    return concat_sheets(tables)
