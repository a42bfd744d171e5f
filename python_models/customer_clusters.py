"""Every customer's K-means cluster (1 = best): the nearest stored centroid, and the distance to it."""

from segmentation.dbt_models import cluster_assignment_table


def model(dbt, session):
    dbt.config(materialized="table")
    # One query at a time: an Arrow reader holds the connection until it is read in full.
    centroids = dbt.ref("kmeans_centroids").arrow().read_all()
    return cluster_assignment_table(dbt.ref("int_customer_kmeans_features").arrow(), centroids)
