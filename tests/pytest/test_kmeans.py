"""Unit tests of segmentation.kmeans and the dbt glue that calls it: scaling, choice of k, cluster
ranking, stability, edge cases. Tests feed log features, as int_customer_kmeans_features does."""

import math

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from segmentation.dbt_models import (
    KMEANS_FIT_COLUMNS,
    KMeansOptions,
    RefitOptions,
    SampledTable,
    centroids_table,
    chosen_k,
    cluster_assignment_table,
    model_selection_table,
)
from segmentation.kmeans import (
    SegmentationError,
    assign_to_nearest,
    choose_elbow_k,
    fit_centroids,
    fit_decision,
    kneedle_elbow,
    sample_row_indices,
    scaled_features,
    scaled_sample,
    select_k,
)

BLOB_SIZE = 50
DEFAULTS = {
    "k": "auto",
    "k_min": 1,
    "k_max": 9,
    "seed": 42,
    "sample_size": 50_000,
    "silhouette_sample_size": 2_000,
}


def feature_table(log_rows, customer_id=None, sample_key=None) -> pa.Table:
    """What int_customer_kmeans_features gives the Python models, from rows of log features."""
    log_rows = np.asarray(log_rows, dtype=float).reshape(-1, 3)
    count = len(log_rows)
    if customer_id is None:
        customer_id = [f"c{index:05d}" for index in range(count)]
    if sample_key is None:
        sample_key = np.arange(count, dtype=np.uint64) * np.uint64(2654435761)
    values = np.exp(log_rows)
    return pa.table(
        {
            "customer_id": pa.array(customer_id, pa.string()),
            "sample_key": pa.array(sample_key, pa.uint64()),
            "recency_days": pa.array(np.round(values[:, 0]).astype(np.int32)),
            "frequency": pa.array(np.round(values[:, 1]).astype(np.int64)),
            "monetary": pa.array(values[:, 2]),
            "log_recency": pa.array(log_rows[:, 0]),
            "log_frequency": pa.array(log_rows[:, 1]),
            "log_monetary": pa.array(log_rows[:, 2]),
        }
    )


def segment(table, **options):
    """The three K-means models as dbt runs them: the curve, the centroids, the assignment."""
    options = KMeansOptions(**{**DEFAULTS, **options})
    selection = model_selection_table(table, options)
    centroids = centroids_table(table, chosen_k(selection), seed=options.seed)
    return selection, centroids, cluster_assignment_table(table, centroids)


def blobs_in_log_space(centres_log, seed=7, spread=0.05):
    """Log features forming one tight blob per centre; also the blob index per row."""
    rng = np.random.default_rng(seed)
    log_rows = np.vstack(
        [centre + rng.normal(0.0, spread, (BLOB_SIZE, 3)) for centre in np.asarray(centres_log)]
    )
    return log_rows, np.repeat(np.arange(len(centres_log)), BLOB_SIZE)


def tetrahedron_blobs():
    """Four blobs, all equally far apart: merging any two costs the same, so the elbow is 4."""
    corners = np.array([(-1, 1, 1), (-1, -1, -1), (1, 1, -1), (1, -1, 1)], dtype=float)
    return blobs_in_log_space(np.log([30.0, 10.0, 300.0]) + corners)


def ranked_blobs():
    """Blob 0 is best (recent, frequent, big spenders), blob 3 worst, two in between."""
    return blobs_in_log_space(np.log([[5, 200, 5000], [40, 30, 800], [120, 8, 150], [300, 1.5, 20]]))


def keys_of(table):
    return table.column("sample_key").to_numpy()


def assert_one_cluster_per_blob(cluster_id, blob):
    for index in np.unique(blob):
        assert np.unique(cluster_id[blob == index]).size == 1
    assert np.unique(cluster_id).size == np.unique(blob).size


# ---- scaling ---------------------------------------------------------------------------------


