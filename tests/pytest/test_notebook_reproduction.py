"""The notebook preset on the real UCI Online Retail data reproduces every figure the notebook published.

The notebook scored 1 = best; this project scores n = best. With n bins the two map by
project = n + 1 - notebook, its cells by digit and its score sums by 3 (n + 1) - notebook sum.
"""

from __future__ import annotations

import duckdb
import pytest
import yaml
from conftest import PROJECT_DIR, DbtProject

from segmentation.project import copy_project

BINS = 4
# CustomerID: Recency, Frequency, Monetary, R, F, M, cell, sum, tier, as the notebook printed them.
NOTEBOOK_ROWS = {
    "12346": (325, 1, 77183.60, 4, 4, 1, "441", 9, "Silver"),
    "12747": (2, 103, 4196.01, 1, 1, 1, "111", 3, "Platinum"),
    "12748": (0, 4596, 33719.73, 1, 1, 1, "111", 3, "Platinum"),
    "12749": (3, 199, 4090.88, 1, 1, 1, "111", 3, "Platinum"),
    "12820": (3, 59, 942.34, 1, 2, 2, "122", 5, "Platinum"),
}
NOTEBOOK_TOP_TEN_OF_BEST_CELL = [
    "18102", "17450", "17511", "16684", "14096", "13694", "15311", "13089", "15769", "15061",
]  # fmt: skip
NOTEBOOK_CUT_POINTS = {
    "recency_days": (17, 50, 142),
    "frequency": (17, 41, 99),
    "monetary": (300.04, 651.82, 1575.89),
}


def to_project_score(notebook_score: int) -> int:
    return BINS + 1 - notebook_score


def to_project_cell(notebook_cell: str) -> str:
    return "".join(str(to_project_score(int(digit))) for digit in notebook_cell)


pytestmark = pytest.mark.slow
ONLINE_RETAIL_II_COLUMNS = {
    "invoice_id": "Invoice",
    "invoiced_at": "InvoiceDate",
    "quantity": "Quantity",
    "unit_price": "Price",
    "customer_id": "Customer ID",
    "country": "Country",
}


@pytest.fixture(scope="module")
def notebook_build(tmp_path_factory, online_retail_parquet):
    project = DbtProject(copy_project(tmp_path_factory.mktemp("notebook") / "project"))
    preset = yaml.safe_load((PROJECT_DIR / "presets" / "notebook.yml").read_text())
    project.build({**preset, "source_path": str(online_retail_parquet)})
    return project


def test_rows_used_and_customers(notebook_build):
    assert notebook_build.scalar("select sum(purchase_lines) from int_customer_rfm") == 354_345
    assert notebook_build.scalar("select sum(return_lines) from int_customer_rfm") == 0
    assert notebook_build.scalar("select count(*) from customer_rfm_scores") == 3_921
    assert notebook_build.scalar("select count(*) from transactions_rejected") == 541_909 - 354_345


def test_quartile_cut_points(notebook_build):
    for column, expected in NOTEBOOK_CUT_POINTS.items():
        cut_points = notebook_build.scalar(
            f"select quantile_cont({column}, [0.25, 0.5, 0.75]) from customer_rfm_scores"
        )
        assert cut_points == pytest.approx(expected, abs=0.005), column


def test_printed_customers(notebook_build):
    rows = notebook_build.query(
        "select customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_cell, "
        "rfm_score, rfm_tier, as_of_date from customer_rfm_scores where customer_id in "
        "('12346', '12747', '12748', '12749', '12820')"
    )
    assert len(rows) == len(NOTEBOOK_ROWS)
    for customer_id, recency, frequency, monetary, r, f, m, cell, score_sum, tier, as_of in rows:
        nb = NOTEBOOK_ROWS[customer_id]
        assert (recency, frequency) == nb[:2], customer_id
        assert monetary == pytest.approx(nb[2], abs=0.005), customer_id
        assert (r, f, m) == tuple(to_project_score(score) for score in nb[3:6]), customer_id
        assert cell == to_project_cell(nb[6]), customer_id
        assert score_sum == 3 * (BINS + 1) - nb[7], customer_id
        assert tier == nb[8], customer_id
        assert str(as_of) == "2011-12-10"


def test_top_ten_of_the_best_cell(notebook_build):
    top_ten = notebook_build.query(
        "select customer_id from customer_rfm_scores where rfm_cell = '444' order by monetary desc limit 10"
    )
    assert [customer_id for (customer_id,) in top_ten] == NOTEBOOK_TOP_TEN_OF_BEST_CELL


def test_elbow_chooses_three_clusters(notebook_build):
    assert notebook_build.query("select k from kmeans_model_selection where is_chosen") == [(3,)]
    assert notebook_build.scalar("select count(distinct cluster_id) from customer_clusters") == 3
    assert notebook_build.scalar("select count(*) from customer_clusters") == 3_921


def test_the_online_retail_ii_layout_gives_the_same_customers(
    notebook_build, online_retail_parquet, tmp_path
):
    """The Online Retail II release as people share it: other column names, no StockCode, the customer
    id a floating-point number (13085.0), the invoice date as text."""
    layout_ii = tmp_path / "online_retail_II.parquet"
    duckdb.sql(
        "copy (select InvoiceNo as Invoice, Description, Quantity, "
        "strftime(InvoiceDate, '%Y-%m-%d %H:%M:%S') as InvoiceDate, UnitPrice as Price, "
        'cast(CustomerID as double) as "Customer ID", Country '
        f"from read_parquet('{online_retail_parquet}')) to '{layout_ii}' (format parquet)"
    )
    project = DbtProject(copy_project(tmp_path / "project"))
    preset = yaml.safe_load((PROJECT_DIR / "presets" / "notebook.yml").read_text())

    project.build({**preset, "source_path": str(layout_ii), "source_columns": ONLINE_RETAIL_II_COLUMNS})

    everything = "select * from dim_customer_segments order by customer_id"
    assert project.query(everything) == notebook_build.query(everything)
    assert project.scalar("select count(*) from dim_customer_segments where customer_id = '12346'") == 1
