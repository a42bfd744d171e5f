"""The K-means dbt Python models on the sample: deterministic tables, explicit k, profiles that agree."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from segmentation.dbt_models import centroids_table
from segmentation.import_plugin import MODEL_LIBRARIES

CLUSTERS = "select customer_id, cluster_id, distance_to_centroid from customer_clusters order by customer_id"
CURVE = "select k, inertia, silhouette, is_chosen from kmeans_model_selection order by k"


def test_two_builds_give_identical_cluster_tables(project):
    project.build()
    first = (project.query(CLUSTERS), project.query(CURVE))
    project.build()
    assert (project.query(CLUSTERS), project.query(CURVE)) == first
    assert len(first[0]) == project.scalar("select count(*) from customer_rfm_scores")


def test_explicit_k_is_used_and_the_curve_is_kept(project):
    project.build({"kmeans_k": 5, "kmeans_k_max": 6})
    assert project.query("select k from kmeans_model_selection where is_chosen") == [(5,)]
    assert [k for (k,) in project.query("select k from kmeans_model_selection order by k")] == list(
        range(1, 7)
    )
    assert project.query("select distinct cluster_id from customer_clusters order by 1") == [
        (cluster,) for cluster in range(1, 6)
    ]


def test_sample_curve_decreases_and_has_silhouettes(sample_project):
    curve = sample_project.query(CURVE)
    inertias = [inertia for _, inertia, _, _ in curve]
    assert [k for k, *_ in curve] == list(range(1, 10))
    assert all(later < earlier for earlier, later in zip(inertias, inertias[1:], strict=False))
    assert curve[0][2] is None and all(-1 <= silhouette <= 1 for _, _, silhouette, _ in curve[1:])
    assert sum(is_chosen for *_, is_chosen in curve) == 1


def test_the_stored_fit_is_the_package_fit_and_the_profiles_show_it(sample_project):
    with duckdb.connect(str(sample_project.database), read_only=True) as connection:
        features = connection.sql("select * from int_customer_kmeans_features").arrow().read_all()
        stored = connection.sql("select * from kmeans_centroids order by cluster_id").arrow().read_all()
    k = sample_project.scalar("select k from kmeans_model_selection where is_chosen")

    assert centroids_table(features, k, seed=42).equals(stored)
    profiles = sample_project.query(
        "select centroid_recency_days, centroid_frequency, centroid_monetary, customers "
        "from cluster_profiles order by cluster_id"
    )
    expected_sizes = sample_project.query(
        "select count(*) from customer_clusters group by cluster_id order by cluster_id"
    )
    assert [row[:3] for row in profiles] == [
        (row["centroid_recency_days"], row["centroid_frequency"], row["centroid_monetary"])
        for row in stored.to_pylist()
    ]
    assert [(row[3],) for row in profiles] == expected_sizes


def test_cluster_one_holds_the_best_customers(sample_project):
    best, worst = sample_project.query(
        "select median_recency_days, mean_frequency, mean_monetary from cluster_profiles "
        "where cluster_id in (1, (select max(cluster_id) from cluster_profiles)) order by cluster_id"
    )
    assert best[0] < worst[0] and best[1] > worst[1] and best[2] > worst[2]


CENTROIDS = "select * exclude (fit_reason) from kmeans_centroids order by cluster_id"
FIT = "select distinct customers_fitted, fit_reason from kmeans_centroids"


def _sample_without_customers(project, percent: int) -> str:
    """The bundled sample without the customers whose key hashes into the lowest ``percent`` of 100."""
    path = project.root / f"sample_without_{percent}pct.parquet"
    duckdb.sql(
        f"copy (select * from '{project.root / 'data/sample/transactions.parquet'}' "
        f"where CustomerID is null or hash(CustomerID) % 100 >= {percent}) to '{path}' (format parquet)"
    )
    return str(path)


def test_auto_refit_keeps_the_stored_fit_until_the_customers_change_by_more_than_the_threshold(project):
    auto = {"kmeans_refit": "auto", "kmeans_refit_change": 0.10}
    project.build(auto)
    first_centroids = project.query(CENTROIDS)
    customers = project.scalar("select count(*) from customer_clusters")
    assert project.query(FIT) == [(customers, "refit: no stored fit with its customer count")]

    project.build({**auto, "source_path": _sample_without_customers(project, 3)})
    fewer = project.scalar("select count(*) from customer_clusters")
    assert 0.9 * customers <= fewer < customers
    assert project.query("select k from kmeans_model_selection where is_chosen") == [(len(first_centroids),)]
    assert project.query(CENTROIDS) == first_centroids  # bit-identical: the stored rows, scaling included
    [(fitted, reason)] = project.query(FIT)
    assert fitted == customers and reason.startswith("kept: customer count changed by")

    project.build({**auto, "source_path": _sample_without_customers(project, 30)})
    much_fewer = project.scalar("select count(*) from customer_clusters")
    assert much_fewer < 0.9 * customers
    [(fitted, reason)] = project.query(FIT)
    assert fitted == much_fewer and reason.startswith("refit: ")
    assert project.query(CENTROIDS) != first_centroids


def test_always_refits_every_build(project):
    project.build()
    project.build({"source_path": _sample_without_customers(project, 3)})
    fewer = project.scalar("select count(*) from customer_clusters")
    assert project.query(FIT) == [(fewer, "refit: kmeans_refit is always")]


def test_a_bad_refit_var_stops_the_build_naming_it(project):
    result = project.dbt("build", {"kmeans_refit": "sometimes"})
    assert result.returncode != 0
    assert "kmeans_refit must be one of always, auto; got 'sometimes'" in result.stdout


def test_the_import_plugin_loads_the_model_libraries_in_the_background():
    # A fresh interpreter: the test process has imported scikit-learn already.
    check = (
        "import sys\n"
        "from segmentation.import_plugin import MODEL_LIBRARIES, Plugin\n"
        "assert 'sklearn' not in sys.modules\n"
        "Plugin(name='import_model_libraries', plugin_config={})\n"
        "[thread] = [t for t in __import__('threading').enumerate() if t.name == 'import-model-libraries']\n"
        "thread.join()\n"
        "print(sorted(name for name in MODEL_LIBRARIES if name in sys.modules))\n"
    )
    printed = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == str(sorted(MODEL_LIBRARIES))