def test_scaling_matches_the_hand_computed_standard_scaling():
    ln10, ln2 = math.log(10), math.log(2)
    features, scaling = scaled_features(
        feature_table([[0, 0, 0], [ln10, ln2, ln10], [2 * ln10, 2 * ln2, 3 * ln10]])
    )

    # logs 0, 1, 2 steps: mean in the middle, population std = step * sqrt(2/3), z = -sqrt(3/2), 0, sqrt(3/2);
    # monetary logs 0, 1, 3 (x ln10): mean 4/3 ln10, std sqrt(14)/3 ln10.
    step, root14 = math.sqrt(1.5), math.sqrt(14.0)
    expected = np.array([[-step, -step, -4 / root14], [0.0, 0.0, -1 / root14], [step, step, 5 / root14]])
    np.testing.assert_allclose(features, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(scaling.mean, [ln10, ln2, 4 / 3 * ln10], rtol=1e-12)


def test_a_constant_column_becomes_zero_not_nan():
    features, scaling = scaled_features(feature_table([[0, 1, 5], [1, 1, 6], [2, 1, 7]]))

    np.testing.assert_array_equal(features[:, 1], [0.0, 0.0, 0.0])
    assert scaling.scale[1] == 1.0


def test_a_null_feature_is_an_error_naming_the_column():
    table = feature_table([[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    table = table.set_column(6, "log_frequency", pa.array([1.0, None, 3.0]))

    with pytest.raises(SegmentationError, match="'log_frequency' has 1 missing"):
        segment(table)


def test_nan_in_a_feature_array_is_an_error_naming_the_feature():
    features = np.zeros((4, 3))
    features[2, 1] = np.nan

    with pytest.raises(SegmentationError, match=r"column 1 \(frequency\)"):
        fit_centroids(features, 1, np.arange(4))


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
    log_rows, blob = tetrahedron_blobs()
    table = feature_table(log_rows)
    features, _ = scaled_features(table)

    selection = select_k(features, keys_of(table))

    assert (selection.chosen_k, selection.method) == (4, "kneedle")
    assert [point.k for point in selection.curve] == list(range(1, 10))
    inertias = [point.inertia for point in selection.curve]
    assert inertias[0] == pytest.approx(features.shape[0] * 3)  # scaled columns: variance 1
    assert inertias[3] < 0.01 * inertias[2]
    silhouettes = [point.silhouette for point in selection.curve]
    assert silhouettes[0] is None
    assert max(silhouettes[1:]) == silhouettes[3] > 0.9
    _, _, assignment = segment(table)
    assert_one_cluster_per_blob(assignment.column("cluster_id").to_numpy(), blob)


def test_an_explicit_k_is_chosen_and_the_curve_is_still_computed():
    table = feature_table(tetrahedron_blobs()[0])
    features, _ = scaled_features(table)

    selection = select_k(features, keys_of(table), k=2)
    widened = select_k(features, keys_of(table), k_min=2, k_max=4, k=6)

    assert (selection.chosen_k, selection.method) == (2, "explicit")
    assert [point.k for point in selection.curve] == list(range(1, 10))
    assert [point.k for point in widened.curve] == [2, 3, 4, 5, 6]
    assert widened.chosen_k == 6


def test_the_k_range_is_clipped_to_the_distinct_customers():
    table = feature_table(
        np.log([[1, 9, 900], [1, 9, 900], [50, 3, 90], [50, 3, 90], [300, 1, 9], [300, 1, 9]])
    )

    selection, _, assignment = segment(table)

    assert selection.column("k").to_pylist() == [1, 2, 3]
    # Three points give kneedle no knee; k=3 separates the pairs perfectly (silhouette 1).
    assert selection.column("is_chosen").to_pylist() == [False, False, True]
    assert selection.column("silhouette").to_pylist()[2] == pytest.approx(1.0)
    assert assignment.column("cluster_id").to_pylist() == [1, 1, 2, 2, 3, 3]


# ---- clusters --------------------------------------------------------------------------------


def test_the_best_blob_is_cluster_one_and_the_worst_is_cluster_k():
    log_rows, blob = ranked_blobs()

    _, _, assignment = segment(feature_table(log_rows), k=4)

    np.testing.assert_array_equal(assignment.column("cluster_id").to_numpy(), blob + 1)
    assert assignment.schema.field("cluster_id").type == pa.int32()


def test_centroids_in_original_units_are_geometric_means_of_the_cluster():
    log_rows, blob = ranked_blobs()

    _, centroids, _ = segment(feature_table(log_rows), k=4)

    best = centroids.filter(pa.compute.equal(centroids["cluster_id"], 1)).to_pylist()[0]
    expected = np.exp(log_rows[blob == 0].mean(axis=0))
    found = [best["centroid_recency_days"], best["centroid_frequency"], best["centroid_monetary"]]
    np.testing.assert_allclose(found, expected, rtol=1e-9)


def test_distances_are_euclidean_to_the_stored_centroids_with_the_stored_scaling():
    table = feature_table(ranked_blobs()[0])

    _, centroids, assignment = segment(table, k=3)

    # Scale with the stored scaling, as customer_clusters does, and compare with every centroid.
    stored = centroids.to_pylist()
    names = ("recency", "frequency", "monetary")
    logs = np.column_stack([table.column(f"log_{name}").to_numpy() for name in names])
    mean = np.array([stored[0][f"log_{name}_mean"] for name in names])
    scale = np.array([stored[0][f"log_{name}_scale"] for name in names])
    points = np.array([[row[f"scaled_{name}"] for name in names] for row in stored])
    all_distances = np.linalg.norm(((logs - mean) / scale)[:, np.newaxis, :] - points[np.newaxis], axis=2)
    np.testing.assert_allclose(
        assignment.column("distance_to_centroid").to_numpy(), all_distances.min(axis=1)
    )
    np.testing.assert_array_equal(
        assignment.column("cluster_id").to_numpy(), all_distances.argmin(axis=1) + 1
    )


def test_the_assignment_carries_the_values_it_clustered():
    table = feature_table(ranked_blobs()[0])

    _, _, assignment = segment(table, k=2)

    for name in ("customer_id", "recency_days", "frequency", "monetary"):
        assert assignment.column(name).equals(table.column(name))


def test_assignment_ties_go_to_the_better_ranked_cluster():
    centroids = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])

    nearest, distance = assign_to_nearest(np.zeros((1, 3)), centroids)

    assert nearest.tolist() == [0]
    assert distance.tolist() == [1.0]


def test_same_input_and_seed_give_identical_tables():
    table = feature_table(ranked_blobs()[0])

    first = segment(table, k_max=5)
    second = segment(table, k_max=5)

    assert all(one.equals(other) for one, other in zip(first, second, strict=True))


@pytest.mark.parametrize(
    "sizes",
    [{}, {"sample_size": 60, "silhouette_sample_size": 30}],
    ids=["all_rows", "sampled"],
)
def test_permuting_the_rows_gives_each_customer_the_same_cluster(sizes):
    table = feature_table(ranked_blobs()[0])
    shuffled = table.take(np.random.default_rng(3).permutation(table.num_rows))

    original = segment(table, k_max=6, **sizes)
    permuted = segment(shuffled, k_max=6, **sizes)

    def by_customer(assignment):
        rows = assignment.to_pylist()
        return {row["customer_id"]: (row["cluster_id"], row["distance_to_centroid"]) for row in rows}

    assert original[0].equals(permuted[0])
    assert original[1].equals(permuted[1])
    assert by_customer(original[2]) == by_customer(permuted[2])


def test_sample_keys_draw_the_same_sample_in_any_row_order():
    log_rows, blob = ranked_blobs()
    table = feature_table(log_rows)
    features, _ = scaled_features(table)
    keys = keys_of(table)
    order = np.random.default_rng(6).permutation(len(features))
    options = {"k": 4, "sample_size": 60, "silhouette_sample_size": 30}

    original = select_k(features, keys, **options)
    permuted = select_k(features[order], keys[order], **options)
    centroids = fit_centroids(features[order], 4, keys[order], fit_sample_size=90)

    assert original.to_arrow().equals(permuted.to_arrow())
    assert original.sample_rows == 60
    np.testing.assert_array_equal(assign_to_nearest(features, centroids)[0], blob)


def test_a_scaled_sample_fits_exactly_what_the_scaled_features_of_everyone_fit():
    table = feature_table(ranked_blobs()[0])
    everyone, scaling = scaled_features(table)
    sample, sample_keys, sample_scaling = scaled_sample(table, 120, 3, keys_of(table))

    assert sample.shape == (120, 3)
    assert (sample_scaling.mean.tolist(), sample_scaling.scale.tolist()) == (
        scaling.mean.tolist(),
        scaling.scale.tolist(),
    )
    curve = select_k(everyone, keys_of(table), seed=3, sample_size=120).curve
    assert select_k(sample, sample_keys, seed=3, sample_size=120).curve == curve
    np.testing.assert_array_equal(
        fit_centroids(sample, 4, sample_keys, seed=3, fit_sample_size=120),
        fit_centroids(everyone, 4, keys_of(table), seed=3, fit_sample_size=120),
    )


KEY_KINDS = {
    "small": lambda count: np.arange(count, dtype=np.uint64) * np.uint64(2654435761),
    "full-range": lambda count: np.random.default_rng(1).integers(0, 2**64 - 1, count, dtype=np.uint64),
    "signed": lambda count: np.random.default_rng(2).integers(-(2**63), 2**63 - 1, count, dtype=np.int64),
}


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_the_warehouse_sample_query_draws_exactly_the_rows_numpy_draws(kind):
    log_rows = ranked_blobs()[0]
    keys = KEY_KINDS[kind](len(log_rows))
    table = feature_table(log_rows)
    table = table.set_column(table.schema.get_field_index("sample_key"), "sample_key", pa.array(keys))
    source = SampledTable.of(duckdb.connect().from_arrow(table), KMEANS_FIT_COLUMNS, "features")

    drawn = source.sample(50, 3)

    expected = table.take(sample_row_indices(keys, 50, 3)).select(drawn.column_names)
    assert drawn.num_rows == 50
    assert drawn.sort_by("sample_key").equals(expected.sort_by("sample_key"))
    assert source.sample(10_000, 3).num_rows == source.count() == table.num_rows


def test_the_k_curve_reads_only_its_sample_and_scales_it_by_its_own_scaling():
    table = feature_table(ranked_blobs()[0])
    options = KMeansOptions(**{**DEFAULTS, "sample_size": 90, "seed": 3})
    drawn = table.take(sample_row_indices(keys_of(table), 90, 3))

    selection = model_selection_table(duckdb.connect().from_arrow(table), options)

    # The same curve as for a table of the drawn customers alone: no other customer changes it.
    assert selection.equals(model_selection_table(drawn, options))
    sample_scaling = scaled_features(drawn)[1]
    assert sample_scaling.mean.tolist() != scaled_features(table)[1].mean.tolist()


def test_cluster_assignment_of_batches_equals_the_assignment_of_the_whole_table():
    table = feature_table(ranked_blobs()[0])
    _, centroids, whole = segment(table)
    batches = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=37))

    streamed = cluster_assignment_table(batches, centroids)

    assert isinstance(streamed, pa.RecordBatchReader)
    assert streamed.read_all().equals(whole)


