"""The holdout check: predicted against actual purchases after the as-of date, by calibration x."""

from segmentation.dbt_models import holdout_table, read


def model(dbt, session):
    dbt.config(materialized="table")
    # One query at a time (on DuckDB an Arrow reader holds the connection until it is read in full).
    parameters = read(dbt.ref("clv_model_parameters"), whole=True)
    holdout = read(dbt.ref("int_clv_holdout_purchases"), whole=True)
    return holdout_table(read(dbt.ref("customer_clv_features")), parameters, holdout)
