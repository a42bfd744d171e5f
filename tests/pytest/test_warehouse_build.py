"""`dbt build` on a copy of the project with the bundled sample: the tables hold the right numbers."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from conftest import PROJECT_DIR

SAMPLE = PROJECT_DIR / "data" / "sample" / "transactions.parquet"


def expected_rfm_with_pandas(path) -> pd.DataFrame:
    """The default rules, computed independently of the SQL: distinct purchase invoices, net spend."""
    lines = pd.read_parquet(path)
    lines = lines[lines["CustomerID"].notna() & (lines["Quantity"] != 0) & (lines["UnitPrice"] >= 0)]
    lines = lines.assign(amount=lines["Quantity"] * lines["UnitPrice"])
    purchases = lines[lines["Quantity"] > 0]
    as_of = lines["InvoiceDate"].max().normalize() + pd.Timedelta(days=1)
    per_customer = purchases.groupby("CustomerID").agg(
        last_purchase=("InvoiceDate", "max"), frequency=("InvoiceNo", "nunique")
    )
    net_spend = lines.groupby("CustomerID")["amount"].sum()
    per_customer["monetary"] = net_spend.reindex(per_customer.index)
    per_customer["recency_days"] = (as_of - per_customer["last_purchase"]).dt.days
    per_customer.index = per_customer.index.astype("int64").astype(str)
    return per_customer


def test_every_raw_row_is_used_or_rejected(sample_project):
    raw_rows = duckdb.sql(f"select count(*) from '{SAMPLE}'").fetchall()[0][0]
    used = sample_project.scalar("select sum(purchase_lines + return_lines) from int_customer_rfm")
    rejected = sample_project.scalar("select count(*) from transactions_rejected")
    assert raw_rows == 30_000
    assert used + rejected == raw_rows
    assert rejected > 0


def test_rejected_lines_carry_their_reason(sample_project):
    no_customer = duckdb.sql(f"select count(*) from '{SAMPLE}' where CustomerID is null").fetchall()[0][0]
    reasons = dict(
        sample_project.query("select rejection_reason, count(*) from transactions_rejected group by 1")
    )
    assert reasons["no customer"] == no_customer
    assert set(reasons) <= {
        "no customer",
        "zero quantity",
        "negative unit price",
        "return by a customer with no purchase",
    }


def test_rfm_values_match_an_independent_pandas_computation(sample_project):
    expected = expected_rfm_with_pandas(SAMPLE)
    actual = pd.DataFrame(
        sample_project.query(
            "select customer_id, recency_days, frequency, monetary from customer_rfm_scores"
        ),
        columns=["customer_id", "recency_days", "frequency", "monetary"],
    ).set_index("customer_id")
    assert len(actual) == len(expected)
    joined = actual.join(expected, how="inner", suffixes=("", "_expected"))
    assert len(joined) == len(expected)
    assert (joined["recency_days"] == joined["recency_days_expected"]).all()
    assert (joined["frequency"] == joined["frequency_expected"]).all()
    assert joined["monetary"].to_numpy() == pytest.approx(joined["monetary_expected"].to_numpy())


def test_ntile_scores_split_customers_evenly_and_best_is_highest(sample_project):
    customers = sample_project.scalar("select count(*) from customer_rfm_scores")
    for score in ("r_score", "f_score", "m_score"):
        sizes = dict(sample_project.query(f"select {score}, count(*) from customer_rfm_scores group by 1"))
        assert sorted(sizes) == [1, 2, 3, 4]
        assert max(sizes.values()) - min(sizes.values()) <= 1
        assert sum(sizes.values()) == customers
    most_recent = sample_project.scalar(
        "select r_score from customer_rfm_scores order by recency_days, customer_id limit 1"
    )
    biggest_spender = sample_project.scalar(
        "select m_score from customer_rfm_scores order by monetary desc, customer_id desc limit 1"
    )
    assert most_recent == 4 and biggest_spender == 4


def test_tiers_are_ordered_by_score_sum(sample_project):
    tiers = sample_project.query(
        "select rfm_tier, min(rfm_score), max(rfm_score), count(*) from customer_rfm_scores "
        "group by rfm_tier order by min(rfm_tier_rank)"
    )
    assert [tier for tier, *_ in tiers] == ["Platinum", "Gold", "Silver", "Bronze"]
    for better, worse in zip(tiers, tiers[1:], strict=False):
        assert better[1] > worse[2], "a better tier never holds a lower score sum"
    for score_sum, tier_count in sample_project.query(
        "select rfm_score, count(distinct rfm_tier) from customer_rfm_scores group by 1"
    ):
        assert tier_count == 1, f"score sum {score_sum} is split across tiers"


def test_bad_var_stops_before_any_table_is_replaced(project):
    project.build()
    before = project.query("select * from customer_rfm_scores order by customer_id")
    result = project.dbt("build", {"score_bins": 12, "as_of_date": "2023-01-15"})
    assert result.returncode != 0
    assert "score_bins must be a whole number from 2 to 9" in result.stdout
    assert project.query("select * from customer_rfm_scores order by customer_id") == before


def test_missing_source_file_is_named(project):
    result = project.dbt("build", {"source_path": "nowhere/*.parquet"})
    assert result.returncode != 0
    assert "No file matches source_path 'nowhere/*.parquet'" in result.stdout


def test_as_of_date_rejects_later_rows_and_moves_recency(project):
    project.build({"as_of_date": "2022-07-01"})
    later_rows = duckdb.sql(
        f"select count(*) from '{SAMPLE}' where InvoiceDate >= date '2022-07-01' and CustomerID is not null"
    ).fetchall()[0][0]
    reasons = dict(project.query("select rejection_reason, count(*) from transactions_rejected group by 1"))
    assert reasons["on or after the as-of date"] > 0
    assert reasons["on or after the as-of date"] <= later_rows
    assert (
        project.scalar("select max(last_purchase_date) from customer_rfm_scores")
        < pd.Timestamp("2022-07-01").date()
    )
    assert project.scalar("select count(distinct as_of_date) from customer_rfm_scores") == 1
