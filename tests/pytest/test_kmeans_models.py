"""The K-means dbt Python models on the sample: deterministic tables, explicit k, profiles that agree."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from segmentation import kmeans

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


def test_profiles_match_the_package_fit(sample_project):
    rfm = sample_project.query(
        "select customer_id, recency_days, frequency, monetary from customer_rfm_scores"
    )
    table = pa.table(dict(zip(kmeans.INPUT_COLUMNS, map(list, zip(*rfm, strict=True)), strict=True)))
    k = sample_project.scalar("select k from kmeans_model_selection where is_chosen")
    _, features, scaling = kmeans.customer_ids_and_features(table)
    fit = kmeans.fit_clusters(features, k, 42, scaling=scaling)

    profiles = sample_project.query(
        "select centroid_recency_days, centroid_frequency, centroid_monetary, customers "
        "from cluster_profiles order by cluster_id"
    )
    raw = np.column_stack([table.column(name).to_numpy() for name in kmeans.INPUT_COLUMNS[1:]]).astype(float)
    logs = np.log(np.where(raw <= 0, 1.0, raw))
    member_centres = [np.exp(logs[fit.cluster_id == cluster].mean(axis=0)) for cluster in range(1, k + 1)]
    centres = np.array([row[:3] for row in profiles])
    assert centres == pytest.approx(np.array(member_centres), rel=1e-9)
    assert centres == pytest.approx(fit.centroids_original, rel=0.05)
    assert [row[3] for row in profiles] == np.bincount(fit.cluster_id)[1:].tolist()


def test_cluster_one_holds_the_best_customers(sample_project):
    best, worst = sample_project.query(
        "select median_recency_days, mean_frequency, mean_monetary from cluster_profiles "
        "where cluster_id in (1, (select max(cluster_id) from cluster_profiles)) order by cluster_id"
    )
    assert best[0] < worst[0] and best[1] > worst[1] and best[2] > worst[2]
