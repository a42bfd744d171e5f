"""Publishes the BI tables (Parquet + a DuckDB file) once every model and test upstream passed."""

from pathlib import Path

from segmentation.publish import default_publish_dir, publish_tables


def model(dbt, session):
    dbt.config(materialized="table")
    # Literal refs: dbt orders this model after every table it publishes, and their tests.
    dbt.ref("dim_customer_segments")
    dbt.ref("segment_summary")
    dbt.ref("tier_cluster_comparison")
    dbt.ref("cluster_profiles")
    dbt.ref("kmeans_model_selection")
    dbt.ref("clv_model_parameters")
    dbt.ref("clv_holdout_comparison")
    dbt.ref("customer_segment_history")
    dbt.ref("segment_migration")
    tables = [
        "dim_customer_segments",
        "segment_summary",
        "tier_cluster_comparison",
        "cluster_profiles",
        "kmeans_model_selection",
        "clv_model_parameters",
        "clv_holdout_comparison",
        "customer_segment_history",
        "segment_migration",
    ]
    publish_dir = dbt.config.get("publish_dir")
    target = Path(publish_dir) if publish_dir else default_publish_dir(dbt.config.get("database_path"))
    return publish_tables(session, tables, target)
