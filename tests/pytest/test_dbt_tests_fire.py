"""The project's own dbt tests can fail: each is run on a built warehouse that was tampered with in the
way it guards against, and must then fail (and pass on the untouched copy)."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest
from conftest import DbtProject

TAMPERINGS = {
    "a raw line lost from the accounting": (
        "update transactions_rejected_summary set rejected_lines = rejected_lines - 1 "
        "where rejection_reason = 'no customer'",
        "assert_raw_rows_reconcile",
    ),
    "a customer twice in the dim": (
        "insert into dim_customer_segments select * from dim_customer_segments limit 1",
        "unique_dim_customer_segments_customer_id",
    ),
    "a scored customer without a cluster": (
        "delete from customer_clusters where customer_id = (select min(customer_id) from customer_clusters)",
        "assert_every_customer_has_a_cluster",
    ),
    "a better recency with a lower score": (
        "update customer_rfm_scores set r_score = 1 where customer_id = "
        "(select customer_id from customer_rfm_scores order by recency_days, customer_id limit 1)",
        "assert_scores_follow_values",
    ),
    "two chosen k": (
        "update kmeans_model_selection set is_chosen = true where k <= 2",
        "assert_exactly_one_chosen_k",
    ),
    "a hole in the named-segment grid": (
        "delete from rfm_segment_map where r_quintile = 3 and fm_quintile = 3",
        "assert_segment_map_covers_the_grid",
    ),
    "a grain broken in the summary": (
        "insert into segment_summary select * from segment_summary where grouping = 'tier' limit 1",
        "unique_grain_segment_summary_grouping__segment",
    ),
    "a customer without a lifetime value": (
        "delete from customer_lifetime_value "
        "where customer_id = (select min(customer_id) from customer_lifetime_value)",
        "assert_every_customer_has_a_lifetime_value",
    ),
}


def run_test(project: DbtProject, name: str):
    return project.dbt("test", None, "--select", name)


@pytest.mark.parametrize("case", TAMPERINGS, ids=list(TAMPERINGS))
def test_the_guarding_test_fails_on_tampered_data(sample_project, tmp_path, case):
    tampering, test_name = TAMPERINGS[case]
    copy = DbtProject(shutil.copytree(sample_project.root, tmp_path / "copy", symlinks=True))
    assert run_test(copy, test_name).returncode == 0, f"{test_name} fails on the untouched build"

    with duckdb.connect(str(copy.database)) as connection:
        connection.execute(tampering)
    result = run_test(copy, test_name)

    assert result.returncode != 0
    assert re.search(rf"FAIL \d+ {test_name} ", result.stdout), result.stdout[-3000:]
