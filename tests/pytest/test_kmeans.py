"""Unit tests of segmentation.kmeans: features, choice of k, cluster ranking, stability, edges."""

import math

import numpy as np
import pyarrow as pa
import pytest

from segmentation.kmeans import (
    SegmentationError,
    SegmentationRun,
    assign_to_nearest,
    choose_elbow_k,
    customer_ids_and_features,
    fit_clusters,
    kneedle_elbow,
    prepare_features,
    prepare_features_with_scaling,
    run_segmentation,
    segment_customers,
    select_k,
)

BLOB_SIZE = 50


def rfm_table(recency, frequency, monetary, customer_id=None) -> pa.Table:
    if customer_id is None:
        customer_id = [f"c{index:05d}" for index in range(len(recency))]
    return pa.table(
        {
            "customer_id": pa.array(customer_id),
            "recency_days": pa.array(recency),
            "frequency": pa.array(frequency),
            "monetary": pa.array(monetary, pa.float64()),
        }
    )


def blobs_in_log_space(centres_log, seed=7, spread=0.05):
    """RFM columns whose logs form one tight blob per centre; also the blob index per row."""
    rng = np.random.default_rng(seed)
    log_rows = np.vstack(
        [centre + rng.normal(0.0, spread, (BLOB_SIZE, 3)) for centre in np.asarray(centres_log)]
    )
    blob = np.repeat(np.arange(len(centres_log)), BLOB_SIZE)
    recency, frequency, monetary = np.exp(log_rows).T
    return recency, frequency, monetary, blob


def tetrahedron_blobs():
    """Four blobs, all equally far apart: merging any two costs the same, so the elbow is 4."""
    corners = np.array([(-1, 1, 1), (-1, -1, -1), (1, 1, -1), (1, -1, 1)], dtype=float)
    return blobs_in_log_space(np.log([30.0, 10.0, 300.0]) + corners)


def ranked_blobs():
    """Blob 0 is best (recent, frequent, big spenders), blob 3 worst, two in between."""
    centres = np.log([[5, 200, 5000], [40, 30, 800], [120, 8, 150], [300, 1.5, 20]])
    return blobs_in_log_space(centres)


def assert_one_cluster_per_blob(cluster_id, blob):
    for index in np.unique(blob):
        assert np.unique(cluster_id[blob == index]).size == 1
    assert np.unique(cluster_id).size == np.unique(blob).size


# ---- features --------------------------------------------------------------------------------


def test_prepare_features_matches_the_hand_computed_log_and_standard_scaling():
    features = prepare_features([1, 10, 100], [1, 2, 4], [0.0, 10.0, 1000.0])

    # recency logs 0, ln10, 2 ln10 and frequency logs 0, ln2, 2 ln2: mean in the middle,
    # population std = step * sqrt(2/3), so z = -sqrt(3/2), 0, sqrt(3/2).
    step = math.sqrt(1.5)
    # monetary 0 counts as 1: logs 0, ln10, 3 ln10, mean 4/3 ln10, std sqrt(14)/3 ln10.
    root14 = math.sqrt(14.0)
    expected = np.array(
        [
            [-step, -step, -4 / root14],
            [0.0, 0.0, -1 / root14],
            [step, step, 5 / root14],
        ]
    )
    assert features.dtype == np.float64
    assert features.shape == (3, 3)
    np.testing.assert_allclose(features, expected, rtol=0, atol=1e-12)


def test_a_constant_column_becomes_zero_not_nan():
    features = prepare_features([1, 10, 100], [3, 3, 3], [5.0, 6.0, 7.0])

    assert not np.isnan(features).any()
    np.testing.assert_array_equal(features[:, 1], [0.0, 0.0, 0.0])


def test_non_positive_values_are_treated_as_one_before_the_log():
    with_negative = prepare_features([0, 10, 20], [1, 2, 3], [-5.0, 100.0, 200.0])
    with_ones = prepare_features([1, 10, 20], [1, 2, 3], [1.0, 100.0, 200.0])

    np.testing.assert_array_equal(with_negative, with_ones)


