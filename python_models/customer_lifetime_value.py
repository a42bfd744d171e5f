"""Every customer's P(alive), expected purchases and purchase value, and predicted CLV over the horizon."""

from segmentation.dbt_models import ClvOptions, lifetime_value_table


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
    return lifetime_value_table(dbt.ref("customer_clv_features").arrow(), parameters, clv_options(dbt))
