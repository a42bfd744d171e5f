"""Every customer's K-means cluster (1 = best) with the chosen k, and its distance to the centroid."""

from segmentation.dbt_models import RFM_COLUMNS, chosen_k, cluster_assignment_table


def model(dbt, session):
    dbt.config(materialized="table")
    # One query at a time: an Arrow reader holds the connection until it is read in full.
    k = chosen_k(dbt.ref("kmeans_model_selection").arrow().read_all())
    customers = dbt.ref("int_customer_rfm").project(RFM_COLUMNS).arrow()
    return cluster_assignment_table(customers, k, seed=int(dbt.config.get("kmeans_seed")))