def test_non_positive_values_are_an_error_when_replacement_is_off():
    with pytest.raises(SegmentationError, match="'monetary' has 1 values <= 0"):
        prepare_features([1, 2], [1, 2], [-5.0, 3.0], replace_nonpositive=False)


def test_the_callers_arrays_are_not_modified():
    monetary = np.array([-5.0, 3.0, 4.0])
    prepare_features(np.array([1, 2, 3]), np.array([1, 2, 3]), monetary)

    np.testing.assert_array_equal(monetary, [-5.0, 3.0, 4.0])


def test_nan_is_an_error_naming_the_column():
    with pytest.raises(SegmentationError, match="'monetary' has 1 missing"):
        prepare_features([1, 2, 3], [1, 2, 3], [1.0, float("nan"), 3.0])


def test_a_null_in_the_table_is_an_error_naming_the_table_column():
    table = rfm_table(pa.array([1, None, 3], pa.int32()), [1, 2, 3], [1.0, 2.0, 3.0])

    with pytest.raises(SegmentationError, match="'recency_days' has 1 missing"):
        segment_customers(table)


def test_nan_in_a_feature_array_is_an_error_naming_the_feature():
    features = np.zeros((4, 3))
    features[2, 1] = np.nan

    with pytest.raises(SegmentationError, match=r"column 1 \(frequency\)"):
        fit_clusters(features, 1)


# ---- choosing k ------------------------------------------------------------------------------


def test_kneedle_finds_the_elbow_of_a_known_curve():
    ks = list(range(1, 10))
    inertias = [1000, 400, 100, 80, 65, 55, 48, 43, 40]

    assert choose_elbow_k(ks, inertias, [None] * 9) == (3, "kneedle")


def test_kneedle_gives_the_knee_of_the_kneed_package_on_random_curves():
    # kneed is the reference implementation of kneedle; the package has its own to skip kneed's import.
    import warnings

    from kneed import KneeLocator

    rng = np.random.default_rng(7)
    found = 0
    for _ in range(2000):
        count = int(rng.integers(3, 12))
        ks = sorted((rng.choice(30, count, replace=False) + 1).tolist())
        shapes = (
            np.sort(rng.random(count))[::-1] * 1e5,
            1 / np.array(ks, dtype=float) ** rng.uniform(0.2, 3) + rng.normal(0, 0.02, count),
            np.round(rng.random(count) * 5),  # not monotone, with flat stretches
        )
        for inertias in shapes:
            if inertias.max() == inertias.min():
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = KneeLocator(ks, inertias, curve="convex", direction="decreasing").knee
            assert kneedle_elbow(ks, inertias) == expected, (ks, inertias.tolist())
            found += expected is not None
    assert found > 3000


def test_a_straight_curve_falls_back_to_the_best_silhouette():
    ks = list(range(1, 10))
    inertias = [90, 80, 70, 60, 50, 40, 30, 20, 10]
    silhouettes = [None, 0.3, 0.5, 0.6, 0.6, 0.2, 0.1, 0.1, 0.1]

    # 4 and 5 tie on silhouette: the smaller k wins.
    assert choose_elbow_k(ks, inertias, silhouettes) == (4, "best_silhouette")


def test_a_flat_curve_without_silhouettes_falls_back_to_the_smallest_k():
    assert choose_elbow_k([2, 3, 4], [5.0, 5.0, 5.0], [None, None, None]) == (2, "smallest_k")


def test_auto_picks_four_for_four_equidistant_blobs():
    recency, frequency, monetary, blob = tetrahedron_blobs()
    features = prepare_features(recency, frequency, monetary)

    selection = select_k(features)

    assert (selection.chosen_k, selection.method) == (4, "kneedle")
    assert [point.k for point in selection.curve] == list(range(1, 10))
    inertias = [point.inertia for point in selection.curve]
    assert inertias[0] == pytest.approx(features.shape[0] * 3)  # scaled columns: variance 1
    assert inertias[3] < 0.01 * inertias[2]
    silhouettes = [point.silhouette for point in selection.curve]
    assert silhouettes[0] is None
    assert max(silhouettes[1:]) == silhouettes[3] > 0.9
    assert_one_cluster_per_blob(fit_clusters(features, selection.chosen_k).cluster_id, blob)


