"""The BG/NBD and Gamma-Gamma fit on a seeded sample of customers: one row of parameters."""

from segmentation.dbt_models import ClvOptions, clv_parameters_table


def clv_options(dbt) -> ClvOptions:
    # dbt finds the config keys a Python model uses by reading these literal get() calls. Only this
    # model reads them: it records them with the fit for the models that use it.
    return ClvOptions.from_text(
        time_unit=dbt.config.get("clv_time_unit"),
        horizon_days=dbt.config.get("clv_horizon_days"),
        annual_discount_rate=dbt.config.get("clv_annual_discount_rate"),
        sample_size=dbt.config.get("clv_sample_size"),
        seed=dbt.config.get("kmeans_seed"),
    )


def model(dbt, session):
    dbt.config(materialized="table")
    return clv_parameters_table(dbt.ref("customer_clv_features"), clv_options(dbt))
