"""The K-means fit with the chosen k: each cluster's centroid and the feature scaling, stored once;
with kmeans_refit = auto the previous build's fit is kept while the customers barely changed."""

from segmentation.dbt_models import (
    RefitOptions,
    centroids_table,
    chosen_k,
    read,
    stored_table,
)


def model(dbt, session):
    dbt.config(materialized="table")
    refit = RefitOptions.from_text(
        mode=dbt.config.get("kmeans_refit"), max_change=dbt.config.get("kmeans_refit_change")
    )
    # The previous build's fit, read only when it may be kept; one query at a time (on DuckDB an Arrow
    # reader holds the connection until it is read in full).
    stored = (
        stored_table(session, dbt.this.database, dbt.this.schema, dbt.this.identifier)
        if refit.mode == "auto"
        else None
    )
    k = chosen_k(read(dbt.ref("kmeans_model_selection"), whole=True))
    return centroids_table(
        dbt.ref("int_customer_kmeans_features"),
        k,
        seed=int(dbt.config.get("kmeans_seed")),
        refit=refit,
        stored=stored,
    )
