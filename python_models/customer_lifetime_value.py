"""Every customer's P(alive), expected purchases and purchase value, and predicted CLV over the horizon."""

from segmentation.dbt_models import lifetime_value_table, read, read_in_batches


def model(dbt, session):
    dbt.config(materialized="table")
    parameters = read(dbt.ref("clv_model_parameters"), whole=True)
    # Batch by batch: the customers' features are never all in memory.
    return lifetime_value_table(read_in_batches(dbt.ref("customer_clv_features"), session), parameters)
