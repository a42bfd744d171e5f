"""Arrow tables to and from Spark DataFrames, for the Python models' Spark path (bounded tables only)."""

from __future__ import annotations

import pyarrow as pa


def on_spark(frame) -> bool:
    """A Spark DataFrame or SparkSession (the Spark target) rather than DuckDB's objects."""
    return type(frame).__module__.startswith("pyspark.")


def to_spark(session, table: pa.Table):
    """A small Arrow table (a curve, centroids, a row of parameters) as a Spark DataFrame, types kept."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return session.createDataFrame(table.to_pylist(), schema=from_arrow_schema(table.schema))


def collect_arrow(frame) -> pa.Table:
    """A bounded Spark DataFrame (a sample, centroids, a row of parameters) on the driver as Arrow."""
    from pyspark.sql.pandas.types import to_arrow_schema

    rows = [row.asDict() for row in frame.collect()]
    return pa.Table.from_pylist(rows, schema=to_arrow_schema(frame.schema))
