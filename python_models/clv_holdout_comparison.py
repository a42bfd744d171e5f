"""The holdout check: predicted against actual purchases after the as-of date, by calibration x."""

from segmentation.dbt_models import holdout_table


def model(dbt, session):
    dbt.config(materialized="table")
    # One query at a time: an Arrow reader holds the connection until it is read in full.
    parameters = dbt.ref("clv_model_parameters").arrow().read_all()
    holdout = dbt.ref("int_clv_holdout_purchases").arrow().read_all()
    return holdout_table(dbt.ref("customer_clv_features").arrow(), parameters, holdout)
