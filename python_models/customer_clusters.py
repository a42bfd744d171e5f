"""Every customer's K-means cluster (1 = best): the nearest stored centroid, and the distance to it."""

from segmentation.dbt_models import cluster_assignment_table, read, read_in_batches


def model(dbt, session):
    dbt.config(materialized="table")
    centroids = read(dbt.ref("kmeans_centroids"), whole=True)
    # Batch by batch: the customers' features are never all in memory.
    return cluster_assignment_table(
        read_in_batches(dbt.ref("int_customer_kmeans_features"), session), centroids
    )
