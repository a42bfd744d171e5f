"""Every customer's P(alive), expected purchases and purchase value, and predicted CLV over the horizon."""

from segmentation.dbt_models import lifetime_value_table, read


def model(dbt, session):
    dbt.config(materialized="table")
    # One query at a time (on DuckDB an Arrow reader holds the connection until it is read in full).
    parameters = read(dbt.ref("clv_model_parameters"), whole=True)
    return lifetime_value_table(read(dbt.ref("customer_clv_features")), parameters)
