"""The floor: one hand-written DuckDB query and the package's K-means, nothing else.

The query computes what the project computes with its default vars: lines need a customer, a
timestamp, a non-zero quantity and a price >= 0; purchases are positive quantities; returns are
netted into monetary; frequency = distinct purchase invoices; recency = whole days from the last
purchase to the day after the last used line; NTILE scores (higher is better, ties by customer_id in
the source's type, as the project breaks them, which is also far faster than text); tiers from
quartiles of the score sum; customer_id becomes text at the end.

It holds no copy of the K-means input recipe: the log features and the sample key come from the
project's macros (macros/log_feature.sql, macros/sample_key.sql), rendered with Jinja, and the
clusters from ``segmentation.kmeans`` as the dbt Python models call it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb
import jinja2
import pyarrow as pa

from benchmarks.contenders import Stopwatch, write_result
from segmentation import kmeans
from segmentation.project import PROJECT_DIR

# sample_key dispatches on the adapter in dbt; the floor is DuckDB, so it takes DuckDB's form directly.
FLOOR_SQL = """
{%- from 'log_feature.sql' import log_feature -%}
{%- from 'sample_key.sql' import duckdb__sample_key as sample_key -%}
with
lines as (
    select
        "CustomerID" as customer_id,
        "InvoiceNo" as invoice_id,
        "InvoiceDate" as invoiced_at,
        "Quantity" > 0 as is_purchase,
        "Quantity" * "UnitPrice" as line_amount
    from read_parquet($path)
    where "CustomerID" is not null and "InvoiceDate" is not null
        and "Quantity" <> 0 and "UnitPrice" >= 0
),
per_customer as (
    select
        customer_id,
        max(invoiced_at) filter (where is_purchase) as last_purchase_at,
        count(distinct invoice_id) filter (where is_purchase) as frequency,
        count(*) filter (where is_purchase) as purchase_lines,
        -- Rounded to 1/10000, where the project sums exact decimals: returns that cancel purchases
        -- give 0 (log feature 0), not a float residue such as 1e-14 (log feature -32).
        round(sum(line_amount), 4) as monetary,
        max(invoiced_at) as last_activity_at
    from lines
    group by customer_id
),
rfm as (
    select
        customer_id,
        cast(floor((epoch(cast(as_of.as_of_date as timestamp)) - epoch(last_purchase_at)) / 86400)
            as integer) as recency_days,
        frequency,
        monetary
    from per_customer
    cross join (select cast(max(last_activity_at) as date) + 1 as as_of_date from per_customer) as as_of
    where purchase_lines > 0
),
scored as (
    select
        *,
        ntile(4) over (order by recency_days desc, customer_id) as r_score,
        ntile(4) over (order by frequency, customer_id) as f_score,
        ntile(4) over (order by monetary, customer_id) as m_score
    from rfm
),
summed as (
    select *, r_score + f_score + m_score as rfm_score from scored
),
cuts as (
    select quantile_cont(rfm_score, [0.25, 0.5, 0.75]) as cut from summed
)
select
    summed.* replace (cast(summed.customer_id as varchar) as customer_id),
    1 + (summed.rfm_score < cut[1])::int + (summed.rfm_score < cut[2])::int
        + (summed.rfm_score < cut[3])::int as tier_rank,
    {{ sample_key('summed.customer_id') }} as sample_key,
    {{ log_feature('summed.recency_days') }} as log_recency,
    {{ log_feature('summed.frequency') }} as log_frequency,
    {{ log_feature('summed.monetary') }} as log_monetary
from summed
cross join cuts
"""


def floor_sql(project_dir: Path = PROJECT_DIR) -> str:
    """The floor's query with the log features and sample key of ``project_dir``'s macros."""
    loader = jinja2.FileSystemLoader(project_dir / "macros")
    environment = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined)
    return environment.from_string(FLOOR_SQL).render()


def rfm_table(data_path: Path, project_dir: Path = PROJECT_DIR) -> pa.Table:
    """Per customer: R, F, M, scores, tier rank, sample key and log features (one query, as Arrow)."""
    with duckdb.connect(config=_duckdb_config()) as connection:
        return connection.sql(floor_sql(project_dir), params={"path": str(data_path)}).to_arrow_table()


def _duckdb_config() -> dict[str, str]:
    """The profile's settings (memory_limit, temp_directory from the same env vars)."""
    temp_dir = os.environ.get("SEGMENTS_TEMP_DIR") or os.environ.get("SEGMENTS_BENCH_TEMP_DIR")
    config = {
        "memory_limit": os.environ.get("SEGMENTS_MEMORY_LIMIT", "8GB"),
        "preserve_insertion_order": "false",
        "temp_directory": temp_dir or str(Path(tempfile.gettempdir()) / "segmentation-bench-floor"),
    }
    if os.environ.get("SEGMENTS_BENCH_THREADS"):
        config["threads"] = os.environ["SEGMENTS_BENCH_THREADS"]
    return config


def cluster(table: pa.Table, seed: int) -> int:
    """The project's K-means with its default vars: scaling, k chosen on a sample, the final fit on
    a larger one, every customer assigned to its nearest centroid. Returns k."""
    features, _ = kmeans.scaled_features(table)
    sample_keys = table.column("sample_key").to_numpy()
    k = kmeans.select_k(features, sample_keys, seed=seed).chosen_k
    centroids = kmeans.fit_centroids(features, k, sample_keys, seed)
    kmeans.assign_to_nearest(features, centroids)
    return k


def run(data_path: Path, result_path: Path, seed: int, project_dir: Path) -> None:
    watch = Stopwatch()
    table = rfm_table(data_path, project_dir)
    watch.lap("rfm_sql")
    k = cluster(table, seed)
    watch.lap("kmeans")
    write_result(result_path, table.num_rows, k, watch)
