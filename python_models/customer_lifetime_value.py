"""Every customer's P(alive), expected purchases and purchase value, and predicted CLV over the horizon."""

from segmentation.dbt_models import lifetime_value_table


def model(dbt, session):
    dbt.config(materialized="table")
    # One query at a time: an Arrow reader holds the connection until it is read in full.
    parameters = dbt.ref("clv_model_parameters").arrow().read_all()
    return lifetime_value_table(dbt.ref("customer_clv_features").arrow(), parameters)