def test_sample_keys_of_the_wrong_length_are_a_clear_error():
    features, _ = scaled_features(feature_table(np.log([[1, 1, 1], [2, 2, 2], [3, 3, 3]])))

    with pytest.raises(SegmentationError, match="sample_keys must be 3 integers"):
        select_k(features, np.arange(2))


# ---- edge cases ------------------------------------------------------------------------------


def test_no_customers_is_a_clear_error():
    with pytest.raises(SegmentationError, match="^no customers to cluster: "):
        segment(feature_table(np.empty((0, 3))))
    with pytest.raises(SegmentationError, match="^no customers to cluster: "):
        select_k(np.empty((0, 3)), np.arange(0))


def test_a_single_customer_is_one_cluster_at_distance_zero():
    selection, centroids, assignment = segment(feature_table(np.log([[12, 3, 45.5]])))

    assert selection.to_pylist() == [{"k": 1, "inertia": 0.0, "silhouette": None, "is_chosen": True}]
    assert assignment.select(["customer_id", "cluster_id", "distance_to_centroid"]).to_pylist() == [
        {"customer_id": "c00000", "cluster_id": 1, "distance_to_centroid": 0.0}
    ]
    found = centroids.select(
        ["centroid_recency_days", "centroid_frequency", "centroid_monetary"]
    ).to_pylist()[0]
    assert list(found.values()) == pytest.approx([12.0, 3.0, 45.5], rel=1e-12)


