"""K-means on Spark DataFrames: the DuckDB path's recipe (segmentation.kmeans) with pyspark.ml.

The same steps as on DuckDB: the log features of int_customer_kmeans_features standard-scaled, the sweep
k_min..k_max on a seeded sample (the smallest seeded mixes of sample_key, as kmeans._sample_row_indices
draws), the kneedle choice of k, the final fit, centroids ranked by value (cluster 1 = best) and every
customer assigned to the nearest one. What differs is where the work runs: the scaling is a Spark
aggregate, the fits are pyspark.ml KMeans (k-means||, seeded), and the assignment runs per partition
(mapInArrow) with the DuckDB path's own function. Only bounded things reach the driver: k centroids, the
curve, and the silhouette sample (at most kmeans_silhouette_sample_size rows).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

from segmentation import kmeans

FEATURES = "features"
MIXED_KEY = "mixed_sample_key"
_SIGN_BIT = -(2**63)


def _signed(value: int | np.uint64) -> int:
    """A uint64 constant as the signed 64-bit value Spark's bigint holds (same bits)."""
    value = int(value)
    return value - 2**64 if value >= 2**63 else value


def mix64(key: Column) -> Column:
    """kmeans.mix64_in_place as a Spark expression: bigint arithmetic wraps as uint64 does."""
    key = key.bitwiseXOR(F.shiftrightunsigned(key, 30)) * F.lit(_signed(kmeans._MIX_1))
    key = key.bitwiseXOR(F.shiftrightunsigned(key, 27)) * F.lit(_signed(kmeans._MIX_2))
    return key.bitwiseXOR(F.shiftrightunsigned(key, 31))


def seeded_sample(frame: DataFrame, sample_size: int, seed: int) -> DataFrame:
    """The ``sample_size`` rows with the smallest seeded mix of sample_key, compared as unsigned
    (the sign bit flipped), so the rows drawn do not depend on the partitioning."""
    mixed = mix64(F.col("sample_key").cast("bigint").bitwiseXOR(F.lit(_signed(kmeans.mixed_seed(seed)))))
    ordered = frame.withColumn(MIXED_KEY, mixed.bitwiseXOR(F.lit(_SIGN_BIT)))
    return ordered.orderBy(MIXED_KEY).limit(sample_size).drop(MIXED_KEY)


def feature_scaling(features: DataFrame) -> kmeans.FeatureScaling:
    """Mean and population standard deviation of each log feature (scale 1 for a constant column)."""
    aggregates = []
    for name in kmeans.LOG_FEATURE_COLUMNS:
        aggregates += [F.avg(name), F.stddev_pop(name), F.min(name), F.max(name)]
    row = features.agg(*aggregates).first()
    if row is None or row[0] is None:
        raise kmeans.SegmentationError("no customers to cluster: the feature table has 0 rows")
    means, scales = [], []
    for position in range(len(kmeans.LOG_FEATURE_COLUMNS)):
        mean, deviation, low, high = row[4 * position : 4 * position + 4]
        constant = low == high
        means.append(float(low) if constant else float(mean))
        scales.append(1.0 if constant else float(deviation))
    return kmeans.FeatureScaling(mean=np.array(means), scale=np.array(scales))


def scaled_frame(features: DataFrame, scaling: kmeans.FeatureScaling) -> DataFrame:
    """sample_key and the scaled features as one vector column, as pyspark.ml reads them."""
    scaled = features.select(
        "sample_key",
        *[
            ((F.col(name) - float(mean)) / float(scale)).alias(name)
            for name, mean, scale in zip(kmeans.LOG_FEATURE_COLUMNS, scaling.mean, scaling.scale, strict=True)
        ],
    )
    assembler = VectorAssembler(inputCols=list(kmeans.LOG_FEATURE_COLUMNS), outputCol=FEATURES)
    return assembler.transform(scaled)


def _rows(frame: DataFrame) -> np.ndarray:
    """The scaled features of a bounded frame, on the driver."""
    collected = frame.select(*kmeans.LOG_FEATURE_COLUMNS).collect()
    return np.array(collected, dtype=np.float64).reshape(-1, len(kmeans.LOG_FEATURE_COLUMNS))


def _distinct_up_to(frame: DataFrame, limit: int) -> int:
    return frame.select(*kmeans.LOG_FEATURE_COLUMNS).distinct().limit(limit).count()


def _fit(sample: DataFrame, k: int, seed: int):
    """A fitted pyspark.ml KMeans model; k >= 2 (pyspark.ml refuses k = 1). Every Lloyd step is a Spark
    job, so the steps are capped; scikit-learn's tolerance (1e-4) ends them first on these features."""
    return KMeans(k=k, seed=seed, initMode="k-means||", featuresCol=FEATURES, maxIter=50, tol=1e-4).fit(
        sample
    )