def test_an_explicit_k_is_chosen_and_the_curve_is_still_computed():
    recency, frequency, monetary, _ = tetrahedron_blobs()
    features = prepare_features(recency, frequency, monetary)

    selection = select_k(features, k=2)
    widened = select_k(features, k_min=2, k_max=4, k=6)

    assert (selection.chosen_k, selection.method) == (2, "explicit")
    assert [point.k for point in selection.curve] == list(range(1, 10))
    assert [point.k for point in widened.curve] == [2, 3, 4, 5, 6]
    assert widened.chosen_k == 6


def test_the_k_range_is_clipped_to_the_distinct_customers():
    table = rfm_table([1, 1, 50, 50, 300, 300], [9, 9, 3, 3, 1, 1], [900.0, 900, 90, 90, 9, 9])

    run = run_segmentation(table)

    assert run.selection_table.column("k").to_pylist() == [1, 2, 3]
    # Three points give kneedle no knee; k=3 separates the pairs perfectly (silhouette 1).
    assert (run.selection.chosen_k, run.selection.method) == (3, "best_silhouette")
    assert run.selection.curve[2].silhouette == pytest.approx(1.0)
    assert run.assignment_table.column("cluster_id").to_pylist() == [1, 1, 2, 2, 3, 3]


# ---- clusters --------------------------------------------------------------------------------


def test_the_best_blob_is_cluster_one_and_the_worst_is_cluster_k():
    recency, frequency, monetary, blob = ranked_blobs()
    features, scaling = prepare_features_with_scaling(recency, frequency, monetary)

    clusters = fit_clusters(features, 4, scaling=scaling)

    np.testing.assert_array_equal(clusters.cluster_id, blob + 1)
    assert clusters.cluster_id.dtype == np.int32


def test_centroids_in_original_units_are_geometric_means_of_the_cluster():
    recency, frequency, monetary, blob = ranked_blobs()
    features, scaling = prepare_features_with_scaling(recency, frequency, monetary)

    clusters = fit_clusters(features, 4, scaling=scaling)

    best = blob == 0
    expected = [np.exp(np.log(column[best]).mean()) for column in (recency, frequency, monetary)]
    np.testing.assert_allclose(clusters.centroids_original[0], expected, rtol=1e-9)


def test_distances_are_euclidean_to_the_nearest_centroid_in_scaled_space():
    recency, frequency, monetary, _ = ranked_blobs()
    features = prepare_features(recency, frequency, monetary)

    clusters = fit_clusters(features, 3)

    all_distances = np.linalg.norm(features[:, np.newaxis, :] - clusters.centroids_scaled[np.newaxis], axis=2)
    np.testing.assert_allclose(clusters.distance_to_centroid, all_distances.min(axis=1))
    np.testing.assert_array_equal(clusters.cluster_id, all_distances.argmin(axis=1) + 1)


def test_assignment_ties_go_to_the_better_ranked_cluster():
    centroids = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])

    nearest, distance = assign_to_nearest(np.zeros((1, 3)), centroids)

    assert nearest.tolist() == [0]
    assert distance.tolist() == [1.0]


def test_same_input_and_seed_give_identical_labels_and_distances():
    recency, frequency, monetary, _ = ranked_blobs()
    table = rfm_table(recency, frequency, monetary)

    first = segment_customers(table, k_max=5)
    second = segment_customers(table, k_max=5)

    assert first[0].equals(second[0])
    assert first[1].equals(second[1])


