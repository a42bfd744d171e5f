"""Every customer's K-means cluster (1 = best): the nearest stored centroid, and the distance to it."""

from segmentation.dbt_models import cluster_assignment_table, read


def model(dbt, session):
    dbt.config(materialized="table")
    # One query at a time (on DuckDB an Arrow reader holds the connection until it is read in full).
    centroids = read(dbt.ref("kmeans_centroids"), whole=True)
    return cluster_assignment_table(read(dbt.ref("int_customer_kmeans_features")), centroids)
