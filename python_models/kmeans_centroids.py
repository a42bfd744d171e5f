"""The K-means fit with the chosen k: each cluster's centroid and the feature scaling, stored once."""

from segmentation.dbt_models import centroids_table, chosen_k, read


def model(dbt, session):
    dbt.config(materialized="table")
    # One query at a time (on DuckDB an Arrow reader holds the connection until it is read in full).
    k = chosen_k(read(dbt.ref("kmeans_model_selection"), whole=True))
    features = read(dbt.ref("int_customer_kmeans_features"))
    return centroids_table(features, k, seed=int(dbt.config.get("kmeans_seed")))
