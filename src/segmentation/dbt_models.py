"""What the dbt Python models call: their options, the K-means and CLV packages, and Arrow tables back.

The K-means models read int_customer_kmeans_features (customer_id as text, sample_key, the R, F, M values
and their log features) and the CLV models customer_clv_features (x, t_x, T, the mean repeat spend), so
no feature is computed here.

One entry point per model, one path per engine: on DuckDB the models pass Arrow and get Arrow back; on
Spark they pass Spark DataFrames (``read``) and the work goes to segmentation.spark_kmeans and
segmentation.spark_clv, which return Spark DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

# clv is imported inside the CLV functions: it adds ~0.35 s of imports (scipy.special, pandas paths)
# that the K-means models would otherwise pay inside their dbt node time.
from segmentation import kmeans
from segmentation.spark_tables import collect_arrow, on_spark, to_spark

SAMPLE_KEY = "sample_key"
# What choosing k and fitting the centroids read of int_customer_kmeans_features.
KMEANS_FIT_COLUMNS = (SAMPLE_KEY, *kmeans.LOG_FEATURE_COLUMNS)
RFM_VALUE_COLUMNS = ("recency_days", "frequency", "monetary")
# Days in each clv_time_unit, and the days of a year used to turn periods into years when discounting.
PERIOD_DAYS = {"week": 7, "day": 1}
DAYS_PER_YEAR = 365.25


def read(relation, *, whole: bool = False):
    """What a Python model hands on from ``dbt.ref``: on DuckDB Arrow (a reader, or with ``whole`` the
    table: an Arrow reader holds the connection until it is read in full), on Spark the DataFrame."""
    if on_spark(relation):
        return relation
    reader = relation.arrow()
    return reader.read_all() if whole else reader


def read_in_batches(relation, session):
    """A per-customer input read in Arrow batches on a DuckDB cursor of its own (on Spark the
    DataFrame): a model that maps each batch (``per_batch``) then streams its result into DuckDB on
    its own connection while this one is still being read, so neither is ever whole in memory."""
    if on_spark(relation):
        return relation
    cursor = session.cursor()
    reader = cursor.sql(relation.sql_query()).arrow()

    def batches():
        with cursor:  # closed once the input is read to its end
            yield from reader

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def per_batch(reader: pa.RecordBatchReader, score) -> pa.RecordBatchReader:
    """``score(table)`` on each batch of ``reader``, handed on as a reader with the schema ``score``
    gives an empty table."""
    schema = score(reader.schema.empty_table()).schema
    return pa.RecordBatchReader.from_batches(schema, kmeans.map_batches(reader, score))


def _small_arrow(table) -> pa.Table:
    """A table of a few rows (the k curve, centroids, CLV parameters) as Arrow, on either engine."""
    return collect_arrow(table) if on_spark(table) else kmeans.as_arrow_table(table)


@dataclass(frozen=True)
class KMeansOptions:
    """The kmeans_* vars, handed to the Python models through their config."""

    k: int | str
    k_min: int
    k_max: int
    seed: int
    sample_size: int
    silhouette_sample_size: int

    @classmethod
    def from_text(cls, *, k, k_min, k_max, seed, sample_size, silhouette_sample_size) -> KMeansOptions:
        """Config values arrive as rendered text ("auto", "9"): turn them back into numbers."""
        k = str(k)
        return cls(
            k=k if k == "auto" else int(k),
            k_min=int(k_min),
            k_max=int(k_max),
            seed=int(seed),
            sample_size=int(sample_size),
            silhouette_sample_size=int(silhouette_sample_size),
        )


@dataclass(frozen=True)
class SampledTable:
    """A per-customer table that a fit draws a seeded sample from, read on DuckDB one query per need
    (the sample, one column, the count), so no more than that is in memory at once."""

    relation: object  # a DuckDB relation

    @classmethod
    def of(cls, table, columns: tuple[str, ...], label: str) -> SampledTable:
        """``columns`` of the relation ``dbt.ref`` gives, or of Arrow (a table or a reader); ``label``
        names the table in errors."""
        if not hasattr(table, "sql_query"):
            import duckdb

            table = duckdb.connect().from_arrow(kmeans.as_arrow_table(table))
        missing = [name for name in columns if name not in table.columns]
        if missing:
            raise kmeans.SegmentationError(f"{label} lack column(s) {missing}; they have {table.columns}")
        key_type = dict(zip(table.columns, table.dtypes, strict=True))[SAMPLE_KEY]
        if str(key_type) not in _INTEGER_TYPES:
            raise kmeans.SegmentationError(f"sample_key must be integers, got {key_type}")
        return cls(table.select(*columns))

    def column(self, name: str) -> pa.ChunkedArray:
        return self.relation.select(name).arrow().read_all().column(0)

    def count(self) -> int:
        return self.relation.aggregate("count(*)").fetchall()[0][0]

    def sample(self, max_rows: int, seed: int) -> pa.Table:
        """The rows of the at most ``max_rows`` customers a fit draws (all when fewer): one top-n query
        (kmeans.duckdb_sample_query), the same rows as kmeans.sample_row_indices picks."""
        query = kmeans.duckdb_sample_query("customers", max_rows, seed)
        return self.relation.query("customers", query).arrow().read_all()


_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}


def _kmeans_features(features) -> SampledTable:
    return SampledTable.of(features, KMEANS_FIT_COLUMNS, "the K-means features")


def _require_customers(count: int) -> int:
    if count == 0:
        raise kmeans.SegmentationError(
            "no customers to cluster: int_customer_kmeans_features has 0 rows; check that the "
            "upstream RFM model returns customers (source filters, as-of date)"
        )
    return count


def model_selection_table(features, options: KMeansOptions) -> pa.Table:
    """The k curve (k, inertia, silhouette, is_chosen) for the table kmeans_model_selection.

    The curve's sample is scaled by its own mean and deviation: exactly everyone's scaling when every
    customer is in the sample, and otherwise no pass over every customer just to choose k (the fit
    computes everyone's scaling, once)."""
    if on_spark(features):
        from segmentation import spark_kmeans

        return to_spark(features.sparkSession, spark_kmeans.select_k(features, options).to_arrow())
    drawn = _kmeans_features(features).sample(options.sample_size, options.seed)
    _require_customers(drawn.num_rows)
    sample, sample_keys, _ = kmeans.scaled_sample(
        drawn, options.sample_size, options.seed, _sample_keys(drawn)
    )
    selection = kmeans.select_k(
        sample,
        sample_keys,
        k_min=options.k_min,
        k_max=options.k_max,
        k=options.k,
        seed=options.seed,
        sample_size=options.sample_size,
        silhouette_sample_size=options.silhouette_sample_size,
    )
    return selection.to_arrow()


def chosen_k(selection: pa.Table) -> int:
    """The one k marked is_chosen in the model-selection table."""
    selection = _small_arrow(selection)
    chosen = selection.filter(selection["is_chosen"])["k"].to_pylist()
    if len(chosen) != 1:
        raise kmeans.SegmentationError(f"kmeans_model_selection must mark exactly one k; it marks {chosen}")
    return chosen[0]


@dataclass(frozen=True)
class RefitOptions:
    """The vars kmeans_refit (always or auto) and kmeans_refit_change (a fraction of customers)."""

    mode: str = "always"
    max_change: float = 0.10

    @classmethod
    def from_text(cls, *, mode, max_change) -> RefitOptions:
        return cls(mode=str(mode), max_change=float(max_change))


CUSTOMERS_FITTED = "customers_fitted"
FIT_REASON = "fit_reason"


def centroids_table(
    features,
    k: int,
    *,
    seed: int,
    refit: RefitOptions = RefitOptions(),
    stored: pa.Table | None = None,
) -> pa.Table:
    """The centroids and the feature scaling for the table kmeans_centroids, with the customer count
    of the fit and why it was fitted or kept: ``stored`` (the table as the last build left it, None on
    the first build) is kept, scaling included, when ``refit`` allows it. The scaling is of every
    customer, read one column at a time; the centroids are fitted on the drawn sample only."""
    if on_spark(features):
        return _spark_centroids_table(features, k, seed=seed, refit=refit)
    source = _kmeans_features(features)
    if refit.mode == "auto":
        kept = _kept_fit(stored, k, source.count(), refit)
        if kept is not None:
            return kept
    # The scaling reads every customer anyway, so it counts them (a count of its own costs a pass).
    scaling, customers = kmeans.feature_scaling(source.column)
    decision = kmeans.fit_decision(
        *_stored_k_and_customers(stored), k, customers, mode=refit.mode, max_change=refit.max_change
    )
    drawn = source.sample(kmeans.DEFAULT_FIT_SAMPLE_SIZE, seed)
    centroids = kmeans.fit_centroids(kmeans.scaled_rows(drawn, scaling), k, _sample_keys(drawn), seed)
    return _with_fit_record(kmeans.centroid_table(centroids, scaling), customers, decision.reason)


def _kept_fit(stored: pa.Table | None, k: int, customers: int, refit: RefitOptions) -> pa.Table | None:
    """The stored fit with the reason it is kept, or None when it must be fitted again."""
    decision = kmeans.fit_decision(
        *_stored_k_and_customers(stored), k, customers, mode=refit.mode, max_change=refit.max_change
    )
    if decision.refit:
        return None
    return stored.set_column(
        stored.schema.get_field_index(FIT_REASON), FIT_REASON, pa.array([decision.reason] * stored.num_rows)
    )


def _spark_centroids_table(features, k: int, *, seed: int, refit: RefitOptions):
    """The Spark fit (pyspark.ml): refitted every build; kmeans_refit = auto needs DuckDB for now."""
    from segmentation import spark_kmeans

    if refit.mode != "always":
        raise kmeans.SegmentationError(
            f"kmeans_refit = {refit.mode} is not supported on Spark yet; use kmeans_refit: always"
        )
    customers = features.count()
    decision = kmeans.fit_decision(None, None, k, customers, mode=refit.mode, max_change=refit.max_change)
    fitted = spark_kmeans.centroid_table(features, k, seed)
    return to_spark(features.sparkSession, _with_fit_record(fitted, customers, decision.reason))


def _with_fit_record(fitted: pa.Table, customers: int, reason: str) -> pa.Table:
    """The fitted centroids with the customer count of the fit and why it was made."""
    return fitted.append_column(
        CUSTOMERS_FITTED, pa.array([customers] * fitted.num_rows, pa.int64())
    ).append_column(FIT_REASON, pa.array([reason] * fitted.num_rows, pa.string()))


def _stored_k_and_customers(stored: pa.Table | None) -> tuple[int | None, int | None]:
    """k and the fitted customer count of a stored kmeans_centroids; Nones when it does not record them."""
    if stored is None or stored.num_rows == 0 or CUSTOMERS_FITTED not in stored.column_names:
        return None, None
    return stored.num_rows, stored.column(CUSTOMERS_FITTED)[0].as_py()


def stored_table(connection, database: str, schema: str, name: str) -> pa.Table | None:
    """A model's own table as the previous build left it (``dbt.this`` in a Python model), or None
    when it does not exist yet (the first build)."""
    found = connection.sql(
        "select count(*) from information_schema.tables "
        "where table_catalog = $database and table_schema = $schema and table_name = $name",
        params={"database": database, "schema": schema, "name": name},
    ).fetchall()[0][0]
    if not found:
        return None
    relation = ".".join('"' + part.replace('"', '""') + '"' for part in (database, schema, name))
    return connection.sql(f"select * from {relation}").arrow().read_all()


def cluster_assignment_table(features, centroids):
    """customer_id, cluster_id (1 = best), distance_to_centroid and the R, F, M values clustered,
    for every customer, against the stored centroids and scaling (cluster_profiles summarises the
    clusters without joining back). A reader of features gives a reader, one batch at a time."""
    if on_spark(features):
        from segmentation import spark_kmeans

        return spark_kmeans.assign_clusters(features, _small_arrow(centroids), cluster_assignment_table)
    if isinstance(features, pa.RecordBatchReader):
        return per_batch(features, lambda batch: cluster_assignment_table(batch, centroids))
    ranked_centroids, scaling = kmeans.centroids_and_scaling(centroids)
    log_features = features.select(kmeans.LOG_FEATURE_COLUMNS)
    scaled = kmeans.log_feature_array(log_features)
    scaling.scale_in_place(scaled)
    nearest, distance = kmeans.assign_to_nearest(scaled, ranked_centroids)
    assignment = pa.table(
        {
            "customer_id": features.column("customer_id"),
            "cluster_id": pa.array(nearest + 1, pa.int32()),
            "distance_to_centroid": pa.array(distance, pa.float64()),
        }
    )
    for name in RFM_VALUE_COLUMNS:
        assignment = assignment.append_column(name, features.column(name))
    return assignment


def _sample_keys(features: pa.Table):
    return features.column(SAMPLE_KEY).to_numpy()


@dataclass(frozen=True)
class ClvOptions:
    """The clv_* vars (and kmeans_seed for the sample), handed to the CLV models through their config."""

    time_unit: str
    horizon_days: int
    annual_discount_rate: float
    sample_size: int
    seed: int

    @classmethod
    def from_text(cls, *, time_unit, horizon_days, annual_discount_rate, sample_size, seed) -> ClvOptions:
        """Config values arrive as rendered text ("week", "365", "0.1"): turn them back into numbers."""
        time_unit = str(time_unit)
        if time_unit not in PERIOD_DAYS:
            raise kmeans.SegmentationError(
                f"clv_time_unit must be one of {sorted(PERIOD_DAYS)}, got {time_unit!r}"
            )
        return cls(
            time_unit=time_unit,
            horizon_days=int(horizon_days),
            annual_discount_rate=float(annual_discount_rate),
            sample_size=int(sample_size),
            seed=int(seed),
        )

    @classmethod
    def of_fit(cls, parameters: pa.Table) -> ClvOptions:
        """The options a fit was made with, as clv_model_parameters records them beside the parameters:
        the models that use the fit read them there, so only the fitting model reads the vars."""
        row = kmeans.as_arrow_table(parameters).slice(0, 1).to_pylist()[0]
        return cls.from_text(
            time_unit=row["time_unit"],
            horizon_days=row["horizon_days"],
            annual_discount_rate=row["annual_discount_rate"],
            sample_size=row["sample_size"],
            seed=row["seed"],
        )

    @property
    def period_days(self) -> int:
        return PERIOD_DAYS[self.time_unit]

    @property
    def periods_per_year(self) -> float:
        return DAYS_PER_YEAR / self.period_days

    @property
    def horizon_periods(self) -> float:
        return self.horizon_days / self.period_days


def clv_fit_columns() -> tuple[str, ...]:
    """What the CLV fit reads of customer_clv_features."""
    from segmentation import clv

    return (*clv.FIT_COLUMNS, "as_of_date")


def clv_parameters_table(features, options: ClvOptions) -> pa.Table:
    """The BG/NBD and Gamma-Gamma fit, one row, for the table clv_model_parameters: the drawn sample is
    all it reads of the customers (one top-n query on DuckDB)."""
    if on_spark(features):
        from segmentation import spark_clv

        sample = spark_clv.sampled_features(features, options.sample_size, options.seed)
        return to_spark(features.sparkSession, clv_parameters_table(sample, options))
    drawn = SampledTable.of(features, clv_fit_columns(), "the CLV features").sample(
        options.sample_size, options.seed
    )
    as_of_dates = pc.unique(drawn.column("as_of_date")).to_pylist()
    if len(as_of_dates) != 1:
        raise kmeans.SegmentationError(f"the CLV features must share one as_of_date; they have {as_of_dates}")
    from segmentation import clv

    fit = clv.clv_parameter_table(
        drawn,
        sample_size=options.sample_size,
        seed=options.seed,
        time_unit=options.time_unit,
        as_of_date=as_of_dates[0],
    )
    return (
        fit.append_column("horizon_days", pa.array([options.horizon_days], pa.int32()))
        .append_column("annual_discount_rate", pa.array([options.annual_discount_rate], pa.float64()))
        .append_column("sample_size", pa.array([options.sample_size], pa.int64()))
        .append_column("seed", pa.array([options.seed], pa.int64()))
    )


def lifetime_value_table(features, parameters):
    """p_alive, expected purchases and value, predicted CLV for every customer (customer_lifetime_value),
    with the fit of clv_model_parameters and the options recorded with it. A reader of features gives
    a reader, one batch at a time."""
    from segmentation import clv

    parameters = _small_arrow(parameters)
    if on_spark(features):
        from segmentation import spark_clv

        return spark_clv.score_per_partition(
            features, lambda batch: lifetime_value_table(batch, parameters), clv.CLV_SCHEMA
        )
    if isinstance(features, pa.RecordBatchReader):
        return per_batch(features, lambda batch: lifetime_value_table(batch, parameters))
    options = ClvOptions.of_fit(parameters)
    return clv.customer_lifetime_value_table(
        features,
        parameters,
        horizon_periods=options.horizon_periods,
        periods_per_year=options.periods_per_year,
        annual_discount_rate=options.annual_discount_rate,
    )


def holdout_table(features, parameters, holdout_purchases) -> pa.Table:
    """Predicted against actual purchases after the as-of date by calibration repeat purchases
    (clv_holdout_comparison); no rows when the source has no purchase on or after the as-of date."""
    from segmentation import clv

    parameters = _small_arrow(parameters)
    options = ClvOptions.of_fit(parameters)
    if on_spark(features):
        from segmentation import spark_clv

        return spark_clv.holdout_frame(features, parameters, holdout_purchases, options.period_days)
    holdout = kmeans.as_arrow_table(holdout_purchases)
    if holdout.num_rows == 0:
        return clv.HOLDOUT_SCHEMA.empty_table()
    holdout_days = pc.unique(holdout.column("holdout_days")).to_pylist()
    if len(holdout_days) != 1:
        raise kmeans.SegmentationError(
            f"the holdout purchases must share one holdout_days; they have {holdout_days}"
        )
    return clv.holdout_comparison_table(
        features, parameters, holdout, holdout_periods=holdout_days[0] / options.period_days
    )