@pytest.mark.parametrize(
    "sizes",
    [
        {},
        {"sample_size": 60, "silhouette_sample_size": 30, "fit_sample_size": 90},
    ],
    ids=["all_rows", "sampled"],
)
def test_permuting_the_rows_gives_each_customer_the_same_cluster(sizes):
    recency, frequency, monetary, _ = ranked_blobs()
    table = rfm_table(recency, frequency, monetary)
    shuffled = table.take(np.random.default_rng(3).permutation(table.num_rows))

    original = run_segmentation(table, k_max=6, **sizes)
    permuted = run_segmentation(shuffled, k_max=6, **sizes)

    def by_customer(run):
        rows = run.assignment_table.to_pylist()
        return {row["customer_id"]: (row["cluster_id"], row["distance_to_centroid"]) for row in rows}

    assert original.selection.chosen_k == permuted.selection.chosen_k
    assert by_customer(original) == by_customer(permuted)
    assert original.selection_table.equals(permuted.selection_table)


def test_sample_keys_draw_the_same_sample_in_any_row_order():
    recency, frequency, monetary, blob = ranked_blobs()
    features = prepare_features(recency, frequency, monetary)
    keys = np.random.default_rng(5).permutation(len(features)).astype(np.uint64) * np.uint64(2654435761)
    order = np.random.default_rng(6).permutation(len(features))
    options = {"k": 4, "sample_size": 60, "silhouette_sample_size": 30}

    original = select_k(features, sample_keys=keys, **options)
    permuted = select_k(features[order], sample_keys=keys[order], **options)
    clusters = fit_clusters(features[order], 4, fit_sample_size=90, sample_keys=keys[order])

    assert original.to_arrow().equals(permuted.to_arrow())
    assert original.sample_rows == 60 and clusters.seed_rows == 90
    np.testing.assert_array_equal(clusters.cluster_id, blob[order] + 1)


def test_sample_keys_of_the_wrong_length_are_a_clear_error():
    features = prepare_features([1.0, 2.0, 3.0], [1, 2, 3], [1.0, 2.0, 3.0])

    with pytest.raises(SegmentationError, match="sample_keys must be 3 integers"):
        select_k(features, sample_keys=np.arange(2))


def test_sampled_fitting_still_assigns_every_customer():
    recency, frequency, monetary, blob = ranked_blobs()
    table = rfm_table(recency, frequency, monetary)

    run = run_segmentation(table, k=4, sample_size=60, silhouette_sample_size=30, fit_sample_size=90)

    assert run.selection.sample_rows == 60
    assert run.clusters.seed_rows == 90
    np.testing.assert_array_equal(run.clusters.cluster_id, blob + 1)


# ---- edge cases ------------------------------------------------------------------------------


def test_no_customers_is_a_clear_error():
    table = rfm_table(pa.array([], pa.int32()), pa.array([], pa.int64()), [])

    with pytest.raises(SegmentationError, match="^no customers to cluster: "):
        segment_customers(table)
    with pytest.raises(SegmentationError, match="^no customers to cluster: "):
        select_k(np.empty((0, 3)))


def test_a_single_customer_is_one_cluster_at_distance_zero():
    run = run_segmentation(rfm_table([12], [3], [45.5]))

    assert run.selection_table.to_pylist() == [
        {"k": 1, "inertia": 0.0, "silhouette": None, "is_chosen": True}
    ]
    assert run.assignment_table.to_pylist() == [
        {"customer_id": "c00000", "cluster_id": 1, "distance_to_centroid": 0.0}
    ]
    np.testing.assert_allclose(run.clusters.centroids_original, [[12.0, 3.0, 45.5]], rtol=1e-12)


def test_identical_customers_fall_back_to_one_cluster():
    table = rfm_table([7] * 20, [2] * 20, [19.99] * 20)

    run = run_segmentation(table)

    assert run.selection.chosen_k == 1
    assert run.selection_table.column("k").to_pylist() == [1]
    assert set(run.assignment_table.column("cluster_id").to_pylist()) == {1}
    assert set(run.assignment_table.column("distance_to_centroid").to_pylist()) == {0.0}
    assert run.clusters.centroids_original[0] == pytest.approx([7, 2, 19.99])


def test_identical_customers_with_an_explicit_k_above_one_is_an_error():
    table = rfm_table([7] * 20, [2] * 20, [19.99] * 20)

    with pytest.raises(SegmentationError, match="k=2 clusters requested but there are only 1 "):
        segment_customers(table, k=2)


