"""CLV through the warehouse: the CDNOW figures of the BG/NBD paper, built from the text file as it is."""

from __future__ import annotations

import os

import pytest
from conftest import PROJECT_DIR

CDNOW_FILE = PROJECT_DIR.parent / "shared" / "data" / "cdnow" / "CDNOW_sample.txt"
# The file as it is: whitespace-separated, no header, dates YYYYMMDD; calibration to 1997-09-30.
CDNOW_VARS = {
    "source_path": str(CDNOW_FILE),
    "source_format": "csv",
    "csv_delimiter": "whitespace",
    "csv_header": False,
    "source_columns": {"customer_id": "column0", "invoiced_at": "column2", "line_amount": "column4"},
    "timestamp_format": "%Y%m%d",
    "as_of_date": "1997-10-01",
    "clv_time_unit": "week",
}
PUBLISHED = {
    "r": 0.243,
    "alpha": 4.414,
    "a": 0.793,
    "b": 2.426,
    "bgnbd_log_likelihood": -9582.4,
    "p": 6.25,
    "q": 3.74,
    "v": 15.44,
}


@pytest.fixture
def cdnow_file():
    if not CDNOW_FILE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the CDNOW sample at {CDNOW_FILE}")
        pytest.skip(f"the CDNOW sample is not at {CDNOW_FILE} (only CI and developers have it)")
    return CDNOW_FILE


@pytest.mark.slow
def test_cdnow_through_the_project_reproduces_the_paper(project, cdnow_file):
    project.build(CDNOW_VARS, "--exclude", "tag:online_retail_layout")
    names = ", ".join(PUBLISHED)
    fitted = dict(zip(PUBLISHED, project.query(f"select {names} from clv_model_parameters")[0], strict=True))
    assert fitted == pytest.approx(PUBLISHED, rel=0.005)
    counts = project.query(
        "select customers_fitted, repeat_customers, gamma_gamma_customers, excluded_non_positive_spend, "
        "time_unit, cast(as_of_date as varchar) from clv_model_parameters"
    )
    assert counts == [(2357, 946, 946, 0, "week", "1997-10-01")]
    assert project.scalar("select count(*) from dim_customer_segments") == 2357
    assert project.scalar("select min(p_alive) >= 0 and max(p_alive) <= 1 from dim_customer_segments")

    # The holdout: the 39 weeks after the as-of date, grouped by calibration repeat purchases.
    holdout = project.query(
        "select calibration_repeat_purchases, customers, actual_purchases, predicted_purchases, "
        "holdout_periods "
        "from clv_holdout_comparison order by group_order"
    )
    assert [row[0] for row in holdout] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(row[1] for row in holdout) == 2357
    assert {row[4] for row in holdout} == {39.0}
    later_purchases = project.scalar(
        "select count(distinct (customer_id, invoice_date)) from stg_transaction_lines "
        "where rejection_reason = 'on or after the as-of date' and not is_return"
    )
    assert sum(row[1] * row[2] for row in holdout) == pytest.approx(later_purchases)
    # The model's total over the holdout (about 1,653) is within 15% of what happened (1,882).
    assert later_purchases == 1882
    assert sum(row[1] * row[3] for row in holdout) == pytest.approx(later_purchases, rel=0.15)
    published = project.root / "warehouse" / "published" / "current"
    assert (published / "clv_model_parameters.parquet").exists()
    assert (published / "clv_holdout_comparison.parquet").exists()


def test_a_bad_clv_var_stops_the_build_before_anything_runs(project):
    result = project.dbt("build", {"clv_time_unit": "month", "clv_annual_discount_rate": 1.5})
    assert result.returncode != 0
    assert "clv_time_unit must be one of week, day; got 'month'." in result.stdout
    assert "clv_annual_discount_rate must be a number from 0 up to (not including) 1" in result.stdout
    assert not project.database.exists() or project.query(
        "select count(*) from information_schema.tables where table_name = 'customer_lifetime_value'"
    ) == [(0,)]