def test_identical_customers_fall_back_to_one_cluster():
    selection, centroids, assignment = segment(feature_table(np.log([[7, 2, 19.99]] * 20)))

    assert selection.column("k").to_pylist() == [1]
    assert set(assignment.column("cluster_id").to_pylist()) == {1}
    assert set(assignment.column("distance_to_centroid").to_pylist()) == {0.0}
    assert centroids.column("centroid_monetary").to_pylist() == pytest.approx([19.99])


def test_identical_customers_with_an_explicit_k_above_one_is_an_error():
    with pytest.raises(SegmentationError, match="k=2 clusters requested but there are only 1 "):
        segment(feature_table(np.log([[7, 2, 19.99]] * 20)), k=2)


def test_fewer_distinct_customers_than_k_names_both_numbers():
    table = feature_table(np.log([[1, 9, 900], [1, 9, 900], [50, 3, 90], [300, 1, 9]]))
    features, _ = scaled_features(table)

    with pytest.raises(SegmentationError, match="k=5 clusters requested but there are only 3 "):
        segment(table, k=5)
    with pytest.raises(SegmentationError, match="k=4 .* only 3 distinct"):
        fit_centroids(features, 4, keys_of(table))


def test_a_sample_missing_the_rare_customers_says_so_and_auto_still_works():
    # 9997 identical customers and 3 rare ones: a 10-row sample almost surely sees only the former.
    common = 9997
    log_rows = np.log([[10, 5, 100.0]] * common + [[1, 50, 9e3], [100, 2, 30], [300, 1, 5]])
    table = feature_table(log_rows)
    features, _ = scaled_features(table)

    with pytest.raises(SegmentationError, match="k=3 .* 10-row sample .* only 1 distinct"):
        select_k(features, keys_of(table), k=3, sample_size=10)
    selection, _, assignment = segment(table, sample_size=1000)

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
    table = feature_table(np.log([[1, 9, 900], [50, 3, 90], [300, 1, 9]]))
    features, _ = scaled_features(table)

    with pytest.raises(SegmentationError, match=message):
        select_k(features, keys_of(table), **options)


