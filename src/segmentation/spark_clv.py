"""CLV on Spark DataFrames: the fit on a seeded sample brought to the driver, the scoring per partition.

BG/NBD and Gamma-Gamma are fitted on at most clv_sample_size customers (the DuckDB path samples the same
way: the smallest seeded mixes of sample_key), so the sample is drawn on Spark and only it is collected.
Every customer is then scored per partition (mapInArrow) by the DuckDB path's own function, and the
holdout check is scored the same way and averaged by a Spark aggregate.
"""

from __future__ import annotations

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from segmentation import clv, kmeans
from segmentation.spark_kmeans import seeded_sample
from segmentation.spark_tables import collect_arrow, to_spark

ACTUAL_PURCHASES = "holdout_actual_purchases"
PREDICTION_SCHEMA = pa.schema(
    [
        pa.field("repeat_purchases", pa.float64()),
        pa.field(ACTUAL_PURCHASES, pa.float64()),
        pa.field("predicted", pa.float64()),
    ]
)


def sampled_features(features: DataFrame, sample_size: int, seed: int) -> pa.Table:
    """The customers the fit takes, on the driver."""
    return collect_arrow(seeded_sample(features, sample_size, seed))


def single_as_of_date(features: DataFrame):
    as_of_dates = [row[0] for row in features.select("as_of_date").distinct().limit(2).collect()]
    if len(as_of_dates) != 1:
        raise kmeans.SegmentationError(f"the CLV features must share one as_of_date; they have {as_of_dates}")
    return as_of_dates[0]


def score_per_partition(features: DataFrame, score_batch, output_schema: pa.Schema) -> DataFrame:
    """``score_batch(batch_table)``, giving ``output_schema``, on every partition."""
    return features.mapInArrow(
        lambda batches: kmeans.map_batches(batches, score_batch), from_arrow_schema(output_schema)
    )


def holdout_frame(
    features: DataFrame, parameters: pa.Table, holdout: DataFrame, period_days: int, top_group: int = 7
):
    """clv.holdout_comparison_table on Spark: per customer the actual purchases after the as-of date (0
    without any) and the BG/NBD expectation over the holdout, averaged per calibration group x = 0, 1, ...,
    ``top_group``+; no rows when no purchase falls after the as-of date."""
    session = features.sparkSession
    holdout_days = [row[0] for row in holdout.select("holdout_days").distinct().limit(2).collect()]
    if not holdout_days:
        return to_spark(session, clv.HOLDOUT_SCHEMA.empty_table())
    if len(holdout_days) != 1:
        raise kmeans.SegmentationError(
            f"the holdout purchases must share one holdout_days; they have {holdout_days}"
        )
    holdout_periods = holdout_days[0] / period_days
    if holdout.join(features, "customer_id", "left_anti").limit(1).count():
        raise kmeans.SegmentationError("some holdout customers are not among the fitted customers")
    bgnbd, _ = clv._parameters_from_row(parameters)

    def predict(batch: pa.Table) -> pa.Table:
        customers = clv._Customers.from_table(batch)
        return pa.table(
            {
                "repeat_purchases": customers.x,
                ACTUAL_PURCHASES: batch.column(ACTUAL_PURCHASES),
                "predicted": clv.expected_purchases(
                    bgnbd, holdout_periods, customers.x, customers.t_x, customers.T
                ),
            },
            schema=PREDICTION_SCHEMA,
        )

    actual = holdout.select("customer_id", F.col("purchases").cast("double").alias(ACTUAL_PURCHASES))
    joined = features.join(actual, "customer_id", "left").fillna({ACTUAL_PURCHASES: 0.0})
    group = F.least(F.col("repeat_purchases").cast("long"), F.lit(top_group))
    rows = (
        score_per_partition(joined, predict, PREDICTION_SCHEMA)
        .groupBy(group.alias("group_order"))
        .agg(
            F.count("*").alias("customers"),
            F.avg(ACTUAL_PURCHASES).alias("actual"),
            F.avg("predicted").alias("predicted"),
        )
        .orderBy("group_order")
        .collect()
    )
    table = pa.Table.from_pylist(
        [
            {
                "calibration_repeat_purchases": f"{row.group_order}+"
                if row.group_order == top_group
                else str(row.group_order),
                "group_order": row.group_order,
                "customers": row.customers,
                "actual_purchases": row.actual,
                "predicted_purchases": row.predicted,
                "holdout_periods": holdout_periods,
            }
            for row in rows
        ],
        schema=clv.HOLDOUT_SCHEMA,
    )
    return to_spark(session, table)