def test_fewer_distinct_customers_than_k_names_both_numbers():
    table = rfm_table([1, 1, 50, 300], [9, 9, 3, 1], [900.0, 900.0, 90.0, 9.0])

    with pytest.raises(SegmentationError, match="k=5 clusters requested but there are only 3 "):
        segment_customers(table, k=5)
    with pytest.raises(SegmentationError, match="k=4 .* only 3 distinct"):
        fit_clusters(prepare_features([1, 1, 50, 300], [9, 9, 3, 1], [900, 900, 90, 9]), 4)


def test_a_sample_missing_the_rare_customers_says_so_and_auto_still_works():
    # 9997 identical customers and 3 rare ones: a 10-row sample almost surely sees only the former.
    common = 9997
    table = rfm_table(
        [10] * common + [1, 100, 300], [5] * common + [50, 2, 1], [100.0] * common + [9e3, 30, 5]
    )

    with pytest.raises(SegmentationError, match="k=3 .* 10-row sample .* only 1 distinct"):
        segment_customers(table, k=3, sample_size=10)
    selection, assignment = segment_customers(table, sample_size=10)

    assert selection.column("k").to_pylist() == [1]
    assert set(assignment.column("cluster_id").to_pylist()) == {1}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"k_min": 0}, "k_min must be >= 1"),
        ({"k_min": 5, "k_max": 3}, r"k_max \(3\) must be >= k_min \(5\)"),
        ({"k": "3"}, "k must be 'auto' or a positive integer"),
        ({"k": 2.5}, "k must be 'auto' or a positive integer"),
        ({"k": True}, "k must be 'auto' or a positive integer"),
        ({"k": 0}, "k must be >= 1"),
        ({"seed": -1}, "seed must be >= 0"),
    ],
)
def test_invalid_parameters_are_clear_errors(options, message):
    table = rfm_table([1, 50, 300], [9, 3, 1], [900.0, 90.0, 9.0])

    with pytest.raises(SegmentationError, match=message):
        segment_customers(table, **options)


def test_a_missing_column_is_named():
    table = pa.table({"customer_id": ["a"], "recency_days": [1], "frequency": [1]})

    with pytest.raises(SegmentationError, match=r"lacks column\(s\) \['monetary'\]"):
        segment_customers(table)


# ---- output tables ---------------------------------------------------------------------------


def test_output_tables_have_exact_schemas_and_one_chosen_k():
    recency, frequency, monetary, _ = ranked_blobs()
    # Integer ids and a RecordBatchReader (what DuckDB's .arrow() returns) are accepted.
    table = rfm_table(recency, frequency, monetary, customer_id=list(range(len(recency))))

    run = run_segmentation(pa.RecordBatchReader.from_batches(table.schema, table.to_batches()))

    assert run.selection_table.schema == pa.schema(
        [
            ("k", pa.int32()),
            ("inertia", pa.float64()),
            ("silhouette", pa.float64()),
            ("is_chosen", pa.bool_()),
        ]
    )
    assert run.selection_table.column("is_chosen").to_pylist().count(True) == 1
    assert run.selection_table.column("silhouette").to_pylist()[0] is None
    assert run.assignment_table.schema == pa.schema(
        [
            ("customer_id", pa.string()),
            ("cluster_id", pa.int32()),
            ("distance_to_centroid", pa.float64()),
        ]
    )
    assert run.assignment_table.column("customer_id").to_pylist()[:3] == ["0", "1", "2"]


def test_the_pieces_used_by_separate_dbt_models_give_the_same_tables_as_one_run():
    recency, frequency, monetary, _ = ranked_blobs()
    table = rfm_table(recency, frequency, monetary)

    customer_id, features, scaling = customer_ids_and_features(table)
    selection = select_k(features, k="auto")
    clusters = fit_clusters(features, selection.chosen_k, scaling=scaling)
    run = run_segmentation(table)

    assert selection.to_arrow().equals(run.selection_table)
    assert SegmentationRun.assignment_of(customer_id, clusters).equals(run.assignment_table)