def _single_cluster(sample: DataFrame) -> tuple[np.ndarray, float]:
    """k = 1: the centroid is the mean and the inertia the summed squared distance to it."""
    means = sample.agg(*[F.avg(name) for name in kmeans.LOG_FEATURE_COLUMNS]).first()
    centroid = np.array([list(means)], dtype=np.float64)
    inertia = sample.agg(
        F.sum(
            sum(
                (F.col(name) - float(mean)) ** 2
                for name, mean in zip(kmeans.LOG_FEATURE_COLUMNS, means, strict=True)
            )
        )
    ).first()[0]
    return centroid, float(inertia)


def _silhouette(model, silhouette_rows: DataFrame, rows: np.ndarray) -> float | None:
    labels = np.array(
        [row.prediction for row in model.transform(silhouette_rows).select("prediction").collect()]
    )
    return kmeans._silhouette_or_none(rows, labels, np.arange(len(rows)))


def select_k(features: DataFrame, options) -> kmeans.KSelection:
    """The k curve on a seeded sample, scaled by its own scaling as on DuckDB (dbt_models), and the
    chosen k, as kmeans.select_k chooses it."""
    explicit_k = kmeans._explicit_k_or_none(options.k)
    drawn = seeded_sample(features, options.sample_size, options.seed).cache()
    sample = scaled_frame(drawn, feature_scaling(drawn)).cache()
    try:
        sample_rows = sample.count()
        candidates_cap = max(options.k_max, explicit_k or 0)
        distinct = _distinct_up_to(sample, candidates_cap + 1)
        if explicit_k is not None and explicit_k > distinct:
            raise kmeans.SegmentationError(
                f"kmeans_k = {explicit_k} but the sample of {sample_rows} customers has only "
                f"{distinct} distinct points"
            )
        # The silhouette rows: the first of the seeded sample, a bounded set on the driver.
        silhouette_frame = seeded_sample(sample, options.silhouette_sample_size, options.seed).cache()
        silhouette_rows = _rows(silhouette_frame)
        curve = []
        for k in kmeans._candidate_ks(options.k_min, options.k_max, distinct, explicit_k):
            if k == 1 or distinct == 1:
                _, inertia = _single_cluster(sample)
                silhouette = None
            else:
                model = _fit(sample, k, options.seed)
                inertia = float(model.summary.trainingCost)
                silhouette = _silhouette(model, silhouette_frame, silhouette_rows)
            curve.append(kmeans.KCurvePoint(k=k, inertia=inertia, silhouette=silhouette))
        silhouette_frame.unpersist()
    finally:
        sample.unpersist()
        drawn.unpersist()
    if explicit_k is not None:
        chosen, method = explicit_k, "explicit"
    else:
        chosen, method = kmeans.choose_elbow_k(
            [point.k for point in curve],
            [point.inertia for point in curve],
            [point.silhouette for point in curve],
        )
    return kmeans.KSelection(curve=tuple(curve), chosen_k=chosen, method=method, sample_rows=sample_rows)


def centroid_table(features: DataFrame, k: int, seed: int) -> pa.Table:
    """The ranked centroids and the scaling (kmeans.centroid_table), fitted on the final seeded sample."""
    scaling = feature_scaling(features)
    sample = seeded_sample(scaled_frame(features, scaling), kmeans.DEFAULT_FIT_SAMPLE_SIZE, seed).cache()
    try:
        if k == 1:
            centroids, _ = _single_cluster(sample)
        else:
            distinct = _distinct_up_to(sample, k)
            if distinct < k:
                raise kmeans.SegmentationError(
                    f"k = {k} but the customers have only {distinct} distinct points"
                )
            centroids = np.array(_fit(sample, k, seed).clusterCenters(), dtype=np.float64)
    finally:
        sample.unpersist()
    return kmeans.centroid_table(kmeans.rank_centroids(centroids), scaling)


def assign_clusters(features: DataFrame, centroids: pa.Table, assign_batch) -> DataFrame:
    """Every customer's cluster, per partition, by ``assign_batch(batch_table, centroids)`` (the DuckDB
    path's function, so both engines assign with the same arithmetic)."""
    columns = [
        "customer_id",
        "sample_key",
        *kmeans.LOG_FEATURE_COLUMNS,
        "recency_days",
        "frequency",
        "monetary",
    ]
    selected = features.select(*columns)
    empty = pa.Table.from_batches([], schema=_arrow_schema(selected))
    output_schema = assign_batch(empty, centroids).schema

    def assign(batches):
        return kmeans.map_batches(batches, lambda batch: assign_batch(batch, centroids))

    return selected.mapInArrow(assign, from_arrow_schema(output_schema))


def _arrow_schema(frame: DataFrame) -> pa.Schema:
    return to_arrow_schema(frame.schema)
