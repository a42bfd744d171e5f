"""The K-means model-selection curve: inertia and silhouette for each k, and which k is chosen."""

from segmentation.dbt_models import KMeansOptions, model_selection_table


def model(dbt, session):
    dbt.config(materialized="table")
    # dbt finds the config keys a Python model uses by reading these literal get() calls.
    options = KMeansOptions.from_text(
        k=dbt.config.get("kmeans_k"),
        k_min=dbt.config.get("kmeans_k_min"),
        k_max=dbt.config.get("kmeans_k_max"),
        seed=dbt.config.get("kmeans_seed"),
        sample_size=dbt.config.get("kmeans_sample_size"),
        silhouette_sample_size=dbt.config.get("kmeans_silhouette_sample_size"),
    )
    return model_selection_table(dbt.ref("int_customer_kmeans_features"), options)
