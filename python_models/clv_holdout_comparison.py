"""The holdout check: predicted against actual purchases after the as-of date, by calibration x."""

from segmentation.dbt_models import ClvOptions, holdout_table


def clv_options(dbt) -> ClvOptions:
    # dbt finds the config keys a Python model uses by reading these literal get() calls.
    return ClvOptions.from_text(
        time_unit=dbt.config.get("clv_time_unit"),
        horizon_days=dbt.config.get("clv_horizon_days"),
        annual_discount_rate=dbt.config.get("clv_annual_discount_rate"),
        sample_size=dbt.config.get("clv_sample_size"),
        seed=dbt.config.get("kmeans_seed"),
    )


def model(dbt, session):
    dbt.config(materialized="table")
    # One query at a time: an Arrow reader holds the connection until it is read in full.
    parameters = dbt.ref("clv_model_parameters").arrow().read_all()
    holdout = dbt.ref("int_clv_holdout_purchases").arrow().read_all()
    return holdout_table(dbt.ref("customer_clv_features").arrow(), parameters, holdout, clv_options(dbt))