def test_a_missing_column_is_named():
    table = feature_table(np.log([[1, 1, 1]])).drop_columns(["log_monetary"])

    with pytest.raises(SegmentationError, match=r"lacks column\(s\) \['log_monetary'\]"):
        scaled_features(table)


# ---- output tables ---------------------------------------------------------------------------


def test_output_tables_have_exact_schemas_and_one_chosen_k():
    table = feature_table(ranked_blobs()[0])

    selection, centroids, assignment = segment(table)
    # A RecordBatchReader (what DuckDB's .arrow() returns) is read as the table it streams.
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    assert model_selection_table(reader, KMeansOptions(**DEFAULTS)).equals(selection)

    assert selection.schema == pa.schema(
        [
            ("k", pa.int32()),
            ("inertia", pa.float64()),
            ("silhouette", pa.float64()),
            ("is_chosen", pa.bool_()),
        ]
    )
    assert selection.column("is_chosen").to_pylist().count(True) == 1
    assert selection.column("silhouette").to_pylist()[0] is None
    assert assignment.column_names == [
        "customer_id",
        "cluster_id",
        "distance_to_centroid",
        "recency_days",
        "frequency",
        "monetary",
    ]
    assert centroids.column("cluster_id").to_pylist() == list(range(1, centroids.num_rows + 1))


AUTO = RefitOptions(mode="auto", max_change=0.10)


@pytest.mark.parametrize(
    ("stored_k", "stored_customers", "k", "customers", "mode", "refit", "reason"),
    [
        (
            3,
            1000,
            3,
            1099,
            "auto",
            False,
            "kept: customer count changed by 9.9% since the fit on 1000 (<= 10%), k unchanged",
        ),
        (
            3,
            1000,
            3,
            1000,
            "auto",
            False,
            "kept: customer count changed by 0.0% since the fit on 1000 (<= 10%), k unchanged",
        ),
        (
            3,
            1000,
            3,
            1101,
            "auto",
            True,
            "refit: customer count changed by 10.1% since the fit on 1000 (> 10%)",
        ),
        (
            3,
            1000,
            3,
            899,
            "auto",
            True,
            "refit: customer count changed by 10.1% since the fit on 1000 (> 10%)",
        ),
        (3, 1000, 4, 1000, "auto", True, "refit: k changed from 3 to 4"),
        (None, None, 3, 1000, "auto", True, "refit: no stored fit with its customer count"),
        (3, 1000, 3, 1000, "always", True, "refit: kmeans_refit is always"),
    ],
)
def test_fit_decision(stored_k, stored_customers, k, customers, mode, refit, reason):
    decision = fit_decision(stored_k, stored_customers, k, customers, mode=mode, max_change=0.10)
    assert (decision.refit, decision.reason) == (refit, reason)


def test_an_unknown_refit_mode_is_an_error():
    with pytest.raises(SegmentationError, match="kmeans_refit must be one of"):
        fit_decision(3, 1000, 3, 1000, mode="sometimes", max_change=0.10)


def test_auto_keeps_the_stored_centroids_and_scaling_bit_for_bit():
    log_rows, _ = blobs_in_log_space([(0, 0, 0), (2, 2, 2), (4, 0, 4)])
    first = centroids_table(feature_table(log_rows), 3, seed=42, refit=AUTO)
    # 5% fewer customers, shifted so that a refit would move every centroid and the scaling.
    shifted = feature_table(log_rows[: int(len(log_rows) * 0.95)] + 0.5)
    kept = centroids_table(shifted, 3, seed=42, refit=AUTO, stored=first)
    assert kept.drop_columns(["fit_reason"]).equals(first.drop_columns(["fit_reason"]))
    assert kept.column("customers_fitted").to_pylist() == [len(log_rows)] * 3
    assert kept.column("fit_reason")[0].as_py().startswith("kept: customer count changed by 5.3%")

    refitted = centroids_table(shifted, 3, seed=42, stored=first)
    assert refitted.column("customers_fitted").to_pylist() == [shifted.num_rows] * 3
    assert refitted.column("log_recency_mean")[0].as_py() != first.column("log_recency_mean")[0].as_py()
