"""Segments over time: the history equals the current tables at the build's as-of date, the migration
adds up, and MetricFlow answers from the semantic layer with the tables' numbers."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

MF = str(Path(sys.executable).with_name("mf"))
COLUMNS = (
    "customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_cell, rfm_score, "
    "rfm_tier_rank, rfm_tier, rfm_segment, cluster_id, as_of_date"
)


def test_history_at_the_build_date_equals_the_current_tables(sample_project):
    as_of = sample_project.scalar("select max(as_of_date) from dim_customer_segments")
    assert sample_project.scalar("select max(as_of_date) from customer_segment_history") == as_of
    history = sample_project.query(
        f"select {COLUMNS} from customer_segment_history where as_of_date = '{as_of}' order by customer_id"
    )
    current = sample_project.query(f"select {COLUMNS} from dim_customer_segments order by customer_id")
    assert history == current
    assert len(history) == sample_project.scalar("select count(*) from customer_rfm_scores")


def test_history_has_one_row_per_customer_and_period_and_skips_the_partial_first_month(sample_project):
    duplicates = sample_project.scalar(
        "select count(*) from (select customer_id, as_of_date from customer_segment_history "
        "group by all having count(*) > 1)"
    )
    assert duplicates == 0
    dates = [
        row[0] for row in sample_project.query("select distinct as_of_date from customer_segment_history")
    ]
    # The sample runs from 2022-01-02 to 2023-01-31: January 2022 is partial, so it is left out.
    assert min(dates) == date(2022, 3, 1) and max(dates) == date(2023, 2, 1) and len(dates) == 12


def test_migration_adds_up_to_each_later_period(sample_project):
    totals = sample_project.query(
        "select to_as_of_date, dimension, sum(customers) from segment_migration group by all"
    )
    sizes = dict(
        sample_project.query("select as_of_date, count(*) from customer_segment_history group by all")
    )
    assert totals and all(customers == sizes[to_date] for to_date, _, customers in totals)
    new = sample_project.query(
        "select to_as_of_date, sum(customers) from segment_migration "
        "where dimension = 'tier' and from_value = 'new' group by all"
    )
    for to_date, customers in new:
        assert customers == sample_project.scalar(
            f"select count(*) from customer_segment_history where as_of_date = '{to_date}' "
            "and previous_rfm_tier is null"
        )


def test_dim_previous_values_come_from_the_previous_period(sample_project):
    mismatches = sample_project.scalar(
        """
        select count(*) from dim_customer_segments as dim
        left join customer_segment_history as previous
            on dim.customer_id = previous.customer_id
            and previous.as_of_date = (select max(as_of_date) from customer_segment_history
                                       where as_of_date < dim.as_of_date)
        where dim.previous_rfm_tier is distinct from previous.rfm_tier
            or dim.previous_rfm_segment is distinct from previous.rfm_segment
        """
    )
    assert mismatches == 0


@pytest.mark.skipif(not Path(MF).exists(), reason="dbt-metricflow is not installed beside this Python")
def test_metricflow_query_matches_the_tables(sample_project, tmp_path):
    out = tmp_path / "customers.csv"
    env = {
        **os.environ,
        "SEGMENTS_DB": str(sample_project.database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [MF, "query", "--metrics", "customers,revenue", "--group-by", "metric_time__month,customer__rfm_tier",
         "--csv", str(out)],
        cwd=sample_project.root, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with out.open() as handle:
        rows = {
            (row["metric_time__month"][:10], row["customer__rfm_tier"]): row for row in csv.DictReader(handle)
        }
    expected = sample_project.query(
        "select cast(as_of_date as varchar), rfm_tier, count(*), sum(monetary) "
        "from customer_segment_history group by all"
    )
    assert len(rows) == len(expected)
    for as_of, tier, customers, revenue in expected:
        row = rows[(as_of, tier)]
        assert int(row["customers"]) == customers
        assert float(row["revenue"]) == pytest.approx(revenue)
