"""The BI tables: named segments, summaries, the tier x cluster comparison, and publication."""

from __future__ import annotations

import os
import subprocess
import time

import duckdb
import pytest
from conftest import DBT

NAMED_SEGMENTS = {
    "Champions", "Loyal Customers", "Potential Loyalist", "New Customers", "Promising", "Need Attention",
    "About To Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost",
}  # fmt: skip


def test_every_customer_has_exactly_one_named_segment(sample_project):
    customers = sample_project.scalar("select count(*) from customer_rfm_scores")
    rows = sample_project.query("select rfm_segment, count(*) from dim_customer_segments group by 1")
    assert sum(count for _, count in rows) == customers
    assert {segment for segment, _ in rows} <= NAMED_SEGMENTS
    assert None not in {segment for segment, _ in rows}


def test_best_and_worst_cells_get_the_extreme_names(sample_project):
    champions = sample_project.query(
        "select min(r_percentile), min(fm_percentile) from int_customer_named_segments "
        "where rfm_segment = 'Champions'"
    )[0]
    lost = sample_project.query(
        "select max(r_percentile), max(fm_percentile) from int_customer_named_segments "
        "where rfm_segment = 'Lost'"
    )[0]
    assert champions[0] >= 0.8 and champions[1] >= 0.6
    assert lost[0] < 0.2 and lost[1] < 0.2


MEDIANS = "quantile_cont(recency_days, 0.5), quantile_cont(frequency, 0.5), quantile_cont(monetary, 0.5)"


def test_counted_medians_equal_the_quantile_of_every_value(sample_project):
    # rfm_median_ctes counts each value so that it can spill; DuckDB's quantile holds every value.
    summary = sample_project.query(
        "select grouping, segment, median_recency_days, median_frequency, median_monetary "
        "from segment_summary order by all"
    )
    expected = sample_project.query(
        f"select 'cluster', cluster_label, {MEDIANS} from dim_customer_segments group by all "
        f"union all select 'segment', rfm_segment, {MEDIANS} from dim_customer_segments group by all "
        f"union all select 'tier', rfm_tier, {MEDIANS} from dim_customer_segments group by all order by all"
    )
    assert summary == expected
    sizes = {
        row[0] % 2
        for row in sample_project.query("select count(*) from dim_customer_segments group by rfm_tier")
    }
    assert sizes == {0, 1}  # groups of both parities: interpolated and middle-value medians
    profiles = sample_project.query(
        "select cluster_id, median_recency_days, median_frequency, median_monetary "
        "from cluster_profiles order by cluster_id"
    )
    assert profiles == sample_project.query(
        f"select cluster_id, {MEDIANS} from customer_clusters group by cluster_id order by cluster_id"
    )


def test_segment_summary_adds_up_per_grouping(sample_project):
    customers, revenue = sample_project.query("select count(*), sum(monetary) from customer_rfm_scores")[0]
    for grouping in ("tier", "segment", "cluster"):
        total_customers, share, total_revenue, revenue_share = sample_project.query(
            "select sum(customers), sum(customer_share), sum(revenue), sum(revenue_share) "
            f"from segment_summary where grouping = '{grouping}'"
        )[0]
        assert total_customers == customers
        assert share == pytest.approx(1)
        assert total_revenue == pytest.approx(revenue)
        assert revenue_share == pytest.approx(1)
    tiers = sample_project.query(
        "select segment from segment_summary where grouping = 'tier' order by segment_order"
    )
    assert [tier for (tier,) in tiers] == ["Platinum", "Gold", "Silver", "Bronze"]


def test_tier_cluster_comparison_matches_the_customer_table(sample_project):
    pairs = dict(
        ((tier, cluster), count)
        for tier, cluster, count in sample_project.query(
            "select rfm_tier, cluster_id, customers from tier_cluster_comparison"
        )
    )
    direct = dict(
        ((tier, cluster), count)
        for tier, cluster, count in sample_project.query(
            "select rfm_tier, cluster_id, count(*) from dim_customer_segments group by 1, 2"
        )
    )
    assert pairs == direct
    for column, partition in (("share_of_tier", "rfm_tier"), ("share_of_cluster", "cluster_id")):
        sums = sample_project.query(f"select sum({column}) from tier_cluster_comparison group by {partition}")
        assert all(total == pytest.approx(1) for (total,) in sums)


def test_published_tables_equal_the_warehouse(sample_project):
    current = sample_project.database.parent / "published" / "current"
    with duckdb.connect(str(current / "segments.duckdb"), read_only=True) as published:
        rows = published.sql("select * from dim_customer_segments order by customer_id").fetchall()
    assert rows == sample_project.query("select * from dim_customer_segments order by customer_id")
    from_parquet = duckdb.sql(f"select count(*) from '{current / 'segment_summary.parquet'}'").fetchall()[0][
        0
    ]
    assert from_parquet == sample_project.scalar("select count(*) from segment_summary")


def test_a_reader_holding_the_published_tables_does_not_block_a_build(project):
    project.build()
    published = project.database.parent / "published"
    first_version = (published / "current").resolve()
    reader = duckdb.connect(str(published / "current" / "segments.duckdb"), read_only=True)
    env = {**os.environ, "SEGMENTS_DB": str(project.database)}
    build = subprocess.Popen([DBT, "build"], cwd=project.root, env=env, stdout=subprocess.PIPE, text=True)
    reads_during_build = 0
    while build.poll() is None:
        assert reader.sql("select count(*) from dim_customer_segments").fetchall()[0][0] > 0
        with duckdb.connect(str(published / "current" / "segments.duckdb"), read_only=True) as second:
            assert second.sql("select count(*) from segment_summary").fetchall()[0][0] > 0
        reads_during_build += 1
        time.sleep(0.2)
    output = build.stdout.read()
    reader.close()
    assert build.returncode == 0, output[-4000:]
    assert reads_during_build > 5
    assert (published / "current").resolve() != first_version
